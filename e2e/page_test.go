package e2e

import (
	"context"
	_ "embed"
	"encoding/json"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/e2e/browser"
)

// testEngines are the engines the browser tests run in: E2E_BROWSERS, a
// comma-separated list (`make test-browser BROWSERS=firefox,webkit`), or
// all three.
func testEngines(t *testing.T) []browser.Engine {
	t.Helper()
	engines, err := browser.ParseEngines(os.Getenv("E2E_BROWSERS"))
	if err != nil {
		t.Fatal(err)
	}
	return engines
}

// forEachEngine runs f as one subtest per engine, named after it. An engine
// that is not installed fails its subtest (`make test` installs them all):
// a browser test is never skipped.
//
// The engines' subtests run at the same time, each with its own browser
// (most of a browser test is waiting: for a browser to start, for a stream's
// events, for a reconnection delay), and forEachEngine returns when all are
// done, so the caller's deferred cleanups still run after them. f must keep
// what it records apart per engine (sessions named after the engine, for
// one). E2E_SERIAL=1 runs them one after another, to read a failure alone.
func forEachEngine(t *testing.T, f func(t *testing.T, e browser.Engine)) {
	t.Helper()
	var wg sync.WaitGroup
	for _, e := range testEngines(t) {
		run := func() {
			t.Run(string(e), func(t *testing.T) {
				if err := e.Check(); err != nil {
					t.Fatal(err)
				}
				f(t, e)
			})
		}
		if os.Getenv("E2E_SERIAL") == "1" {
			run()
		} else {
			wg.Go(run)
		}
	}
	wg.Wait()
}

// page is a browser window on one of the test server's pages.
type page struct {
	t  *testing.T
	bp browser.Page
	// deadline bounds everything the test does in the page.
	deadline context.Context
	// ctx and console are Chromium's chromedp tab (bounded by deadline)
	// and its console, for the Chromium-only tests; nil in other engines.
	ctx     context.Context
	console *browser.Console
}

// openPage starts a browser of engine e (stopped by the test's cleanup) and
// loads path from ts, waiting until window.conformance exists.
func openPage(t *testing.T, e browser.Engine, ts *testServer, path string, timeout time.Duration) *page {
	t.Helper()
	return openIn(t, e, ts, path, `typeof window.conformance === "object"`, timeout)
}

// loadPage starts Chromium (stopped by the test's cleanup), loads path from
// ts and waits until the JavaScript expression ready is true.
func loadPage(t *testing.T, ts *testServer, path, ready string, timeout time.Duration) *page {
	t.Helper()
	return openIn(t, browser.Chromium, ts, path, ready, timeout)
}

// openIn starts a browser of engine e, loads path from ts and waits until
// the JavaScript expression ready is true.
func openIn(t *testing.T, e browser.Engine, ts *testServer, path, ready string, timeout time.Duration) *page {
	t.Helper()
	deadline, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	bp, err := browser.Open(deadline, e)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bp.Close() })
	t.Logf("%s", bp.Version())
	p := &page{t: t, bp: bp, deadline: deadline}
	if tab := browser.Context(bp); tab != nil {
		ctx, cancel := context.WithCancel(tab)
		stop := context.AfterFunc(deadline, cancel)
		t.Cleanup(func() { stop(); cancel() })
		p.ctx, p.console = ctx, browser.ConsoleOf(tab)
	}
	if err := bp.Navigate(deadline, ts.URL+path); err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	p.waitFor(ready, 20*time.Second)
	return p
}

// tabPage is a page on a Chromium tab from browser.New or browser.NewTab,
// for the tests that open several tabs of one browser.
func tabPage(t *testing.T, tab context.Context) *page {
	t.Helper()
	bp, err := browser.FromTab(tab)
	if err != nil {
		t.Fatal(err)
	}
	return &page{t: t, bp: bp, deadline: tab, ctx: tab, console: browser.ConsoleOf(tab)}
}

// waitFor polls until the JavaScript expression cond is truthy, failing the
// test after max.
func (p *page) waitFor(cond string, max time.Duration) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.deadline, max)
	defer cancel()
	for {
		var ok bool
		err := p.bp.Eval(ctx, "!!("+cond+")", &ok)
		if err == nil && ok {
			return
		}
		select {
		case <-ctx.Done():
			p.t.Fatalf("%s: timed out after %v waiting for %s (last error: %v)", p.bp.Engine(), max, cond, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// eval runs a JavaScript expression in the page, awaits it when it is a
// promise, and decodes its JSON value into out (when out is not nil).
func (p *page) eval(js string, out any) {
	p.t.Helper()
	if err := p.bp.Eval(p.deadline, js, out); err != nil {
		p.t.Fatalf("%s: evaluate %.200s: %v", p.bp.Engine(), js, err)
	}
}

// jsWatch is the prelude call puts before its script.
//
//go:embed testdata/watch.js
var jsWatch string

// call runs script (a testdata file: function declarations, which may use
// the jsWatch helpers) in the page and returns what its function fn
// returns for args, each passed as its JSON value.
func (p *page) call(script, fn string, out any, args ...any) {
	p.t.Helper()
	if args == nil {
		args = []any{}
	}
	argv, err := json.Marshal(args)
	if err != nil {
		p.t.Fatal(err)
	}
	js := "(async () => {\n" + jsWatch + script + "\nreturn await " + fn + "(..." + string(argv) + ");\n})()"
	if err := p.bp.Eval(p.deadline, js, out); err != nil {
		p.t.Fatalf("%s: %s(%.200s): %v", p.bp.Engine(), fn, argv, err)
	}
}

// with returns p for use in the subtest t, so that its failures are t's.
func (p *page) with(t *testing.T) *page {
	c := *p
	c.t = t
	return &c
}

// pageErrors returns the page's errors that are not failed network
// requests: the ones that show a bug in a script or in the module.
// (Chromium logs every non-2xx EventSource and fetch response as a network
// error, and the tests ask for those on purpose.)
func (p *page) pageErrors() []string {
	p.t.Helper()
	msgs, err := p.bp.Errors(p.deadline)
	if err != nil {
		p.t.Fatalf("%s: read the page's errors: %v", p.bp.Engine(), err)
	}
	var out []string
	for _, m := range msgs {
		if m.Source != "network" {
			out = append(out, m.String())
		}
	}
	return out
}
