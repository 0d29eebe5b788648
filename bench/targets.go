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
		lib, best := c.fastestJS(m.wl, m.metric)
		// The stream API, without a MessageEvent per event, must match the
		// fastest JS library.
		stream, okS := c.median(m.wl, "stream", m.metric)
		name := m.wl + " " + m.metric
		ts = append(ts,
			ratioTarget(m.wl, name+" vs native", 1, ours, nat, okO && okN, ""),
			ratioTarget(m.wl, name+" vs fastest JS library", 2, ours, best, okO && lib != "", contenderLabels[lib]),
			ratioTarget(m.wl, name+", openEventStream vs fastest JS library", 1, stream, best, okS && lib != "", contenderLabels[lib]))
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
