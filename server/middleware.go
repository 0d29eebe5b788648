package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// parseOrigins validates the allowed origins: "*" or scheme://host[:port].
func parseOrigins(list []string) (map[string]bool, bool, error) {
	m := make(map[string]bool)
	anyOrigin := false
	for _, o := range list {
		if o == "*" {
			anyOrigin = true
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			return nil, false, fmt.Errorf("allowed origin %q: want scheme://host[:port] or *", o)
		}
		// Browsers serialise an origin's scheme and host in lower case.
		m[u.Scheme+"://"+strings.ToLower(u.Host)] = true
	}
	return m, anyOrigin, nil
}

// CORS request headers a cross-origin EventSource client needs.
const (
	corsAllowHeaders  = "Authorization, Last-Event-ID, Content-Type, Cache-Control"
	corsAllowMethods  = "GET, POST, OPTIONS"
	corsExposeHeaders = "Retry-After, WWW-Authenticate"
)

// cors answers preflights and marks responses readable by allowed origins:
// a listed origin gets itself echoed with credentials; with "*" any other
// origin may read without credentials; an unlisted origin gets no
// Access-Control-Allow-Origin at all, so its page cannot read anything.
func (s *Server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		listed := s.origins[origin]
		switch {
		case listed:
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
		case s.anyOrigin:
			h.Set("Access-Control-Allow-Origin", "*")
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method, Access-Control-Request-Headers")
			if listed || s.anyOrigin {
				h.Set("Access-Control-Allow-Methods", corsAllowMethods)
				h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
				h.Set("Access-Control-Max-Age", "600")
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if listed || s.anyOrigin {
			h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		}
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status and size of a response, and what the
// request log says about the request. Unwrap lets http.ResponseController
// reach the connection's Flush, deadlines and Hijack.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	start  time.Time
	// Only what the log needs, not the request: a detached stream keeps
	// its recorder for its whole life.
	method, path, remote string
	// detached is set by a stream that took the connection over; the
	// stream logs the request when it ends.
	detached bool
}

// recorderOf finds the statusRecorder under w's wrappers, or nil.
func recorderOf(w http.ResponseWriter) *statusRecorder {
	for {
		switch x := w.(type) {
		case *statusRecorder:
			return x
		case interface{ Unwrap() http.ResponseWriter }:
			w = x.Unwrap()
		default:
			return nil
		}
	}
}

func (sr *statusRecorder) WriteHeader(code int) {
	if sr.status == 0 {
		sr.status = code
	}
	sr.ResponseWriter.WriteHeader(code)
}

func (sr *statusRecorder) Write(b []byte) (int, error) {
	if sr.status == 0 {
		sr.status = http.StatusOK
	}
	n, err := sr.ResponseWriter.Write(b)
	sr.bytes += int64(n)
	return n, err
}

func (sr *statusRecorder) Unwrap() http.ResponseWriter { return sr.ResponseWriter }

// logRequests logs one line per request when it ends. Only the path is
// logged: never the query (it may carry an id or, from a careless client,
// a token), nor the Authorization or Cookie headers.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sr := &statusRecorder{ResponseWriter: w, start: time.Now(), method: r.Method, path: r.URL.Path, remote: r.RemoteAddr}
		defer func() {
			p := recover()
			if p != nil || !sr.detached {
				s.logRequest(r.Context(), sr, p != nil)
			}
			if p != nil {
				panic(p) // net/http closes the connection (and logs real panics)
			}
		}()
		next.ServeHTTP(sr, r)
	})
}

// logRequest writes sr's request log line.
func (s *Server) logRequest(ctx context.Context, sr *statusRecorder, aborted bool) {
	level, outcome := slog.LevelInfo, "done"
	if sr.status >= 500 {
		level = slog.LevelWarn
	}
	if aborted {
		outcome = "aborted"
	}
	s.log.LogAttrs(ctx, level, "request",
		slog.String("method", sr.method),
		slog.String("path", sr.path),
		slog.Int("status", sr.status),
		slog.Int64("bytes", sr.bytes),
		slog.Duration("duration", time.Since(sr.start)),
		slog.String("remote", sr.remote),
		slog.String("outcome", outcome))
}
