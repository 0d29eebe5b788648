package main

import (
	"fmt"
	"math"
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
		t := Target{Section: "client", Workload: m.wl, Name: fmt.Sprintf("%s %s vs native", m.wl, m.metric), Want: "≥ 1.0×", Measured: okO && okN}
		if t.Measured {
			t.Got = fmt.Sprintf("%.2f× (%s vs %s)", ours/nat, fmtValue(ours), fmtValue(nat))
			t.Met = ours >= nat
		}
		ts = append(ts, t)
		lib, best := c.fastestJS(m.wl, m.metric)
		t = Target{Section: "client", Workload: m.wl, Name: fmt.Sprintf("%s %s vs fastest JS library", m.wl, m.metric), Want: "≥ 2.0×", Measured: okO && lib != ""}
		if t.Measured {
			t.Got = fmt.Sprintf("%.2f× (%s vs %s, %s)", ours/best, fmtValue(ours), fmtValue(best), contenderLabels[lib])
			t.Met = ours >= 2*best
		}
		ts = append(ts, t)
		// The stream API, without a MessageEvent per event, must match the
		// fastest JS library.
		stream, okS := c.median(m.wl, "stream", m.metric)
		t = Target{Section: "client", Workload: m.wl, Name: fmt.Sprintf("%s %s, openEventStream vs fastest JS library", m.wl, m.metric), Want: "≥ 1.0×", Measured: okS && lib != ""}
		if t.Measured {
			t.Got = fmt.Sprintf("%.2f× (%s vs %s, %s)", stream/best, fmtValue(stream), fmtValue(best), contenderLabels[lib])
			t.Met = stream >= best
		}
		ts = append(ts, t)
	}
	for _, pw := range parseWorkloads {
		ours, okO := c.median(pw.name, "wasm", "events/s")
		js, okJ := c.median(pw.name, "eventsource-parser", "events/s")
		t := Target{Section: "client", Workload: pw.name, Name: pw.name + ", EventStreamParser vs eventsource-parser's EventSourceParserStream", Want: "≥ 1.0×", Measured: okO && okJ}
		if t.Measured {
			t.Got = fmt.Sprintf("%.2f× (%s vs %s events/s)", ours/js, fmtValue(ours), fmtValue(js))
			t.Met = ours >= js
		}
		ts = append(ts, t)
	}
	ours, okO := c.median(wlTicker, "wasm", "p50 ms")
	nat, okN := c.median(wlTicker, "native", "p50 ms")
	t := Target{Section: "client", Workload: wlTicker, Name: "receive delay p50 vs native", Want: "within +0.1 ms", Measured: okO && okN}
	if t.Measured {
		t.Got = fmt.Sprintf("%+.2f ms (%.2f vs %.2f ms)", ours-nat, ours, nat)
		t.Met = ours-nat <= 0.1
	}
	ts = append(ts, t)
	ours, okO = c.median(wlTicker, "wasm", "p99 ms")
	nat, okN = c.median(wlTicker, "native", "p99 ms")
	t = Target{Section: "client", Workload: wlTicker, Name: "receive delay p99 vs native", Want: "no worse", Measured: okO && okN}
	if t.Measured {
		t.Got = fmt.Sprintf("%+.2f ms (%.2f vs %.2f ms)", ours-nat, ours, nat)
		t.Met = ours <= nat
	}
	ts = append(ts, t)
	cold, ok := c.median(wlCold, "wasm", "new→event ms")
	t = Target{Section: "client", Workload: wlCold, Name: "cold page: new → first event", Want: "≤ 150 ms", Measured: ok}
	if ok {
		t.Got = fmt.Sprintf("%.1f ms", cold)
		t.Met = cold <= 150
	}
	return append(ts, t)
}
