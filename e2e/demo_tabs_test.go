package e2e

import (
	"net/url"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
)

// demoTabs is what the demo's Tabs view shows.
type demoTabs struct {
	Conns     string `json:"conns"`
	Receiving string `json:"receiving"`
	Note      string `json:"note"`
	Frames    int    `json:"frames"`
	Src       string `json:"src"` // the first frame's URL
}

// TestDemoTabs opens 8 tabs (frames) in the demo's Tabs view with
// shared: true and then with native EventSource, and checks the live
// counts against the server's: 1 connection for 8 receiving tabs, then 6
// for 6 receiving tabs (the page then says its own requests wait), and 0
// after "Close all".
func TestDemoTabs(t *testing.T) {
	p := openDemo(t, fixtures.Config{}, "/#tabs", 50*time.Second)
	read := func() demoTabs {
		var v demoTabs
		p.run(demoTabsJS, &v)
		return v
	}
	waitTabs := func(what string, cond func(v demoTabs) bool) demoTabs {
		t.Helper()
		var v demoTabs
		deadline := time.Now().Add(20 * time.Second)
		for v = read(); !cond(v); v = read() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; the view shows %+v", what, v)
			}
			time.Sleep(50 * time.Millisecond)
		}
		return v
	}
	sessionOf := func(v demoTabs) string {
		u, err := url.Parse(v.Src)
		if err != nil {
			t.Fatalf("frame URL %q: %v", v.Src, err)
		}
		return u.Query().Get("run")
	}

	p.set("tabs-mode", "shared")
	p.set("tabs-count", "8")
	p.click("#tabs-open")
	v := waitTabs("8 shared tabs receiving over 1 connection", func(v demoTabs) bool { return v.Receiving == "8" && v.Conns == "1" })
	session := sessionOf(v)
	if open, reqs := sessionStreams(t, p.ts, session); open != 1 || reqs != 1 {
		t.Errorf("shared: the server holds %d streams after %d requests, want 1 and 1", open, reqs)
	}
	p.click("#tabs-close")
	waitTabs("the count to drop to 0", func(v demoTabs) bool { return v.Frames == 0 && v.Conns == "0" })

	p.set("tabs-mode", "native")
	p.click("#tabs-open")
	v = waitTabs("6 native tabs receiving", func(v demoTabs) bool { return v.Receiving == "6" })
	session = sessionOf(v)
	waitUntil(t, 10*time.Second, "6 native streams", func() bool { open, _ := sessionStreams(t, p.ts, session); return open == 6 })
	waitTabs("the note that the page's own requests wait", func(v demoTabs) bool {
		return v.Note != "" && v.Receiving == "6" && len(v.Note) > 0 && v.Note[:4] == "This"
	})
	p.click("#tabs-close")
	waitTabs("the count to drop to 0", func(v demoTabs) bool { return v.Frames == 0 && v.Conns == "0" })
	p.consoleClean(false)
}
