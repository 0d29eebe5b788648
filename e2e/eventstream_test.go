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

//go:embed testdata/eventstream.js
var eventStreamJS string

// TestEventStreamAPIs checks openEventStream and EventStreamParser in every
// engine on the conformance suite's preset streams: every chunking of the
// bytes gives the same events to the parser (invalid UTF-8, CR/LF and BOM
// split across chunks included), and the stream API gives those events
// too. Then how a stream ends: a failed connection errors it, an aborted
// signal and breaking out of for await close it. Generated streams check
// the zero-copy path's decoding (split code points, invalid UTF-8, BOMs,
// large events across chunks) and wasm memory growing under it.
func TestEventStreamAPIs(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, fixtures.Config{})
	presets := []string{"comments", "multiline", "bom", "crlf", "cr", "mixed", "idreset", "nul-id", "retry-bad",
		"utf8-invalid", "no-trailing-blank", "named", "fields", "empty", "nonascii-id", "odd-data"}
	// What the standard says for a few of them, so the parser cannot be
	// consistently wrong.
	known := map[string][]string{
		"named": {`deepThoughtOutput|"{\"step\": 1, \"thought\": \"thinking\"}"|`, `deepThoughtOutput|"{\"step\": 2, \"thought\": \"42\"}"|`,
			`message|"a plain message: the type resets after each dispatch"|`, `done|"done"|`},
		"utf8-invalid": {"message|\"bad \ufffd byte\"|", "message|\"cut \ufffd euro\"|",
			"message|\"surrogate \ufffd\ufffd\ufffd\"|", `message|"good € 😀"|`},
		"idreset": {`message|"a"|1`, `message|"b"|`, `message|"c"|3`, `message|"d"|`},
		"cr":      {`message|"cr one\ncr two"|1`, `named|"cr named"|1`},
	}
	forEachEngine(t, func(t *testing.T, e browser.Engine) {
		p := openPage(t, e, ts, "/conformance.html", 4*time.Minute)
		var out struct {
			Presets map[string]struct {
				Whole []string
				Diffs []string
			}
			FromStrings []string
			Generated   map[string][]string
			GrowthParse []string
			GrowthBatch []string
			GrewOnParse any
			Failed      string
			Aborted     string
			ForAwait    any
		}
		p.call("const run = "+eventStreamJS, "run", &out, map[string]any{"presets": presets})
		for _, name := range presets {
			r, ok := out.Presets[name]
			if !ok || len(r.Whole) == 0 && name != "no-trailing-blank" {
				t.Errorf("%s: no events (%+v)", name, r)
				continue
			}
			for _, d := range r.Diffs {
				t.Errorf("%s: %s differs from the whole stream's %q", name, d, r.Whole)
			}
			if want, ok := known[name]; ok && !slices.Equal(r.Whole, want) {
				t.Errorf("%s: %q, want %q", name, r.Whole, want)
			}
		}
		if len(out.Generated) != 6 {
			t.Errorf("generated streams: %d results, want 6", len(out.Generated))
		}
		for name, diffs := range out.Generated {
			for _, d := range diffs {
				t.Errorf("%s: %s", name, d)
			}
		}
		if want := []string{`message|"before"|`, `message|"after"|`}; !slices.Equal(out.GrowthParse, want) || out.GrewOnParse != true {
			t.Errorf("a chunk that grows wasm memory: %q (grew: %v), want %q", out.GrowthParse, out.GrewOnParse, want)
		}
		if want := []string{`message|"1"|`, "grew: true", `message|"2"|x`, `message|"3"|x`, `t|"4"|x`, `message|"5"|x`}; !slices.Equal(out.GrowthBatch, want) {
			t.Errorf("memory grown by a listener mid-batch: %q, want %q", out.GrowthBatch, want)
		}
		if want := []string{`message|"café"|`, `x|"y"|7`}; !slices.Equal(out.FromStrings, want) {
			t.Errorf("string chunks: %q, want %q", out.FromStrings, want)
		}
		if !strings.HasPrefix(out.Failed, "503 ") {
			t.Errorf("a 503 ended the stream with %q, want an error with status 503", out.Failed)
		}
		if out.Aborted != "stop" {
			t.Errorf("an aborted signal ended the stream with %q, want the reason", out.Aborted)
		}
		t.Logf("for await: %v", out.ForAwait)
		if out.ForAwait != float64(3) && out.ForAwait != "unsupported" {
			t.Errorf("for await saw %v events, want 3", out.ForAwait)
		}
	})
}
