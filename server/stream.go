package server

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

// eventStreamType is the Content-Type of every event stream.
const eventStreamType = "text/event-stream; charset=utf-8"

// stream is one open event-stream response. All its writes happen on one
// goroutine: the handler's, or, once detached, the goroutine detach starts.
type stream struct {
	s         *Server
	session   string          // the session query parameter
	gone      <-chan struct{} // closed when the client has gone away
	ctrl      writeControl
	out       io.Writer // the response, or gz over it
	gz        *gzip.Writer
	enc       *sse.Encoder
	ctl       *streamControl
	heartbeat *time.Ticker
	armed     time.Time // the write deadline last set
	failed    error     // first write error; the stream is over once set

	// Set by detach: the connection the stream took over from net/http,
	// and the request's log record, which the stream then completes.
	conn    net.Conn
	rec     *statusRecorder
	aborted bool // end the connection without ending the body
}

// writeControl flushes a stream and bounds its writes:
// *http.ResponseController, or a detached stream's chunkedConn.
type writeControl interface {
	Flush() error
	SetWriteDeadline(time.Time) error
}

// streamOptions tunes startStream for the endpoints that need raw control.
type streamOptions struct {
	contentType string // default eventStreamType
	retry       int64  // < 0: no retry field
	raw         bool   // no compression and no opening comment: /faults writes exact bytes
	detach      bool   // the handler will call detach
}

// errStreamLimit and errShuttingDown are why a stream could not start.
var (
	errStreamLimit  = errors.New("too many open streams")
	errShuttingDown = errors.New("server shutting down")
)

// startStream checks the limits, sends the headers and the first bytes (the
// retry field or a comment, so the client sees the response at once) and
// flushes. On failure it has answered the request and returns nil. The
// caller must defer st.end().
func (s *Server) startStream(w http.ResponseWriter, r *http.Request, opt streamOptions) *stream {
	select {
	case <-s.closing:
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "shutting_down", errShuttingDown.Error())
		return nil
	default:
	}
	if n := s.streams.Add(1); s.cfg.MaxStreams > 0 && n > int64(s.cfg.MaxStreams) {
		s.streams.Add(-1)
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusServiceUnavailable, "too_many_streams",
			fmt.Sprintf("%v (limit %d); retry later", errStreamLimit, s.cfg.MaxStreams))
		return nil
	}
	st := &stream{s: s, session: r.URL.Query().Get("session"), gone: r.Context().Done(),
		ctrl: http.NewResponseController(w), out: w, rec: recorderOf(w)}
	h := w.Header()
	ct := opt.contentType
	if ct == "" {
		ct = eventStreamType
	}
	h.Set("Content-Type", ct)
	h.Set("Cache-Control", "no-cache, no-transform")
	h.Set("X-Accel-Buffering", "no")
	if !opt.raw && s.cfg.CompressStreams {
		h.Add("Vary", "Accept-Encoding")
		if acceptsEncoding(r.Header.Get("Accept-Encoding"), "gzip") {
			h.Set("Content-Encoding", "gzip")
			st.gz, _ = gzip.NewWriterLevel(w, gzip.BestSpeed) // a valid level: no error
			st.out = st.gz
		}
	}
	if opt.detach && st.detachable(r) {
		// A detached stream closes its connection when it ends: the client
		// must not keep it for another request.
		h.Set("Connection", "close")
	}
	st.enc = sse.NewEncoder(st.out)
	st.ctl = s.sessions.attach(st.session)
	st.heartbeat = time.NewTicker(s.cfg.Heartbeat)
	w.WriteHeader(http.StatusOK)
	st.deadline()
	switch {
	case opt.retry >= 0:
		st.fail(st.enc.Retry(opt.retry))
	case !opt.raw:
		st.fail(st.enc.Comment("ok"))
	}
	st.flush()
	return st
}

// end releases the stream's resources; the handler (or the function run by
// detach) defers it.
func (st *stream) end() {
	if st.conn != nil {
		defer st.s.detached.Done() // last: Close waits for the whole end
	}
	st.heartbeat.Stop()
	st.s.sessions.detach(st.session, st.ctl)
	if st.gz != nil && st.failed == nil {
		st.deadline()
		st.fail(st.gz.Close())
	}
	if st.conn != nil {
		if st.failed == nil {
			st.deadline()
			_, err := io.WriteString(st.conn, "0\r\n\r\n") // the end of the chunked body
			st.fail(err)
		}
		st.conn.Close()
		st.s.logRequest(context.Background(), st.rec, st.aborted)
	}
	st.s.streams.Add(-1)
}

// abort ends the connection without ending the body: to the client it looks
// like a network failure.
func (st *stream) abort() {
	if st.conn == nil {
		panic(http.ErrAbortHandler) // net/http closes the connection
	}
	st.aborted = true
	st.fail(errAborted)
}

// errAborted is the failure of a detached stream that abort ended.
var errAborted = errors.New("stream aborted")

// detach takes the connection over from net/http and runs serve, which
// must defer st.end(), on a new goroutine. When it reports true the handler
// must return at once, without touching w or r again; when it reports
// false nothing changed and the handler runs serve itself.
//
// Why: a handler parked for the life of a stream keeps net/http's whole
// per-connection state: 10 KiB of bufio buffers, the request, and the serve
// goroutine's stack, which the first flush grows to 8 KiB (it goes through
// chunkWriter.writeHeader's 2.8 KiB frame) and which cannot shrink while
// the handler's frames use more than a quarter of it. That was two thirds
// of an idle stream's 28 KiB. Detached, a stream costs two small
// goroutines (its own, and one blocked reading to notice the client
// leave), the connection and the broker's subscription.
//
// Only a stream started with streamOptions.detach is detached, and only
// when detachable; writers without Hijack (recorders) and a server that is
// closing keep the handler's goroutine.
func (st *stream) detach(w http.ResponseWriter, r *http.Request, serve func()) bool {
	if st.failed != nil || !st.detachable(r) {
		return false
	}
	s := st.s
	s.detachMu.Lock()
	select {
	case <-s.closing: // Close may be waiting already: Add must not race it
		s.detachMu.Unlock()
		return false
	default:
	}
	s.detached.Add(1)
	s.detachMu.Unlock()
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		s.detached.Done()
		return false
	}
	gone := make(chan struct{})
	out := &chunkedConn{Conn: conn, rec: st.rec}
	st.conn, st.gone, st.out, st.ctrl, st.enc = conn, gone, out, out, sse.NewEncoder(out)
	st.armed = time.Time{}      // Hijack cleared the connection's deadlines
	st.rec.ResponseWriter = nil // let net/http's connection state go
	st.rec.detached = true
	go func() {
		// Anything the client sends is ignored; its end (or the stream's
		// Close) ends the read.
		defer close(gone)
		buf := make([]byte, 64)
		for {
			if _, err := conn.Read(buf); err != nil {
				return
			}
		}
	}()
	go serve()
	return true
}

// detachable reports whether the stream's response is one detach can take
// over: a GET over HTTP/1.1, whose body is therefore chunked, not
// compressed. HTTP/2, HEAD and HTTP/1.0 keep net/http's connection.
func (st *stream) detachable(r *http.Request) bool {
	return st.gz == nil && st.rec != nil && r.Method == http.MethodGet &&
		r.ProtoMajor == 1 && r.ProtoMinor >= 1
}

// chunkedConn writes a detached stream's body straight to its connection,
// one HTTP/1.1 chunk and one write per Write call (the sse.Encoder makes
// one Write per event), so nothing waits in a buffer and Flush has nothing
// to do.
type chunkedConn struct {
	net.Conn
	rec *statusRecorder // counts the body bytes for the request log
}

// chunkBufs holds the scratch buffers chunkedConn frames chunks in, so an
// idle stream holds none.
var chunkBufs = sync.Pool{New: func() any { return new([]byte) }}

func (c *chunkedConn) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil // an empty chunk would end the body
	}
	bp := chunkBufs.Get().(*[]byte)
	b := strconv.AppendInt((*bp)[:0], int64(len(p)), 16)
	b = append(append(append(b, "\r\n"...), p...), "\r\n"...)
	_, err := c.Conn.Write(b)
	if cap(b) <= 64<<10 { // big events' buffers go to the collector
		*bp = b
		chunkBufs.Put(bp)
	}
	if err != nil {
		return 0, err
	}
	c.rec.bytes += int64(len(p))
	return len(p), nil
}

func (c *chunkedConn) Flush() error { return nil }

// fail records the first write error.
func (st *stream) fail(err error) {
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
func (st *stream) deadline() {
	now, wt := time.Now(), st.s.cfg.WriteTimeout
	if st.armed.Sub(now) >= wt {
		return
	}
	st.armed = now.Add(wt + wt/8)
	// ErrNotSupported (e.g. under a recorder) leaves writes unbounded,
	// which is all such a writer can do.
	_ = st.ctrl.SetWriteDeadline(st.armed)
}

// flush pushes everything written so far to the client.
func (st *stream) flush() bool {
	if st.failed != nil {
		return false
	}
	if st.gz != nil {
		st.fail(st.gz.Flush())
	}
	if st.failed == nil {
		st.fail(st.ctrl.Flush())
	}
	return st.failed == nil
}

// send writes and flushes one event; false means the stream is over.
func (st *stream) send(ev sse.Event) bool {
	if st.failed != nil {
		return false
	}
	st.deadline()
	st.fail(st.enc.Encode(ev))
	return st.flush()
}

// comment writes and flushes a comment; false means the stream is over.
func (st *stream) comment(text string) bool {
	if st.failed != nil {
		return false
	}
	st.deadline()
	st.fail(st.enc.Comment(text))
	return st.flush()
}

// writeRaw writes b as is, in flushed pieces of chunk bytes (all at once
// when chunk <= 0) with pause between pieces, so clients see reads split
// anywhere, even inside a CRLF or a UTF-8 sequence.
func (st *stream) writeRaw(b []byte, chunk int, pause time.Duration) bool {
	if chunk <= 0 {
		chunk = len(b)
	}
	for len(b) > 0 && st.failed == nil {
		n := min(chunk, len(b))
		st.deadline()
		_, err := st.out.Write(b[:n])
		st.fail(err)
		if !st.flush() {
			return false
		}
		b = b[n:]
		if len(b) > 0 && pause > 0 && st.wait(time.After(pause), nil, nil).why != wokeTimer {
			return false
		}
	}
	return st.failed == nil
}

// woke says why wait returned.
type woke int

const (
	wokeEnd     woke = iota // the stream must end: client gone, shutdown, stop, write error
	wokeTimer               // the timer fired
	wokeMessage             // a message arrived, or msgs was closed (ok false)
)

type wakeup struct {
	why woke
	msg Message
	ok  bool // for wokeMessage: false when msgs was closed
}

// ready is a closed channel: waiting on it returns at once, which turns
// wait into a poll for the burst loops.
var ready = func() <-chan time.Time {
	c := make(chan time.Time)
	close(c)
	return c
}()

// wait blocks until timer fires, a message arrives on msgs, stop is closed
// or the stream must end, sending heartbeats meanwhile and obeying the
// session's drop and stall controls. Nil channels never fire.
func (st *stream) wait(timer <-chan time.Time, msgs <-chan Message, stop <-chan struct{}) wakeup {
	for st.failed == nil {
		select {
		case <-st.gone:
			return wakeup{why: wokeEnd}
		case <-st.s.closing:
			return wakeup{why: wokeEnd}
		case <-stop:
			return wakeup{why: wokeEnd}
		case <-st.ctl.dropped():
			st.abort()
			return wakeup{why: wokeEnd}
		case <-st.ctl.stalled():
			st.stall()
			return wakeup{why: wokeEnd}
		case <-st.heartbeat.C:
			st.comment("heartbeat")
		case <-timer:
			return wakeup{why: wokeTimer}
		case m, ok := <-msgs:
			return wakeup{why: wokeMessage, msg: m, ok: ok}
		}
	}
	return wakeup{why: wokeEnd}
}

// stall keeps the connection open without writing a byte, not even a
// heartbeat, until the client leaves, the server closes or the session is
// dropped.
func (st *stream) stall() {
	select {
	case <-st.gone:
	case <-st.s.closing:
	case <-st.ctl.dropped():
		st.abort()
	}
}

// acceptsEncoding reports whether an Accept-Encoding header value accepts
// coding with a non-zero quality. An explicit entry for coding overrides "*".
func acceptsEncoding(header, coding string) bool {
	explicit, star := -1.0, -1.0
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.TrimSpace(name)
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(p, "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		switch {
		case strings.EqualFold(name, coding):
			explicit = q
		case name == "*":
			star = q
		}
	}
	if explicit >= 0 {
		return explicit > 0
	}
	return star > 0
}
