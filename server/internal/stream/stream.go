package stream

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/broker"
	"github.com/eventsource-wasm/eventsource-wasm/server/internal/httpapi"
	"github.com/eventsource-wasm/eventsource-wasm/server/internal/reqlog"
	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

// eventStreamType is the Content-Type of every event stream.
const eventStreamType = "text/event-stream; charset=utf-8"

// Stream is one open event-stream response. All its writes happen on one
// goroutine: the handler's, or, once detached, the goroutine Detach starts.
type Stream struct {
	e       *Engine
	gone    <-chan struct{} // closed when the client has gone away
	ctrl    writeControl
	out     io.Writer // the response, or gz over it
	gz      *gzip.Writer
	enc     *sse.Encoder
	ctl     *Control
	release func()    // forgets ctl
	armed   time.Time // the write deadline last set
	// perWrite: the deadline must cover each write alone, and be lifted
	// after it (HTTP/2, where a deadline is a timer that resets the stream
	// when it fires, even while no write is waiting).
	perWrite bool
	failed   error // first write error; the stream is over once set
	rec      *reqlog.Recorder
	takeover *takeover // set by Detach
}

// writeControl flushes a stream and bounds its writes:
// *http.ResponseController, or a detached stream's chunkedConn.
type writeControl interface {
	Flush() error
	SetWriteDeadline(time.Time) error
}

// Options tunes Start for the endpoints that need raw control.
type Options struct {
	ContentType string // default text/event-stream
	Retry       int64  // < 0: no retry field
	Raw         bool   // no compression and no opening comment: exact bytes
	TakeOver    bool   // the handler will call Detach
}

// Start checks the limits, sends the headers and the first bytes (the
// retry field or a comment, so the client sees the response at once) and
// flushes. On failure it has answered the request and returns nil. The
// caller must defer st.End().
func (e *Engine) Start(w http.ResponseWriter, r *http.Request, opt Options) *Stream {
	select {
	case <-e.closing:
		w.Header().Set("Retry-After", "1")
		httpapi.WriteError(w, http.StatusServiceUnavailable, "shutting_down", errShuttingDown.Error())
		return nil
	default:
	}
	if e.cfg.Limit != nil && !e.cfg.Limit.Acquire() {
		w.Header().Set("Retry-After", "5")
		httpapi.WriteError(w, http.StatusServiceUnavailable, "too_many_streams",
			fmt.Sprintf("%v (limit %d); retry later", errStreamLimit, e.cfg.Limit.Max()))
		return nil
	}
	e.streams.Add(1)
	st := &Stream{e: e, gone: r.Context().Done(), ctrl: http.NewResponseController(w), out: w, rec: reqlog.Of(w),
		perWrite: r.ProtoMajor >= 2}
	h := w.Header()
	ct := opt.ContentType
	if ct == "" {
		ct = eventStreamType
	}
	h.Set("Content-Type", ct)
	h.Set("Cache-Control", "no-cache, no-transform")
	h.Set("X-Accel-Buffering", "no")
	if !opt.Raw && e.cfg.Compress {
		h.Add("Vary", "Accept-Encoding")
		if httpapi.AcceptsEncoding(r.Header.Get("Accept-Encoding"), "gzip") {
			h.Set("Content-Encoding", "gzip")
			st.gz, _ = gzip.NewWriterLevel(w, gzip.BestSpeed) // a valid level: no error
			st.out = st.gz
		}
	}
	if opt.TakeOver && st.detachable(r) {
		// A detached stream closes its connection when it ends: the client
		// must not keep it for another request.
		h.Set("Connection", "close")
	}
	st.enc = sse.NewEncoder(st.out)
	st.ctl, st.release = attachOf(r.Context())
	w.WriteHeader(http.StatusOK)
	st.deadline()
	switch {
	case opt.Retry >= 0:
		st.fail(st.enc.Retry(opt.Retry))
	case !opt.Raw:
		st.fail(st.enc.Comment("ok"))
	}
	st.Flush()
	return st
}

// End releases the stream's resources; the handler (or the function run by
// Detach) defers it.
func (st *Stream) End() {
	if st.takeover != nil {
		defer st.e.detached.Done() // last: Close waits for the whole end
	}
	st.release()
	if st.gz != nil && st.failed == nil {
		st.deadline()
		st.fail(st.gz.Close())
		st.settle()
	}
	if st.takeover != nil {
		st.endTakeover()
	}
	st.e.ended()
}

// Abort ends the connection without ending the body: to the client it
// looks like a network failure. The caller returns at once.
func (st *Stream) Abort() {
	if st.takeover == nil {
		panic(http.ErrAbortHandler) // net/http closes the connection
	}
	st.takeover.aborted = true
	st.fail(errAborted)
}

// fail records the first write error.
func (st *Stream) fail(err error) {
	if err != nil && st.failed == nil {
		st.failed = err
	}
}

// deadline gives the next write at least WriteTimeout to complete, so a
// client that stopped reading is dropped instead of holding the handler
// forever. Re-arming the connection's deadline updates a runtime timer,
// which cost a tenth of the server's CPU when it was done for every event
// of a broadcast to 10,000 streams; so the deadline is set an eighth
// further than needed and re-armed only once less than WriteTimeout is
// left. A stuck client is still dropped within 9/8 of WriteTimeout.
//
// Over HTTP/2 the deadline covers one write and its flush, and settle lifts
// it after them: there a deadline is a timer that resets the stream when
// it fires, even when the stream is idle.
func (st *Stream) deadline() {
	now, wt := time.Now(), st.e.cfg.WriteTimeout
	if st.armed.Sub(now) >= wt && !st.perWrite {
		return
	}
	st.armed = now.Add(wt + wt/8)
	// ErrNotSupported (e.g. under a recorder) leaves writes unbounded,
	// which is all such a writer can do.
	_ = st.ctrl.SetWriteDeadline(st.armed)
}

// Flush pushes everything written so far to the client; false means the
// stream is over.
func (st *Stream) Flush() bool {
	if st.failed != nil {
		return false
	}
	if st.gz != nil {
		st.fail(st.gz.Flush())
	}
	if st.failed == nil {
		st.fail(st.ctrl.Flush())
	}
	st.settle()
	return st.failed == nil
}

// settle lifts an HTTP/2 stream's write deadline once its writes are done.
func (st *Stream) settle() {
	if st.perWrite && !st.armed.IsZero() {
		st.armed = time.Time{}
		_ = st.ctrl.SetWriteDeadline(time.Time{})
	}
}

// Send writes and flushes one event; false means the stream is over.
func (st *Stream) Send(ev sse.Event) bool {
	if st.failed != nil {
		return false
	}
	st.deadline()
	st.fail(st.enc.Encode(ev))
	return st.Flush()
}

// batchBufs holds the buffers SendAll encodes in, so an idle stream holds
// none.
var batchBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// SendAll writes evs in one write and one flush: the events that queued up
// for a stream that fell behind go out together, at the cost of one.
// False means the stream is over.
func (st *Stream) SendAll(evs []sse.Event) bool {
	if len(evs) == 1 {
		return st.Send(evs[0])
	}
	if st.failed != nil {
		return false
	}
	buf := batchBufs.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 64<<10 { // big batches' buffers go to the collector
			buf.Reset()
			batchBufs.Put(buf)
		}
	}()
	enc := sse.NewEncoder(buf)
	for _, ev := range evs {
		if err := enc.Encode(ev); err != nil {
			st.fail(err)
			return false
		}
	}
	st.deadline()
	_, err := st.out.Write(buf.Bytes())
	st.fail(err)
	return st.Flush()
}

// Comment writes and flushes a comment; false means the stream is over.
func (st *Stream) Comment(text string) bool {
	if st.failed != nil {
		return false
	}
	st.deadline()
	st.fail(st.enc.Comment(text))
	return st.Flush()
}

// WriteRaw writes b as is, in flushed pieces of chunk bytes (all at once
// when chunk <= 0) with pause between pieces, so clients see reads split
// anywhere, even inside a CRLF or a UTF-8 sequence.
func (st *Stream) WriteRaw(b []byte, chunk int, pause time.Duration) bool {
	if chunk <= 0 {
		chunk = len(b)
	}
	for len(b) > 0 && st.failed == nil {
		n := min(chunk, len(b))
		st.deadline()
		_, err := st.out.Write(b[:n])
		st.fail(err)
		if !st.Flush() {
			return false
		}
		b = b[n:]
		if len(b) > 0 && pause > 0 && !st.pause(pause) {
			return false
		}
	}
	return st.failed == nil
}

// pause waits d between two pieces of one write, obeying the stream's
// Control but writing nothing: a heartbeat comment here would land inside
// the event being written (the rest of its line would follow the comment).
// It returns false when the stream must end.
func (st *Stream) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-st.gone:
		return false
	case <-st.e.closing:
		return false
	case <-st.ctl.act():
		st.obey()
		return false
	}
}

// obey carries out the stream's Control once it has acted: a drop aborts
// the connection, a stall holds it silent until it ends.
func (st *Stream) obey() {
	if st.ctl.wasDropped() {
		st.Abort()
	} else {
		st.Stall()
	}
}

// Woke says why Wait returned.
type Woke int

const (
	WokeEnd     Woke = iota // the stream must end: client gone, shutdown, stop, drop, write error
	WokeTimer               // the timer fired
	WokeMessage             // a message arrived, or msgs was closed (OK false)
)

// Wakeup is what Wait returns.
type Wakeup struct {
	Why Woke
	Msg broker.Message
	OK  bool // for WokeMessage: false when msgs was closed
}

// Wait blocks until timer fires, a message arrives on msgs, stop is closed
// or the stream must end, sending heartbeats meanwhile and obeying the
// stream's Control. Nil channels never fire.
//
// Its select is what an idle stream holds, one waiting record per channel,
// so it has few: the engine's heartbeat also signals Close.
func (st *Stream) Wait(timer <-chan time.Time, msgs <-chan broker.Message, stop <-chan struct{}) Wakeup {
	beat := st.e.beat()
	for st.failed == nil {
		select {
		case <-st.gone:
			return Wakeup{Why: WokeEnd}
		case <-stop:
			return Wakeup{Why: WokeEnd}
		case <-st.ctl.act():
			st.obey()
			return Wakeup{Why: WokeEnd}
		case <-beat:
			select {
			case <-st.e.closing:
				return Wakeup{Why: WokeEnd}
			default:
			}
			beat = st.e.beat()
			st.Comment("heartbeat")
		case <-timer:
			return Wakeup{Why: WokeTimer}
		case m, ok := <-msgs:
			return Wakeup{Why: WokeMessage, Msg: m, OK: ok}
		}
	}
	return Wakeup{Why: WokeEnd}
}

// Stall keeps the connection open without writing a byte, not even a
// heartbeat, until the client leaves, the server closes or the stream is
// dropped.
func (st *Stream) Stall() {
	select {
	case <-st.gone:
	case <-st.e.closing:
	case <-st.ctl.dropped():
		st.Abort()
	}
}

// ready is a closed channel: waiting on it returns at once.
var ready = func() <-chan time.Time {
	c := make(chan time.Time)
	close(c)
	return c
}()

// Ticker returns the timer of a sequence sent every interval, for Wait: a
// ticker's channel, or with interval 0 a closed channel, which makes the
// sequence a burst. The caller defers stop.
func Ticker(interval time.Duration) (tick <-chan time.Time, stop func()) {
	if interval <= 0 {
		return ready, func() {}
	}
	t := time.NewTicker(interval)
	return t.C, t.Stop
}
