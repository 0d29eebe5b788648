package e2e

import (
	_ "embed"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/e2e/browser"
	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
)

// closeJS holds the scenarios.
//
//go:embed testdata/close.js
var closeJS string

// closeResult is what the close scenarios return.
type closeResult struct {
	Log        []string `json:"log"`
	ReadyState int      `json:"rs"`
	Messages   int      `json:"messages"`
}

// TestClose checks that after es.close() the server sees no further request
// and the page no further event, whatever state the connection was in.
func TestClose(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, fixtures.Config{})
	forEachEngine(t, func(t *testing.T, e browser.Engine) {
		testClose(t, ts, openPage(t, e, ts, "/conformance.html", 60*time.Second))
	})
}

func testClose(t *testing.T, ts *testServer, p *page) {
	// quiet is how long the test waits after close(): ten reconnection
	// periods of the retry=50 streams, and then some.
	const quiet = 700 * time.Millisecond
	scenarios := []struct {
		// name is the scenario in testdata/close.js; maxReqs is the most
		// requests the session may have seen in all.
		name    string
		maxReqs int
		check   func(t *testing.T, r closeResult)
	}{
		{
			name:    "while-open",
			maxReqs: 1,
			check: func(t *testing.T, r closeResult) {
				if r.Messages != 3 {
					t.Errorf("%d messages, want exactly 3 (none after close)", r.Messages)
				}
			},
		},
		{
			name:    "while-waiting-to-reconnect",
			maxReqs: 1,
		},
		{
			name:    "while-connecting",
			maxReqs: 1, // a request already on its way may arrive; none may follow it
		},
		{
			name:    "inside-a-batch",
			maxReqs: 1,
			check: func(t *testing.T, r closeResult) {
				if r.Messages != 1 {
					t.Errorf("%d messages, want 1: events dispatched after close() in a handler", r.Messages)
				}
			},
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			p := p.with(t)
			session := "close-" + sc.name + "-" + string(p.bp.Engine())
			var r closeResult
			p.call(closeJS, "closeIn", &r, sc.name, session)
			if r.ReadyState != 2 {
				t.Errorf("readyState after close() = %d, want 2", r.ReadyState)
			}
			atClose := len(ts.rec.session(session))
			time.Sleep(quiet)
			p.call(closeJS, "closedLog", &r)
			after := ts.rec.session(session)
			if len(after) > sc.maxReqs {
				t.Errorf("server saw %d requests, want at most %d:\n%s", len(after), sc.maxReqs, requestLines(after))
			}
			if len(after) > atClose {
				t.Errorf("%d requests after close():\n%s", len(after)-atClose, requestLines(after[atClose:]))
			}
			if len(r.Log) != 0 {
				t.Errorf("events after close(): %q", r.Log)
			}
			if sc.check != nil {
				sc.check(t, r)
			}
		})
	}
	for _, e := range p.pageErrors() {
		t.Errorf("console: %s", e)
	}
}
