package httpapi

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
	MaxEventSize   = 16 << 20
	MaxDataLines   = 10000
	MaxNameLen     = 256
	MaxInterval    = time.Hour
	MaxRetryMillis = 24 * 60 * 60 * 1000
)

// Query reads typed query parameters, keeping the first error.
type Query struct {
	V   url.Values
	Err error
}

// NewQuery returns a Query of r's URL.
func NewQuery(r *http.Request) *Query { return &Query{V: r.URL.Query()} }

// Failf records an error unless one is recorded already.
func (q *Query) Failf(format string, args ...any) {
	if q.Err == nil {
		q.Err = fmt.Errorf("server: "+format, args...)
	}
}

func parseInt(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }

// Int returns parameter name as an integer in [lo, hi], or def when absent.
func (q *Query) Int(name string, def, lo, hi int64) int64 {
	s := q.V.Get(name)
	if s == "" {
		return def
	}
	n, err := parseInt(s)
	if err != nil || n < lo || n > hi {
		q.Failf("query %s=%q: want an integer from %d to %d", name, s, lo, hi)
		return def
	}
	return n
}

// Count returns parameter name as an integer from 0 to MaxSafeInteger, or
// def when absent.
func (q *Query) Count(name string, def int64) int64 { return q.Int(name, def, 0, MaxSafeInteger) }

// Duration returns parameter name as a Go duration in [0, hi].
func (q *Query) Duration(name string, def, hi time.Duration) time.Duration {
	s := q.V.Get(name)
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || d > hi {
		q.Failf("query %s=%q: want a Go duration (e.g. 250ms) from 0 to %v", name, s, hi)
		return def
	}
	return d
}

// Bool reports whether parameter name is "1" or "true".
func (q *Query) Bool(name string) bool {
	switch s := q.V.Get(name); s {
	case "", "0", "false":
		return false
	case "1", "true":
		return true
	default:
		q.Failf("query %s=%q: want 1 or 0", name, s)
		return false
	}
}

// Name returns parameter name as an event name: no line break, bounded.
func (q *Query) Name(name string) string {
	s := q.V.Get(name)
	if len(s) > MaxNameLen || strings.ContainsAny(s, "\r\n") {
		q.Failf("query %s: want at most %d bytes and no line break", name, MaxNameLen)
		return ""
	}
	return s
}

// Retry returns the retry parameter in milliseconds, -1 when absent.
func (q *Query) Retry() int64 { return q.Int("retry", -1, 0, MaxRetryMillis) }
