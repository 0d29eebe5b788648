package e2e

import (
	_ "embed"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/e2e/browser"
	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
)

//go:embed testdata/schemes.js
var schemesJS string

// TestURLSchemes opens URLs that do not reach an HTTP server with native
// EventSource and with ours, side by side, in every engine. A scheme that
// cannot stream fails the connection at once: one error event, CLOSED, as
// native does in every engine. data: and blob: URLs, which fetch reads,
// stream as the standard says (and Chromium does), reconnecting when their
// body ends; native's departures in other engines are logged, not copied.
func TestURLSchemes(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, fixtures.Config{})
	failing := []string{"ftp://127.0.0.1/events", "mailto:events@example.com", "javascript:1", "about:blank",
		"data:text/plain,data:%20x%0A%0A"} // fetched, but not text/event-stream
	streams := func(data, id, origin string) []string {
		msg := "message " + data + " id=" + id + " origin=" + origin
		return []string{"open rs=1", msg, "error rs=0", "open rs=1", msg, "error rs=0", "open rs=1", msg}
	}
	readable := map[string][]string{
		"data:text/event-stream,retry:%2050%0Aid:%201%0Adata:%20d%C3%A9j%C3%A0%0A%0A": streams(`"déjà"`, `"1"`, "null"),
		"%BLOB%": streams(`"blob"`, `"b1"`, "page"),
	}
	urls := slices.Concat(failing, slices.Sorted(maps.Keys(readable)))
	forEachEngine(t, func(t *testing.T, e browser.Engine) {
		p := openPage(t, e, ts, "/conformance.html", 2*time.Minute)
		var out map[string]struct{ Native, Wasm []string }
		p.call("const run = "+schemesJS, "run", &out, map[string]any{"urls": urls})
		for _, url := range urls {
			r := out[url]
			want, ok := readable[url]
			if !ok {
				want = []string{"error rs=2"}
			}
			if !slices.Equal(r.Wasm, want) {
				t.Errorf("%s: ours %q, want %q", url, r.Wasm, want)
			}
			if !slices.Equal(r.Native, want) {
				t.Logf("%s: native departs from the standard in %s: %q", url, e, r.Native)
			}
		}
	})
}
