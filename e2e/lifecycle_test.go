package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
)

// lifecycleHeartbeat is the test server's heartbeat: ours learns a
// liveness window of three times that from it.
const lifecycleHeartbeat = 500 * time.Millisecond

// TestLifecycle drives the page lifecycle through Chromium's DevTools
// protocol, native EventSource beside ours where native can take part, on
// topics that keep publishing: offline and online, the back/forward cache,
// a frozen page whose server stalled, and a server that stalls without
// closing. Every stream is checked against the publisher's log: 0 events
// lost, 0 duplicated.
func TestLifecycle(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, fixtures.Config{Heartbeat: lifecycleHeartbeat})
	p := openHarness(t, ts, 4*time.Minute)
	var delays delayTable

	t.Run("offline-online", func(t *testing.T) {
		pub := startPublisher(t, ts, "lc-online")
		p.lt(nil, "open", "on-wasm", "wasm", "/topics/lc-online?session=lc-online-wasm")
		p.lt(nil, "open", "on-native", "native", "/topics/lc-online?session=lc-online-native")
		p.waitLog("on-wasm", "open", 1, 10*time.Second, 0)
		p.waitLog("on-native", "open", 1, 10*time.Second, 0)
		pub.start()
		p.waitLog("on-wasm", "message", 3, 10*time.Second, 0)

		// Chromium's offline emulation fails new requests but leaves open
		// streams flowing, so each cycle also breaks the stream: odd
		// cycles drop it (both wait to reconnect; their attempts fail
		// while offline), even ones make ours deaf without closing it (a
		// dead socket after a network change: ours is OPEN and receives
		// nothing).
		var ours, native, oursFirst, nativeFirst []time.Duration
		causes := map[string]int{}
		const cycles = 20
		for i := range cycles {
			from := len(p.sourceLog("on-wasm"))
			nfrom := len(p.sourceLog("on-native"))
			if i%2 == 0 {
				stall(t, ts, "lc-online-wasm")
				time.Sleep(100 * time.Millisecond)
				setOffline(t, p, true)
			} else {
				setOffline(t, p, true)
				drop(t, ts, "lc-online-wasm")
				drop(t, ts, "lc-online-native")
			}
			time.Sleep(300 * time.Millisecond)
			online := setOffline(t, p, false)
			open, first := p.reopened("on-wasm", from, 5*time.Second)
			opened := pageTime(open.T, online, p)
			ours = append(ours, opened)
			oursFirst = append(oursFirst, opened+after(open, first))
			log := p.sourceLog("on-wasm")
			if opened > time.Second {
				t.Errorf("cycle %d: ours opened %v after going back online, want within 1 s: %s", i, opened, tail(log[from:]))
			}
			for _, r := range entries(log[from:], "retrying") {
				causes[r.Cause]++
			}
			if i%2 == 1 && i < 6 {
				// Native waits out its reconnection time; measured for
				// the first drops only, to keep the test short.
				open, first := p.reopened("on-native", nfrom, 10*time.Second)
				opened := pageTime(open.T, online, p)
				native = append(native, opened)
				nativeFirst = append(nativeFirst, opened+after(open, first))
			}
			p.waitLog("on-wasm", "message", 2, 5*time.Second, from)
		}
		last := pub.stop()
		for _, name := range []string{"on-wasm", "on-native"} {
			checkAgainstPublisher(t, p, name, pub, last)
		}
		if causes["online"] < cycles {
			t.Errorf("retrying causes %v: want an online reconnect in each of the %d cycles", causes, cycles)
		}
		t.Logf("back online → open, ours over %d cycles: %s (retrying causes %v); native, first 3 drops: %s", cycles, spread(ours), causes, spread(native))
		delays.add(delayRow{"offline-online", "ours", median(ours), median(oursFirst),
			"median of " + strconv.Itoa(cycles) + " cycles (drops and deaf streams), open " + spread(ours) + "; 0 lost, 0 duplicated"})
		delays.add(delayRow{"offline-online", "native", median(native), median(nativeFirst),
			"median of the first " + strconv.Itoa(len(native)) + " drops, open " + spread(native) + ": waits out its reconnection time; 0 lost, 0 duplicated"})
	})

	t.Run("stalled-server", func(t *testing.T) {
		// The learned window (3 × the heartbeat) and an explicit one, at
		// the same time.
		cases := []struct {
			name   string
			init   map[string]any
			window time.Duration
			from   int
		}{
			{"learned", nil, 3 * lifecycleHeartbeat, 0},
			{"explicit", map[string]any{"heartbeatTimeout": 2000}, 2 * time.Second, 0},
		}
		for i, tc := range cases {
			name := "stall-" + tc.name
			session := "lc-stall-" + tc.name
			// 50 events 100 ms apart, with heartbeats meanwhile (ten, where
			// two steady gaps in a row teach the window, even on a busy
			// machine), then nothing, on a connection that stays open.
			// Native beside ours, on the same stream.
			p.lt(nil, "open", name, "wasm", "/faults?interval=100ms&stall=50&session="+session, tc.init)
			p.lt(nil, "open", name+"-native", "native", "/faults?interval=100ms&stall=50&session="+session+"-native")
			p.waitLog(name, "message", 1, 10*time.Second, 0)
			cases[i].from = len(p.sourceLog(name))
		}
		for _, tc := range cases {
			name, from := "stall-"+tc.name, tc.from
			log := p.waitLog(name, "error", 1, tc.window+10*time.Second, from)
			errAt := entries(log[from:], "error")[0]
			retry := entries(log[from:], "retrying")
			if len(retry) == 0 || retry[0].Cause != "timeout" {
				t.Fatalf("%s: %s, want a retrying event with cause timeout", tc.name, tail(log[from:]))
			}
			// The browser's clock, from the last event before the stall.
			var lastData float64
			for _, e := range log {
				if e.Ev == "message" && e.T < errAt.T {
					lastData = e.T
				}
			}
			silent := time.Duration((errAt.T - lastData) * float64(time.Millisecond))
			if silent > tc.window+time.Second {
				t.Errorf("%s: the stall was detected %v after the last event, want within the window %v + 1 s", tc.name, silent, tc.window)
			}
			open, first := p.reopened(name, from, 5*time.Second)
			p.lt(nil, "close", name)
			ms := func(at float64) time.Duration { return time.Duration((at - lastData) * float64(time.Millisecond)) }
			delays.add(delayRow{"stalled-server", "ours", ms(open.T), ms(first.T),
				tc.name + " window " + tc.window.String() + ": from the last event, the stall detected (error) after " + silent.Round(time.Millisecond).String() +
					", then the reconnection time (" + strconv.Itoa(int(retry[0].Delay)) + " ms), as after any network error"})
			// Native, stalled all this time, is still OPEN and silent: it
			// has no liveness window.
			nlog := p.waitLog(name+"-native", "message", 50, 5*time.Second, 0)
			var rs int
			p.lt(&rs, "state", name+"-native")
			nativeLast := entries(nlog, "message")[49].T
			if len(entries(nlog, "message")) != 50 || len(entries(nlog, "error")) != 0 || rs != 1 {
				t.Errorf("native on the stalled stream: readyState %d, want OPEN with 50 events and no error: %s", rs, tail(nlog))
			}
			p.lt(nil, "close", name+"-native")
			var now float64
			p.eval("performance.now()", &now)
			silentNative := time.Duration((now - nativeLast) * float64(time.Millisecond)).Round(time.Millisecond)
			delays.add(delayRow{"stalled-server", "native", none, none,
				tc.name + ": never; still OPEN with no error " + silentNative.String() + " after its last event"})
			t.Logf("%s window %v: the stall detected %v after the last event; native still OPEN and silent %v after its last", tc.name, tc.window, silent.Round(time.Millisecond), silentNative)
		}
	})

	t.Run("freeze-resume", func(t *testing.T) {
		// An explicit window: the learned one is the stalled-server test's.
		pub := startPair(t, p, ts, "fr", "lc-freeze", map[string]any{"heartbeatTimeout": 1500})
		nfrom := stallSource(t, p, ts, "fr-native", "lc-freeze-native")
		from := len(p.sourceLog("fr-wasm"))
		setLifecycle(t, p, cdppage.SetWebLifecycleStateStateFrozen)
		stall(t, ts, "lc-freeze-wasm")
		time.Sleep(2 * 3 * lifecycleHeartbeat) // frozen for twice the window
		resumed := setLifecycle(t, p, cdppage.SetWebLifecycleStateStateActive)
		checkBackAtOnce(t, p, pub, &delays, comeback{name: "fr", from: from, nativeFrom: nfrom, at: resumed,
			trigger: "resume", what: "resume", causes: []string{"resume", "timeout"}, note: "frozen 3 s, window 1.5 s"})
	})

	t.Run("hidden-visible", func(t *testing.T) {
		// A background tab, as browsers treat one: hidden (the window
		// minimized), then frozen; the server stalls meanwhile. When the
		// tab comes back, visible and active, ours reconnects at once.
		pub := startPair(t, p, ts, "hv", "lc-hidden", map[string]any{"heartbeatTimeout": 1500})
		nfrom := stallSource(t, p, ts, "hv-native", "lc-hidden-native")
		from := len(p.sourceLog("hv-wasm"))
		setWindowState(t, p, browser.WindowStateMinimized)
		var state string
		if err := chromedp.Run(p.ctx, chromedp.Evaluate(`document.visibilityState`, &state)); err != nil || state != "hidden" {
			t.Fatalf("after minimizing the window, visibilityState %q (%v), want hidden", state, err)
		}
		setLifecycle(t, p, cdppage.SetWebLifecycleStateStateFrozen)
		stall(t, ts, "lc-hidden-wasm")
		time.Sleep(2 * 1500 * time.Millisecond) // away for twice the window
		shown := setWindowState(t, p, browser.WindowStateNormal)
		setLifecycle(t, p, cdppage.SetWebLifecycleStateStateActive)
		checkBackAtOnce(t, p, pub, &delays, comeback{name: "hv", from: from, nativeFrom: nfrom, at: shown,
			trigger: "hidden-visible", what: "page was shown", causes: []string{"visible", "resume", "timeout"},
			note: "minimized then frozen 3 s, window 1.5 s"})
	})

	t.Run("visible-after-sleep", func(t *testing.T) {
		// The visible rule alone, as a laptop back from sleep sees it: the
		// wall clock moved on while the monotonic clock, which the page's
		// timers run on, stood still (Chromium's TimeTicks is
		// CLOCK_MONOTONIC on Linux, which stops in suspend). The liveness
		// timer has not fired, so only the check on visibilitychange can
		// tell that the stream has been silent too long. Emulation's virtual
		// time, paused with an initial time a minute ahead, does that to a
		// page: Date.now() jumps a minute, performance.now() and the timers
		// stand still. A page of its own, as its timers stay paused.
		sp := openHarness(t, ts, 2*time.Minute)
		pub := startPair(t, sp, ts, "sl", "lc-sleep", map[string]any{"heartbeatTimeout": 10000})
		nfrom := stallSource(t, sp, ts, "sl-native", "lc-sleep-native")
		setWindowState(t, sp, browser.WindowStateMinimized)
		from := stallSource(t, sp, ts, "sl-wasm", "lc-sleep-wasm")
		err := chromedp.Run(sp.ctx, chromedp.ActionFunc(func(ctx context.Context) error {
			ahead := cdp.TimeSinceEpoch(time.Now().Add(time.Minute))
			_, err := emulation.SetVirtualTimePolicy(emulation.VirtualTimePolicyPause).WithInitialVirtualTime(&ahead).Do(ctx)
			return err
		}))
		if err != nil {
			t.Fatalf("pause virtual time: %v", err)
		}
		// The page's JavaScript timers are paused from here on: waits poll
		// from Go.
		var clocks struct {
			State string  `json:"state"`
			Ahead float64 `json:"ahead"`
		}
		sp.eval(`({state: document.visibilityState, ahead: Date.now() - (performance.timeOrigin + performance.now())})`, &clocks)
		if clocks.State != "hidden" || clocks.Ahead < 50000 {
			t.Fatalf("before showing the page: %+v, want hidden, the wall clock a minute ahead of the monotonic one", clocks)
		}
		if log := sp.sourceLog("sl-wasm")[from:]; len(log) != 0 {
			t.Fatalf("ours reported %s before the page was shown: the window is 10 s, so the machine is too slow for this test", tail(log))
		}
		shown := setWindowState(t, sp, browser.WindowStateNormal)
		var log []logEntry
		waitUntil(t, 5*time.Second, "ours to open again after the page was shown", func() bool {
			log = sp.sourceLog("sl-wasm")
			return len(entries(log[from:], "open")) > 0
		})
		opened := time.Since(shown)
		openAt := from + slices.IndexFunc(log[from:], func(e logEntry) bool { return e.Ev == "open" })
		waitUntil(t, 5*time.Second, "an event after ours opened again", func() bool {
			log = sp.sourceLog("sl-wasm")
			return len(entries(log[openAt:], "message")) > 0
		})
		first := time.Since(shown)
		var seq []string
		for _, e := range log[from:] {
			if e.Ev != "message" {
				seq = append(seq, e.Ev)
			}
		}
		retry := entries(log[from:], "retrying")
		if strings.Join(seq, " ") != "error retrying open" || retry[0].Cause != "visible" || retry[0].Delay != 0 ||
			!strings.Contains(*entries(log[from:], "error")[0].Message, "silent") {
			t.Errorf("after the page was shown: %s, want error, retrying (cause visible, delay 0), open", tail(log[from:]))
		}
		time.Sleep(time.Second)
		delays.add(delayRow{"visible-only", "ours", opened, first,
			"cause visible: a hidden page shown after the wall clock jumped a minute (a machine back from sleep), timers paused; measured from Go, polling the page"})
		delays.add(checkStalledNative(t, sp, "sl-native", nfrom, shown, "visible-only", "page was shown"))
		last := pub.stop()
		checkAgainstPublisher(t, sp, "sl-wasm", pub, last)
		for _, e := range sp.pageErrors() {
			t.Errorf("console: %s", e)
		}
	})

	t.Run("bfcache", func(t *testing.T) {
		// Native beside ours: Chromium keeps its connection open while the
		// page is in the cache, and the page stays eligible.
		pub := startPair(t, p, ts, "bf", "lc-bf", nil)
		var notUsed []string
		var mu sync.Mutex
		chromedp.ListenTarget(p.ctx, func(ev any) {
			if e, ok := ev.(*cdppage.EventBackForwardCacheNotUsed); ok {
				mu.Lock()
				for _, r := range e.NotRestoredExplanations {
					notUsed = append(notUsed, string(r.Reason))
				}
				mu.Unlock()
			}
		})
		from := len(p.sourceLog("bf-wasm"))
		nfrom := len(p.sourceLog("bf-native"))
		if err := chromedp.Run(p.ctx, chromedp.Navigate(ts.URL+"/conformance.html?away")); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, 5*time.Second, "the server to see the stream end while the page is away", func() bool {
			return ts.openStreams(t, "lc-bf-wasm") == 0
		})
		away := len(ts.rec.session("lc-bf-wasm"))
		nativeAway := ts.openStreams(t, "lc-bf-native")
		time.Sleep(500 * time.Millisecond) // events go on meanwhile
		// history.back() from a timer: a restore from the cache fires no
		// load event for chromedp to wait for.
		p.eval("setTimeout(() => history.back(), 0), true", nil)
		back := time.Now()
		// Restored from the cache, the page still has window.lt, and its
		// pageshow was persisted; loaded anew, it has no window.lt.
		var restored bool
		end := time.Now().Add(10 * time.Second)
		for !restored && time.Now().Before(end) {
			var ok bool
			err := chromedp.Run(p.ctx, chromedp.Evaluate(`!!(window.lt && window.lt.shows.some((s) => s.persisted))`, &ok))
			restored = err == nil && ok
			time.Sleep(20 * time.Millisecond)
		}
		mu.Lock()
		reasons := slices.Clone(notUsed)
		mu.Unlock()
		if !restored {
			t.Fatalf("the page was not restored from the back/forward cache; Chromium says: %q", reasons)
		}
		open, first := p.reopened("bf-wasm", from, 5*time.Second)
		log := p.sourceLog("bf-wasm")
		since := time.Since(back)
		reqs := ts.rec.session("lc-bf-wasm")
		if len(reqs) != away+1 || !reqs[away].HasLEID {
			t.Errorf("after the restore: want one request with Last-Event-ID:\n%s", requestLines(reqs))
		}
		var seq []string
		for _, e := range log[from:] {
			if e.Ev != "message" {
				seq = append(seq, e.Ev)
			}
		}
		if strings.Join(seq, " ") != "error retrying open" {
			t.Errorf("events after the restore %q, want error retrying open", seq)
		}
		if r := entries(log[from:], "retrying"); len(r) == 0 || r[0].Cause != "bfcache" || r[0].Delay != 0 {
			t.Errorf("retrying %+v, want cause bfcache, delay 0", r)
		}
		p.waitLog("bf-wasm", "message", 3, 5*time.Second, from)

		// Native, its connection kept: no error, no reconnect; the events
		// that arrived while the page was away come first.
		var shows []pageShow
		p.eval("window.lt.shows", &shows)
		shown := shows[slices.IndexFunc(shows, func(s pageShow) bool { return s.Persisted })].T
		nlog := p.waitLog("bf-native", "message", 1, 5*time.Second, nfrom)
		nfirst, ok := firstAfter(nlog, "message", shown)
		if !ok {
			t.Errorf("native: no event after the restore: %s", tail(nlog))
		}
		var nothers []string
		for _, e := range nlog[nfrom:] {
			if e.Ev != "message" {
				nothers = append(nothers, e.Ev)
			}
		}
		if nreqs := ts.rec.session("lc-bf-native"); len(nothers) != 0 || len(nreqs) != 1 {
			t.Errorf("native after the restore: %q and %d requests, want no other event than messages and no new request (Chromium keeps its connection):\n%s", nothers, len(nreqs), requestLines(nreqs))
		}
		ms := func(at float64) time.Duration { return time.Duration((at - shown) * float64(time.Millisecond)) }
		delays.add(delayRow{"bfcache", "ours", ms(open.T), ms(first.T),
			"from the persisted pageshow; closed while away, reconnected with Last-Event-ID; 0 lost"})
		delays.add(delayRow{"bfcache", "native", none, ms(nfirst.T),
			"no reconnect: Chromium kept the connection open while the page was away (" + strconv.Itoa(nativeAway) + " open stream at the server), the events of that time delivered on restore; 0 lost"})
		last := pub.stop()
		checkAgainstPublisher(t, p, "bf-wasm", pub, last)
		checkAgainstPublisher(t, p, "bf-native", pub, last)
		t.Logf("restored from the back/forward cache; ours open %v after history.back()", since.Round(time.Millisecond))
	})

	delays.print(t)
	for _, e := range p.pageErrors() {
		t.Errorf("console: %s", e)
	}
}

// startPair opens ours (with init) and native on a topic, as the sources
// name-wasm and name-native with the sessions topic-wasm and topic-native,
// starts publishing once both are open, and returns when ours received 5
// events.
func startPair(t *testing.T, p *page, ts *testServer, name, topic string, init map[string]any) *publisher {
	t.Helper()
	pub := startPublisher(t, ts, topic)
	url := "/topics/" + topic + "?session=" + topic
	p.lt(nil, "open", name+"-wasm", "wasm", url+"-wasm", init)
	p.lt(nil, "open", name+"-native", "native", url+"-native")
	p.waitLog(name+"-wasm", "open", 1, 10*time.Second, 0)
	p.waitLog(name+"-native", "open", 1, 10*time.Second, 0)
	pub.start()
	p.waitLog(name+"-wasm", "message", 5, 10*time.Second, 0)
	return pub
}

// pageShow is a pageshow event, as window.lt.shows records it.
type pageShow struct {
	T         float64 `json:"t"`
	Persisted bool    `json:"persisted"`
}

// stallSource stalls the stream of the source name (its server session)
// ahead of a trigger, waits until its events stop arriving, and returns the
// length of its log then.
func stallSource(t *testing.T, p *page, ts *testServer, name, session string) int {
	t.Helper()
	stall(t, ts, session)
	n, still := -1, 0
	waitUntil(t, 10*time.Second, name+"'s events to stop after the stall", func() bool {
		m := len(p.sourceLog(name))
		if m == n {
			still++
		} else {
			n, still = m, 0
		}
		time.Sleep(100 * time.Millisecond)
		return still == 3
	})
	return n
}

// comeback is a trigger after which ours must reconnect at once while
// native, on its stalled connection, does nothing: the sources
// name+"-wasm" and name+"-native", their logs from entries from and
// nativeFrom, the Go time of the trigger, its name in the delay table, the
// trigger in words (what), the retrying causes accepted (timeout among
// them when the liveness timer may fire first), and the row's note.
type comeback struct {
	name             string
	from, nativeFrom int
	at               time.Time
	trigger, what    string
	causes           []string
	note             string
}

// checkBackAtOnce checks that ours reopened within a second of c's
// trigger, after a retrying event with one of c's causes, and lost
// nothing against pub; and that native stayed stalled. It adds both rows
// to delays.
func checkBackAtOnce(t *testing.T, p *page, pub *publisher, delays *delayTable, c comeback) {
	t.Helper()
	name := c.name + "-wasm"
	open, first := p.reopened(name, c.from, 5*time.Second)
	log := p.sourceLog(name)
	opened := pageTime(open.T, c.at, p)
	if opened > time.Second {
		t.Errorf("ours reopened %v after the %s, want at once: %s", opened, c.what, tail(log[c.from:]))
	}
	cause := "none"
	if retry := entries(log[c.from:], "retrying"); len(retry) > 0 {
		cause = retry[0].Cause
	}
	if !slices.Contains(c.causes, cause) {
		t.Errorf("first retrying cause %s, want one of %v: %s", cause, c.causes, tail(log[c.from:]))
	}
	p.waitLog(name, "message", 3, 5*time.Second, c.from)
	time.Sleep(time.Second)
	delays.add(delayRow{c.trigger, "ours", opened, opened + after(open, first), "cause " + cause + "; " + c.note})
	delays.add(checkStalledNative(t, p, c.name+"-native", c.nativeFrom, c.at, c.trigger, c.what))
	last := pub.stop()
	checkAgainstPublisher(t, p, name, pub, last)
	t.Logf("%s → open, ours: %v (cause %s)", c.what, opened.Round(time.Millisecond), cause)
}

// checkStalledNative checks what native did after a trigger at the Go time
// at (what, in words), its server stalled since its log entry from: native has no liveness
// window, so it stays OPEN on the stalled connection, without an error, a
// reconnect or an event. It returns native's row for the delay table.
func checkStalledNative(t *testing.T, p *page, name string, from int, at time.Time, trigger, what string) delayRow {
	t.Helper()
	log := p.sourceLog(name)[from:]
	var rs int
	p.lt(&rs, "state", name)
	p.lt(nil, "close", name)
	if rs != 1 || len(log) != 0 {
		t.Errorf("native, stalled, after the %s: readyState %d, %s; want OPEN and nothing logged", what, rs, tail(log))
	}
	return delayRow{trigger, "native", none, none,
		"never: OPEN on the stalled connection, no error and no event " + time.Since(at).Round(100*time.Millisecond).String() + " after the " + what}
}

// setOffline switches Chromium's network emulation, and returns when.
func setOffline(t *testing.T, p *page, offline bool) time.Time {
	t.Helper()
	if err := chromedp.Run(p.ctx, network.Enable(), network.EmulateNetworkConditions(offline, 0, -1, -1)); err != nil {
		t.Fatalf("emulate offline=%v: %v", offline, err)
	}
	return time.Now()
}

// setLifecycle freezes or resumes the page, and returns when.
func setLifecycle(t *testing.T, p *page, state cdppage.SetWebLifecycleStateState) time.Time {
	t.Helper()
	if err := chromedp.Run(p.ctx, cdppage.SetWebLifecycleState(state)); err != nil {
		t.Fatalf("set lifecycle state %s: %v", state, err)
	}
	return time.Now()
}

// setWindowState minimizes the page's window (the page becomes hidden,
// even headless) or restores it, and returns when.
func setWindowState(t *testing.T, p *page, state browser.WindowState) time.Time {
	t.Helper()
	err := chromedp.Run(p.ctx, chromedp.ActionFunc(func(ctx context.Context) error {
		id, _, err := browser.GetWindowForTarget().Do(ctx)
		if err != nil {
			return err
		}
		return browser.SetWindowBounds(id, &browser.Bounds{WindowState: state}).Do(ctx)
	}))
	if err != nil {
		t.Fatalf("window state %s: %v", state, err)
	}
	return time.Now()
}

// stall makes a session's streams stop writing, and returns when.
func stall(t *testing.T, ts *testServer, session string) time.Time {
	t.Helper()
	resp, err := http.Post(ts.URL+"/sessions/"+session+"/stall", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return time.Now()
}

// drop aborts a session's streams as a network failure would.
func drop(t *testing.T, ts *testServer, session string) {
	t.Helper()
	resp, err := http.Post(ts.URL+"/sessions/"+session+"/drop", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// pageTime converts a page timestamp (ms since its time origin) into the
// time since the Go time at, using the page's current clock as the link.
func pageTime(pageMs float64, at time.Time, p *page) time.Duration {
	var now float64
	if err := chromedp.Run(p.ctx, chromedp.Evaluate(`performance.now()`, &now)); err != nil {
		p.t.Fatal(err)
	}
	goNow := time.Now()
	event := goNow.Add(-time.Duration((now - pageMs) * float64(time.Millisecond)))
	return event.Sub(at).Round(time.Millisecond)
}

// publisher posts an event to a topic every 40 ms and logs the ids.
type publisher struct {
	t     *testing.T
	url   string
	mu    sync.Mutex
	ids   []string
	quit  chan struct{}
	ended chan struct{}
}

func startPublisher(t *testing.T, ts *testServer, topic string) *publisher {
	return &publisher{t: t, url: ts.URL + "/topics/" + topic, quit: make(chan struct{}), ended: make(chan struct{})}
}

func (pb *publisher) start() {
	go func() {
		defer close(pb.ended)
		tick := time.NewTicker(40 * time.Millisecond)
		defer tick.Stop()
		for n := 0; ; n++ {
			select {
			case <-pb.quit:
				return
			case <-tick.C:
			}
			resp, err := http.Post(pb.url, "text/plain", strings.NewReader("event "+strconv.Itoa(n)))
			if err != nil {
				pb.t.Errorf("publish: %v", err)
				return
			}
			var r struct {
				ID string `json:"id"`
			}
			err = json.NewDecoder(resp.Body).Decode(&r)
			resp.Body.Close()
			if err != nil || r.ID == "" {
				pb.t.Errorf("publish: %d %v", resp.StatusCode, err)
				return
			}
			pb.mu.Lock()
			pb.ids = append(pb.ids, r.ID)
			pb.mu.Unlock()
		}
	}()
	pb.t.Cleanup(func() { pb.stop() })
}

// stop stops publishing and returns the last id published.
func (pb *publisher) stop() string {
	select {
	case <-pb.quit:
	default:
		close(pb.quit)
	}
	<-pb.ended
	pb.mu.Lock()
	defer pb.mu.Unlock()
	if len(pb.ids) == 0 {
		return ""
	}
	return pb.ids[len(pb.ids)-1]
}

func (pb *publisher) published() []string {
	pb.mu.Lock()
	defer pb.mu.Unlock()
	return slices.Clone(pb.ids)
}

// checkAgainstPublisher waits until the named source received the last id
// published, then checks that it received every published id from its
// first one on, each once, in order.
func checkAgainstPublisher(t *testing.T, p *page, name string, pb *publisher, last string) {
	t.Helper()
	var ids []string
	waitUntil(t, 15*time.Second, name+" to receive the last event published", func() bool {
		p.lt(&ids, "ids", name)
		return len(ids) > 0 && ids[len(ids)-1] == last
	})
	p.lt(nil, "close", name)
	pub := pb.published()
	i := slices.Index(pub, ids[0])
	if i < 0 {
		t.Fatalf("%s: first id %q was never published", name, ids[0])
	}
	want := pub[i:]
	if !slices.Equal(ids, want) {
		lost, dup := 0, 0
		seen := map[string]int{}
		for _, id := range ids {
			seen[id]++
			if seen[id] == 2 {
				dup++
			}
		}
		for _, id := range want {
			if seen[id] == 0 {
				lost++
			}
		}
		t.Errorf("%s: %d events lost, %d duplicated against the publisher's log (%d published, %d received)", name, lost, dup, len(want), len(ids))
		return
	}
	t.Logf("%s: %d events, 0 lost, 0 duplicated", name, len(ids))
}

// tail renders the last entries of a log for a failure message.
func tail(log []logEntry) string {
	if len(log) > 8 {
		log = log[len(log)-8:]
	}
	b, _ := json.Marshal(log)
	return string(b)
}

// spread summarises delays: min, median, max.
func spread(d []time.Duration) string {
	if len(d) == 0 {
		return "none"
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return "min " + s[0].String() + ", median " + s[len(s)/2].String() + ", max " + s[len(s)-1].String()
}
