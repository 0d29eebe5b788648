package server

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

// eventStreamType is the Content-Type of every event stream.
const eventStreamType = "text/event-stream; charset=utf-8"

// stream is one open event-stream response. All its writes happen on the
// handler's goroutine: a stream starts no goroutine of its own, so nothing
// outlives the request.
type stream struct {
	s         *Server
	r         *http.Request
	rc        *http.ResponseController
	out       io.Writer // the response, or gz over it
	gz        *gzip.Writer
	enc       *sse.Encoder
	ctl       *streamControl
	heartbeat *time.Ticker
	failed    error // first write error; the stream is over once set
}

// streamOptions tunes startStream for the endpoints that need raw control.
type streamOptions struct {
	contentType string // default eventStreamType
	retry       int64  // < 0: no retry field
	raw         bool   // no compression and no opening comment: /faults writes exact bytes
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
	st := &stream{s: s, r: r, rc: http.NewResponseController(w), out: w}
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
	st.enc = sse.NewEncoder(st.out)
	st.ctl = s.sessions.attach(r.URL.Query().Get("session"))
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

// end releases the stream's resources; the handler defers it.
func (st *stream) end() {
	st.heartbeat.Stop()
	st.s.sessions.detach(st.r.URL.Query().Get("session"), st.ctl)
	if st.gz != nil && st.failed == nil {
		st.deadline()
		st.fail(st.gz.Close())
	}
	st.s.streams.Add(-1)
}

// fail records the first write error.
func (st *stream) fail(err error) {
	if err != nil && st.failed == nil {
		st.failed = err
	}
}

// deadline gives the next write WriteTimeout to complete, so a client that
// stopped reading is dropped instead of holding the handler forever.
func (st *stream) deadline() {
	// ErrNotSupported (e.g. under a recorder) leaves writes unbounded,
	// which is all such a writer can do.
	_ = st.rc.SetWriteDeadline(time.Now().Add(st.s.cfg.WriteTimeout))
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
		st.fail(st.rc.Flush())
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
	done := st.r.Context().Done()
	for st.failed == nil {
		select {
		case <-done:
			return wakeup{why: wokeEnd}
		case <-st.s.closing:
			return wakeup{why: wokeEnd}
		case <-stop:
			return wakeup{why: wokeEnd}
		case <-st.ctl.dropped():
			// Abort the connection without ending the body: to the client it
			// looks like a network failure.
			panic(http.ErrAbortHandler)
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
	case <-st.r.Context().Done():
	case <-st.s.closing:
	case <-st.ctl.dropped():
		panic(http.ErrAbortHandler)
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
