package e2e

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/eventsource-wasm/eventsource-wasm/e2e/browser"
	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
	"github.com/eventsource-wasm/eventsource-wasm/web"
)

// sharedPages is the tab page of the shared-connection tests, its helpers
// (window.tabs, with login.js) and a worker that never answers, served
// next to web.FS.
//
//go:embed testdata/tab.html testdata/shared-tab.js testdata/login.js testdata/silent-worker.js
var sharedPages embed.FS

// overlayFS serves a name from the first file system that has it.
type overlayFS []fs.FS

func (o overlayFS) Open(name string) (fs.File, error) {
	for _, fsys := range o {
		if f, err := fsys.Open(name); err == nil {
			return f, nil
		}
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// sharedState is what window.tabs.state(i) returns of one source.
type sharedState struct {
	RS         int      `json:"rs"`
	Log        []string `json:"log"`
	IDs        []string `json:"ids"`
	Data       []string `json:"data"`
	Opens      int      `json:"opens"`
	Errors     int      `json:"errors"`
	FirstEvent float64  `json:"firstEvent"` // ms from construction, -1 before
}

// tab is one page of the shared tests' browser, on /tab.html.
type tab struct {
	*page
	close context.CancelFunc // closes the tab as a user would
}

// sharedEnv is a server serving the tab page and one browser whose tabs
// share a profile: one SharedWorker, one connection pool.
type sharedEnv struct {
	ts      *testServer
	browser context.Context
}

func newSharedEnv(t *testing.T) *sharedEnv {
	t.Helper()
	requireWasm(t)
	pages, err := fs.Sub(sharedPages, "testdata")
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, fixtures.Config{Static: overlayFS{pages, web.FS}})
	bctx := newChromium(t, 5*time.Minute)
	return &sharedEnv{ts: ts, browser: bctx}
}

// openTabs opens n tabs on /tab.html, closed by t's cleanup.
func (e *sharedEnv) openTabs(t *testing.T, n int) []*tab {
	t.Helper()
	tabs := make([]*tab, n)
	for i := range tabs {
		ctx, cancel, err := browser.NewTab(e.browser)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cancel)
		err = chromedp.Run(ctx, chromedp.Navigate(e.ts.URL+"/tab.html"),
			chromedp.Poll(`typeof window.tabs === "object"`, nil, chromedp.WithPollingTimeout(20*time.Second)))
		if err != nil {
			t.Fatalf("tab %d: load /tab.html: %v", i, err)
		}
		tabs[i] = &tab{page: tabPage(t, ctx), close: cancel}
	}
	t.Cleanup(func() {
		for i, tb := range tabs {
			for _, e := range tb.pageErrors() {
				t.Errorf("tab %d console: %s", i, e)
			}
		}
	})
	return tabs
}

// call evaluates a window.tabs expression in the tab.
func (tb *tab) call(out any, format string, args ...any) {
	tb.t.Helper()
	tb.eval(fmt.Sprintf(format, args...), out)
}

// backFromCache goes back in the tab's history and waits until the page
// is restored from the back/forward cache. history.back() runs from a
// timer: a restore from the cache fires no load event for chromedp to wait
// for.
func (tb *tab) backFromCache(t *testing.T) {
	t.Helper()
	// Chromium says why when it loads the page again instead.
	notUsed := make(chan string, 1)
	ctx, stop := context.WithCancel(tb.ctx)
	defer stop()
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*cdppage.EventBackForwardCacheNotUsed); ok {
			var why []string
			for _, r := range e.NotRestoredExplanations {
				why = append(why, string(r.Type)+" "+string(r.Reason))
			}
			select {
			case notUsed <- strings.Join(why, ", "):
			default:
			}
		}
	})
	tb.call(nil, "setTimeout(() => history.back(), 0)")
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int
		tb.call(&n, "window.tabs ? tabs.restored : 0")
		if n == 1 {
			return
		}
		select {
		case why := <-notUsed:
			t.Fatalf("the page was loaded again, not restored from the back/forward cache: %s", why)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after 20s waiting for the page to come back from the back/forward cache")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (tb *tab) state(i int) sharedState {
	tb.t.Helper()
	var s sharedState
	tb.call(&s, "tabs.state(%d)", i)
	return s
}

// streams returns the open streams and the requests of a session, as the
// server counts them.
func (e *sharedEnv) streams(t *testing.T, session string) (open int, requests int64) {
	t.Helper()
	return sessionStreams(t, e.ts, session)
}

// sessionStreams returns the open streams and the requests of a session of
// ts, from GET /sessions/{id}.
func sessionStreams(t *testing.T, ts *testServer, session string) (open int, requests int64) {
	t.Helper()
	resp, err := http.Get(ts.URL + "/sessions/" + session)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var info struct {
		Requests    int64 `json:"requests"`
		OpenStreams int   `json:"open_streams"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		t.Fatalf("GET /sessions/%s: %v", session, err)
	}
	return info.OpenStreams, info.Requests
}

// waitUntil polls cond every 20 ms until it holds, failing the test after
// timeout.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sharedTabs opens n tabs, evaluates prep in each (when not empty), then
// opens a shared source on url in each and waits until all are open.
func (e *sharedEnv) sharedTabs(t *testing.T, n int, prep, url string) []*tab {
	t.Helper()
	tabs := e.openTabs(t, n)
	if prep != "" {
		each(tabs, "%s", prep)
	}
	each(tabs, "tabs.open(%q)", url)
	allOpen(t, tabs, 0)
	return tabs
}

// each evaluates the same window.tabs expression in every tab.
func each(tabs []*tab, format string, args ...any) {
	for _, tb := range tabs {
		tb.call(nil, format, args...)
	}
}

// waitMore waits until source 0 of every tab has received n more events.
func waitMore(t *testing.T, tabs []*tab, n int) {
	t.Helper()
	for i, tb := range tabs {
		base := len(tb.state(0).IDs)
		waitUntil(t, 15*time.Second, fmt.Sprintf("tab %d to receive %d more events", i, n), func() bool { return len(tb.state(0).IDs) >= base+n })
	}
}

// allOpen waits until source i of every tab is OPEN.
func allOpen(t *testing.T, tabs []*tab, i int) {
	t.Helper()
	for n, tb := range tabs {
		// A bound, generous for a loaded machine and for a tab that first
		// waits out a silent worker (10 s).
		deadline := time.Now().Add(30 * time.Second)
		for s := tb.state(i); s.RS != 1; s = tb.state(i) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out after 30s waiting for tab %d to open; the tabs show:\n%s", n, describeTabs(tabs, i))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// describeTabs renders source i of every tab, its leaderships and its
// console, for a failure message.
func describeTabs(tabs []*tab, i int) string {
	var b strings.Builder
	for n, tb := range tabs {
		var leading int
		tb.call(&leading, "tabs.leading")
		fmt.Fprintf(&b, "tab %d: source %+v; leaderships %d; console %q\n", n, tb.state(i), leading, tb.console.Messages())
	}
	return b.String()
}

// gaps counts the ids missing from, and repeated in, a run of integer ids
// that should go up by one.
func gaps(t *testing.T, ids []string) (lost, dup int) {
	t.Helper()
	for i := 1; i < len(ids); i++ {
		a, errA := strconv.Atoi(ids[i-1])
		b, errB := strconv.Atoi(ids[i])
		if errA != nil || errB != nil {
			t.Fatalf("non-integer ids %q, %q", ids[i-1], ids[i])
		}
		switch {
		case b <= a:
			dup += a - b + 1
		case b > a+1:
			lost += b - a - 1
		}
	}
	return lost, dup
}

// echoConnections returns the connection numbers of the echo events in a
// source's log, in order.
func echoConnections(t *testing.T, tab int, log []string) []int {
	t.Helper()
	var out []int
	for _, line := range log {
		data, ok := strings.CutPrefix(line, "echo ")
		if !ok {
			continue
		}
		var echo struct {
			Connection int `json:"connection"`
		}
		if err := json.Unmarshal([]byte(data), &echo); err != nil || echo.Connection < 1 {
			t.Fatalf("tab %d: bad echo %q (%v)", tab, line, err)
		}
		out = append(out, echo.Connection)
	}
	return out
}

func authPrint(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:6])
}

// TestShared checks `shared: true` in headless Chromium, with several tabs
// of one browser profile: one stream for many tabs through the SharedWorker,
// native EventSource's limit of 6 connections side by side, membership as
// tabs come and go, headers functions run in live tabs, the header-identity
// rule, and the Web Locks fallback's leader handover.
//
// The subtests that mostly wait run in parallel once the others are done
// (the native one needs the connection pool to itself); each has its own
// sessions and share keys.
func TestShared(t *testing.T) {
	env := newSharedEnv(t)

	t.Run("eight-tabs-one-connection", func(t *testing.T) {
		const topic, session = "shared-eight", "shared-eight"
		url := fmt.Sprintf("/topics/%s?session=%s", topic, session)
		tabs := env.sharedTabs(t, 8, "", url)
		if open, reqs := env.streams(t, session); open != 1 || reqs != 1 {
			t.Fatalf("8 shared tabs: server sees %d open streams after %d requests, want 1 and 1", open, reqs)
		}
		for n, tb := range tabs {
			var leading int
			if tb.call(&leading, "tabs.leading"); leading != 0 {
				t.Fatalf("tab %d leads a stream: the SharedWorker was not used", n)
			}
		}
		var want []string
		for i := range 20 {
			body := fmt.Sprintf("event-%d", i)
			want = append(want, body)
			resp, err := http.Post(env.ts.URL+"/topics/"+topic, "text/plain", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		for n, tb := range tabs {
			waitUntil(t, 10*time.Second, fmt.Sprintf("tab %d to receive 20 events", n), func() bool { return len(tb.state(0).Data) >= 20 })
			if got := tb.state(0).Data; strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("tab %d received %q, want %q", n, got, want)
			}
		}
		if open, reqs := env.streams(t, session); open != 1 || reqs != 1 {
			t.Errorf("after the events: %d open streams, %d requests, want 1 and 1", open, reqs)
		}
		t.Logf("8 tabs with shared: true: 1 connection, every tab got all 20 events in order")
	})

	t.Run("eight-tabs-native", func(t *testing.T) {
		const session = "shared-native"
		url := "/topics/shared-native?session=" + session
		tabs := env.openTabs(t, 8)
		each(tabs, "tabs.openNative(%q)", url)
		waitUntil(t, 20*time.Second, "6 native streams", func() bool { open, _ := env.streams(t, session); return open >= 6 })
		// The limit is the absence of something: look for a while for a
		// seventh stream or a seventh open tab.
		for end := time.Now().Add(time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
			if open, _ := env.streams(t, session); open != 6 {
				t.Fatalf("native: %d open streams, want Chromium's HTTP/1.1 limit of 6", open)
			}
		}
		opened := 0
		for _, tb := range tabs {
			if tb.state(0).RS == 1 {
				opened++
			}
		}
		if opened != 6 {
			t.Errorf("native: %d of 8 tabs open, want 6 (the others wait for a connection)", opened)
		}
		each(tabs, "tabs.close(0)")
		t.Logf("8 tabs with native EventSource: 6 streams open, 2 tabs stuck connecting")
	})

	t.Run("opener-leaves", func(t *testing.T) {
		const session = "shared-opener"
		url := "/events?interval=100ms&session=" + session
		tabs := env.openTabs(t, 4)
		for _, tb := range tabs {
			tb.call(nil, "tabs.open(%q)", url)
			allOpen(t, []*tab{tb}, 0)
		}
		tabs[0].close() // the tab whose source opened the stream
		rest := tabs[1:]
		waitMore(t, rest, 10)
		for n, tb := range rest {
			s := tb.state(0)
			if lost, dup := gaps(t, s.IDs); lost != 0 || dup != 0 || s.Errors != 0 || s.Opens != 1 {
				t.Errorf("tab %d: %d lost, %d duplicated, %d errors, %d opens; want 0, 0, 0, 1: %q", n+1, lost, dup, s.Errors, s.Opens, s.Log)
			}
		}
		if open, reqs := env.streams(t, session); open != 1 || reqs != 1 {
			t.Errorf("after the opener left: %d open streams, %d requests, want 1 and 1 (no reconnect)", open, reqs)
		}

		// Closing every tab ends the stream within a second.
		for _, tb := range rest[:len(rest)-1] {
			tb.close()
		}
		if open, _ := env.streams(t, session); open != 1 {
			t.Errorf("with one tab left: %d open streams, want 1", open)
		}
		start := time.Now()
		rest[len(rest)-1].close()
		waitUntil(t, 5*time.Second, "the stream to end", func() bool { open, _ := env.streams(t, session); return open == 0 })
		// The close call itself waits for the browser to destroy the tab.
		if d := time.Since(start); d > time.Second {
			t.Errorf("the server saw the stream end %v after the last tab closed, want within 1s", d)
		} else {
			t.Logf("last tab closed: the server saw the stream end after %v", d.Round(time.Millisecond))
		}
	})

	t.Run("late-joiner-and-close", func(t *testing.T) {
		const session = "shared-late"
		url := "/events?interval=100ms&session=" + session
		tabs := env.openTabs(t, 3)
		tabs[0].call(nil, "tabs.open(%q)", url)
		tabs[0].call(nil, "tabs.open(%q)", url) // a second source in the same tab
		waitUntil(t, 20*time.Second, "5 events", func() bool { return len(tabs[0].state(0).IDs) >= 5 })
		tabs[1].call(nil, "tabs.open(%q)", url)
		seen := tabs[0].state(0).IDs // what the first tab had when the second joined
		allOpen(t, tabs[1:2], 0)
		waitMore(t, tabs[1:2], 3)
		late := tabs[1].state(0).IDs
		first, _ := strconv.Atoi(late[0])
		last, _ := strconv.Atoi(seen[len(seen)-1])
		if first <= last-1 || first > last+3 {
			t.Errorf("the late tab's first event is id %d; the stream was at %d when it joined: want the next event, no replay", first, last)
		}
		// Closing one source leaves its tab's other source and the other
		// tabs on the stream.
		tabs[0].call(nil, "tabs.close(0)")
		tabs[2].call(nil, "tabs.open(%q)", url)
		allOpen(t, tabs[2:], 0)
		waitMore(t, tabs[1:], 5)
		if s := tabs[0].state(1); s.RS != 1 || s.Errors != 0 {
			t.Errorf("the tab's other source: readyState %d, %d errors after its sibling closed", s.RS, s.Errors)
		}
		for n, tb := range tabs[1:] {
			if lost, dup := gaps(t, tb.state(0).IDs); lost != 0 || dup != 0 {
				t.Errorf("tab %d: %d lost, %d duplicated", n+1, lost, dup)
			}
		}
		if open, reqs := env.streams(t, session); open != 1 || reqs != 1 {
			t.Errorf("%d open streams after %d requests, want 1 and 1", open, reqs)
		}
	})

	t.Run("bfcache", func(t *testing.T) {
		// Tab 0 reads stream A alone and stream B with tab 1. When it enters
		// the back/forward cache it leaves both: A ends, B goes on for tab 1
		// undisturbed. Back again, it rejoins B and restarts A from its last
		// event ID.
		const sessA, sessB = "shared-bf-a", "shared-bf-b"
		urlA, urlB := "/events?interval=100ms&session="+sessA, "/events?interval=100ms&session="+sessB
		tabs := env.openTabs(t, 2)
		tabs[0].call(nil, "tabs.open(%q)", urlA)
		tabs[0].call(nil, "tabs.open(%q)", urlB)
		tabs[1].call(nil, "tabs.open(%q)", urlB)
		allOpen(t, tabs, 0)
		allOpen(t, tabs[:1], 1)
		waitMore(t, tabs[:1], 3)
		if err := chromedp.Run(tabs[0].ctx, chromedp.Navigate(env.ts.URL+"/tab.html?away")); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, 15*time.Second, "stream A to end once its only tab left", func() bool { open, _ := env.streams(t, sessA); return open == 0 })
		waitMore(t, tabs[1:], 5)
		if s := tabs[1].state(0); s.Errors != 0 {
			t.Errorf("the tab that stayed saw %d errors: %q", s.Errors, s.Log)
		}
		if open, reqs := env.streams(t, sessB); open != 1 || reqs != 1 {
			t.Errorf("stream B: %d open after %d requests, want 1 and 1", open, reqs)
		}
		tabs[0].backFromCache(t)
		waitMore(t, tabs[:1], 3)
		// Stream B's rejoin reports open apart from stream A's restart.
		waitUntil(t, 15*time.Second, "both restored sources to open again", func() bool {
			return tabs[0].state(0).Opens >= 2 && tabs[0].state(1).Opens >= 2
		})
		for i := range 2 {
			if s := tabs[0].state(i); s.RS != 1 || s.Opens != 2 || s.Errors != 1 {
				t.Errorf("restored source %d: readyState %d, %d opens, %d errors; want 1, 2, 1 (a reconnection): %q", i, s.RS, s.Opens, s.Errors, s.Log)
			}
		}
		if lost, dup := gaps(t, tabs[0].state(0).IDs); lost != 0 || dup != 0 {
			t.Errorf("stream A, restarted: %d lost, %d duplicated", lost, dup)
		}
		reqsA := env.ts.rec.session(sessA)
		if len(reqsA) != 2 || !reqsA[1].HasLEID {
			t.Errorf("stream A after the restore: want a second request with Last-Event-ID:\n%s", requestLines(reqsA))
		}
	})

	t.Run("fallback-bfcache", func(t *testing.T) {
		// Without SharedWorker, the leader tab entering the back/forward
		// cache steps down: the other tab takes over from Last-Event-ID.
		// Back again, it follows the new leader.
		const session = "shared-fallback-bf"
		url := "/events?interval=100ms&session=" + session
		tabs := env.openTabs(t, 2)
		each(tabs, "tabs.disableSharedWorker()")
		tabs[0].call(nil, "tabs.open(%q)", url)
		allOpen(t, tabs[:1], 0)
		tabs[1].call(nil, "tabs.open(%q)", url)
		allOpen(t, tabs, 0)
		var leading int
		if tabs[0].call(&leading, "tabs.leading"); leading != 1 {
			t.Fatalf("the first tab leads %d times, want 1", leading)
		}
		if err := chromedp.Run(tabs[0].ctx, chromedp.Navigate(env.ts.URL+"/tab.html?away")); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, 10*time.Second, "the other tab to take over", func() bool { _, reqs := env.streams(t, session); return reqs == 2 })
		waitMore(t, tabs[1:], 10)
		if s := tabs[1].state(0); s.Errors != 0 {
			t.Errorf("the tab that took over saw %d errors: %q", s.Errors, s.Log)
		} else if lost, dup := gaps(t, s.IDs); lost != 0 || dup != 0 {
			t.Errorf("the tab that took over: %d lost, %d duplicated", lost, dup)
		}
		tabs[0].backFromCache(t)
		waitMore(t, tabs[:1], 3)
		if s := tabs[0].state(0); s.RS != 1 || s.Errors != 1 {
			t.Errorf("the restored tab: readyState %d, %d errors, want 1 and 1 (a reconnection): %q", s.RS, s.Errors, s.Log)
		}
		if open, reqs := env.streams(t, session); open != 1 || reqs != 2 {
			t.Errorf("%d open streams after %d requests, want 1 and 2 (the restored tab follows)", open, reqs)
		}
		if reqs := env.ts.rec.session(session); len(reqs) == 2 && !reqs[1].HasLEID {
			t.Errorf("the new leader did not send Last-Event-ID")
		}
	})

	t.Run("reconnect-and-retrying", func(t *testing.T) {
		// One tab's reconnect() reconnects the stream they share, from
		// Last-Event-ID; every tab hears the retrying event, and the open
		// event carries the response's headers.
		const session = "shared-reconnect"
		url := "/events?interval=100ms&session=" + session
		tabs := env.sharedTabs(t, 2, "", url)
		waitMore(t, tabs, 3)
		tabs[1].call(nil, "tabs.reconnect(0)")
		waitUntil(t, 10*time.Second, "the reconnect", func() bool { _, reqs := env.streams(t, session); return reqs == 2 })
		waitMore(t, tabs, 3)
		for n, tb := range tabs {
			s := tb.state(0)
			if lost, dup := gaps(t, s.IDs); lost != 0 || dup != 0 {
				t.Errorf("tab %d: %d lost, %d duplicated", n, lost, dup)
			}
			if !slices.Contains(s.Log, "retrying reconnect") || !slices.ContainsFunc(s.Log, func(l string) bool { return strings.HasPrefix(l, "open rs=1 type=text/event-stream") }) {
				t.Errorf("tab %d: want a retrying event (cause reconnect) and an open event with the response headers: %q", n, s.Log)
			}
		}
		if reqs := env.ts.rec.session(session); len(reqs) != 2 || !reqs[1].HasLEID {
			t.Errorf("want a second request with Last-Event-ID:\n%s", requestLines(reqs))
		}
	})

	t.Run("failure-reaches-every-tab", func(t *testing.T) {
		const session = "shared-fail"
		// A 404 fails the connection for good: every tab's source closes.
		url := "/no-such-stream?session=" + session
		tabs := env.openTabs(t, 2)
		each(tabs, "tabs.open(%q)", url)
		for n, tb := range tabs {
			waitUntil(t, 10*time.Second, fmt.Sprintf("tab %d to close", n), func() bool { return tb.state(0).RS == 2 })
			if s := tb.state(0); s.Errors != 1 {
				t.Errorf("tab %d: %d error events, want 1: %q", n, s.Errors, s.Log)
			}
		}
		// The closed stream is gone from the worker: a new source starts a
		// new request.
		before := len(env.ts.rec.session(session))
		tabs[0].call(nil, "tabs.open(%q)", url)
		waitUntil(t, 10*time.Second, "the new source to close", func() bool { return tabs[0].state(1).RS == 2 })
		if after := len(env.ts.rec.session(session)); after != before+1 {
			t.Errorf("a new source after the failure made %d requests, want 1", after-before)
		}
	})

	t.Run("headers-function-refresh", func(t *testing.T) {
		t.Parallel() // waits for a token to expire, beside the others that wait
		const session = "shared-auth"
		url := "/auth/events?interval=100ms&retry=50&session=" + session
		tabs := env.openTabs(t, 3)
		// The first tab's token lives 4 s; the others' would live 30 s.
		tabs[0].call(nil, "tabs.openLogin(%q, 'user-1', 4)", url)
		allOpen(t, tabs[:1], 0)
		for _, tb := range tabs[1:] {
			tb.call(nil, "tabs.openLogin(%q, 'user-1', 30)", url)
		}
		allOpen(t, tabs, 0)
		var calls int
		tabs[0].call(&calls, "tabs.headerCalls")
		if calls != 1 {
			t.Errorf("the first tab's headers function ran %d times, want 1", calls)
		}
		if _, reqs := env.streams(t, session); reqs != 1 {
			t.Fatalf("%d requests for 3 tabs with one share key, want 1", reqs)
		}
		tabs[0].close() // its token will expire with nobody there to refresh it
		waitUntil(t, 15*time.Second, "the reconnect with a fresh token", func() bool { _, reqs := env.streams(t, session); return reqs >= 2 })
		waitMore(t, tabs[1:], 5)
		live := 0
		for n, tb := range tabs[1:] {
			var c int
			tb.call(&c, "tabs.headerCalls")
			live += c
			if lost, dup := gaps(t, tb.state(0).IDs); lost != 0 || dup != 0 {
				t.Errorf("tab %d: %d ids lost, %d duplicated across the refresh", n+1, lost, dup)
			}
		}
		if live != 1 {
			t.Errorf("the live tabs ran their headers functions %d times, want 1 (the refresh)", live)
		}
		reqs := env.ts.rec.session(session)
		if len(reqs) != 2 {
			t.Fatalf("server saw %d requests, want 2:\n%s", len(reqs), requestLines(reqs))
		}
		if reqs[0].AuthScheme != "Bearer" || reqs[1].AuthScheme != "Bearer" || reqs[0].AuthPrint == reqs[1].AuthPrint {
			t.Errorf("want two different bearer tokens:\n%s", requestLines(reqs))
		}
		if !reqs[1].HasLEID || reqs[1].LastEventID == "" {
			t.Errorf("the reconnect lost Last-Event-ID:\n%s", requestLines(reqs))
		}
	})

	t.Run("frozen-tab", func(t *testing.T) {
		t.Parallel() // waits for a token to expire and for the worker's 10 s, beside the others that wait
		// The tab asked for headers first is frozen (the page lifecycle's
		// freeze, as for a background tab) when its token expires: after
		// the worker's wait for an answer, the other tab refreshes. Thawed,
		// the frozen tab gets the events it missed, in order.
		const session = "shared-frozen"
		url := "/auth/events?interval=100ms&retry=50&session=" + session
		tabs := env.openTabs(t, 2)
		tabs[0].call(nil, "tabs.openLogin(%q, 'user-2', 3)", url)
		allOpen(t, tabs[:1], 0)
		tabs[1].call(nil, "tabs.openLogin(%q, 'user-2', 30)", url)
		allOpen(t, tabs, 0)
		freeze := func(tb *tab, state cdppage.SetWebLifecycleStateState) {
			if err := chromedp.Run(tb.ctx, cdppage.SetWebLifecycleState(state)); err != nil {
				t.Fatalf("set lifecycle state %s: %v", state, err)
			}
		}
		freeze(tabs[0], cdppage.SetWebLifecycleStateStateFrozen)
		waitUntil(t, 30*time.Second, "the refresh by the live tab", func() bool { _, reqs := env.streams(t, session); return reqs >= 2 })
		waitMore(t, tabs[1:], 5)
		var calls int
		if tabs[1].call(&calls, "tabs.headerCalls"); calls != 1 {
			t.Errorf("the live tab ran its headers function %d times, want 1", calls)
		}
		freeze(tabs[0], cdppage.SetWebLifecycleStateStateActive)
		waitMore(t, tabs[:1], 5)
		for n, tb := range tabs {
			if lost, dup := gaps(t, tb.state(0).IDs); lost != 0 || dup != 0 {
				t.Errorf("tab %d: %d lost, %d duplicated", n, lost, dup)
			}
		}
		if reqs := env.ts.rec.session(session); len(reqs) != 2 || !reqs[1].HasLEID || reqs[0].AuthPrint == reqs[1].AuthPrint {
			t.Errorf("want a second request with a fresh token and Last-Event-ID:\n%s", requestLines(reqs))
		}
	})

	// Tabs 0 and 2 hold token A, tab 1 token B. Static headers share by
	// value (tab 2 joins tab 0); headers functions without a share key
	// never share. In both, each tab reads a stream requested with its own
	// token.
	for _, tc := range []struct {
		name, open string
		streams    int
	}{
		{"header-identity-static", "tabs.openToken(%q, %q)", 2},
		{"header-identity-function", "tabs.openTokenFn(%q, %q)", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			session := "shared-" + tc.name
			url := "/echo?n=100000&interval=200ms&session=" + session
			tabs := env.openTabs(t, 3)
			var tokA, tokB string
			tabs[0].call(&tokA, "tabs.login(30)")
			tabs[1].call(&tokB, "tabs.login(30)")
			toks := []string{tokA, tokB, tokA}
			for n, tb := range tabs {
				tb.call(nil, tc.open, url, toks[n])
			}
			allOpen(t, tabs, 0)
			if open, reqs := env.streams(t, session); open != tc.streams || reqs != int64(tc.streams) {
				t.Fatalf("two tokens over three tabs: %d open streams after %d requests, want %d and %d", open, reqs, tc.streams, tc.streams)
			}
			// Each connection's echo event names it. Tab 2, opened last, may
			// have joined tab 0's stream after that echo went by (a late
			// subscriber starts at the next event): its reconnect() makes
			// the stream it reads connect again, and that connection's echo
			// reaches every tab reading it.
			tabs[2].call(nil, "tabs.reconnect(0)")
			for n, tb := range tabs {
				var echoes []int
				waitUntil(t, 20*time.Second, fmt.Sprintf("tab %d's echo", n), func() bool {
					echoes = echoConnections(t, n, tb.state(0).Log)
					return len(echoes) > 0 && (n != 2 || echoes[len(echoes)-1] > tc.streams)
				})
				reqs := env.ts.rec.session(session)
				for _, c := range echoes {
					if c > len(reqs) {
						t.Fatalf("tab %d: echo of connection %d, but the server recorded %d", n, c, len(reqs))
					}
					if got := reqs[c-1].AuthPrint; got != authPrint(toks[n]) {
						t.Errorf("tab %d reads connection %d, made with another tab's token", n, c)
					}
				}
			}
		})
	}

	// A page whose worker script is missing (a bundler that did not emit
	// it), or starts but never answers, still gets its events, through the
	// fallback, and a console warning that says why.
	for _, tc := range []struct {
		name, worker string
		// browserError is the error the browser logs about the script,
		// expected here ("" for none).
		browserError string
	}{
		{"worker-fails-to-start", "/no-such-worker.js", "worker error: Failed to fetch a worker script"},
		{"worker-stays-silent", "/silent-worker.js", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.browserError == "" {
				t.Parallel() // waits for the tabs to give up on the worker
			}
			session := "shared-" + tc.name
			url := "/events?interval=50ms&session=" + session
			tabs := env.sharedTabs(t, 2, fmt.Sprintf("tabs.useWorker(%q)", tc.worker), url)
			waitMore(t, tabs, 5)
			if open, reqs := env.streams(t, session); open != 1 || reqs != 1 {
				t.Errorf("%d open streams after %d requests, want 1 and 1 (a leader tab)", open, reqs)
			}
			for n, tb := range tabs {
				warned := false
				for _, m := range tb.console.Messages() {
					warned = warned || m.Level == "warning" && strings.Contains(m.Text, "shared worker did not start")
				}
				if !warned {
					t.Errorf("tab %d: no console warning about the worker", n)
				}
				for _, e := range tb.pageErrors() {
					if tc.browserError == "" || !strings.HasPrefix(e, tc.browserError) {
						t.Errorf("tab %d console: %s", n, e)
					}
				}
				tb.console.Reset()
			}
		})
	}

	t.Run("fallback-leader-handover", func(t *testing.T) {
		t.Parallel() // waits for two handovers, beside the others that wait
		const session = "shared-leader"
		url := "/events?interval=50ms&session=" + session
		tabs := env.sharedTabs(t, 4, "tabs.disableSharedWorker()", url)
		if open, reqs := env.streams(t, session); open != 1 || reqs != 1 {
			t.Fatalf("4 tabs without SharedWorker: %d open streams after %d requests, want 1 and 1", open, reqs)
		}
		alive := tabs
		const rounds = 2
		for round := range rounds {
			leader := -1
			for i, tb := range alive {
				var n int
				tb.call(&n, "tabs.leading")
				if n > 0 {
					if leader >= 0 {
						t.Fatalf("round %d: tabs %d and %d both lead", round, leader, i)
					}
					leader = i
				}
			}
			if leader < 0 {
				t.Fatalf("round %d: no tab leads", round)
			}
			alive[leader].close() // mid-stream: events arrive every 50 ms
			alive = append(alive[:leader:leader], alive[leader+1:]...)
			waitMore(t, alive, 20)
		}
		total := 0
		for n, tb := range alive {
			s := tb.state(0)
			lost, dup := gaps(t, s.IDs)
			total += len(s.IDs)
			if lost != 0 || dup != 0 || s.Errors != 0 {
				t.Errorf("tab %d: %d events lost, %d duplicated, %d errors over %d leader handovers: %q", n, lost, dup, s.Errors, rounds, s.Log)
			}
		}
		reqs := env.ts.rec.session(session)
		if len(reqs) != 1+rounds {
			t.Fatalf("server saw %d requests, want %d (one per leader):\n%s", len(reqs), 1+rounds, requestLines(reqs))
		}
		for i, r := range reqs[1:] {
			if !r.HasLEID {
				t.Errorf("leader %d reconnected without Last-Event-ID", i+2)
			}
		}
		t.Logf("%d leader handovers, %d events over %d tabs: 0 lost, 0 duplicated", rounds, total, len(alive))
	})
}
