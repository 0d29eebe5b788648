package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
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
		m[u.Scheme+"://"+u.Host] = true
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
		if listed {
			h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		}
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status and size of a response. Unwrap lets
// http.ResponseController reach the connection's Flush and deadlines.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
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
		start := time.Now()
		sr := &statusRecorder{ResponseWriter: w}
		outcome := "done"
		defer func() {
			p := recover()
			if p != nil {
				outcome = "aborted"
			}
			level := slog.LevelInfo
			if sr.status >= 500 {
				level = slog.LevelWarn
			}
			s.log.LogAttrs(r.Context(), level, "request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", sr.status),
				slog.Int64("bytes", sr.bytes),
				slog.Duration("duration", time.Since(start)),
				slog.String("remote", r.RemoteAddr),
				slog.String("outcome", outcome))
			if p != nil {
				panic(p) // net/http closes the connection (and logs real panics)
			}
		}()
		next.ServeHTTP(sr, r)
	})
}
