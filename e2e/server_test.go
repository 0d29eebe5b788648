package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
	"github.com/eventsource-wasm/eventsource-wasm/web"
)

// recorded is what the recorder keeps of one request. Credentials are kept
// only as the scheme and a short fingerprint, never as the secret.
type recorded struct {
	At           time.Time
	Method       string
	Path         string
	Query        url.Values
	Session      string // the session= query parameter
	LastEventID  string // the Last-Event-ID request header
	HasLEID      bool   // whether that header was present at all
	AuthScheme   string // "Bearer", "Basic", … or ""
	AuthPrint    string // first 12 hex digits of SHA-256 of the credentials
	Cookies      []string
	Accept       string
	CacheControl string
	Origin       string
}

// String renders the parts that two EventSource implementations must agree
// on for the same stream: no time, no session tag (also when a parameter
// such as a redirect target embeds it).
func (r recorded) String() string {
	q := url.Values{}
	for k, v := range r.Query {
		if k != "session" {
			q[k] = v
		}
	}
	s := r.Method + " " + r.Path
	if len(q) > 0 {
		s += "?" + q.Encode()
		if r.Session != "" {
			s = strings.ReplaceAll(s, url.QueryEscape(r.Session), "SESSION")
		}
	}
	if r.HasLEID {
		s += fmt.Sprintf(" Last-Event-ID=%q", r.LastEventID)
	}
	if r.AuthScheme != "" {
		s += " Authorization=" + r.AuthScheme
	}
	if r.Origin != "" {
		s += " Origin=" + r.Origin
	}
	return s + fmt.Sprintf(" Accept=%q Cache-Control=%q", r.Accept, r.CacheControl)
}

// recorder is middleware that logs every request before the server sees it.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

func (rec *recorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rr := recorded{
			At:           time.Now(),
			Method:       r.Method,
			Path:         r.URL.Path,
			Query:        r.URL.Query(),
			Session:      r.URL.Query().Get("session"),
			Accept:       r.Header.Get("Accept"),
			CacheControl: r.Header.Get("Cache-Control"),
			Origin:       r.Header.Get("Origin"),
		}
		if v := r.Header.Values("Last-Event-ID"); len(v) > 0 {
			rr.HasLEID, rr.LastEventID = true, v[0]
		}
		if auth := r.Header.Get("Authorization"); auth != "" {
			scheme, cred, _ := strings.Cut(auth, " ")
			sum := sha256.Sum256([]byte(cred))
			rr.AuthScheme, rr.AuthPrint = scheme, hex.EncodeToString(sum[:6])
		}
		for _, c := range r.Cookies() {
			rr.Cookies = append(rr.Cookies, c.Name)
		}
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, rr)
		rec.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

// session returns the requests tagged session=id, in arrival order.
func (rec *recorder) session(id string) []recorded {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []recorded
	for _, r := range rec.reqs {
		if r.Session == id {
			out = append(out, r)
		}
	}
	return out
}

// testServer is the project's server, in process on 127.0.0.1, behind the
// recorder, plus a second instance for cross-origin cases.
type testServer struct {
	// URL is the main server, whose pages the tests load.
	URL string
	// XOrigin is the main server under another origin (localhost instead
	// of 127.0.0.1), which lets URL's origin read with credentials.
	XOrigin string
	// XDenied is a second server that lets no other origin read.
	XDenied string
	rec     *recorder
}

// startServer starts the real server (serving web.FS) with cfg, allowing
// its own origin cross-origin when cfg.AllowOrigins is nil; the test's
// cleanup stops it. Both its servers record into the same recorder.
func startServer(t *testing.T, cfg fixtures.Config) *testServer {
	t.Helper()
	if cfg.Logger == nil {
		// Request logs (5xx answers included: the tests ask for them) would
		// drown the test output; errors still show.
		cfg.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))
	}
	rec := &recorder{}
	main := httptest.NewUnstartedServer(nil)
	if cfg.AllowOrigins == nil {
		cfg.AllowOrigins = []string{"http://" + main.Listener.Addr().String()}
	}
	strictCfg := cfg
	strictCfg.AllowOrigins = []string{}
	strict := httptest.NewUnstartedServer(nil)
	for _, x := range []struct {
		hs  *httptest.Server
		cfg fixtures.Config
	}{{main, cfg}, {strict, strictCfg}} {
		t.Cleanup(x.hs.Close)
		x.hs.Config.Handler = rec.wrap(newServer(t, x.cfg).Handler())
		x.hs.Start()
	}
	_, port, _ := net.SplitHostPort(main.Listener.Addr().String())
	return &testServer{URL: main.URL, XOrigin: "http://localhost:" + port, XDenied: strict.URL, rec: rec}
}

// newServer makes a server.Server that the test's cleanup closes, which ends
// its streams, so closing the HTTP server does not wait for them. (Cleanups
// run last-in first-out: register the HTTP server's Close before this.)
func newServer(t *testing.T, cfg fixtures.Config) *fixtures.App {
	t.Helper()
	if cfg.Static == nil {
		cfg.Static = web.FS
	}
	srv, err := fixtures.New(cfg)
	if err != nil {
		t.Fatalf("fixtures.New: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// testWriter sends the server's log to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// requireWasm fails the test unless `make wasm` has put the module in
// web/dist, where the embedded web.FS serves it.
func requireWasm(t *testing.T) {
	t.Helper()
	for _, f := range []string{"dist/eventsource.wasm", "eventsource-wasm.js"} {
		if _, err := fs.Stat(web.FS, f); err != nil {
			t.Fatalf("web.FS lacks %s (run `make wasm` first): %v", f, err)
		}
	}
}
