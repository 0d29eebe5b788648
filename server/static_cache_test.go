package server_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/eventsource-wasm/eventsource-wasm/server"
)

// The plain name is revalidated every time with a strong ETag; the
// content-hashed name is immutable, and only its current hash is served.
func TestStaticCache(t *testing.T) {
	ts := newServer(t, server.Config{})
	ts.Client.Transport.(*http.Transport).DisableCompression = true

	plain := ts.get(t, "/eventsource.wasm")
	plainBody := readAll(t, plain)
	etag := plain.Header.Get("ETag")
	if plain.Header.Get("Cache-Control") != "no-cache" || !regexp.MustCompile(`^"[0-9a-f]+"$`).MatchString(etag) {
		t.Fatalf("plain: Cache-Control %q ETag %q; want no-cache and a strong ETag", plain.Header.Get("Cache-Control"), etag)
	}
	if resp := ts.get(t, "/eventsource.wasm", "If-None-Match: "+etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation: status %d, want 304", resp.StatusCode)
	}

	hashed, err := ts.HashedPath("/eventsource.wasm")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^/eventsource\.[0-9a-f]{16}\.wasm$`).MatchString(hashed) {
		t.Fatalf("HashedPath = %q", hashed)
	}
	for _, accept := range []string{"", "br"} {
		var headers []string
		if accept != "" {
			headers = append(headers, "Accept-Encoding: "+accept)
		}
		resp := ts.get(t, hashed, headers...)
		body := readAll(t, resp)
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") ||
			resp.Header.Get("Content-Type") != "application/wasm" || resp.Header.Get("ETag") == "" {
			t.Errorf("%s (%s): %d, Cache-Control %q, Content-Type %q, ETag %q", hashed, accept, resp.StatusCode,
				resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Type"), resp.Header.Get("ETag"))
		}
		if accept == "" && body != plainBody {
			t.Errorf("%s: body differs from /eventsource.wasm", hashed)
		}
		if accept == "br" && (resp.Header.Get("Content-Encoding") != "br" || body != "brotli bytes") {
			t.Errorf("%s (br): Content-Encoding %q body %.20q", hashed, resp.Header.Get("Content-Encoding"), body)
		}
	}
	// The same name under dist/ has the same hash.
	if p, err := ts.HashedPath("/dist/eventsource.wasm"); err != nil || p != "/dist"+hashed {
		t.Errorf("HashedPath(/dist/eventsource.wasm) = %q, %v", p, err)
	}

	i := len("/eventsource.") // the hash's first digit, changed
	flip := map[byte]string{'0': "1"}[hashed[i]]
	if flip == "" {
		flip = "0"
	}
	stale := hashed[:i] + flip + hashed[i+1:]
	for _, p := range []string{stale, "/eventsource.0123.wasm", "/eventsource.0123456789ABCDEF.wasm", "/missing.0123456789abcdef.wasm"} {
		if resp := ts.get(t, p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", p, resp.StatusCode)
		}
	}
	if _, err := ts.HashedPath("/missing.wasm"); err == nil || !strings.HasPrefix(err.Error(), "server: ") {
		t.Errorf("HashedPath(/missing.wasm): err %v, want a server: error", err)
	}
}
