package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Results are every section's latest results.
type Results struct {
	Machine Machine        `json:"machine"`
	Size    *SizeResult    `json:"size,omitempty"`
	Go      *GoBenchResult `json:"go,omitempty"`
	Client  *ClientResult  `json:"client,omitempty"`
	Load    *LoadResult    `json:"load,omitempty"`
}

// Chart files, next to RESULTS.md.
const (
	chartClient  = "chart-client.svg"
	chartLatency = "chart-latency.svg"
	chartSize    = "chart-size.svg"
	chartLoad    = "chart-load.svg"
)

// writeReport writes bench/RESULTS.md and the charts.
func writeReport(cfg *config, res *Results) error {
	var w strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&w, format, args...) }
	p("# Benchmark results\n\n")
	p("Written by `make bench` (`go run ./bench`); do not edit by hand. Every comparison ran side by side in one run on the machine below, ")
	p("in several rounds with the contenders in alternating order; tables give the **median** and the min–max over rounds.\n\n")
	writeMachine(&w, res.Machine)
	writeTargets(&w, res)
	if res.Client != nil {
		writeClient(&w, res.Client)
	}
	if res.Size != nil {
		writeSize(&w, res.Size)
	}
	if res.Go != nil {
		writeGo(&w, res.Go, res.Machine.Packages["eventsource-parser"])
	}
	if res.Load != nil {
		writeLoad(&w, res.Load)
	}
	p("## How to run\n\n```sh\nmake bench                      # everything, about 10 minutes\ngo run ./bench -only client     # one section: size, go, client or load\ngo run ./bench -quick           # small workloads, one round\ngo run ./bench -only client -match 'parser|ticker' -profile=false   # some client workloads; report in bench/out/\ngo test -run '^$' -bench . -count 10 ./sse/ ./bench/ | tee new.txt   # for benchstat\n```\n\n")
	p("Scratch files (CPU and heap profiles, the parser corpora, raw `go test` output) are in `bench/out/` (not committed).\n")
	if err := os.WriteFile(filepath.Join(cfg.report, "RESULTS.md"), []byte(w.String()), 0o644); err != nil {
		return fmt.Errorf("write RESULTS.md: %w", err)
	}
	return writeCharts(cfg, res)
}

func writeMachine(w *strings.Builder, m Machine) {
	fmt.Fprintf(w, "## Machine\n\n| | |\n|---|---|\n")
	fmt.Fprintf(w, "| date | %s |\n", m.Date.Format(time.RFC3339))
	fmt.Fprintf(w, "| CPU | %s, %d cores |\n| memory | %.0f GiB |\n| kernel | %s |\n", m.CPU, m.Cores, m.MemoryGB, m.Kernel)
	fmt.Fprintf(w, "| Go | %s |\n| Node.js | %s |\n| browser | %s (headless) |\n| commit | %s |\n", m.Go, m.Node, m.Chromium, m.Commit)
	var pkgs []string
	for _, name := range npmPackages {
		if v, ok := m.Packages[name]; ok {
			pkgs = append(pkgs, fmt.Sprintf("`%s` %s", name, v))
		}
	}
	fmt.Fprintf(w, "| npm | %s |\n", strings.Join(pkgs, ", "))
	quiet := "quiet"
	if m.LoadAvg > 0.5 {
		quiet = "**busy: other work was running, figures are noisy**"
	}
	fmt.Fprintf(w, "| load average at start | %.2f (%s) |\n\n", m.LoadAvg, quiet)
}

func writeTargets(w *strings.Builder, res *Results) {
	var ts []Target
	if res.Client != nil {
		ts = append(ts, clientTargets(res.Client)...)
	}
	if res.Size != nil {
		ts = append(ts, Target{Section: "size", Name: "eventsource.wasm brotli", Want: "≤ " + kb(res.Size.Budget), Got: kb(res.Size.Module.Brotli), Met: !res.Size.OverBudget(), Measured: true})
	}
	if res.Load != nil {
		ts = append(ts, loadTargets(res.Load)...)
	}
	if len(ts) == 0 {
		return
	}
	fmt.Fprintf(w, "## Targets\n\n| | target | want | measured |\n|---|---|---|---|\n")
	for _, t := range ts {
		mark := "❌ missed"
		switch {
		case !t.Measured:
			mark, t.Got = "— not measured", "—"
		case t.Met:
			mark = "✅ met"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s %s |\n", t.Section, t.Name, t.Want, mark, t.Got)
	}
	w.WriteString("\n")
}

// runsOf returns the runs of one server at one size that opened streams.
func runsOf(l *LoadResult, server string, n int) []LoadRun {
	var out []LoadRun
	for _, r := range l.Runs {
		if r.Server == server && r.Streams == n && r.Opened > 0 {
			out = append(out, r)
		}
	}
	return out
}

// runSummary summarises get over the runs of one server at one size.
func runSummary(l *LoadResult, server string, n int, get func(LoadRun) float64) Summary {
	var vs []float64
	for _, r := range runsOf(l, server, n) {
		vs = append(vs, get(r))
	}
	return summarize(vs)
}

// medianRuns is runSummary's median, NaN when there is no run.
func medianRuns(l *LoadResult, server string, n int, get func(LoadRun) float64) float64 {
	if s := runSummary(l, server, n, get); s.N > 0 {
		return s.Median
	}
	return math.NaN()
}

// cell formats a summary as "median (min–max)".
func cell(s Summary, format string) string {
	if s.N == 0 {
		return "—"
	}
	m := fmt.Sprintf(format, s.Median)
	if s.N == 1 || s.Min == s.Max {
		return m
	}
	return fmt.Sprintf("%s ("+format+"–"+format+")", m, s.Min, s.Max)
}

func ratio(a, b float64) string {
	if math.IsNaN(a) || math.IsNaN(b) || b == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func writeClient(w *strings.Builder, c *ClientResult) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("## Client in headless Chromium\n\n")
	p("Ran %s, %d rounds. Each round loads the bench page (`bench/page/`) fresh, loads every contender and warms it up with a 5,000-event burst, ", c.Date.Format(time.RFC3339), c.Rounds)
	p("then runs each workload for each contender one after another (order reversed every other round) against the project's server in the same process as the driver. DevTools' Network domain is off while measuring (it would report every message to the driver). ")
	p("Throughput counts from `new` to the stream's final `event: done`; MB/s counts event data (1 MB = 10⁶ bytes). ")
	p("Each burst runs from two sources: the project's server (`/events?interval=0&count=N&size=S&done=1`, which flushes every event, so its own write rate caps every client) ")
	p("and *pre-encoded* (`/bench/stream`: the same events written in 64 KiB pieces, which costs the server next to nothing, so the browser is the bound and the clients themselves are compared). ")
	p("The last row of each table is a plain Go HTTP reader of the same source, without a browser: the ceiling on this machine. ")
	p("“× fastest JS” compares with the fastest of event-source-polyfill, eventsource v5 and fetch-event-source on that workload.\n\n")
	p("![client throughput](%s)\n\n", chartClient)
	for _, bw := range burstWorkloads {
		wl := bw.name
		byC := c.Workloads[wl]
		if byC == nil {
			continue
		}
		metric := "events/s"
		if bw.size >= 1<<20 {
			metric = "MB/s"
		}
		nat, _ := c.median(wl, "native", metric)
		_, fast := c.fastestJS(wl, metric)
		p("### %s\n\n| contender | events/s | MB/s | × native | × fastest JS |\n|---|---|---|---|---|\n", wl)
		for _, name := range append(slices.Clone(contenders), ceilingName) {
			m, ok := byC[name]
			if !ok {
				p("| %s | failed | | | |\n", contenderLabels[name])
				continue
			}
			v := m[metric].Median
			label := contenderLabels[name]
			if name == "wasm" {
				label = "**" + label + "**"
			}
			p("| %s | %s | %s | %s | %s |\n", label, cell(m["events/s"], "%.0f"), cell(m["MB/s"], "%.1f"), ratio(v, nat), ratio(v, fast))
		}
		p("\n")
	}
	if byC := c.Workloads[wlBurst64]; byC != nil {
		p("### Memory around the %s burst\n\n", wlBurst64)
		p("JS heap used (DevTools `Runtime.getHeapUsage`): growth from before the burst (after a full GC) to right after `done`, and what is still held after another full GC. ")
		p("Our Go heap lives in the WebAssembly memory, outside the JS heap: its size is listed separately (it only grows).\n\n")
		p("| contender | heap growth MB | retained after GC MB | wasm memory MB |\n|---|---|---|---|\n")
		for _, name := range contenders {
			m := byC[name]
			if m == nil {
				continue
			}
			p("| %s | %s | %s | %s |\n", contenderLabels[name], cell(m["heap growth MB"], "%.1f"), cell(m["heap retained MB"], "%.2f"), cell(m["wasm memory MB"], "%.1f"))
		}
		p("\n")
	}
	if byC := c.Workloads[wlConstruct]; byC != nil {
		p("### %s\n\n", wlConstruct)
		p("Each message becomes a `MessageEvent` whose constructor is the page's `MessageEvent`, as native's are. ")
		p("This measures that alone, without the network: `bench.construct` builds and dispatches 100,000 events with 64-byte data to one listener that reads `data`, `lastEventId` and `origin`, each way twice per round.\n\n")
		p("| way | events/s | × ours |\n|---|---|---|\n")
		ours := byC["realm"]["events/s"].Median
		for _, w := range eventWays {
			if m, ok := byC[w.name]; ok {
				p("| %s | %s | %s |\n", w.label, cell(m["events/s"], "%.0f"), ratio(m["events/s"].Median, ours))
			}
		}
		p("\n")
	}
	if c.Workloads[parseWorkloads[0].name] != nil {
		p("### EventStreamParser vs eventsource-parser\n\n")
		p("`bench.parse`: the same bytes (events with ids, in 64 KiB chunks) through ours (`new EventStreamParser()`) and through eventsource-parser's `EventSourceParserStream` (after a `TextDecoderStream`, as it takes text), in the same page, from the first chunk in to the last event read out.\n\n")
		p("| workload | ours events/s | eventsource-parser events/s | ours MB/s | × eventsource-parser |\n|---|---|---|---|---|\n")
		for _, pw := range parseWorkloads {
			ours, js := c.Workloads[pw.name]["wasm"], c.Workloads[pw.name]["eventsource-parser"]
			p("| %s | %s | %s | %s | %s |\n", pw.name, cell(ours["events/s"], "%.0f"), cell(js["events/s"], "%.0f"), cell(ours["MB/s"], "%.1f"), ratio(ours["events/s"].Median, js["events/s"].Median))
		}
		p("\n")
	}
	p("![receive delay and first event](%s)\n\n", chartLatency)
	if byC := c.Workloads[wlTicker]; byC != nil {
		p("### %s: receive delay\n\n", wlTicker)
		p("`/events?interval=10ms&ts=1`: each event carries the server's clock when it was written; the delay is the page's clock at the listener minus that. Per round the p50/p99/max of all events, then the median over rounds.\n\n")
		p("| contender | p50 ms | p99 ms | max ms | p50 − native |\n|---|---|---|---|---|\n")
		nat, _ := c.median(wlTicker, "native", "p50 ms")
		for _, name := range contenders {
			m := byC[name]
			if m == nil {
				p("| %s | failed | | | |\n", contenderLabels[name])
				continue
			}
			p("| %s | %s | %s | %s | %+.2f ms |\n", contenderLabels[name], cell(m["p50 ms"], "%.2f"), cell(m["p99 ms"], "%.2f"), cell(m["max ms"], "%.1f"), m["p50 ms"].Median-nat)
		}
		p("\n")
	}
	if byC := c.Workloads[wlWarm]; byC != nil {
		p("### Time to first event\n\n")
		p("Warm: in a page with everything loaded, `new` → first event of `/events?count=1` (median of several per round). ")
		p("Cold: a fresh page in a new browser context (empty HTTP cache, a new renderer process, so nothing compiled before is reused), the library loaded on demand; `new` comes right after the library's JS module is imported, before our wasm module is fetched, so our figure includes its download, compile and instantiate. ")
		p("Returning: a browser with a fresh profile loads the page once, leaves it, then a new tab loads it again: the HTTP cache holds the library (revalidated with a 304). Our wasm is compiled again: this headless Chromium writes no code cache for `eventsource.wasm` (its profile's `Code Cache/wasm` stays empty, even with eager TurboFan), so the returning visitor saves the download, not the compile.\n\n")
		p("| contender | warm ms | cold: new → event ms | returning: new → event ms | cold: load + new → event ms | returning: load + new → event ms | cold: navigation → event ms |\n|---|---|---|---|---|---|---|\n")
		cold, back := c.Workloads[wlCold], c.Workloads[wlReturning]
		for _, name := range contenders {
			p("| %s | %s | %s | %s | %s | %s | %s |\n", contenderLabels[name], cell(byC[name]["ms"], "%.1f"), cell(cold[name]["new→event ms"], "%.1f"), cell(back[name]["new→event ms"], "%.1f"),
				cell(cold[name]["load+new→event ms"], "%.1f"), cell(back[name]["load+new→event ms"], "%.1f"), cell(cold[name]["navigation→event ms"], "%.1f"))
		}
		if m := cold["wasm"]; m != nil {
			p("\nOurs, cold, split: wasm download %s ms, `new` → module ready %s ms.\n", cell(m["wasm download ms"], "%.1f"), cell(m["new→ready ms"], "%.1f"))
		}
		if m := back["wasm"]; m != nil {
			p("\nOurs, returning, split: wasm revalidated in %s ms, `new` → module ready %s ms.", cell(m["wasm download ms"], "%.1f"), cell(m["new→ready ms"], "%.1f"))
			if im := c.Workloads[wlReturningImmutable]["wasm"]; im != nil {
				p(" With the content-hashed, immutable wasm URL (`configure({ wasmURL })`, no request at all): `new` → first event %s ms, `new` → module ready %s ms.", cell(im["new→event ms"], "%.1f"), cell(im["new→ready ms"], "%.1f"))
			}
			p("\n")
		}
		p("\n")
	}
	if first, second := c.Workloads[wlSharedFirst]["wasm"], c.Workloads[wlSharedSecond]["wasm"]; first != nil && second != nil {
		p("### `shared: true`: the second tab skips the cold start\n\n")
		p("Two tabs of a fresh browser context open `new WasmEventSource('/events?interval=10ms', { shared: true })`, the second while the first still listens. ")
		p("The first tab starts the SharedWorker, which fetches and starts the module and opens the stream; the second joins that stream over the worker's MessagePort, ")
		p("so its first event is the stream's next tick (up to 10 ms later).\n\n")
		p("| tab | new → open ms | new → first event ms |\n|---|---|---|\n")
		p("| first (cold: worker + module + connection) | %s | %s |\n", cell(first["new→open ms"], "%.1f"), cell(first["new→event ms"], "%.1f"))
		p("| second (joins the stream) | %s | %s |\n", cell(second["new→open ms"], "%.1f"), cell(second["new→event ms"], "%.1f"))
		p("\n")
	}
	if len(c.Errors) > 0 {
		p("### Failures\n\n")
		for _, e := range c.Errors {
			p("- %s\n", e)
		}
		p("\n")
	}
	if len(c.Profiles) > 0 {
		p("### Where the time goes: profiles of ours where it missed a target\n\n")
		p("Chrome CPU profiles (DevTools protocol, 100 µs sampling) of our client alone on the workload, with a build of `eventsource.wasm` that keeps its symbol names (served in place of the stripped one) so Go functions are named. ")
		p("Open the `.cpuprofile` files in DevTools → Performance to explore.\n\n")
		for _, pr := range c.Profiles {
			p("#### %s\n\nMissed: %s. Profile: `%s`, %.0f ms.\n\n", pr.Workload, pr.Why, pr.File, pr.TotalMs)
			if len(pr.Phases) > 0 {
				p("| phase | ms |\n|---|---|\n")
				for _, ph := range pr.Phases {
					p("| %s | %.1f |\n", ph.Name, ph.Value)
				}
				p("\n")
			}
			p("| where | self ms | share |\n|---|---|---|\n")
			for _, ct := range pr.Categories {
				p("| %s | %.1f | %.0f%% |\n", ct.Name, ct.Value, 100*ct.Value/pr.TotalMs)
			}
			p("\n<details><summary>Top functions by self time</summary>\n\n| function | self ms |\n|---|---|\n")
			for _, f := range pr.Top {
				p("| `%s` | %.1f |\n", strings.ReplaceAll(f.Name, "|", `\|`), f.Value)
			}
			p("\n</details>\n\n")
		}
	}
}

func writeSize(w *strings.Builder, s *SizeResult) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("## Module size\n\n")
	status := "within"
	if s.OverBudget() {
		status = "**OVER**"
	}
	p("Built %s with the Makefile's flags (`GOOS=js GOARCH=wasm go build -trimpath -ldflags='-s -w'`), compressed as `web/precompress` does (brotli quality 11, gzip -9). ", s.Date.Format(time.RFC3339))
	p("`eventsource.wasm` is **%s** brotli, %s the %s budget (`make bench` fails when it is exceeded).\n\n", kb(s.Module.Brotli), status, kb(s.Budget))
	p("![module size](%s)\n\n", chartSize)
	p("What each layer adds — each build is a complete program; “links in” lists the non-internal packages the build adds to the one before:\n\n| build | what | raw | gzip | brotli | brotli added | links in |\n|---|---|---|---|---|---|---|\n")
	prev := 0
	for _, v := range s.Variants {
		adds := v.Adds
		if prev == 0 {
			adds = []string{"runtime and its dependencies"}
		}
		p("| %s | %s | %s | %s | %s | %s | %s |\n", v.Name, v.What, kb(v.Sizes.Raw), kb(v.Sizes.Gzip), kb(v.Sizes.Brotli), kbDelta(v.Sizes.Brotli-prev, prev == 0), shortList(adds, 20))
		prev = v.Sizes.Brotli
	}
	p("\nWhere the module's code goes, by Go package (function bodies of a build with symbol names; brotli of each package's code alone, an estimate):\n\n| package | code | share of code | brotli (alone) |\n|---|---|---|---|\n")
	total := 0
	for _, pk := range s.Packages {
		total += pk.Raw
	}
	other := PackageSize{Name: "other packages"}
	for i, pk := range s.Packages {
		if i >= 25 {
			other.Raw += pk.Raw
			other.Brotli += pk.Brotli
			continue
		}
		p("| `%s` | %s | %.1f%% | %s |\n", pk.Name, kb(pk.Raw), 100*float64(pk.Raw)/float64(total), kb(pk.Brotli))
	}
	if other.Raw > 0 {
		p("| %s | %s | %.1f%% | %s |\n", other.Name, kb(other.Raw), 100*float64(other.Raw)/float64(total), kb(other.Brotli))
	}
	p("\nSections of that build: ")
	var secs []string
	for _, sec := range s.Sections {
		secs = append(secs, fmt.Sprintf("%s %s", sec.Name, kb(sec.Raw)))
	}
	p("%s.\n\n", strings.Join(secs, ", "))
}

// shortList joins up to n names as code, then a count of the rest.
func shortList(names []string, n int) string {
	var parts []string
	for i, s := range names {
		if i == n {
			parts = append(parts, fmt.Sprintf("and %d more", len(names)-n))
			break
		}
		parts = append(parts, "`"+s+"`")
	}
	return strings.Join(parts, ", ")
}

func kbDelta(n int, first bool) string {
	if first {
		return "—"
	}
	return fmt.Sprintf("%+.1f KB", float64(n)/1000)
}

func writeGo(w *strings.Builder, g *GoBenchResult, parserVersion string) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("## Parser, encoder and broker (Go benchmarks)\n\n")
	p("Ran %s: `go test -run '^$' -bench . -benchmem -count %s ./sse/ ./bench/` (raw output below, benchstat-friendly). ", g.Date.Format(time.RFC3339), g.Count)
	p("The npm `eventsource-parser` %s parses the same bytes in Node %s, fed in the same 64 KiB chunks through a streaming `TextDecoder` (the Go parser decodes UTF-8 itself, so decoding is counted on both sides).\n\n", parserVersion, g.Node)
	p("| corpus | Go `sse.Parser` MB/s | eventsource-parser (Node) MB/s | Go ÷ Node | Go allocs/op |\n|---|---|---|---|---|\n")
	for _, c := range corpora {
		gb := g.Bench[c.bench]
		node := g.NodeMBs[c.name]
		p("| %d events × %s (%s) | %s | %s | %s | %s |\n", c.n, c.name, kb(corpusBytes(c.n, c.size)), cell(gb.Metrics["MB/s"], "%.0f"), cell(node, "%.0f"), ratio(gb.Metrics["MB/s"].Median, node.Median), cell(gb.Metrics["allocs/op"], "%.0f"))
	}
	if e, ok := g.Bench["BenchmarkEncoder"]; ok {
		p("\nEncoder (`BenchmarkEncoder`: id, type and 64 bytes of data over two lines): %s MB/s, %s ns/event, %s allocs/event.\n", cell(e.Metrics["MB/s"], "%.0f"), cell(e.Metrics["ns/op"], "%.0f"), cell(e.Metrics["allocs/op"], "%.0f"))
	}
	p("\nBroker fan-out (`bench/fanout_test.go`): one in-memory `Publish` until every subscriber goroutine has the message.\n\n| subscribers | time per fan-out | per delivery |\n|---|---|---|\n")
	for _, f := range []struct {
		name string
		n    int
	}{{"BenchmarkFanout1k", 1000}, {"BenchmarkFanout10k", 10000}} {
		if b, ok := g.Bench[f.name]; ok {
			p("| %d | %s µs | %s ns |\n", f.n, cell(scale(b.Metrics["ns/op"], 1e-3), "%.0f"), cell(b.Metrics["ns/delivery"], "%.0f"))
		}
	}
	p("\n<details><summary>Raw <code>go test -bench</code> output</summary>\n\n```\n%s```\n\n</details>\n\n", g.Raw)
}

func corpusBytes(n, size int) int {
	total := 0
	for i := range n {
		total += len("id: ") + len(fmt.Sprint(i)) + 1 + len("data: ") + size + 2
	}
	return total
}

func scale(s Summary, f float64) Summary {
	s.Median *= f
	s.Min *= f
	s.Max *= f
	return s
}

func writeLoad(w *strings.Builder, l *LoadResult) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("## Server under load\n\n")
	p("Ran %s on loopback. The server under test runs as its own process: ours (`bench serve`: `server.New` with the in-memory broker) ", l.Date.Format(time.RFC3339))
	p("a topic server written with bare net/http the way a Go tutorial does it (`bench serve-nethttp`: a channel and a goroutine per stream, Fprintf and Flush per event), ")
	p("or a minimal express server written the way the seed's tutorial does it (`bench/express/server.js`). The same load generators drive all three. ")
	p("*Ours, HTTP/2* is our server again with the generators' streams over cleartext HTTP/2 (prior knowledge, Go's client: up to 250 streams share a connection); there a stream keeps net/http's handler goroutine, as the connection takeover and the fan-out workers are for HTTP/1.1. ")
	p("Load generators (`bench loadgen`, at most %d streams per process: the hard open-files limit here is 20,000 per process) open raw HTTP/1.1 streams to `/topics/load`, 128 at a time; ", perProcess)
	p("then a publisher POSTs to the topic every 100 ms for %s (on time whatever the server's answers: up to 4 publishes in flight), the data being the publish time, and each generator records publish → receipt for every event on every stream. ", l.Broadcast)
	p("RSS per stream is (RSS with the streams open and idle − RSS before) ÷ streams; CPU is the server's user+system time during the broadcast, in %% of one core (the machine has two, shared with the generators).\n\n")
	p("![server under load](%s)\n\n", chartLoad)
	p("| server | streams | opened | time to open | RSS per stream | fan-out p50 | fan-out p99 | max | server CPU (broadcast) | server CPU (opening) | generators' CPU (broadcast) | machine busy (broadcast) | load average | events published / due | delivered |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, n := range loadSizes(l) {
		for _, s := range loadServers {
			runs := runsOf(l, s, n)
			if len(runs) == 0 {
				continue
			}
			f := func(get func(LoadRun) float64) Summary { return runSummary(l, s, n, get) }
			delivered, expected := int64(0), int64(0)
			opened := runs[0].Opened
			for _, r := range runs {
				delivered += r.Delivered
				expected += r.Expected
				opened = min(opened, r.Opened)
			}
			p("| %s | %d | %d | %s ms | %s KiB | %s ms | %s ms | %s ms | %s%% | %s%% | %s%% | %s%% | %s | %s / %s | %.2f%% |\n", serverLabel(s), n, opened,
				cell(f(func(r LoadRun) float64 { return r.OpenMs }), "%.0f"),
				cell(f(func(r LoadRun) float64 { return r.RSSPerConnKB }), "%.1f"),
				cell(f(func(r LoadRun) float64 { return r.P50Ms }), "%.1f"),
				cell(f(func(r LoadRun) float64 { return r.P99Ms }), "%.1f"),
				cell(f(func(r LoadRun) float64 { return r.MaxMs }), "%.0f"),
				cell(f(func(r LoadRun) float64 { return r.CPUPct }), "%.0f"),
				cell(f(func(r LoadRun) float64 { return r.OpenCPUPct }), "%.0f"),
				cell(f(func(r LoadRun) float64 { return r.LoadgenCPUPct }), "%.0f"),
				cell(f(func(r LoadRun) float64 { return r.MachineBusyPct }), "%.0f"),
				cell(f(func(r LoadRun) float64 { return r.LoadAvg }), "%.1f"),
				cell(f(func(r LoadRun) float64 { return float64(r.Published) }), "%.0f"),
				cell(f(func(r LoadRun) float64 { return float64(r.Scheduled) }), "%.0f"),
				100*float64(delivered)/math.Max(1, float64(expected)))
		}
	}
	p("\n")
	for _, r := range l.Runs {
		if r.OpenErr != "" {
			p("- %s, %d streams: %s\n", serverLabel(r.Server), r.Streams, r.OpenErr)
		}
	}
	for _, e := range l.Errors {
		p("- %s\n", e)
	}
	if len(l.Storms) > 0 {
		p("\nReconnect storm: %d streams open on one topic while a publisher posts every 2 ms; then every stream closes and reopens %d times at once, resuming with `Last-Event-ID` from the last id it got. Missed counts the ids a stream never received (a server without replay loses what was published while a stream was away); time is from the start of the storm to the last reopened stream's response head.\n\n", stormStreams, stormReopens)
		p("| server | streams | reopens | storm time | failed reopens | events published | missed | received twice |\n|---|---|---|---|---|---|---|---|\n")
		for _, r := range l.Storms {
			if r.Err != "" {
				p("| %s | %d | — | — | — | — | — | %s |\n", serverLabel(r.Server), r.Streams, r.Err)
				continue
			}
			p("| %s | %d | %d | %.0f ms | %d | %d | %d | %d |\n", serverLabel(r.Server), r.Opened, r.Reopens, r.StormMs, r.Failed, r.Published, r.Missed, r.Dupes)
		}
	}
	if h := l.Heap; h != nil {
		p("\n<details><summary>Go server: in-use heap with 10,000 idle streams (top allocation sites, <code>%s</code>)</summary>\n\n| function | in use | per stream |\n|---|---|---|\n", h.File)
		for _, t := range h.Top {
			p("| `%s` | %.1f MiB | %.2f KiB |\n", t.Name, t.Value/(1<<20), t.Value/1024/10000)
		}
		p("\n</details>\n")
	}
	if c := l.CPU; c != nil {
		p("\n<details><summary>Go server: CPU during the broadcast to 10,000 streams (%.0f s sampled, top functions by self time, <code>%s</code>)</summary>\n\n| function | self CPU | share of the window |\n|---|---|---|\n", c.Seconds, c.File)
		for _, t := range c.Top {
			p("| `%s` | %.0f ms | %.1f%% |\n", t.Name, t.Value*1e3, 100*t.Value/c.Seconds)
		}
		p("\n</details>\n")
	}
	p("\n")
}

func serverLabel(s string) string {
	switch s {
	case "go":
		return "ours (Go)"
	case "go-h2":
		return "ours (Go), HTTP/2"
	case "nethttp":
		return "bare net/http"
	}
	return "express"
}

func loadSizes(l *LoadResult) []int {
	var ns []int
	for _, r := range l.Runs {
		if !slices.Contains(ns, r.Streams) {
			ns = append(ns, r.Streams)
		}
	}
	slices.Sort(ns)
	return ns
}

// writeCharts draws the charts the README shows.
func writeCharts(cfg *config, res *Results) error {
	kind := func(c string) string {
		switch c {
		case "wasm":
			return "ours"
		case "native":
			return "native"
		}
		return ""
	}
	contenderBars := func(c *ClientResult, wl, metric string) []bar {
		var bars []bar
		for _, name := range contenders {
			s, ok := c.Workloads[wl][name][metric]
			v := s.Median
			if !ok || s.N == 0 {
				v = math.NaN()
			}
			bars = append(bars, bar{label: contenderLabels[name], value: v, lo: s.Min, hi: s.Max, kind: kind(name)})
		}
		return bars
	}
	if c := res.Client; c != nil {
		var panels []panel
		for _, bw := range burstWorkloads {
			unit := "events/s"
			if bw.size >= 1024 {
				unit = "MB/s"
			}
			panels = append(panels, panel{title: bw.name, unit: unit, bars: contenderBars(c, bw.name, unit)})
		}
		err := writeChart(filepath.Join(cfg.report, chartClient), "Client throughput in headless Chromium (higher is better)", panels)
		if err != nil {
			return err
		}
		err = writeChart(filepath.Join(cfg.report, chartLatency), "Client latency in headless Chromium (lower is better)", []panel{
			{title: wlTicker + ": receive delay p50", unit: "ms", bars: contenderBars(c, wlTicker, "p50 ms")},
			{title: wlTicker + ": receive delay p99", unit: "ms", bars: contenderBars(c, wlTicker, "p99 ms")},
			{title: "first event, warm page", unit: "ms", bars: contenderBars(c, wlWarm, "ms")},
			{title: "first event, cold page (new → event)", unit: "ms", bars: contenderBars(c, wlCold, "new→event ms"), ref: 150, refLabel: "target for ours: 150 ms"},
		})
		if err != nil {
			return err
		}
	}
	if s := res.Size; s != nil {
		var bars []bar
		for _, v := range s.Variants {
			k := ""
			if v.Name == "eventsource.wasm" {
				k = "ours"
			}
			bars = append(bars, bar{label: v.Name, value: float64(v.Sizes.Brotli) / 1000, kind: k})
		}
		var pk []bar
		for i, p := range s.Packages {
			if i >= 12 {
				break
			}
			pk = append(pk, bar{label: p.Name, value: float64(p.Raw) / 1000})
		}
		err := writeChart(filepath.Join(cfg.report, chartSize), "eventsource.wasm size", []panel{
			{title: "brotli size of each build", unit: "KB", bars: bars, ref: float64(s.Budget) / 1000, refLabel: "budget"},
			{title: "code by package, uncompressed", unit: "KB", bars: pk},
		})
		if err != nil {
			return err
		}
	}
	if l := res.Load; l != nil {
		var lat, rss []bar
		for _, n := range loadSizes(l) {
			for _, s := range loadServers {
				if len(runsOf(l, s, n)) == 0 {
					continue
				}
				label := fmt.Sprintf("%s, %d streams", serverLabel(s), n)
				lat = append(lat, bar{label: label, value: medianRuns(l, s, n, func(r LoadRun) float64 { return r.P99Ms }), kind: s})
				rss = append(rss, bar{label: label, value: medianRuns(l, s, n, func(r LoadRun) float64 { return r.RSSPerConnKB }), kind: s})
			}
		}
		return writeChart(filepath.Join(cfg.report, chartLoad), "Server under load: ours vs bare net/http and express (lower is better)", []panel{
			{title: "fan-out delay p99, broadcast every 100 ms", unit: "ms", bars: lat, ref: 50, refLabel: "target at 10k: 50 ms"},
			{title: "RSS per idle stream", unit: "KiB", bars: rss, ref: 10, refLabel: "target: 10 KiB"},
		})
	}
	return nil
}
