package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

// ticker describes an integer-id event sequence: /events, /event-stream and
// the /auth streams share it.
type ticker struct {
	interval time.Duration
	next     int64 // first id to send
	end      int64 // one past the last id; -1 for no end
	event    string
	done     bool // send `event: done` after the last id
	data     func(n int64) string
	retry    int64
}

// parseTicker reads the /events query parameters and the resume id.
func parseTicker(r *http.Request, defInterval time.Duration) (ticker, error) {
	q := newQuery(r)
	t := ticker{
		interval: q.duration("interval", defInterval, maxInterval),
		event:    q.name("event"),
		done:     q.bool("done"),
		retry:    q.retry(),
	}
	start := q.int("start", 0, 0, 1<<53)
	count := q.int("count", 0, 0, 1<<53)
	size := int(q.int("size", 0, 0, maxEventSize))
	lines := int(q.int("lines", 1, 1, maxDataLines))
	stamp := q.bool("ts")
	if q.err != nil {
		return t, q.err
	}
	t.next, t.end = start, -1
	if count > 0 {
		t.end = start + count
	}
	if id := lastEventID(r); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n < -1 || n >= 1<<53 {
			return t, fmt.Errorf("last event id %q: this stream's ids are integers", id)
		}
		t.next = n + 1
	}
	t.data = func(n int64) string { return tickData(n, stamp, size, lines) }
	return t, nil
}

// tickData is the data of tick n: a JSON object {"n":N}, with "ts" (server
// time in Unix milliseconds, microsecond precision) when stamp is set,
// padded with a "pad" string to size bytes, and when lines > 1 wrapped in a
// JSON array spread over that many lines whose first element is the object.
func tickData(n int64, stamp bool, size, lines int) string {
	var b strings.Builder
	b.WriteString(`{"n":`)
	b.WriteString(strconv.FormatInt(n, 10))
	if stamp {
		b.WriteString(`,"ts":`)
		b.WriteString(strconv.FormatFloat(float64(time.Now().UnixMicro())/1e3, 'f', 3, 64))
	}
	const padOverhead = len(`,"pad":""`) + len(`}`)
	if pad := size - b.Len() - padOverhead; pad > 0 {
		b.Grow(size)
		b.WriteString(`,"pad":"`)
		b.WriteString(strings.Repeat("x", pad))
		b.WriteString(`"`)
	}
	b.WriteString(`}`)
	if lines <= 1 {
		return b.String()
	}
	var a strings.Builder
	a.WriteString("[")
	a.WriteString(b.String())
	for i := 1; i < lines; i++ {
		a.WriteString(",\n")
		a.WriteString(`{"line":`)
		a.WriteString(strconv.Itoa(i))
		a.WriteString("}")
	}
	a.WriteString("]")
	return a.String()
}

// finished reports whether the sequence has no id left to send.
func (t *ticker) finished() bool { return t.end >= 0 && t.next >= t.end }

// serveTicker streams t until its end, the client leaves or stop is closed.
// A resume past the last id answers 204 No Content, which tells an
// EventSource to stop reconnecting.
func (s *Server) serveTicker(w http.ResponseWriter, r *http.Request, t ticker, stop <-chan struct{}) {
	if t.finished() {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	st := s.startStream(w, r, streamOptions{retry: t.retry})
	if st == nil {
		return
	}
	defer st.end()
	tick := ready
	if t.interval > 0 {
		tk := time.NewTicker(t.interval)
		defer tk.Stop()
		tick = tk.C
	}
	for first := true; !t.finished(); first = false {
		if !first {
			if st.wait(tick, nil, stop).why != wokeTimer {
				return
			}
		}
		if !st.send(sse.Event{ID: strconv.FormatInt(t.next, 10), Type: t.event, Data: t.data(t.next)}) {
			return
		}
		t.next++
	}
	if t.done {
		st.send(sse.Event{Type: "done", Data: "done"})
	}
}

// handleEvents serves GET /events, the configurable ticker.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	t, err := parseTicker(r, time.Second)
	if err != nil {
		badRequest(w, "bad_request", err)
		return
	}
	s.serveTicker(w, r, t, nil)
}

// handleEventStream serves GET /event-stream, the seed tutorial's stream:
// "Test Message -- <unix ms>" every second, ids from 0, resuming after
// Last-Event-ID.
func (s *Server) handleEventStream(w http.ResponseWriter, r *http.Request) {
	t, err := parseTicker(r, time.Second)
	if err != nil {
		badRequest(w, "bad_request", err)
		return
	}
	t.data = func(int64) string { return "Test Message -- " + strconv.FormatInt(time.Now().UnixMilli(), 10) }
	s.serveTicker(w, r, t, nil)
}
