package e2e

import (
	"context"
	"embed"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/eventsource-wasm/eventsource-wasm/e2e/browser"
	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
)

// probeFiles is the probe page: it connects one WasmEventSource as its
// query string says (module URL, stream, fallback, in a Worker) and leaves
// the outcome in window.result.
//
//go:embed testdata/package
var probeFiles embed.FS

// cspPolicies are the Content-Security-Policy headers a probe can ask for
// with ?csp=.
var cspPolicies = map[string]string{
	"wasm":   "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'",
	"strict": "default-src 'self'; script-src 'self'",
}

// probeServer serves the probe under /probe/ (with the CSP its ?csp= names,
// on the page and on the worker script alike) in front of the project's
// server.
func probeServer(t *testing.T, cfg fixtures.Config) *httptest.Server {
	t.Helper()
	sub, err := fs.Sub(probeFiles, "testdata/package")
	if err != nil {
		t.Fatal(err)
	}
	files := http.StripPrefix("/probe/", http.FileServerFS(sub))
	mux := http.NewServeMux()
	mux.Handle("/probe/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if csp := r.URL.Query().Get("csp"); csp != "" {
			policy, ok := cspPolicies[csp]
			if !ok {
				http.Error(w, "unknown csp", http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Security-Policy", policy)
		}
		files.ServeHTTP(w, r)
	}))
	hs := httptest.NewUnstartedServer(mux)
	t.Cleanup(hs.Close)
	if cfg.AllowOrigins == nil {
		cfg.AllowOrigins = []string{}
	}
	if cfg.Logger == nil {
		cfg.Logger = quietLogger(t)
	}
	mux.Handle("/", newServer(t, cfg).Handler())
	hs.Start()
	return hs
}

// quietLogger logs the server's errors only, to t.Log.
func quietLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))
}

// probeResult is what the probe page reports.
type probeResult struct {
	Thrown string
	Events []struct {
		Data, ID, Origin string
		IsMessageEvent   bool
	}
	Errors []struct {
		ReadyState int
		Message    string
		Status     int
	}
	ReadyState int
	Wasm       []struct {
		Path         string
		TransferSize int
	}
	InWorker    bool
	WorkerScope bool
}

// probeBrowser is one Chromium for several probe pages.
type probeBrowser struct {
	t       *testing.T
	ctx     context.Context
	console *browser.Console
}

func newProbeBrowser(t *testing.T) *probeBrowser {
	t.Helper()
	bctx := newChromium(t, 3*time.Minute)
	return &probeBrowser{t: t, ctx: bctx, console: browser.ConsoleOf(bctx)}
}

// probe loads pageURL, waits for window.result and returns it with the
// messages the page logged meanwhile.
func (b *probeBrowser) probe(pageURL string) (probeResult, []browser.Message) {
	b.t.Helper()
	b.console.Reset()
	var raw string
	err := chromedp.Run(b.ctx,
		chromedp.Navigate(pageURL),
		chromedp.Poll(`window.result !== undefined`, nil, chromedp.WithPollingTimeout(30*time.Second)),
		chromedp.Evaluate(`JSON.stringify(window.result)`, &raw),
	)
	if err != nil {
		b.t.Fatalf("probe %s: %v", pageURL, err)
	}
	var r probeResult
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		b.t.Fatalf("probe %s: %v (%s)", pageURL, err, raw)
	}
	return r, b.console.Messages()
}

// wantEvents fails unless r holds the three events of /events?count=3 and
// no error.
func wantEvents(t *testing.T, name string, r probeResult, origin string) {
	t.Helper()
	if r.Thrown != "" {
		t.Errorf("%s: threw %s", name, r.Thrown)
		return
	}
	if len(r.Errors) != 0 || len(r.Events) != 3 {
		t.Errorf("%s: %d events, errors %+v; want 3 events, no error", name, len(r.Events), r.Errors)
		return
	}
	for i, e := range r.Events {
		if want := `{"n":` + string(rune('0'+i)) + `}`; e.Data != want || e.ID != string(rune('0'+i)) || e.Origin != origin || !e.IsMessageEvent {
			t.Errorf("%s: event %d = %+v, want data %s id %d origin %s", name, i, e, want, i, origin)
		}
	}
}

// exceptions returns the uncaught exceptions and console.error calls among msgs.
func exceptions(msgs []browser.Message) []string {
	var out []string
	for _, m := range msgs {
		if m.Level == "error" && (m.Source == "exception" || m.Source == "console") {
			out = append(out, m.String())
		}
	}
	return out
}

// TestModuleCSP loads the module under a Content-Security-Policy. With
// 'wasm-unsafe-eval' events flow. Without it the first connection fails
// cleanly: one error event naming the directive, CLOSED, nothing thrown;
// with fallback: 'native' the browser's EventSource carries the events,
// unless an option needs ours.
func TestModuleCSP(t *testing.T) {
	requireWasm(t)
	hs := probeServer(t, fixtures.Config{})
	b := newProbeBrowser(t)
	page := hs.URL + "/probe/probe.html?"

	r, msgs := b.probe(page + "csp=wasm")
	wantEvents(t, "wasm-unsafe-eval", r, hs.URL)
	if ex := exceptions(msgs); len(ex) > 0 {
		t.Errorf("wasm-unsafe-eval: %v", ex)
	}

	for _, worker := range []string{"", "&worker=1"} {
		r, msgs = b.probe(page + "csp=strict" + worker)
		if r.Thrown != "" || len(r.Events) != 0 || len(r.Errors) != 1 || r.ReadyState != 2 {
			t.Fatalf("strict%s: %+v; want exactly one error event and CLOSED", worker, r)
		}
		e := r.Errors[0]
		if e.ReadyState != 2 || !strings.Contains(e.Message, "'wasm-unsafe-eval'") || !strings.Contains(e.Message, "script-src") {
			t.Errorf("strict%s: error %+v; want readyState 2 and a message naming 'wasm-unsafe-eval' and script-src", worker, e)
		}
		if ex := exceptions(msgs); len(ex) > 0 {
			t.Errorf("strict%s: something escaped: %v", worker, ex)
		}
	}

	r, msgs = b.probe(page + "csp=strict&fallback=native")
	wantEvents(t, "strict, fallback native", r, hs.URL)
	if ex := exceptions(msgs); len(ex) > 0 {
		t.Errorf("strict, fallback native: %v", ex)
	}

	r, _ = b.probe(page + "csp=strict&fallback=native&token=x")
	if len(r.Events) != 0 || len(r.Errors) != 1 || r.ReadyState != 2 ||
		!strings.Contains(r.Errors[0].Message, "'wasm-unsafe-eval'") || !strings.Contains(r.Errors[0].Message, "headers") {
		t.Errorf("strict, fallback native, headers: %+v; want one error naming the CSP directive and the headers option", r)
	}
}

// TestModuleWorker runs WasmEventSource inside a dedicated module Worker,
// which posts the events it receives to the page.
func TestModuleWorker(t *testing.T) {
	requireWasm(t)
	hs := probeServer(t, fixtures.Config{})
	b := newProbeBrowser(t)
	r, msgs := b.probe(hs.URL + "/probe/probe.html?worker=1")
	if !r.InWorker || !r.WorkerScope {
		t.Errorf("result %+v did not come from a worker", r)
	}
	wantEvents(t, "worker", r, hs.URL)
	if ex := exceptions(msgs); len(ex) > 0 {
		t.Errorf("worker: %v", ex)
	}
}

// TestModuleFromCDN loads the module and its wasm from another origin, as
// from a CDN (a second server on its own port that lets any origin read),
// and connects to the page's own server.
func TestModuleFromCDN(t *testing.T) {
	requireWasm(t)
	hs := probeServer(t, fixtures.Config{})
	cdn := probeServer(t, fixtures.Config{AllowOrigins: []string{"*"}})
	b := newProbeBrowser(t)
	for _, worker := range []string{"", "&worker=1"} {
		r, msgs := b.probe(hs.URL + "/probe/probe.html?module=" + url.QueryEscape(cdn.URL+"/eventsource-wasm.js") + worker)
		wantEvents(t, "cdn"+worker, r, hs.URL)
		if ex := exceptions(msgs); len(ex) > 0 {
			t.Errorf("cdn%s: %v", worker, ex)
		}
	}
}

// TestModuleCache loads the probe twice in one browser, as a returning
// visitor: the plain /eventsource.wasm is revalidated (a 304, a few hundred
// bytes), the content-hashed name set with configure({ wasmURL }) comes from
// the HTTP cache without a request at all (immutable).
func TestModuleCache(t *testing.T) {
	requireWasm(t)
	hs := probeServer(t, fixtures.Config{})
	hashed, err := newServer(t, fixtures.Config{Logger: quietLogger(t)}).HashedPath("/eventsource.wasm")
	if err != nil {
		t.Fatal(err)
	}
	b := newProbeBrowser(t)
	for _, c := range []struct {
		name, query, path string
		// again checks the bytes the second visit transferred for the wasm.
		again func(n int) bool
	}{
		{"plain name", "", "/eventsource.wasm", func(n int) bool { return n > 0 && n < 2000 }},
		{"hashed name", "?wasmURL=" + url.QueryEscape(hashed), hashed, func(n int) bool { return n == 0 }},
	} {
		for visit := range 2 {
			r, _ := b.probe(hs.URL + "/probe/probe.html" + c.query)
			wantEvents(t, c.name, r, hs.URL)
			if len(r.Wasm) != 1 || r.Wasm[0].Path != c.path {
				t.Fatalf("%s, visit %d: wasm %+v, want one load of %s", c.name, visit+1, r.Wasm, c.path)
			}
			n := r.Wasm[0].TransferSize
			if visit == 0 && n < 100000 || visit == 1 && !c.again(n) {
				t.Errorf("%s, visit %d: %d bytes transferred for the wasm", c.name, visit+1, n)
			}
		}
	}
}
