package main

import (
	"fmt"
	"math"
	"strings"
)

// Target is one of the project's performance goals with the figure measured against it.
type Target struct {
	Section  string `json:"section"`
	Name     string `json:"name"`
	Want     string `json:"want"`
	Got      string `json:"got"`
	Met      bool   `json:"met"`
	Measured bool   `json:"measured"` // false: the run has no figure for it
	Workload string `json:"workload,omitempty"`
	// Contender is which of ours the target measures, for its profile:
	// "stream" for openEventStream, else the EventTarget API or the parser.
	Contender string `json:"contender,omitempty"`
}

// median returns the median of metric for contender c in workload wl.
func (c *ClientResult) median(wl, contender, metric string) (float64, bool) {
	s, ok := c.Workloads[wl][contender][metric]
	if !ok || s.N == 0 {
		return math.NaN(), false
	}
	return s.Median, true
}

// fastestJS returns the JS library with the highest median metric in wl.
func (c *ClientResult) fastestJS(wl, metric string) (string, float64) {
	best, bestV := "", math.NaN()
	for _, lib := range jsLibraries {
		if v, ok := c.median(wl, lib, metric); ok && (best == "" || v > bestV) {
			best, bestV = lib, v
		}
	}
	return best, bestV
}

// clientTargets checks ours against native and the fastest JS library.
func clientTargets(c *ClientResult) []Target {
	var ts []Target
	for _, m := range []struct{ wl, metric string }{
		{wlBurst64, "events/s"}, {wlBurst64Pre, "events/s"},
		{wlBurst1k, "events/s"}, {wlBurst1k, "MB/s"}, {wlBurst1kPre, "events/s"}, {wlBurst1kPre, "MB/s"},
		{wlBig, "MB/s"},
	} {
		ours, okO := c.median(m.wl, "wasm", m.metric)
		nat, okN := c.median(m.wl, "native", m.metric)
		lib, best := c.fastestJS(m.wl, m.metric)
		// The stream API, without a MessageEvent per event, must match the
		// fastest JS library.
		stream, okS := c.median(m.wl, "stream", m.metric)
		name := m.wl + " " + m.metric
		ts = append(ts,
			ratioTarget(m.wl, name+" vs native", 1, ours, nat, okO && okN, ""),
			ratioTarget(m.wl, name+" vs fastest JS library", 2, ours, best, okO && lib != "", contenderLabels[lib]),
			streamTarget(ratioTarget(m.wl, name+", openEventStream vs fastest JS library", 1, stream, best, okS && lib != "", contenderLabels[lib])))
	}
	for _, pw := range parseWorkloads {
		ours, okO := c.median(pw.name, "wasm", "events/s")
		js, okJ := c.median(pw.name, "eventsource-parser", "events/s")
		ts = append(ts, ratioTarget(pw.name, pw.name+", EventStreamParser vs eventsource-parser's EventSourceParserStream", 1, ours, js, okO && okJ, ""))
	}
	ours, okO := c.median(wlTicker, "wasm", "p50 ms")
	nat, okN := c.median(wlTicker, "native", "p50 ms")
	ts = append(ts, delayTarget("receive delay p50 vs native", "within +0.1 ms", ours, nat, okO && okN, ours-nat <= 0.1))
	ours, okO = c.median(wlTicker, "wasm", "p99 ms")
	nat, okN = c.median(wlTicker, "native", "p99 ms")
	ts = append(ts, delayTarget("receive delay p99 vs native", "no worse", ours, nat, okO && okN, ours <= nat))
	cold, ok := c.median(wlCold, "wasm", "new→event ms")
	t := Target{Section: "client", Workload: wlCold, Name: "cold page: new → first event", Want: "≤ 150 ms", Measured: ok}
	if ok {
		t.Got = fmt.Sprintf("%.1f ms", cold)
		t.Met = cold <= 150
	}
	return append(ts, t)
}

// streamTarget marks t as openEventStream's.
func streamTarget(t Target) Target {
	t.Contender = "stream"
	return t
}

// ratioTarget is the target "ours ≥ factor × ref" on workload wl; refName,
// when set, names what ref is.
func ratioTarget(wl, name string, factor, ours, ref float64, measured bool, refName string) Target {
	t := Target{Section: "client", Workload: wl, Name: name, Want: fmt.Sprintf("≥ %.1f×", factor), Measured: measured}
	if measured {
		if refName != "" {
			refName = ", " + refName
		}
		t.Got = fmt.Sprintf("%.2f× (%s vs %s%s)", ours/ref, fmtValue(ours), fmtValue(ref), refName)
		t.Met = ours >= factor*ref
	}
	return t
}

// delayTarget is a receive-delay target of ours against native's.
func delayTarget(name, want string, ours, nat float64, measured, met bool) Target {
	t := Target{Section: "client", Workload: wlTicker, Name: name, Want: want, Measured: measured}
	if measured {
		t.Got = fmt.Sprintf("%+.2f ms (%.2f vs %.2f ms)", ours-nat, ours, nat)
		t.Met = met
	}
	return t
}

// loadTargets checks the Go server against the project's load targets,
// each with the baselines' figures beside ours from the same run.
func loadTargets(l *LoadResult) []Target {
	others := func(n int, format string, get func(LoadRun) float64) string {
		var parts []string
		for _, s := range []string{"nethttp", "express"} {
			if v := medianRuns(l, s, n, get); !math.IsNaN(v) {
				parts = append(parts, fmt.Sprintf("%s "+format, serverLabel(s), v))
			}
		}
		if len(parts) == 0 {
			return ""
		}
		return "; " + strings.Join(parts, ", ")
	}
	loadAvg := func(n int) string {
		if v := medianRuns(l, "go", n, func(r LoadRun) float64 { return r.LoadAvg }); v > 0 {
			return fmt.Sprintf(" (load average %.1f)", v)
		}
		return ""
	}
	var ts []Target

	p99 := medianRuns(l, "go", 10000, func(r LoadRun) float64 { return r.P99Ms })
	t := Target{Section: "load", Name: "10,000 streams × 1 event / 100 ms: fan-out p99, all delivered (Go server)", Want: "≤ 50 ms, 100 %", Measured: !math.IsNaN(p99)}
	if t.Measured {
		var got, want int64
		published, due := 0, 0
		for _, r := range runsOf(l, "go", 10000) {
			got, want = got+r.Delivered, want+r.Expected
			published, due = published+r.Published, due+r.Scheduled
		}
		pct := 100 * float64(got) / math.Max(1, float64(want))
		t.Met = p99 <= 50 && got == want && published == due
		t.Got = fmt.Sprintf("ours %.1f ms, %.2f %% of %d events delivered%s%s", p99, pct, published,
			others(10000, "%.1f ms", func(r LoadRun) float64 { return r.P99Ms }), loadAvg(10000))
	}
	ts = append(ts, t)

	rss := medianRuns(l, "go", 10000, func(r LoadRun) float64 { return r.RSSPerConnKB })
	t = Target{Section: "load", Name: "RSS per idle stream at 10k (Go server)", Want: "≤ 10 KiB", Measured: !math.IsNaN(rss)}
	if t.Measured {
		t.Met = rss <= 10
		t.Got = fmt.Sprintf("ours %.1f KiB%s", rss, others(10000, "%.1f KiB", func(r LoadRun) float64 { return r.RSSPerConnKB }))
		if h2 := medianRuns(l, "go-h2", 10000, func(r LoadRun) float64 { return r.RSSPerConnKB }); !math.IsNaN(h2) {
			t.Got += fmt.Sprintf("; ours over HTTP/2 %.1f KiB (no takeover there)", h2)
		}
	}
	ts = append(ts, t)

	t = Target{Section: "load", Name: "19,900 streams held at ≤ 10 KiB each (Go server)", Want: "≥ 19,900 open, ≤ 10 KiB each"}
	for _, r := range l.Runs {
		if r.Server != "go" || r.Streams < 19900 {
			continue
		}
		t.Measured = true
		t.Met = r.Opened >= 19900 && r.RSSPerConnKB <= 10
		t.Got = fmt.Sprintf("ours %d of %d open at %.1f KiB each", r.Opened, r.Streams, r.RSSPerConnKB)
		if r.Opened < r.Streams && r.FileLimit > 0 && r.FileLimit <= r.Streams+64 {
			t.Got += fmt.Sprintf(" (open-files limit %d per process)", r.FileLimit)
		} else if r.OpenErr != "" {
			t.Got += " (" + r.OpenErr + ")"
		}
		if r.Published > 0 {
			t.Got += fmt.Sprintf(", fan-out p99 %.0f ms, %.2f %% delivered", r.P99Ms, 100*float64(r.Delivered)/math.Max(1, float64(r.Expected)))
		}
		for _, o := range l.Runs {
			if o.Server != "go" && o.Streams == r.Streams && o.Opened > 0 {
				t.Got += fmt.Sprintf("; %s %d open at %.1f KiB each", serverLabel(o.Server), o.Opened, o.RSSPerConnKB)
			}
		}
	}
	ts = append(ts, t)

	t = Target{Section: "load", Name: fmt.Sprintf("reconnect storm: %d streams × %d reopens at once, replayed from Last-Event-ID (Go server)", stormStreams, stormReopens), Want: "≤ 0.5 s, 0 missed"}
	var rest []string
	for _, r := range l.Storms {
		if r.Err != "" {
			continue
		}
		fig := fmt.Sprintf("%.2f s, %d missed, %d failed", r.StormMs/1e3, r.Missed, r.Failed)
		if r.Server == "go" {
			t.Measured = true
			t.Met = r.StormMs <= 500 && r.Missed == 0 && r.Failed == 0
			t.Got = "ours " + fig
		} else {
			rest = append(rest, serverLabel(r.Server)+" "+fig)
		}
	}
	if t.Measured && len(rest) > 0 {
		t.Got += "; " + strings.Join(rest, ", ")
	}
	return append(ts, t)
}
