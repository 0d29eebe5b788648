package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/chromedp"
)

// CPUProfile summarises one Chrome CPU profile of our client.
type CPUProfile struct {
	Workload   string  `json:"workload"`
	Why        string  `json:"why"`
	File       string  `json:"file"` // the .cpuprofile, loadable in DevTools' Performance panel
	TotalMs    float64 `json:"total_ms"`
	Categories []Share `json:"categories"` // ms by Go (wasm), JS, GC, browser, idle
	Top        []Share `json:"top"`        // ms of self time by function
	Phases     []Share `json:"phases,omitempty"`
}

// Share is a named share of a profile: milliseconds of a Chrome CPU
// profile, bytes or CPU seconds of a Go pprof profile.
type Share struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

// profileMisses profiles our client on every workload where it missed a
// target, with a build of the module that keeps its symbol names so the
// profile names Go functions.
func profileMisses(ctx context.Context, cfg *config, res *ClientResult) []CPUProfile {
	// A workload is profiled once per API of ours that missed on it: the
	// EventTarget API and openEventStream spend their time differently.
	type miss struct{ wl, contender string }
	missed := map[miss]string{}
	var order []miss
	for _, t := range clientTargets(res) {
		if t.Measured && !t.Met {
			m := miss{t.Workload, cmp.Or(t.Contender, "wasm")}
			if _, ok := missed[m]; !ok {
				order = append(order, m)
			}
			missed[m] += t.Name + ": " + t.Got + "; "
		}
	}
	if len(order) == 0 {
		return nil
	}
	named := filepath.Join(cfg.out, "eventsource-names.wasm")
	if stale(named, filepath.Join(cfg.root, "web", "dist", "eventsource.wasm")) {
		cfg.prog.printf("building eventsource.wasm with symbol names")
		if _, err := buildWasm(ctx, cfg.root, named, false, "./wasm/cmd/eventsource"); err != nil {
			res.Errors = append(res.Errors, "profile: "+err.Error())
			return nil
		}
	}
	deps, err := listDeps(ctx, cfg.root, "./wasm/cmd/eventsource")
	if err != nil {
		res.Errors = append(res.Errors, "profile: "+err.Error())
		return nil
	}
	names := newWasmPackages(deps)
	base, stop, err := startServer(ctx, cfg.bench, named)
	if err != nil {
		res.Errors = append(res.Errors, "profile: "+err.Error())
		return nil
	}
	defer stop()
	s := fullSizes
	if cfg.quick {
		s = quickSizes
	}
	var out []CPUProfile
	for _, m := range order {
		wl := m.wl
		if m.contender == "stream" {
			wl += " (openEventStream)"
		}
		cfg.prog.printf("CPU profile of ours: %s", wl)
		expr := fmt.Sprintf("bench.ticker(%q, 10, %d, 60000)", m.contender, s.tickerCount)
		for _, bw := range burstWorkloads {
			if bw.name == m.wl {
				expr = burstExpr(bw, m.contender, s, 120*time.Second)
			}
		}
		for _, pw := range parseWorkloads {
			if pw.name == m.wl {
				expr = fmt.Sprintf("bench.parse('wasm', %d, %d)", pw.count, pw.size)
			}
		}
		var p CPUProfile
		if m.wl == wlCold {
			p, err = profileCold(ctx, cfg, base, names)
		} else {
			p, err = profilePage(ctx, cfg, base, wl, expr, names)
		}
		if err != nil {
			res.Errors = append(res.Errors, fmt.Sprintf("profile %s: %v", wl, err))
			continue
		}
		p.Why = strings.TrimSuffix(missed[m], "; ")
		out = append(out, p)
	}
	return out
}

// profilePage profiles expr on a fresh page whose module is loaded and
// warmed up.
func profilePage(ctx context.Context, cfg *config, base, wl, expr string, names wasmPackages) (CPUProfile, error) {
	pctx, cancel, err := isolatedTab(ctx)
	if err != nil {
		return CPUProfile{}, err
	}
	defer cancel()
	var ok bool
	var warm json.RawMessage
	err = chromedp.Run(pctx, chromedp.Navigate(base+"/bench/page/index.html"), network.Disable())
	if err == nil {
		err = eval(pctx, "bench.load('wasm')", &ok, 30*time.Second)
	}
	if err == nil {
		err = eval(pctx, "bench.burst('wasm', 5000, 64, 30000)", &warm, 35*time.Second)
	}
	if err == nil {
		// The workload once unprofiled too: what it sets up on first use
		// (bench.parse encodes its bytes then) is outside its measurement,
		// so it must be outside the profile.
		err = eval(pctx, expr, &warm, 130*time.Second)
	}
	if err != nil {
		return CPUProfile{}, err
	}
	if err := chromedp.Run(pctx, profiler.Enable(), profiler.SetSamplingInterval(100), profiler.Start()); err != nil {
		return CPUProfile{}, err
	}
	var res json.RawMessage
	if err := eval(pctx, expr, &res, 130*time.Second); err != nil {
		return CPUProfile{}, err
	}
	prof, err := stopProfiler(pctx)
	if err != nil {
		return CPUProfile{}, err
	}
	return summariseProfile(cfg, wl, prof, names)
}

// profileCold profiles a cold page load of our client from navigation to
// its first event, and splits it into phases.
func profileCold(ctx context.Context, cfg *config, base string, names wasmPackages) (CPUProfile, error) {
	pctx, cancel, err := isolatedTab(ctx)
	if err != nil {
		return CPUProfile{}, err
	}
	defer cancel()
	var cold map[string]float64
	err = chromedp.Run(pctx, network.Disable(),
		profiler.Enable(), profiler.SetSamplingInterval(100), profiler.Start(),
		chromedp.Navigate(base+"/bench/page/index.html?cold=wasm&timeout=20000"))
	if err == nil {
		err = eval(pctx, "window.coldResult", &cold, 25*time.Second)
	}
	if err != nil {
		return CPUProfile{}, err
	}
	prof, err := stopProfiler(pctx)
	if err != nil {
		return CPUProfile{}, err
	}
	p, err := summariseProfile(cfg, wlCold, prof, names)
	if err != nil {
		return p, err
	}
	// The symbol-named module is bigger than the shipped one, so these
	// phases are an upper bound of the shipped module's.
	p.Phases = []Share{
		{"navigation → first event", cold["sinceNavigationMs"]},
		{"JS module import (load)", cold["sinceLoadMs"] - cold["sinceNewMs"]},
		{"new → wasm downloaded", cold["wasmFetchMs"]},
		{"new → module ready (download + compile + instantiate + Go start)", cold["readySinceNewMs"]},
		{"new → first event", cold["sinceNewMs"]},
	}
	return p, nil
}

// summariseProfile writes prof to bench/out and sums self time by function
// and by category.
func summariseProfile(cfg *config, wl string, prof *profiler.Profile, names wasmPackages) (CPUProfile, error) {
	file := filepath.Join(cfg.out, "profile-"+slug(wl)+".cpuprofile")
	b, err := json.Marshal(prof)
	if err != nil {
		return CPUProfile{}, err
	}
	if err := os.WriteFile(file, b, 0o644); err != nil {
		return CPUProfile{}, err
	}
	p := CPUProfile{Workload: wl, File: relPath(cfg.root, file), TotalMs: (prof.EndTime - prof.StartTime) / 1e3}
	// Self time per node: each sample's time delta goes to the node on top
	// of the stack at that sample.
	self := map[int64]float64{}
	for i, id := range prof.Samples {
		if i+1 < len(prof.TimeDeltas) {
			self[id] += float64(prof.TimeDeltas[i+1]) / 1e3
		}
	}
	byFunc := map[string]float64{}
	byCat := map[string]float64{}
	for _, n := range prof.Nodes {
		ms := self[n.ID]
		if ms == 0 {
			continue
		}
		name, cat := frameName(n.CallFrame.FunctionName, n.CallFrame.URL, names)
		byFunc[name] += ms
		byCat[cat] += ms
	}
	p.Top = topN(byFunc, 20)
	p.Categories = topN(byCat, 10)
	return p, nil
}

// frameName names a profile frame and puts it in a category.
func frameName(fn, url string, names wasmPackages) (name, category string) {
	switch fn {
	case "(idle)":
		return fn, "idle"
	case "(garbage collector)":
		return fn, "JS garbage collector"
	case "(program)", "(root)":
		return fn, "browser (outside JS and wasm)"
	}
	if fn == "" {
		fn = "(anonymous)"
	}
	if strings.HasPrefix(url, "wasm://") || strings.Contains(url, ".wasm") || strings.HasPrefix(fn, "$") {
		sym := strings.TrimPrefix(fn, "$")
		pkg, _, _ := names.split(sym)
		cat := "Go standard library (wasm)"
		switch {
		case pkg == "runtime" || strings.HasPrefix(pkg, "internal/runtime"):
			cat = "Go runtime: GC, allocator, scheduler (wasm)"
		case strings.HasPrefix(pkg, "github.com/eventsource-wasm/") || strings.HasPrefix(pkg, "main"):
			cat = "Go: the project's code (wasm)"
		case strings.HasPrefix(pkg, "github.com/"):
			cat = "Go: third-party packages (wasm)"
		}
		return names.demangle(sym) + " [wasm]", cat
	}
	if url == "" {
		return fn + " [native]", "browser built-ins"
	}
	return fn + " [" + path.Base(url) + "]", "JS: " + path.Base(url)
}

// topN returns the n largest values of m, largest first.
func topN(m map[string]float64, n int) []Share {
	out := make([]Share, 0, len(m))
	for k, v := range m {
		out = append(out, Share{k, v})
	}
	slices.SortFunc(out, func(a, b Share) int { return cmp.Compare(b.Value, a.Value) })
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// slug makes a file-name-safe version of s.
func slug(s string) string {
	return strings.Trim(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return '-'
	}, s), "-")
}

// stopProfiler stops the tab's CPU profiler and returns what it recorded.
func stopProfiler(ctx context.Context) (prof *profiler.Profile, err error) {
	err = chromedp.Run(ctx, chromedp.ActionFunc(func(ctx context.Context) error {
		prof, err = profiler.Stop().Do(ctx)
		return err
	}))
	return prof, err
}

// stale reports whether file is missing or older than source: a build
// with symbol names left from an earlier change would profile old code.
func stale(file, source string) bool {
	f, err := os.Stat(file)
	if err != nil {
		return true
	}
	src, err := os.Stat(source)
	return err != nil || f.ModTime().Before(src.ModTime())
}
