package server_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/eventsource-wasm/eventsource-wasm/server"
)

func TestStatic(t *testing.T) {
	ts := newServer(t, server.Config{})
	ts.Client.Transport.(*http.Transport).DisableCompression = true
	cases := []struct {
		path, accept       string
		status             int
		ctype, coding, has string
	}{
		{"/", "", 200, "text/html; charset=utf-8", "", "<title>demo</title>"},
		{"/index.html", "", 200, "text/html; charset=utf-8", "", "<title>demo</title>"},
		{"/sub/", "", 200, "text/html; charset=utf-8", "", "sub index"},
		{"/eventsource-wasm.js", "", 200, "text/javascript; charset=utf-8", "", "export"},
		{"/eventsource.wasm", "", 200, "application/wasm", "", "\x00asm"},
		{"/eventsource.wasm", "gzip, deflate, br, zstd", 200, "application/wasm", "br", "brotli bytes"},
		{"/eventsource.wasm", "gzip", 200, "application/wasm", "gzip", "gzip bytes"},
		{"/eventsource.wasm", "br;q=0, gzip;q=0.5", 200, "application/wasm", "gzip", "gzip bytes"},
		{"/eventsource.wasm", "identity", 200, "application/wasm", "", "\x00asm"},
		{"/dist/eventsource.wasm", "", 200, "application/wasm", "", "\x00asm"},
		{"/missing.js", "", 404, "", "", ""},
		{"/../../etc/passwd", "", 404, "", "", ""},
		{"/dist", "", 404, "", "", ""},
	}
	for _, c := range cases {
		var headers []string
		if c.accept != "" {
			headers = append(headers, "Accept-Encoding: "+c.accept)
		}
		resp := ts.get(t, c.path, headers...)
		body := readAll(t, resp)
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d", c.path, resp.StatusCode, c.status)
			continue
		}
		if c.status != 200 {
			continue
		}
		if got := resp.Header.Get("Content-Type"); got != c.ctype {
			t.Errorf("%s: Content-Type %q, want %q", c.path, got, c.ctype)
		}
		if got := resp.Header.Get("Content-Encoding"); got != c.coding {
			t.Errorf("%s (%s): Content-Encoding %q, want %q", c.path, c.accept, got, c.coding)
		}
		if !strings.Contains(body, c.has) {
			t.Errorf("%s (%s): body %.40q, want %q", c.path, c.accept, body, c.has)
		}
		if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") || resp.Header.Get("ETag") == "" || resp.Header.Get("Cache-Control") == "" {
			t.Errorf("%s: Vary %q ETag %q Cache-Control %q", c.path, resp.Header.Get("Vary"), resp.Header.Get("ETag"), resp.Header.Get("Cache-Control"))
		}
	}
}

func TestStaticETag(t *testing.T) {
	ts := newServer(t, server.Config{})
	ts.Client.Transport.(*http.Transport).DisableCompression = true
	plain := ts.get(t, "/eventsource.wasm")
	br := ts.get(t, "/eventsource.wasm", "Accept-Encoding: br")
	etag, brTag := plain.Header.Get("ETag"), br.Header.Get("ETag")
	if etag == "" || etag == brTag {
		t.Fatalf("ETags %q and %q: each representation needs its own", etag, brTag)
	}
	if resp := ts.get(t, "/eventsource.wasm", "If-None-Match: "+etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", resp.StatusCode)
	}
	if resp := ts.get(t, "/eventsource.wasm", "If-None-Match: "+brTag, "Accept-Encoding: br"); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match br: status %d, want 304", resp.StatusCode)
	}
	if resp := ts.get(t, "/eventsource.wasm", `If-None-Match: "other"`); resp.StatusCode != http.StatusOK {
		t.Errorf("stale If-None-Match: status %d, want 200", resp.StatusCode)
	}
}

// The default Static is the embedded web.FS, which has the demo page.
func TestDefaultStatic(t *testing.T) {
	s, err := server.New(server.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET / from web.FS: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
}

func TestCORS(t *testing.T) {
	ts := newServer(t, server.Config{AllowOrigins: []string{"http://good.test", "https://also.test:8443"}})
	// Allowed: the origin is echoed with credentials.
	resp := ts.get(t, "/events?count=1", "Origin: http://good.test")
	if resp.Header.Get("Access-Control-Allow-Origin") != "http://good.test" || resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("allowed origin: ACAO %q ACAC %q", resp.Header.Get("Access-Control-Allow-Origin"), resp.Header.Get("Access-Control-Allow-Credentials"))
	}
	if !strings.Contains(resp.Header.Get("Vary"), "Origin") {
		t.Errorf("Vary %q lacks Origin", resp.Header.Get("Vary"))
	}
	// Denied: nothing.
	resp = ts.get(t, "/events?count=1", "Origin: http://evil.test")
	for _, h := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Expose-Headers"} {
		if v := resp.Header.Get(h); v != "" {
			t.Errorf("unlisted origin got %s: %q", h, v)
		}
	}
	// Preflight.
	pre := ts.do(t, http.MethodOptions, "/auth/events", nil, "Origin: https://also.test:8443",
		"Access-Control-Request-Method: GET", "Access-Control-Request-Headers: authorization, last-event-id")
	if pre.StatusCode != http.StatusNoContent || pre.Header.Get("Access-Control-Allow-Origin") != "https://also.test:8443" {
		t.Fatalf("preflight: %d, ACAO %q", pre.StatusCode, pre.Header.Get("Access-Control-Allow-Origin"))
	}
	allowed := strings.ToLower(pre.Header.Get("Access-Control-Allow-Headers"))
	for _, h := range []string{"authorization", "last-event-id", "content-type", "cache-control"} {
		if !strings.Contains(allowed, h) {
			t.Errorf("preflight does not allow %s: %q", h, allowed)
		}
	}
	deniedPre := ts.do(t, http.MethodOptions, "/auth/events", nil, "Origin: http://evil.test", "Access-Control-Request-Method: GET")
	if deniedPre.Header.Get("Access-Control-Allow-Origin") != "" || deniedPre.Header.Get("Access-Control-Allow-Headers") != "" {
		t.Errorf("unlisted preflight got CORS headers: %v", deniedPre.Header)
	}
}

func TestCORSWildcard(t *testing.T) {
	ts := newServer(t, server.Config{AllowOrigins: []string{"*", "http://good.test"}})
	resp := ts.get(t, "/healthz", "Origin: http://any.test")
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("wildcard: ACAO %q ACAC %q; never * with credentials", resp.Header.Get("Access-Control-Allow-Origin"), resp.Header.Get("Access-Control-Allow-Credentials"))
	}
	// A client honouring Retry-After (retryOnStatus) must be able to read it.
	if v := resp.Header.Get("Access-Control-Expose-Headers"); !strings.Contains(v, "Retry-After") {
		t.Errorf("wildcard: Access-Control-Expose-Headers %q lacks Retry-After", v)
	}
	resp = ts.get(t, "/healthz", "Origin: http://good.test")
	if resp.Header.Get("Access-Control-Allow-Origin") != "http://good.test" || resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("listed with wildcard: ACAO %q", resp.Header.Get("Access-Control-Allow-Origin"))
	}
}

// Browsers send origins in lower case; a listed origin matches whatever
// its case in the configuration.
func TestCORSOriginCase(t *testing.T) {
	ts := newServer(t, server.Config{AllowOrigins: []string{"HTTP://Good.Test:8080"}})
	resp := ts.get(t, "/healthz", "Origin: http://good.test:8080")
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "http://good.test:8080" {
		t.Errorf("ACAO %q, want the listed origin", got)
	}
}

func TestBadOrigins(t *testing.T) {
	for _, o := range []string{"good.test", "http://good.test/path", "ftp://x", "http://"} {
		if _, err := server.New(server.Config{AllowOrigins: []string{o}, Static: testFS}); err == nil {
			t.Errorf("origin %q accepted", o)
		}
	}
}
