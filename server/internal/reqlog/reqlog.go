// Package reqlog logs one line per HTTP request, including for event
// streams that took their connection over from net/http and so end after
// their handler returned.
package reqlog

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// Recorder remembers the status and size of a response, and what the
// request log says about the request. Unwrap lets http.ResponseController
// reach the connection's Flush, deadlines and Hijack.
type Recorder struct {
	http.ResponseWriter
	Status int
	Bytes  int64
	start  time.Time
	// Only what the log needs, not the request: a detached stream keeps
	// its recorder for its whole life.
	method, path, remote string
	// Detached is set by a stream that took the connection over; the
	// stream logs the request (Log) when it ends.
	Detached bool
	log      *slog.Logger
}

// Of finds the Recorder under w's wrappers, or nil.
func Of(w http.ResponseWriter) *Recorder {
	for {
		switch x := w.(type) {
		case *Recorder:
			return x
		case interface{ Unwrap() http.ResponseWriter }:
			w = x.Unwrap()
		default:
			return nil
		}
	}
}

// WriteHeader implements http.ResponseWriter.
func (sr *Recorder) WriteHeader(code int) {
	if sr.Status == 0 {
		sr.Status = code
	}
	sr.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (sr *Recorder) Write(b []byte) (int, error) {
	if sr.Status == 0 {
		sr.Status = http.StatusOK
	}
	n, err := sr.ResponseWriter.Write(b)
	sr.Bytes += int64(n)
	return n, err
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (sr *Recorder) Unwrap() http.ResponseWriter { return sr.ResponseWriter }

// Middleware logs one line per request to log when it ends. Only the path
// is logged: never the query (it may carry an id or, from a careless
// client, a token), nor the Authorization or Cookie headers.
func Middleware(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sr := &Recorder{ResponseWriter: w, start: time.Now(), method: r.Method, path: r.URL.Path, remote: r.RemoteAddr, log: log}
		defer func() {
			p := recover()
			if p != nil || !sr.Detached {
				sr.Log(r.Context(), p != nil)
			}
			if p != nil {
				panic(p) // net/http closes the connection (and logs real panics)
			}
		}()
		next.ServeHTTP(sr, r)
	})
}

// Log writes the request's log line; aborted says the connection ended
// without a complete response.
func (sr *Recorder) Log(ctx context.Context, aborted bool) {
	level, outcome := slog.LevelInfo, "done"
	if sr.Status >= 500 {
		level = slog.LevelWarn
	}
	if aborted {
		outcome = "aborted"
	}
	sr.log.LogAttrs(ctx, level, "request",
		slog.String("method", sr.method),
		slog.String("path", sr.path),
		slog.Int("status", sr.Status),
		slog.Int64("bytes", sr.Bytes),
		slog.Duration("duration", time.Since(sr.start)),
		slog.String("remote", sr.remote),
		slog.String("outcome", outcome))
}
