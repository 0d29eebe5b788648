package e2e

import (
	"context"
	_ "embed"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
)

//go:embed testdata/parser_gc.js
var parserGCJS string

// TestEventStreamParserDropped checks that an EventStreamParser dropped
// mid-stream (neither finished, cancelled nor aborted) gives back its
// input, a 64 KiB buffer and a parser in Go, once it is garbage collected,
// and that one which ended is released exactly once. Chromium only: a test
// can make the garbage collector run only through DevTools.
func TestEventStreamParserDropped(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, fixtures.Config{})
	ctx := newChromium(t, 60*time.Second)
	const n = 20
	var out struct {
		Firsts, Ended    []string
		UnparsedBeforeGC int
	}
	err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/healthz"),
		chromedp.Evaluate("("+parserGCJS+")({n: "+strconv.Itoa(n)+"})", &out, func(ep *runtime.EvaluateParams) *runtime.EvaluateParams {
			return ep.WithAwaitPromise(true)
		}),
	)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Firsts) != n || slices.IndexFunc(out.Firsts, func(s string) bool { return s != "one" }) >= 0 || !slices.Equal(out.Ended, []string{"one", "two"}) {
		t.Fatalf("parsed %q and %q, want %d × one, and one and two", out.Firsts, out.Ended, n)
	}
	// A collection may already have run meanwhile; the one that ended
	// was released by its flush.
	if out.UnparsedBeforeGC < 1 {
		t.Errorf("%d parsers released before the test collected garbage, want at least the one that ended", out.UnparsedBeforeGC)
	}
	// Collect until every dropped parser is released: finalizers run in a
	// task after the collection, and one collection may not find them all.
	unparsed := 0
	for i := 0; i < 30 && unparsed < n+1; i++ {
		err := chromedp.Run(ctx,
			chromedp.ActionFunc(func(ctx context.Context) error { return heapprofiler.CollectGarbage().Do(ctx) }),
			chromedp.Evaluate(`new Promise((resolve) => setTimeout(() => resolve(globalThis.unparsed), 100))`, &unparsed, func(ep *runtime.EvaluateParams) *runtime.EvaluateParams {
				return ep.WithAwaitPromise(true)
			}),
		)
		if err != nil {
			t.Fatal(err)
		}
	}
	if unparsed != n+1 {
		t.Errorf("%d parsers released after garbage collection, want %d: the %d dropped and the one that ended, each once", unparsed, n+1, n)
	}
}
