package e2e

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
	"github.com/eventsource-wasm/eventsource-wasm/web"
)

// The demo tests drive web/index.html (demo.wasm) the way a visitor does:
// they pick a stream, click, and read what the panes show, then check the
// panes against what the server really received (the recorder of
// startServer).

// demoPane is what one pane of the demo shows, read from the DOM.
type demoPane struct {
	Side     string     `json:"side"`
	Session  string     `json:"session"`
	State    int        `json:"state"` // readyState; -1 before the first start
	Count    int        `json:"count"`
	LastID   string     `json:"lastId"`
	Error    string     `json:"error"`
	Events   [][]string `json:"events"`   // oldest first: type, id, data
	System   []string   `json:"system"`   // lifecycle and headers() lines, oldest first
	Requests [][]string `json:"requests"` // #, at, Last-Event-ID, lastEventId query, Authorization
}

// demoView is a view's verdict strip and its two panes.
type demoView struct {
	Verdict     string   `json:"verdict"`
	VerdictText string   `json:"verdictText"`
	Native      demoPane `json:"native"`
	Wasm        demoPane `json:"wasm"`
}

// The demo tests' page scripts: each file is one function, called by run.
var (
	//go:embed testdata/demo_view.js
	demoViewJS string
	//go:embed testdata/demo_set.js
	demoSetJS string
	//go:embed testdata/demo_tabs.js
	demoTabsJS string
	//go:embed testdata/demo_width.js
	demoWidthJS string
)

// demoPage is a headless Chromium tab on the demo.
type demoPage struct {
	*page
	ts *testServer
}

// openDemo starts the server and a browser on the demo page at path, and
// waits until demo.wasm reports ready.
func openDemo(t *testing.T, cfg fixtures.Config, path string, timeout time.Duration) *demoPage {
	t.Helper()
	requireWasm(t)
	if _, err := fs.Stat(web.FS, "dist/demo.wasm"); err != nil {
		t.Fatalf("web.FS lacks dist/demo.wasm (run `make wasm` first): %v", err)
	}
	ts := startServer(t, cfg)
	p := &demoPage{page: loadPage(t, ts, path, `document.body.dataset.demo !== "loading"`, timeout), ts: ts}
	var state string
	if p.eval(`document.body.dataset.demo`, &state); state != "ready" {
		var msg string
		p.eval(`document.getElementById("fatal-text").textContent`, &msg)
		t.Fatalf("the demo did not start: %q", msg)
	}
	return p
}

// view reads a view's state.
func (p *demoPage) view(name string) demoView {
	p.t.Helper()
	var v demoView
	p.run(demoViewJS, &v, name)
	return v
}

// run calls fn, the text of a JavaScript function, with args (as JSON) in
// the page, and decodes what it returns into out.
func (p *demoPage) run(fn string, out any, args ...any) {
	p.t.Helper()
	argv, err := json.Marshal(append([]any{}, args...))
	if err != nil {
		p.t.Fatal(err)
	}
	p.eval("("+fn+")(..."+string(argv)+")", out)
}

// waitView polls the view until cond holds, failing with the last state
// after timeout.
func (p *demoPage) waitView(name, what string, timeout time.Duration, cond func(v demoView) bool) demoView {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		v := p.view(name)
		if cond(v) {
			return v
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("timed out after %v waiting for %s; the %s view shows:\n%s", timeout, what, name, dumpDemoView(v))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func dumpDemoView(v demoView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "verdict %s: %s\n", v.Verdict, v.VerdictText)
	for _, pn := range []demoPane{v.Native, v.Wasm} {
		fmt.Fprintf(&b, "%s (session %s): state %d, %d events, last id %q, error %q\n", pn.Side, pn.Session, pn.State, pn.Count, pn.LastID, pn.Error)
		fmt.Fprintf(&b, "  events: %q\n  log: %q\n  requests: %q\n", pn.Events, pn.System, pn.Requests)
	}
	return b.String()
}

// set gives a form field a value the way typing or choosing would: the
// input and change events fire.
func (p *demoPage) set(id, value string) {
	p.t.Helper()
	p.run(demoSetJS, nil, id, value)
}

// check ticks or unticks a checkbox, the input and change events firing.
func (p *demoPage) check(id string, on bool) {
	p.t.Helper()
	p.run(demoSetJS, nil, id, on)
}

// click clicks an element with the mouse, after checking it is enabled.
func (p *demoPage) click(sel string) {
	p.t.Helper()
	if err := chromedp.Run(p.ctx,
		chromedp.WaitEnabled(sel, chromedp.ByQuery),
		chromedp.Click(sel, chromedp.ByQuery),
	); err != nil {
		p.t.Fatalf("click %s: %v", sel, err)
	}
}

// consoleClean fails on any console error: a script error, an exception,
// a failed load. With allow401, the network entries Chromium logs for the
// 401 answers of the /auth/ streams are expected (the test provokes them,
// and the browser logs them whatever the page does).
func (p *demoPage) consoleClean(allow401 bool) {
	p.t.Helper()
	if allow401 {
		p.consoleCleanExcept(401, "/auth/")
		return
	}
	p.consoleCleanExcept(0, "")
}

// consoleCleanExcept is consoleClean, with the network entries of status
// answers to URLs containing path expected.
func (p *demoPage) consoleCleanExcept(status int, path string) {
	p.t.Helper()
	var errs []string
	for _, m := range p.console.Errors() {
		if status != 0 && m.Source == "network" && strings.Contains(m.Text, "status of "+strconv.Itoa(status)) && strings.Contains(m.URL, path) {
			continue
		}
		errs = append(errs, m.String())
	}
	if len(errs) > 0 {
		p.t.Errorf("the page logged errors:\n\t%s", strings.Join(errs, "\n\t"))
	}
}

// demoTSField is the server timestamp /events?ts=1 puts in each event.
var demoTSField = regexp.MustCompile(`"ts":[0-9.]+`)

// demoMaskTS renders events as "type id data" with the timestamp masked: two
// connections are stamped at different moments.
func demoMaskTS(evs [][]string) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = strings.Join(e[:2], " ") + " " + demoTSField.ReplaceAllString(e[2], `"ts":T`)
	}
	return out
}

// TestDemoCompare runs compare sessions on /events (set up with the option
// fields) and on /echo, and checks that both panes show the same events,
// that the verdict says so, and that the WASM pane's request table shows
// the Last-Event-ID header the server really received on reconnect.
func TestDemoCompare(t *testing.T) {
	p := openDemo(t, fixtures.Config{}, "/#compare", 50*time.Second)

	// /events: 8 events 100 ms apart, then the end of the response; the
	// reconnect (after retry: 300 ms) is answered 204, so both clients stop.
	p.set("cmp-preset", "events")
	p.set("opt-interval", "100ms")
	p.set("opt-count", "8")
	p.set("opt-event", "")
	p.set("opt-retry", "300")
	p.click("#cmp-start")
	v := p.waitView("cmp", "both clients to read 8 events and stop", 15*time.Second, func(v demoView) bool {
		return v.Native.State == 2 && v.Wasm.State == 2 && v.Native.Count == 8 && v.Wasm.Count == 8
	})
	if v.Verdict != "agree" {
		t.Errorf("/events: verdict %q (%s), want agree", v.Verdict, v.VerdictText)
	}
	native, wasm := demoMaskTS(v.Native.Events), demoMaskTS(v.Wasm.Events)
	if !slices.Equal(native, wasm) {
		t.Errorf("/events: the panes differ:\nnative %q\nwasm   %q", native, wasm)
	}
	for i, e := range v.Wasm.Events {
		if want := strconv.Itoa(i); e[0] != "message" || e[1] != want || !strings.HasPrefix(e[2], `{"n":`+want+`,"ts":`) {
			t.Errorf("/events: WASM event %d is %q, want a message with id %s and data {\"n\":%s,\"ts\":…}", i, e, want, want)
		}
	}
	// The server saw two requests per client: the stream, and the resume
	// after id 7 that it answered 204.
	for _, pn := range []demoPane{v.Native, v.Wasm} {
		reqs := p.ts.rec.session(pn.Session)
		if len(reqs) != 2 || reqs[0].HasLEID || !reqs[1].HasLEID || reqs[1].LastEventID != "7" {
			t.Errorf("/events: the server saw from %s: %v; want a first request without Last-Event-ID and a resume with 7", pn.Side, reqs)
		}
	}

	// /echo: each connection gets an echo event, two numbered events, then
	// the end of the response; the clients reconnect with Last-Event-ID.
	p.set("cmp-preset", "echo")
	p.set("cmp-url", "/echo?n=2&interval=50ms&retry=300")
	p.click("#cmp-start")
	v = p.waitView("cmp", "three /echo connections in each pane", 15*time.Second, func(v demoView) bool {
		return v.Native.Count >= 9 && v.Wasm.Count >= 9 && len(v.Wasm.Requests) >= 3
	})
	p.click("#cmp-stop")
	// The panes show each echo event as a summary of what the client sent
	// (its JSON also names the client's own session): it must match too.
	n := min(len(v.Native.Events), len(v.Wasm.Events))
	if a, b := v.Native.Events[:n], v.Wasm.Events[:n]; !slices.EqualFunc(a, b, slices.Equal) {
		t.Errorf("/echo: the panes differ:\nnative %q\nwasm   %q", a, b)
	}
	if v.Verdict != "agree" {
		t.Errorf("/echo: verdict %q (%s), want agree", v.Verdict, v.VerdictText)
	}
	// The WASM pane shows the Last-Event-ID header of each reconnect, and
	// it is what the server received.
	seen := p.ts.rec.session(v.Wasm.Session)
	for i, row := range v.Wasm.Requests[:3] {
		want := "—"
		if i > 0 {
			want = strconv.Itoa(2 * i) // ids 1,2 then 3,4: resumes after 2, then 4
		}
		if row[2] != want {
			t.Errorf("/echo: WASM request %d shows Last-Event-ID %q, want %q (row %q)", i+1, row[2], want, row)
		}
		if i >= len(seen) {
			t.Errorf("/echo: the server recorded only %d WASM requests", len(seen))
			continue
		}
		if got := map[bool]string{true: seen[i].LastEventID, false: "—"}[seen[i].HasLEID]; got != want {
			t.Errorf("/echo: the server received Last-Event-ID %q on WASM request %d, want %q", got, i+1, want)
		}
	}
	if echo := v.Wasm.Events[3]; echo[0] != "echo" || !strings.Contains(echo[2], `Last-Event-ID "2"`) {
		t.Errorf("/echo: the second connection's echo event shows %q, want it to report Last-Event-ID \"2\"", echo)
	}
	p.consoleClean(false)
}

// TestDemoAuth runs the auth flow: after logging in, native EventSource
// fails on the header-only stream while WasmEventSource streams with its
// Authorization header; revoking the token ends the stream and the WASM
// client's headers function logs in again on reconnect, which resumes with
// Last-Event-ID and a new token. Without a token, and with refreshing off,
// the WASM pane shows the 401.
func TestDemoAuth(t *testing.T) {
	p := openDemo(t, fixtures.Config{}, "/#auth", 50*time.Second)

	p.click("#auth-login")
	if err := chromedp.Run(p.ctx, chromedp.Poll(`document.getElementById("auth-token").dataset.state === "valid"`, nil,
		chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Fatalf("log in: the token box never showed a valid token: %v", err)
	}
	p.click("#auth-start") // /auth/bearer-events is the default
	v := p.waitView("auth", "native to fail and WASM to stream", 15*time.Second, func(v demoView) bool {
		return v.Native.State == 2 && v.Wasm.Count >= 3
	})
	if v.Native.Count != 0 || !strings.Contains(v.Native.Error, "failed") {
		t.Errorf("native on the header-only stream: %d events, error %q; want none and a failure", v.Native.Count, v.Native.Error)
	}
	if reqs := p.ts.rec.session(v.Native.Session); len(reqs) != 1 || reqs[0].AuthScheme != "" {
		t.Errorf("native requests: %v; want one, without Authorization", reqs)
	}

	// Revoke the token: the server ends the stream; the reconnect's
	// headers() call logs in again.
	p.click("#auth-expire")
	v = p.waitView("auth", "the WASM client to resume with a new token and read 3 more events", 15*time.Second, func(v demoView) bool {
		refreshed := slices.ContainsFunc(v.Wasm.System, func(s string) bool { return strings.Contains(s, "new token") })
		r := v.Wasm.firstResumeID()
		return refreshed && v.Wasm.State == 1 && r >= 0 && v.Wasm.Count >= r+1+3
	})
	for i, e := range v.Wasm.Events {
		if e[1] != strconv.Itoa(i) {
			t.Fatalf("WASM event %d has id %q: the ids must continue without gap or repeat across the token change: %q", i, e[1], v.Wasm.Events)
		}
	}
	reqs := p.ts.rec.session(v.Wasm.Session)
	if len(reqs) < 2 {
		t.Fatalf("the server saw %d WASM requests, want at least 2", len(reqs))
	}
	first, resume := reqs[0], reqs[len(reqs)-1]
	if first.AuthScheme != "Bearer" || resume.AuthScheme != "Bearer" || first.AuthPrint == resume.AuthPrint {
		t.Errorf("WASM requests: first %v, last %v; want Bearer tokens, a different one after the refresh", first, resume)
	}
	if !resume.HasLEID {
		t.Errorf("the WASM reconnect after the refresh sent no Last-Event-ID: %v", resume)
	}
	if row := v.Wasm.Requests[len(v.Wasm.Requests)-1]; row[2] != resume.LastEventID || row[4] != "Bearer" {
		t.Errorf("the WASM pane shows the last request as %q; the server saw Last-Event-ID %q with Bearer", row, resume.LastEventID)
	}

	// Log out, turn refreshing off and connect again: the WASM client gets
	// 401 and says so.
	p.click("#auth-logout")
	p.check("auth-refresh", false)
	p.click("#auth-start")
	v = p.waitView("auth", "both clients to fail with no token", 15*time.Second, func(v demoView) bool {
		return v.Native.State == 2 && v.Wasm.State == 2
	})
	if !strings.Contains(v.Wasm.Error, "401") {
		t.Errorf("WASM error details %q do not show the 401", v.Wasm.Error)
	}
	p.consoleClean(true)
}

// firstResumeID is the Last-Event-ID of the pane's first request that sent
// one, as its request table shows it, or -1.
func (pn demoPane) firstResumeID() int {
	for _, r := range pn.Requests {
		if n, err := strconv.Atoi(r[2]); err == nil {
			return n
		}
	}
	return -1
}

// TestDemoPhoneLayout loads every view at a phone width with both panes
// streaming and checks that nothing makes the page scroll sideways.
func TestDemoPhoneLayout(t *testing.T) {
	p := openDemo(t, fixtures.Config{}, "/?stream=echo&autostart=1#compare", 30*time.Second)
	if err := chromedp.Run(p.ctx, chromedp.EmulateViewport(390, 844, func(m *emulation.SetDeviceMetricsOverrideParams, _ *emulation.SetTouchEmulationEnabledParams) {
		m.Mobile = true
	})); err != nil {
		t.Fatal(err)
	}
	p.waitView("cmp", "events in both panes", 10*time.Second, func(v demoView) bool {
		return v.Native.Count >= 4 && v.Wasm.Count >= 4 && len(v.Wasm.Requests) >= 1
	})
	for _, view := range []string{"compare", "auth", "publish", "try", "use"} {
		var width struct{ Page, Window int }
		p.run(demoWidthJS, &width, view)
		if width.Page > width.Window {
			t.Errorf("#%s at 390 px: the page is %d px wide, wider than the %d px window", view, width.Page, width.Window)
		}
	}
	p.consoleClean(false)
}

// TestDemoLifecycle connects both clients on the Lifecycle view's endless
// ticker and stalls the server: ours (heartbeatTimeout 3000) must report a
// retrying event with cause timeout and reconnect, events flowing again,
// while native stays OPEN on the dead stream and receives nothing.
func TestDemoLifecycle(t *testing.T) {
	p := openDemo(t, fixtures.Config{}, "/#lifecycle", 30*time.Second)
	p.click("#life-start")
	p.waitView("life", "events in both panes", 15*time.Second, func(v demoView) bool {
		return v.Native.Count >= 3 && v.Wasm.Count >= 3
	})
	p.click("#life-stall")
	hasLine := func(pn demoPane, s string) bool {
		return slices.ContainsFunc(pn.System, func(l string) bool { return strings.Contains(l, s) })
	}
	v := p.waitView("life", "WASM to retry (cause timeout) and reconnect after the stall", 30*time.Second, func(v demoView) bool {
		return hasLine(v.Wasm, "cause timeout") && hasLine(v.Wasm, "Reconnected.") && v.Wasm.State == 1
	})
	native, wasm := v.Native.Count, v.Wasm.Count
	v = p.waitView("life", "WASM to receive events again", 15*time.Second, func(v demoView) bool {
		return v.Wasm.Count >= wasm+3
	})
	if v.Native.State != 1 || v.Native.Count != native {
		t.Errorf("native should stay OPEN and silent on the stalled stream: state %d, %d events (was %d)\n%s", v.Native.State, v.Native.Count, native, dumpDemoView(v))
	}
	if v.Verdict != "disagree" || !strings.Contains(v.VerdictText, "still OPEN") || !strings.Contains(v.VerdictText, "retrying causes: timeout") {
		t.Errorf("the verdict should say native is stuck and ours retried on timeout:\n%s", dumpDemoView(v))
	}
	if len(v.Wasm.Requests) < 2 {
		t.Errorf("the server should have seen WASM reconnect:\n%s", dumpDemoView(v))
	}
	p.consoleClean(false)
}
