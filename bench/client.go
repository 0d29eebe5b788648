package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/eventsource-wasm/eventsource-wasm/e2e/browser"
)

// Contenders of the client benchmark, by the names bench.js uses.
var contenders = []string{"native", "wasm", "stream", "polyfill", "eventsource", "fetch"}

// contenderLabels name the contenders in the report.
var contenderLabels = map[string]string{
	"native":      "native EventSource",
	"wasm":        "WasmEventSource (ours)",
	"stream":      "openEventStream (ours)",
	"polyfill":    "event-source-polyfill",
	"eventsource": "eventsource v5",
	"fetch":       "@microsoft/fetch-event-source",
	ceilingName:   "Go HTTP reader, no browser (ceiling)",
}

// ceilingName is the pseudo-contender of a plain Go reader of the bursts.
const ceilingName = "ceiling"

// jsLibraries are the JS polyfills ours must beat by 2×.
var jsLibraries = []string{"polyfill", "eventsource", "fetch"}

// ClientResult is the client section: Workloads[workload][contender][metric].
type ClientResult struct {
	Date      time.Time                                `json:"date"`
	Rounds    int                                      `json:"rounds"`
	Workloads map[string]map[string]map[string]Summary `json:"workloads"`
	Errors    []string                                 `json:"errors,omitempty"`
	Profiles  []CPUProfile                             `json:"profiles,omitempty"`
}

// workload sizes; -quick shrinks them.
type clientSizes struct {
	burst64, burst1k, big, tickerCount, warm int
}

var (
	fullSizes  = clientSizes{burst64: 100_000, burst1k: 20_000, big: 50, tickerCount: 500, warm: 5}
	quickSizes = clientSizes{burst64: 10_000, burst1k: 2_000, big: 5, tickerCount: 100, warm: 2}
)

// Workload names, in the order they run and are reported.
// The bursts run twice: from the project's server's /events (a flush per
// event, which bounds every client near the server's own rate) and
// pre-encoded (the same events in 64 KiB writes: the browser is the bound).
const (
	wlBurst64    = "100k x 64 B, server"
	wlBurst64Pre = "100k x 64 B, pre-encoded"
	wlBurst1k    = "20k x 1 KiB, server"
	wlBurst1kPre = "20k x 1 KiB, pre-encoded"
	wlBig        = "50 x 1 MiB, server"
	wlTicker     = "10 ms ticker, 5 s"
	wlWarm       = "first event, warm"
	wlCold       = "first event, cold page"
	// shared: true in two tabs of a fresh browser context: the first starts
	// the SharedWorker and its module, the second joins its stream.
	wlSharedFirst  = "shared: true, first tab (cold)"
	wlSharedSecond = "shared: true, second tab"
	wlReturning    = "first event, returning visitor"
	// Ours only: the returning visitor with the content-hashed, immutable
	// URL of eventsource.wasm, which the browser does not even revalidate.
	wlReturningImmutable = "first event, returning visitor, immutable wasm URL"
	// The MessageEvent of each message, built and dispatched without the
	// network, each way bench.construct knows (the cost of a plain
	// MessageEvent of the page's realm).
	wlConstruct = "100k MessageEvents built and dispatched"
)

// parseWorkloads run bench.parse: EventStreamParser against
// eventsource-parser's EventSourceParserStream on the same bytes in 64 KiB
// chunks, in the same page.
var parseWorkloads = []struct {
	name        string
	count, size int
}{
	{"parser: 100k x 64 B", 100_000, 64},
	{"parser: 20k x 1 KiB", 20_000, 1024},
	{"parser: 50 x 1 MiB", 50, 1 << 20},
}

// parserNames are bench.parse's parsers: ours first.
var parserNames = []string{"wasm", "eventsource-parser"}

// eventWays are bench.construct's ways, as the report names them.
var eventWays = []struct{ name, label string }{
	{"realm", "**ours: MessageEvent, lastEventId and origin defined after**"},
	{"subclass", "ours before: a MessageEvent subclass (constructor not MessageEvent)"},
	{"init", "MessageEvent with the whole init dictionary"},
}

// burstWorkload is one throughput workload.
type burstWorkload struct {
	name       string
	count      func(clientSizes) int
	size       int
	preencoded bool
	heap       bool // also measure the JS heap around it
}

var burstWorkloads = []burstWorkload{
	{wlBurst64, func(s clientSizes) int { return s.burst64 }, 64, false, true},
	{wlBurst64Pre, func(s clientSizes) int { return s.burst64 }, 64, true, false},
	{wlBurst1k, func(s clientSizes) int { return s.burst1k }, 1024, false, false},
	{wlBurst1kPre, func(s clientSizes) int { return s.burst1k }, 1024, true, false},
	{wlBig, func(s clientSizes) int { return s.big }, 1 << 20, false, false},
}

// burstExpr is the page call that runs bw for contender c.
func burstExpr(bw burstWorkload, c string, s clientSizes, timeout time.Duration) string {
	src := "server"
	if bw.preencoded {
		src = "preencoded"
	}
	return fmt.Sprintf("bench.burst(%q, %d, %d, %d, %q)", c, bw.count(s), bw.size, timeout.Milliseconds(), src)
}

// clientRun collects one section's measurements.
type clientRun struct {
	cfg        *config
	base       string
	hashedWasm string // the content-hashed URL path of eventsource.wasm
	sizes      clientSizes
	vals       map[string]map[string]map[string][]float64
	errs       []string
}

func (r *clientRun) add(wl, c, metric string, v float64) {
	if r.vals[wl] == nil {
		r.vals[wl] = map[string]map[string][]float64{}
	}
	if r.vals[wl][c] == nil {
		r.vals[wl][c] = map[string][]float64{}
	}
	r.vals[wl][c][metric] = append(r.vals[wl][c][metric], v)
}

func (r *clientRun) fail(wl, c string, err error) {
	msg := fmt.Sprintf("%s, %s: %v", wl, c, err)
	if !slices.Contains(r.errs, msg) {
		r.errs = append(r.errs, msg)
	}
}

func runClient(ctx context.Context, cfg *config) (*ClientResult, error) {
	if _, err := os.Stat(filepath.Join(cfg.root, "web", "dist", "eventsource.wasm")); err != nil {
		return nil, fmt.Errorf("web/dist/eventsource.wasm missing: run `make wasm` first (%w)", err)
	}
	base, stop, err := startServer(ctx, cfg.bench, "")
	if err != nil {
		return nil, err
	}
	defer stop()
	bctx, cancel, err := browser.New(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()

	r := &clientRun{cfg: cfg, base: base, sizes: fullSizes, vals: map[string]map[string]map[string][]float64{}}
	if r.hashedWasm, err = hashedWasmURL(ctx, base); err != nil {
		return nil, err
	}
	if cfg.quick {
		r.sizes = quickSizes
	}
	for round := range cfg.rounds {
		order := slices.Clone(contenders)
		if round%2 == 1 {
			slices.Reverse(order)
		}
		if err := r.round(bctx, round, order); err != nil {
			return r.result(cfg), err
		}
	}
	res := r.result(cfg)
	if cfg.profile {
		res.Profiles = profileMisses(bctx, cfg, res)
	}
	return res, nil
}

func (r *clientRun) result(cfg *config) *ClientResult {
	res := &ClientResult{Date: time.Now().UTC(), Rounds: cfg.rounds, Workloads: map[string]map[string]map[string]Summary{}, Errors: r.errs}
	for wl, byC := range r.vals {
		res.Workloads[wl] = map[string]map[string]Summary{}
		for c, byM := range byC {
			res.Workloads[wl][c] = map[string]Summary{}
			for m, vs := range byM {
				res.Workloads[wl][c][m] = summarize(vs)
			}
		}
	}
	return res
}

// round runs every workload once for every contender, in order, on a
// freshly loaded page (and a fresh browser context per cold load).
func (r *clientRun) round(ctx context.Context, round int, order []string) error {
	prog := r.cfg.prog
	prefix := fmt.Sprintf("round %d/%d", round+1, r.cfg.rounds)
	prog.printf("%s: loading the bench page", prefix)
	// chromedp enables the Network domain, which makes the browser report
	// every EventSource message and response chunk to DevTools: a cost the
	// clients would pay inside the measurement. Off it goes.
	if err := chromedp.Run(ctx, chromedp.Navigate(r.base+"/bench/page/index.html"), network.Disable()); err != nil {
		return fmt.Errorf("load bench page: %w", err)
	}
	ready := map[string]bool{}
	for _, c := range order {
		prog.printf("%s: loading and warming up %s", prefix, c)
		var ok bool
		if err := eval(ctx, fmt.Sprintf("bench.load(%q)", c), &ok, 30*time.Second); err != nil {
			r.fail("load", c, err)
			continue
		}
		// One short burst first, so every contender's code is compiled and
		// optimised before it is timed.
		var warm json.RawMessage
		if err := eval(ctx, fmt.Sprintf("bench.burst(%q, 5000, 64, 30000)", c), &warm, 35*time.Second); err != nil {
			r.fail("warm-up", c, err)
			continue
		}
		ready[c] = true
	}
	s := r.sizes
	for _, bw := range burstWorkloads {
		if !r.want(bw.name) {
			continue
		}
		for _, c := range order {
			if ready[c] {
				prog.printf("%s: %s, %s", prefix, bw.name, c)
				r.burst(ctx, bw, c)
			}
		}
		prog.printf("%s: %s, Go reader without a browser", prefix, bw.name)
		r.ceiling(ctx, bw)
	}
	if r.want(wlConstruct) {
		prog.printf("%s: %s", prefix, wlConstruct)
		r.construct(ctx)
	}
	prog.printf("%s: parsers", prefix)
	r.parse(ctx, round)
	for _, c := range order {
		if ready[c] && r.want(wlTicker) {
			prog.printf("%s: %s, %s", prefix, wlTicker, c)
			r.ticker(ctx, c)
		}
	}
	for _, c := range order {
		if !ready[c] || !r.want(wlWarm) {
			continue
		}
		prog.printf("%s: %s, %s", prefix, wlWarm, c)
		var ms []float64
		for range s.warm {
			var out struct{ Ms float64 }
			if err := eval(ctx, fmt.Sprintf("bench.firstEvent(%q, 10000)", c), &out, 15*time.Second); err != nil {
				r.fail(wlWarm, c, err)
				break
			}
			ms = append(ms, out.Ms)
		}
		if len(ms) > 0 {
			r.add(wlWarm, c, "ms", quantile(ms, 0.5))
		}
	}
	for _, c := range order {
		if r.want(wlCold) {
			prog.printf("%s: %s, %s", prefix, wlCold, c)
			r.cold(ctx, c)
		}
		if r.want(wlReturning) {
			prog.printf("%s: %s, %s", prefix, wlReturning, c)
			r.returning(ctx, wlReturning, c, "")
		}
		if c == "wasm" && r.want(wlReturningImmutable) {
			prog.printf("%s: %s, %s", prefix, wlReturningImmutable, c)
			r.returning(ctx, wlReturningImmutable, c, r.hashedWasm)
		}
	}
	if r.want(wlSharedFirst) {
		prog.printf("%s: %s and %s", prefix, wlSharedFirst, wlSharedSecond)
		r.sharedTabs(ctx)
	}
	return ctx.Err()
}

// want reports whether workload wl runs: -match picks workloads by name.
func (r *clientRun) want(wl string) bool {
	return r.cfg.match == nil || r.cfg.match.MatchString(wl)
}

// construct times bench.construct each way, twice in alternating order,
// and records events/s.
func (r *clientRun) construct(ctx context.Context) {
	const count = 100_000
	for _, pass := range [][]int{{0, 1, 2}, {2, 1, 0}} {
		for _, i := range pass {
			way := eventWays[i].name
			var out struct{ Ms float64 }
			if err := eval(ctx, fmt.Sprintf("bench.construct(%q, %d)", way, count), &out, 60*time.Second); err != nil {
				r.fail(wlConstruct, way, err)
				continue
			}
			r.add(wlConstruct, way, "events/s", count/(out.Ms/1e3))
		}
	}
}

// parse times each parser on each parse workload, in alternating order
// from round to round, and records events/s and MB/s.
func (r *clientRun) parse(ctx context.Context, round int) {
	names := slices.Clone(parserNames)
	if round%2 == 1 {
		slices.Reverse(names)
	}
	for _, pw := range parseWorkloads {
		if !r.want(pw.name) {
			continue
		}
		count := pw.count
		if r.cfg.quick {
			count = max(count/10, 5)
		}
		for _, name := range names {
			var out struct{ Events, Bytes, Ms float64 }
			if err := eval(ctx, fmt.Sprintf("bench.parse(%q, %d, %d)", name, count, pw.size), &out, 120*time.Second); err != nil {
				r.fail(pw.name, name, err)
				continue
			}
			r.add(pw.name, name, "events/s", out.Events/(out.Ms/1e3))
			r.add(pw.name, name, "MB/s", out.Bytes/1e6/(out.Ms/1e3))
		}
	}
}

// burst runs one burst and records events/s and MB/s (and the heap around
// it when the workload asks).
func (r *clientRun) burst(ctx context.Context, bw burstWorkload, c string) {
	wl, heap := bw.name, bw.heap
	var before float64
	if heap {
		before = heapUsed(ctx, true)
	}
	var out struct {
		Events, Bytes, Ms, FirstMs float64
	}
	timeout := 120 * time.Second
	if r.cfg.quick {
		timeout = 30 * time.Second
	}
	if err := eval(ctx, burstExpr(bw, c, r.sizes, timeout), &out, timeout+5*time.Second); err != nil {
		r.fail(wl, c, err)
		return
	}
	r.add(wl, c, "events/s", out.Events/(out.Ms/1e3))
	r.add(wl, c, "MB/s", out.Bytes/1e6/(out.Ms/1e3))
	r.add(wl, c, "ms", out.Ms)
	if heap {
		after := heapUsed(ctx, false)
		retained := heapUsed(ctx, true)
		r.add(wl, c, "heap growth MB", (after-before)/1e6)
		r.add(wl, c, "heap retained MB", (retained-before)/1e6)
		if c == "wasm" {
			var wasmBytes float64
			if err := eval(ctx, "bench.wasmMemoryBytes()", &wasmBytes, 5*time.Second); err == nil {
				r.add(wl, c, "wasm memory MB", wasmBytes/1e6)
			}
		}
	}
}

// ceiling reads the burst's bytes with a plain Go HTTP client, parsing
// nothing: the most any client could get from that source here.
func (r *clientRun) ceiling(ctx context.Context, bw burstWorkload) {
	u := fmt.Sprintf("%s/events?interval=0&count=%d&size=%d&done=1", r.base, bw.count(r.sizes), bw.size)
	if bw.preencoded {
		u = fmt.Sprintf("%s/bench/stream?count=%d&size=%d", r.base, bw.count(r.sizes), bw.size)
	}
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		r.fail(bw.name, ceilingName, err)
		return
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.fail(bw.name, ceilingName, err)
		return
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		r.fail(bw.name, ceilingName, err)
		return
	}
	secs := time.Since(start).Seconds()
	r.add(bw.name, ceilingName, "events/s", float64(bw.count(r.sizes))/secs)
	r.add(bw.name, ceilingName, "MB/s", float64(bw.count(r.sizes)*bw.size)/1e6/secs)
}

func (r *clientRun) ticker(ctx context.Context, c string) {
	n := r.sizes.tickerCount
	var out struct{ Delays []float64 }
	expr := fmt.Sprintf("bench.ticker(%q, 10, %d, %d)", c, n, n*10+20000)
	if err := eval(ctx, expr, &out, time.Duration(n*10+25000)*time.Millisecond); err != nil {
		r.fail(wlTicker, c, err)
		return
	}
	r.add(wlTicker, c, "p50 ms", quantile(out.Delays, 0.5))
	r.add(wlTicker, c, "p99 ms", quantile(out.Delays, 0.99))
	r.add(wlTicker, c, "max ms", quantile(out.Delays, 1))
}

// cold loads the bench page in a new browser context (empty HTTP cache, a
// new renderer with no compiled-module cache) and times the first event.
// The Network domain is off, as in round.
func (r *clientRun) cold(ctx context.Context, c string) {
	cctx, cancel, err := isolatedTab(ctx)
	if err != nil {
		r.fail(wlCold, c, err)
		return
	}
	defer cancel()
	r.coldPage(cctx, wlCold, c, "")
}

// returning times the first event of a returning visitor: a browser of its
// own (a fresh profile, so nothing but this page is in it) loads the page
// once, leaves it, and a new tab loads it again, with the library in the
// HTTP cache (revalidated, 304), and Chromium's code cache as it is. (A new
// browser context of the shared browser would not do: like an incognito
// window it has no code cache.)
// wasmURL, when set, is the URL of eventsource.wasm the page configures.
func (r *clientRun) returning(ctx context.Context, wl, c, wasmURL string) {
	bctx, closeBrowser, err := browser.New(ctx)
	if err != nil {
		r.fail(wl, c, err)
		return
	}
	defer closeBrowser()
	var first map[string]float64
	err = chromedp.Run(bctx, network.Disable(), chromedp.Navigate(r.coldURL(c, wasmURL)))
	if err == nil {
		err = eval(bctx, "window.coldResult", &first, 25*time.Second)
	}
	if err == nil {
		// Chromium writes the wasm code cache once the module has tiered
		// up, or after a timeout, in the background: give it that moment.
		time.Sleep(3 * time.Second)
		err = chromedp.Run(bctx, chromedp.Navigate("about:blank"))
	}
	if err != nil {
		r.fail(wl, c, err)
		return
	}
	tctx, cancel, err := tabIn(bctx, "")
	if err != nil {
		r.fail(wl, c, err)
		return
	}
	defer cancel()
	r.coldPage(tctx, wl, c, wasmURL)
}

// coldURL is the cold-start page for c, configuring wasmURL when set.
func (r *clientRun) coldURL(c, wasmURL string) string {
	u := fmt.Sprintf("%s/bench/page/index.html?cold=%s&timeout=20000", r.base, c)
	if wasmURL != "" {
		u += "&wasmURL=" + url.QueryEscape(wasmURL)
	}
	return u
}

// hashedWasmURL asks the bench server for the content-hashed URL path of
// eventsource.wasm.
func hashedWasmURL(ctx context.Context, base string) (string, error) {
	b, err := httpGet(ctx, base+"/bench/wasm-url")
	return string(b), err
}

// httpGet returns the body of a 200 response to GET url.
func httpGet(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s %s", url, resp.Status, b)
	}
	return b, err
}

// coldPage loads the cold-start page for c (configuring wasmURL when set)
// in tab ctx and records its figures under wl.
func (r *clientRun) coldPage(ctx context.Context, wl, c, wasmURL string) {
	var out map[string]float64
	err := chromedp.Run(ctx, network.Disable(), chromedp.Navigate(r.coldURL(c, wasmURL)))
	if err == nil {
		err = eval(ctx, "window.coldResult", &out, 25*time.Second)
	}
	if err != nil {
		r.fail(wl, c, err)
		return
	}
	for _, m := range []struct{ js, name string }{
		{"sinceNewMs", "new→event ms"},
		{"sinceLoadMs", "load+new→event ms"},
		{"sinceNavigationMs", "navigation→event ms"},
		{"wasmFetchMs", "wasm download ms"},
		{"readySinceNewMs", "new→ready ms"},
	} {
		if v, ok := out[m.js]; ok {
			r.add(wl, c, m.name, v)
		}
	}
}

// sharedTabs times `shared: true` in a fresh browser context: the first
// tab's new → first event includes starting the SharedWorker and its
// module (the cold start); the second tab, opened while the first still
// listens, joins the worker's stream. The stream is a 10 ms ticker, so the
// second tab's first event waits up to 10 ms for the next tick; its
// new → open is the join itself.
func (r *clientRun) sharedTabs(ctx context.Context) {
	bcID, dispose, err := newBrowserContext(ctx)
	if err != nil {
		r.fail(wlSharedFirst, "wasm", err)
		return
	}
	defer dispose()
	for _, wl := range []string{wlSharedFirst, wlSharedSecond} {
		tctx, cancel, err := tabIn(ctx, bcID)
		if err != nil {
			r.fail(wl, "wasm", err)
			return
		}
		defer cancel() // the first tab stays open while the second joins
		var out map[string]float64
		err = chromedp.Run(tctx, network.Disable(),
			chromedp.Navigate(r.base+"/bench/page/index.html?shared=1&timeout=20000"))
		if err == nil {
			err = eval(tctx, "window.sharedResult", &out, 25*time.Second)
		}
		if err != nil {
			r.fail(wl, "wasm", err)
			return
		}
		r.add(wl, "wasm", "new→event ms", out["sinceNewMs"])
		r.add(wl, "wasm", "new→open ms", out["openSinceNewMs"])
	}
}

// isolatedTab opens a tab in a new browser context: its own HTTP cache,
// connections and renderer process, so nothing compiled or cached by
// earlier pages is reused.
func isolatedTab(ctx context.Context) (context.Context, context.CancelFunc, error) {
	bcID, dispose, err := newBrowserContext(ctx)
	if err != nil {
		return nil, nil, err
	}
	tctx, cancel, err := tabIn(ctx, bcID)
	if err != nil {
		dispose()
		return nil, nil, err
	}
	return tctx, func() {
		cancel()
		dispose()
	}, nil
}

// newBrowserContext creates a browser context (a fresh profile in memory)
// and returns its id and a function that disposes of it.
func newBrowserContext(ctx context.Context) (cdp.BrowserContextID, func(), error) {
	var bcID cdp.BrowserContextID
	err := chromedp.Run(ctx, chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		bcID, err = target.CreateBrowserContext().WithDisposeOnDetach(true).Do(cdp.WithExecutor(ctx, chromedp.FromContext(ctx).Browser))
		return err
	}))
	if err != nil {
		return "", nil, fmt.Errorf("new browser context: %w", err)
	}
	return bcID, func() {
		chromedp.Run(ctx, chromedp.ActionFunc(func(ctx context.Context) error {
			return target.DisposeBrowserContext(bcID).Do(cdp.WithExecutor(ctx, chromedp.FromContext(ctx).Browser))
		}))
	}, nil
}

// tabIn opens a tab in browser context bcID (the browser's own profile
// when bcID is ""); cancel closes it.
// (chromedp.WithNewBrowserContext cannot be used: headless Chromium only
// opens a tab in a new context in a new window.)
func tabIn(ctx context.Context, bcID cdp.BrowserContextID) (context.Context, context.CancelFunc, error) {
	var tID target.ID
	err := chromedp.Run(ctx, chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		create := target.CreateTarget("about:blank").WithNewWindow(true)
		if bcID != "" {
			create = create.WithBrowserContextID(bcID)
		}
		tID, err = create.Do(cdp.WithExecutor(ctx, chromedp.FromContext(ctx).Browser))
		return err
	}))
	if err != nil {
		return nil, nil, fmt.Errorf("new tab: %w", err)
	}
	tctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(tID))
	return tctx, cancel, nil
}

// eval evaluates expr in the page, awaiting a promise, into out.
func eval(ctx context.Context, expr string, out any, timeout time.Duration) error {
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := chromedp.Run(tctx, chromedp.Evaluate(expr, out, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	}))
	if err != nil && errors.Is(tctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%s: no answer in %v", expr, timeout)
	}
	return err
}

// heapUsed returns the page's used JS heap in bytes, after a full garbage
// collection when gc is set (NaN when unavailable).
func heapUsed(ctx context.Context, gc bool) float64 {
	var used float64
	err := chromedp.Run(ctx, chromedp.ActionFunc(func(ctx context.Context) error {
		if gc {
			if err := heapprofiler.CollectGarbage().Do(ctx); err != nil {
				return err
			}
		}
		u, _, _, _, err := runtime.GetHeapUsage().Do(ctx)
		used = u
		return err
	}))
	if err != nil {
		return math.NaN()
	}
	return used
}
