package e2e

import (
	_ "embed"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/e2e/browser"
	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
)

//go:embed testdata/realm.js
var realmJS string

// realmEvent mirrors what testdata/realm.js reports of one event.
type realmEvent struct {
	Type        string   `json:"type"`
	Data        string   `json:"data"`
	LastEventID string   `json:"lastEventId"`
	Origin      string   `json:"origin"`
	Ctor        bool     `json:"ctor"`       // constructor === the realm's MessageEvent
	Proto       bool     `json:"proto"`      // prototype is the realm's MessageEvent.prototype
	OtherRealm  bool     `json:"otherRealm"` // instanceof the other realm's MessageEvent
	Tag         string   `json:"tag"`
	IsTrusted   bool     `json:"isTrusted"`
	OwnKeys     []string `json:"ownKeys"`
}

// TestMessageEventRealm: every event is a MessageEvent of the realm that
// created its source, in the top page and in an iframe, exactly: its
// constructor is that realm's MessageEvent and its prototype that
// MessageEvent's prototype, with the fields native sets and no enumerable
// extra. Like every event dispatched by a script, it is not trusted.
func TestMessageEventRealm(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, fixtures.Config{})
	forEachEngine(t, func(t *testing.T, e browser.Engine) {
		testMessageEventRealm(t, e, ts)
	})
}

func testMessageEventRealm(t *testing.T, e browser.Engine, ts *testServer) {
	p := openPage(t, e, ts, "/conformance.html", 2*time.Minute)
	type stream struct {
		URL string `json:"url"`
		N   int    `json:"n"`
	}
	streams := []stream{
		{"/faults?body=idreset&retry=60000", 4},
		{"/faults?body=crlf&retry=60000", 2},
	}
	want := [][]realmEvent{
		{
			{Type: "message", Data: "a", LastEventID: "1"},
			{Type: "message", Data: "b"},
			{Type: "message", Data: "c", LastEventID: "3"},
			{Type: "message", Data: "d"},
		},
		{
			{Type: "message", Data: "crlf one\ncrlf two", LastEventID: "1"},
			{Type: "named", Data: "crlf named", LastEventID: "1"},
		},
	}
	args, _ := json.Marshal(map[string]any{"streams": streams})
	var out map[string][]struct {
		Seen     []realmEvent `json:"seen"`
		TimedOut bool         `json:"timedOut"`
	}
	p.eval("("+realmJS+")("+string(args)+")", &out)
	for _, realm := range []string{"top", "iframe"} {
		if len(out[realm]) != len(streams) {
			t.Fatalf("%s: %d streams reported, want %d", realm, len(out[realm]), len(streams))
		}
		for i, got := range out[realm] {
			if got.TimedOut || len(got.Seen) != len(want[i]) {
				t.Errorf("%s, %s: %d events (timed out: %v), want %d", realm, streams[i].URL, len(got.Seen), got.TimedOut, len(want[i]))
				continue
			}
			for j, e := range got.Seen {
				w := want[i][j]
				if e.Type != w.Type || e.Data != w.Data || e.LastEventID != w.LastEventID || e.Origin != ts.URL {
					t.Errorf("%s, event %d: %s %q id %q origin %q, want %s %q id %q origin %q",
						realm, j, e.Type, e.Data, e.LastEventID, e.Origin, w.Type, w.Data, w.LastEventID, ts.URL)
				}
				if !e.Ctor || !e.Proto || e.OtherRealm || e.Tag != "[object MessageEvent]" {
					t.Errorf("%s, event %d: constructor is the realm's MessageEvent: %v, prototype: %v, "+
						"instance of the other realm's: %v, tag %s", realm, j, e.Ctor, e.Proto, e.OtherRealm, e.Tag)
				}
				if e.IsTrusted {
					t.Errorf("%s, event %d: isTrusted is true", realm, j)
				}
				// As for a native event: isTrusted is its only own
				// enumerable property.
				if !slices.Equal(e.OwnKeys, []string{"isTrusted"}) {
					t.Errorf("%s, event %d: own enumerable keys %q, want [isTrusted]", realm, j, e.OwnKeys)
				}
			}
		}
	}
	if errs := p.pageErrors(); len(errs) != 0 {
		t.Errorf("console errors: %q", errs)
	}
}
