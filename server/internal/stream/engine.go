// Package stream writes event-stream responses for the server's handlers
// and its fixtures: headers, the opening bytes, one flush per event, write
// deadlines that drop a client that stopped reading, heartbeats, a bound on
// open streams, and a clean end for all of them at shutdown.
//
// The plain path (stream.go) writes through net/http's ResponseWriter and
// works over any protocol. For HTTP/1.1 a stream may also take its
// connection over from net/http to hold less memory while idle
// (takeover.go); Config.TakeOver switches that on. On Linux a taken-over
// stream whose source can be polled is handed to the engine's fan-out
// workers (fanout.go) and keeps no goroutine.
package stream

import (
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Config tunes an Engine. Every duration must be positive.
type Config struct {
	// Heartbeat is the interval of the comment every stream sends to keep
	// proxies and clients from timing out an idle connection.
	Heartbeat time.Duration
	// WriteTimeout bounds the write of each event: a client that does not
	// read for that long is dropped.
	WriteTimeout time.Duration
	// Limit bounds the open streams, possibly together with other
	// Engines that share it; beyond it a request gets 503 with
	// Retry-After. Nil means no limit.
	Limit Limit
	// Compress gzips streams for clients that accept it, flushing the
	// compressor after every event.
	Compress bool
	// TakeOver lets the streams started with Options.TakeOver take their
	// HTTP/1.1 connection over from net/http (see Stream.Detach).
	TakeOver bool
	// Log receives the request log lines of taken-over streams.
	Log *slog.Logger
}

// Limit counts open streams against a bound (server.StreamLimit).
type Limit interface {
	// Acquire counts one more stream and reports whether it fits; false
	// counted nothing.
	Acquire() bool
	// Release counts an acquired stream as ended.
	Release()
	// Max is the bound, for the 503's message.
	Max() int
}

// Engine starts streams and ends them all at Close.
type Engine struct {
	cfg     Config
	streams atomic.Int64 // open streams

	closing   chan struct{} // closed by Close: every stream ends
	closeOnce sync.Once
	// detached counts the streams that took their connection over, which
	// http.Server.Shutdown does not wait for: Close does. detachMu orders
	// their Add against Close's close of closing.
	detached sync.WaitGroup
	detachMu sync.Mutex

	// One heartbeat for all the streams instead of a ticker each (a timer,
	// and a channel more in every idle stream's select): beatCh is closed
	// at every Heartbeat, and at Close, and then replaced. A runtime timer
	// rather than a goroutine runs it, armed while streams are open.
	beatMu    sync.Mutex
	beatCh    chan struct{}
	beatTimer *time.Timer
	beatEnded bool // Close: beatCh stays closed

	hub *hub // the taken-over streams without a goroutine (fanout.go)
}

// New returns an Engine for cfg.
func New(cfg Config) *Engine {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	e := &Engine{cfg: cfg, closing: make(chan struct{})}
	e.hub = newHub(e)
	return e
}

// ended counts a stream's end.
func (e *Engine) ended() {
	e.streams.Add(-1)
	if e.cfg.Limit != nil {
		e.cfg.Limit.Release()
	}
}

// Open returns the number of open streams.
func (e *Engine) Open() int64 { return e.streams.Load() }

// Fanout returns the number of open streams the fan-out workers serve
// (Handoff), a part of Open.
func (e *Engine) Fanout() int64 { return e.hub.open() }

// Closing is closed once Close was called.
func (e *Engine) Closing() <-chan struct{} { return e.closing }

// Close ends every open stream (cleanly, so clients reconnect elsewhere)
// and makes new ones fail with 503, ahead of http.Server.Shutdown, which
// would otherwise wait for streams that never end. It returns once the
// streams that took their connection over have ended (within the write
// timeout for a client that stopped reading); Shutdown waits for the
// others.
func (e *Engine) Close() {
	e.closeOnce.Do(func() {
		e.detachMu.Lock()
		close(e.closing)
		e.detachMu.Unlock()
		e.hub.closeAll()
		e.beatMu.Lock()
		e.beatEnded = true
		if e.beatTimer != nil {
			e.beatTimer.Stop()
		}
		if e.beatCh != nil {
			close(e.beatCh)
		}
		e.beatMu.Unlock()
		e.detached.Wait()
	})
}

// beat returns the channel closed at the next heartbeat, or at Close.
func (e *Engine) beat() <-chan struct{} {
	e.beatMu.Lock()
	defer e.beatMu.Unlock()
	if e.beatCh == nil {
		e.beatCh = make(chan struct{})
		if e.beatEnded {
			close(e.beatCh)
		}
	}
	if !e.beatEnded && e.beatTimer == nil {
		e.beatTimer = time.AfterFunc(e.cfg.Heartbeat, e.tick)
	}
	return e.beatCh
}

// tick is a heartbeat: it wakes every stream waiting for it, and re-arms
// while streams are open.
func (e *Engine) tick() {
	e.beatMu.Lock()
	defer e.beatMu.Unlock()
	if e.beatEnded {
		return
	}
	if e.beatCh != nil {
		close(e.beatCh)
		e.beatCh = nil
	}
	e.hub.beatAll()
	if e.streams.Load() > 0 {
		e.beatTimer.Reset(e.cfg.Heartbeat)
	} else {
		e.beatTimer = nil // the next stream arms it again
	}
}

// errStreamLimit and errShuttingDown are why a stream could not start.
var (
	errStreamLimit  = errors.New("server: too many open streams")
	errShuttingDown = errors.New("server: shutting down")
)
