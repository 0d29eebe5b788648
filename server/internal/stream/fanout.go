//go:build linux

package stream

import (
	"context"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/broker"
	"github.com/eventsource-wasm/eventsource-wasm/server/internal/reqlog"
	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

// Why a fan-out hub: with a goroutine per stream, a broadcast to 10,000
// streams woke 10,000 goroutines, each through a select, to make one write
// each; the hand-offs cost a fifth of the server's CPU, and the goroutine
// stacks (the stream's and the one reading to notice the client leave)
// were half of an idle stream's memory. A hub stream has no goroutine: its
// subscription tells the hub when it has messages (broker.Poller), and a
// few workers, one per core, read them, encode them (a broadcast's event
// once per worker, not once per stream) and write them to the connection
// with one non-blocking write. Only a stream whose socket is full gets a
// goroutine, which waits until it drains (bounded by WriteTimeout, the
// slow-client rule of every stream) while what arrives meanwhile stays in
// the subscription, whose bound drops a stream that falls too far behind;
// the next write then carries all of it at once. Heartbeats are written by
// the same workers at the engine's one heartbeat tick; a client that hangs
// up is noticed by one epoll set for all the streams (hangup_linux.go),
// and a write error ends a stream too.

// hub runs the workers of an Engine's hub streams.
type hub struct {
	e       *Engine
	mu      sync.Mutex
	cond    sync.Cond // signals the workers that wait for the queue
	streams map[*hubStream]struct{}
	queue   []*hubStream // streams with something to do, from head on
	head    int
	workers int // running
	idle    int // waiting on cond
	closing atomic.Bool
	hang    hangups
}

func newHub(e *Engine) *hub {
	h := &hub{e: e, streams: make(map[*hubStream]struct{})}
	h.cond.L = &h.mu
	return h
}

// hubStream is one stream served by the hub. A single owner at a time
// touches its connection and pending bytes: whoever set sched (a worker,
// or the goroutine waiting for a full socket).
type hubStream struct {
	h     *hub
	conn  net.Conn
	raw   syscall.RawConn
	src   Source
	rec   *reqlog.Recorder
	token uint64 // its handle in the hangup watcher; 0: not watched

	sched atomic.Bool // queued, or owned by a worker or waiter
	dirty atomic.Bool // the subscription has news
	beat  atomic.Bool // a heartbeat is due
	gone  atomic.Bool // the client hung up

	pending []byte // unsent bytes while the socket is full
	failed  bool   // a write failed: no end of the body
}

// Handoff hands a taken-over stream to the engine's fan-out workers, which
// send src until it ends, the client leaves or the engine closes; first
// are events sent before src's (a reset notice). It reports false when
// the stream cannot be handed off (a stream with a Control, or not
// detachable); the handler then serves src itself, and must not have
// called src's Notify. When the connection turns out to be one the hub
// cannot write directly, serve runs detached instead (see Detach).
func (st *Stream) Handoff(w http.ResponseWriter, r *http.Request, src Source, first []sse.Event, serve func()) bool {
	if st.ctl != nil || r.TLS != nil {
		return false
	}
	conn, ok := st.hijack(w, r)
	if !ok {
		return false
	}
	sc, ok := conn.(syscall.Conn)
	var raw syscall.RawConn
	if ok {
		var err error
		raw, err = sc.SyscallConn()
		ok = err == nil
	}
	if !ok {
		st.runDetached(conn, serve)
		return true
	}
	for _, ev := range first {
		if !st.Send(ev) {
			src.Close()
			st.End()
			return true
		}
	}
	_ = conn.SetWriteDeadline(time.Time{}) // the hub's writes never wait
	hs := &hubStream{h: st.e.hub, conn: conn, raw: raw, src: src, rec: st.rec}
	st.release() // a stream without a Control: nothing to forget
	st.e.beat()  // arms the heartbeat
	hs.h.add(hs)
	src.Notify(hs.notify)
	return true
}

// add registers hs and makes sure the workers and the watcher run.
func (h *hub) add(hs *hubStream) {
	h.mu.Lock()
	h.streams[hs] = struct{}{}
	if h.workers < runtime.GOMAXPROCS(0) {
		h.workers++
		go h.work()
	}
	h.hang.add(h, hs)
	h.mu.Unlock()
	if h.closing.Load() { // Close came between the takeover and now
		hs.schedule()
	}
}

// remove forgets hs; the workers and the watcher stop with the last one.
func (h *hub) remove(hs *hubStream) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.streams, hs)
	h.hang.remove(hs)
	if len(h.streams) == 0 {
		h.cond.Broadcast()
		h.hang.stop()
	}
}

// open returns the number of streams the hub serves.
func (h *hub) open() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return int64(len(h.streams))
}

// push queues hs, which the caller owns, for a worker.
func (h *hub) push(hs *hubStream) {
	h.mu.Lock()
	h.queue = append(h.queue, hs)
	if h.idle > 0 {
		h.cond.Signal()
	}
	h.mu.Unlock()
}

// beatAll makes every stream send a heartbeat.
func (h *hub) beatAll() {
	h.forAll(func(hs *hubStream) { hs.beat.Store(true) })
}

// closeAll ends every stream, cleanly.
func (h *hub) closeAll() {
	h.closing.Store(true)
	h.forAll(func(*hubStream) {})
}

// forAll calls mark on every stream, then schedules it.
func (h *hub) forAll(mark func(*hubStream)) {
	h.mu.Lock()
	all := make([]*hubStream, 0, len(h.streams))
	for hs := range h.streams {
		mark(hs)
		all = append(all, hs)
	}
	h.mu.Unlock()
	for _, hs := range all {
		hs.schedule()
	}
}

// workBatch is how many queued streams a worker takes at once: few, so
// that a worker whose thread the OS preempts holds up few streams while the
// others go on with the queue.
const workBatch = 8

// work is a worker: it serves queued streams until no stream is left.
func (h *hub) work() {
	w := &worker{}
	w.enc = sse.NewEncoder(&w.ev)
	batch := make([]*hubStream, 0, workBatch)
	h.mu.Lock()
	for {
		for h.head == len(h.queue) {
			if len(h.streams) == 0 {
				h.workers--
				h.mu.Unlock()
				return
			}
			h.idle++
			h.cond.Wait()
			h.idle--
		}
		n := min(len(h.queue)-h.head, workBatch)
		batch = append(batch[:0], h.queue[h.head:h.head+n]...)
		clear(h.queue[h.head : h.head+n])
		if h.head += n; h.head == len(h.queue) {
			h.queue, h.head = h.queue[:0], 0
		}
		h.mu.Unlock()
		for _, hs := range batch {
			w.serve(hs)
		}
		clear(batch)
		h.mu.Lock()
	}
}

// notify is the subscription's Notify callback: it runs under the broker's
// lock, so it only marks and queues.
func (hs *hubStream) notify() {
	hs.dirty.Store(true)
	hs.schedule()
}

// schedule queues hs unless it is queued or owned already; its owner then
// sees the flags set before the call when it lets go (see serve).
func (hs *hubStream) schedule() {
	if hs.sched.CompareAndSwap(false, true) {
		hs.h.push(hs)
	}
}

// wanted reports whether hs has something to do.
func (hs *hubStream) wanted() bool {
	return hs.dirty.Load() || hs.beat.Load() || hs.gone.Load() || hs.h.closing.Load()
}

// worker is one fan-out worker's scratch state.
type worker struct {
	msgs []broker.Message
	body []byte // the events of one write
	out  []byte // body, framed
	ev   appendBuf
	enc  *sse.Encoder // into ev
	// The last event encoded in ev: the streams of one broadcast share it.
	last   broker.Message
	lastOK bool
}

// appendBuf is an io.Writer that appends.
type appendBuf []byte

func (b *appendBuf) Write(p []byte) (int, error) {
	*b = append(*b, p...)
	return len(p), nil
}

// heartbeat is the heartbeat comment.
const heartbeat = ": heartbeat\n" // as Encoder.Comment writes it

// endOfBody ends a chunked body.
const endOfBody = "0\r\n\r\n"

// serve does what hs, which w owns, has to do: write what its
// subscription has and a due heartbeat in one write, or end it.
func (w *worker) serve(hs *hubStream) {
	for {
		hs.dirty.Store(false)
		if hs.h.closing.Load() || hs.gone.Load() {
			hs.end()
			return
		}
		var open bool
		w.msgs, open = hs.src.Poll(w.msgs[:0])
		w.body = w.body[:0]
		for _, m := range w.msgs {
			w.body = append(w.body, w.encode(m)...)
		}
		clear(w.msgs) // let the data go
		if hs.beat.Swap(false) {
			w.body = append(w.body, heartbeat...)
		}
		w.out = w.out[:0]
		if len(w.body) > 0 {
			w.out = appendChunk(w.out, w.body) // one chunk, one write
			if hs.rec != nil {
				hs.rec.Bytes += int64(len(w.body))
			}
		}
		if len(w.out) > 0 {
			n, err := hs.tryWrite(w.out)
			if err != nil {
				hs.failed = true
				hs.end()
				return
			}
			if n < len(w.out) {
				hs.pending = append(hs.pending[:0], w.out[n:]...)
				go hs.waitWritable()
				return
			}
		}
		if cap(w.out) > 64<<10 {
			w.out, w.body = nil, nil // a big replay's buffers go to the collector
		}
		if !open { // dropped as too slow, or the broker closed
			hs.end()
			return
		}
		hs.sched.Store(false)
		if !hs.wanted() || !hs.sched.CompareAndSwap(false, true) {
			return
		}
	}
}

// encode returns m encoded, or nothing for an event the encoder refuses
// (an id with a line break, which no broker issues). The last event is
// kept: the streams of one broadcast share its encoding.
func (w *worker) encode(m broker.Message) []byte {
	if !w.lastOK || m != w.last {
		if cap(w.ev) > 64<<10 {
			w.ev = nil
		}
		w.ev = w.ev[:0]
		w.last = m
		w.lastOK = w.enc.Encode(sse.Event{ID: m.ID, Type: m.Type, Data: m.Data}) == nil
		if !w.lastOK {
			w.ev = w.ev[:0]
		}
	}
	return w.ev
}

// appendChunk appends p framed as one HTTP/1.1 chunk.
func appendChunk(b, p []byte) []byte {
	b = strconv.AppendInt(b, int64(len(p)), 16)
	b = append(b, "\r\n"...)
	b = append(b, p...)
	return append(b, "\r\n"...)
}

// tryWrite writes as much of b as the socket takes now, without waiting:
// a full socket returns the count so far and no error. It writes the
// (non-blocking) descriptor under Control, not RawConn.Write, whose write
// lock and poller bookkeeping cost a tenth of a broadcast's CPU: the
// stream's owner is its only writer.
func (hs *hubStream) tryWrite(b []byte) (int, error) {
	var n int
	var werr error
	err := hs.raw.Control(func(fd uintptr) {
		for n < len(b) {
			m, err := syscall.Write(int(fd), b[n:])
			if m > 0 {
				n += m
			}
			if err == syscall.EINTR {
				continue
			}
			if err != nil {
				if err != syscall.EAGAIN {
					werr = err
				}
				break
			}
		}
	})
	if err == nil {
		err = werr
	}
	return n, err
}

// waitWritable runs while hs's socket is full: it writes the pending bytes,
// waiting at most WriteTimeout (a client that does not read for that long
// is dropped), then hands hs back to the workers, which send what queued
// up meanwhile in one write.
func (hs *hubStream) waitWritable() {
	_ = hs.conn.SetWriteDeadline(time.Now().Add(hs.h.e.cfg.WriteTimeout))
	_, err := hs.conn.Write(hs.pending)
	_ = hs.conn.SetWriteDeadline(time.Time{})
	hs.pending = nil
	if err != nil {
		hs.failed = true
		hs.end()
		return
	}
	hs.h.push(hs) // still its owner
}

// end ends hs: its subscription, the body (one attempt: a client that does
// not read loses only the clean end), the connection, and the request log
// line.
func (hs *hubStream) end() {
	hs.src.Close()
	if !hs.failed && !hs.gone.Load() {
		_, _ = hs.tryWrite([]byte(endOfBody))
	}
	hs.h.remove(hs)
	hs.conn.Close()
	if hs.rec != nil {
		hs.rec.Log(context.Background(), false)
	}
	e := hs.h.e
	e.ended()
	e.detached.Done()
}
