package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Bounds of query parameters, so one request cannot ask for unbounded
// memory or time.
const (
	maxEventSize   = 16 << 20
	maxDataLines   = 10000
	maxNameLen     = 256
	maxInterval    = time.Hour
	maxRetryMillis = 24 * 60 * 60 * 1000
)

// query reads typed query parameters, keeping the first error.
type query struct {
	v   url.Values
	err error
}

func newQuery(r *http.Request) *query { return &query{v: r.URL.Query()} }

func (q *query) failf(format string, args ...any) {
	if q.err == nil {
		q.err = fmt.Errorf(format, args...)
	}
}

// int returns parameter name as an integer in [lo, hi], or def when absent.
func (q *query) int(name string, def, lo, hi int64) int64 {
	s := q.v.Get(name)
	if s == "" {
		return def
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi {
		q.failf("query %s=%q: want an integer from %d to %d", name, s, lo, hi)
		return def
	}
	return n
}

// duration returns parameter name as a Go duration in [0, hi].
func (q *query) duration(name string, def, hi time.Duration) time.Duration {
	s := q.v.Get(name)
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || d > hi {
		q.failf("query %s=%q: want a Go duration (e.g. 250ms) from 0 to %v", name, s, hi)
		return def
	}
	return d
}

// bool reports whether parameter name is "1" or "true".
func (q *query) bool(name string) bool {
	switch s := q.v.Get(name); s {
	case "", "0", "false":
		return false
	case "1", "true":
		return true
	default:
		q.failf("query %s=%q: want 1 or 0", name, s)
		return false
	}
}

// name returns parameter name as an event name: no line break, bounded.
func (q *query) name(name string) string {
	s := q.v.Get(name)
	if len(s) > maxNameLen || strings.ContainsAny(s, "\r\n") {
		q.failf("query %s: want at most %d bytes and no line break", name, maxNameLen)
		return ""
	}
	return s
}

// retry returns the retry parameter in milliseconds, -1 when absent.
func (q *query) retry() int64 { return q.int("retry", -1, 0, maxRetryMillis) }

// lastEventID returns the id a reconnecting client resumes from: the
// Last-Event-ID header, or the lastEventId query parameter when the header
// is absent or empty (for clients behind proxies that strip the header).
func lastEventID(r *http.Request) string {
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		return id
	}
	return r.URL.Query().Get("lastEventId")
}

// badRequest answers 400 with err.
func badRequest(w http.ResponseWriter, code string, err error) {
	writeError(w, http.StatusBadRequest, code, err.Error())
}
