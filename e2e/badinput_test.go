package e2e

import (
	_ "embed"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/e2e/browser"
	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
)

// TestBadInput feeds the module streams it must refuse or repair: events
// over maxEventSize fail the connection cleanly (an error event with a
// message, CLOSED, no reconnect), invalid UTF-8 becomes U+FFFD exactly as
// in native EventSource, and none of it breaks the shared Go instance: a
// new WasmEventSource afterwards still works and the console stays clean.
func TestBadInput(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, fixtures.Config{})
	forEachEngine(t, func(t *testing.T, e browser.Engine) {
		testBadInput(t, ts, openPage(t, e, ts, "/conformance.html", 90*time.Second))
	})
}

func testBadInput(t *testing.T, ts *testServer, p *page) {
	engine := string(p.bp.Engine())

	tooBig := []struct {
		name, url string
		max       int
	}{
		// An event of many lines whose total exceeds the limit.
		{"event", "/events?count=3&interval=5ms&lines=64&size=900&retry=50", 1024},
		// A single line over the limit, with no line end in sight for a while.
		{"line", "/faults?body=big&size=200000&retry=50", 64 << 10},
		// The same, a byte at a time: the limit must hold while a line grows.
		{"line-chunked", "/faults?body=big&size=3000&chunk=64&chunk_delay=0s&retry=50", 1024},
	}
	for _, c := range tooBig {
		t.Run("maxEventSize-"+c.name, func(t *testing.T) {
			p := p.with(t)
			session := "bad-max-" + c.name + "-" + engine
			var r struct {
				Log   []string `json:"log"`
				RS    int      `json:"rs"`
				Error struct {
					Message *string `json:"message"`
				} `json:"error"`
			}
			p.call(badInputJS, "tooBig", &r, c.url, session, c.max)
			if r.RS != 2 {
				t.Errorf("readyState %d, want CLOSED", r.RS)
			}
			if r.Error.Message == nil || *r.Error.Message == "" {
				t.Errorf("the error event has no message; log %q", r.Log)
			}
			if n := len(ts.rec.session(session)); n != 1 {
				t.Errorf("%d requests, want 1: an oversized event must not reconnect; log %q", n, r.Log)
			}
			// Every event of these streams is over the limit.
			if slices.ContainsFunc(r.Log, func(l string) bool { return strings.HasPrefix(l, "message") }) {
				t.Errorf("an event over the limit was dispatched: %q", r.Log)
			}
			t.Logf("log %q, message %q", r.Log, deref(r.Error.Message))
		})
	}

	// Native against ours on the same invalid bytes, whole and one byte at
	// a time: the page's own comparison.
	for name, u := range map[string]string{
		"invalid-utf8":         "/faults?body=utf8-invalid&retry=50",
		"invalid-utf8-chunked": "/faults?body=utf8-invalid&chunk=1&retry=50",
	} {
		t.Run(name, func(t *testing.T) {
			p := p.with(t)
			var r struct {
				Native implResult `json:"native"`
				Wasm   implResult `json:"wasm"`
			}
			p.call(badInputJS, "nativeAndOurs", &r, u, "bad-"+name+"-"+engine)
			if !slices.Equal(r.Native.Log, r.Wasm.Log) {
				t.Errorf("%s: native and ours differ\n native:\n\t%s\n ours:\n\t%s", u,
					strings.Join(r.Native.Log, "\n\t"), strings.Join(r.Wasm.Log, "\n\t"))
			}
			if !slices.ContainsFunc(r.Wasm.Log, func(l string) bool { return strings.Contains(l, "\uFFFD") }) {
				t.Errorf("%s: no U+FFFD in ours: %q", u, r.Wasm.Log)
			}
		})
	}

	// After all that the module still serves new connections.
	t.Run("still-works", func(t *testing.T) {
		p := p.with(t)
		var r struct {
			IDs []string `json:"ids"`
			RS  int      `json:"rs"`
		}
		p.call(badInputJS, "stillWorks", &r, "bad-after-"+engine)
		if !slices.Equal(r.IDs, []string{"0", "1"}) {
			t.Errorf("ids %q, want [0 1]", r.IDs)
		}
	})

	for _, e := range p.pageErrors() {
		t.Errorf("console: %s", e)
	}
}

// badInputJS holds the scenarios.
//
//go:embed testdata/badinput.js
var badInputJS string

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
