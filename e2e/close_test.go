package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
)

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
	p := openPage(t, ts, "/conformance.html", 60*time.Second)

	// quiet is how long the test waits after close(): ten reconnection
	// periods of the retry=50 streams, and then some.
	const quiet = 700 * time.Millisecond
	scenarios := []struct {
		name string
		// js opens es on url, closes it and returns; maxReqs is the most
		// requests the session may have seen in all.
		js      string
		maxReqs int
		check   func(t *testing.T, r closeResult)
	}{
		{
			name: "while-open",
			js: `const es = watch(new WasmEventSource(URL + '/events?interval=20ms&retry=50&session=' + SESSION));
es.addEventListener('message', () => { if (es.messages === 3) es.close(); });
await waitFor(() => es.readyState === 2, 5000, 'close after 3 messages');`,
			maxReqs: 1,
			check: func(t *testing.T, r closeResult) {
				if r.Messages != 3 {
					t.Errorf("%d messages, want exactly 3 (none after close)", r.Messages)
				}
			},
		},
		{
			name: "while-waiting-to-reconnect",
			js: `const es = watch(new WasmEventSource(URL + '/events?count=2&interval=5ms&retry=300&session=' + SESSION));
await waitFor(() => es.log.some((l) => l.startsWith('error rs=0')), 5000, 'the end-of-stream error');
es.close();`,
			maxReqs: 1,
		},
		{
			name: "while-connecting",
			js: `const es = watch(new WasmEventSource(URL + '/events?interval=20ms&retry=50&session=' + SESSION));
es.close();`,
			maxReqs: 1, // a request already on its way may arrive; none may follow it
		},
		{
			// Events that arrived in the same network chunk as the one
			// whose handler calls close() must not be dispatched: the
			// fields preset is five message events in one write.
			name: "inside-a-batch",
			js: `const es = watch(new WasmEventSource(URL + '/faults?body=fields&retry=50&session=' + SESSION));
es.addEventListener('message', () => es.close());
await waitFor(() => es.readyState === 2, 5000, 'close');`,
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
			session := "close-" + sc.name
			js := fmt.Sprintf("const URL = location.origin, SESSION = %q;\n%s\nwindow.lastES = es; return {rs: es.readyState};", session, sc.js)
			var r closeResult
			p.runJS(js, &r)
			if r.ReadyState != 2 {
				t.Errorf("readyState after close() = %d, want 2", r.ReadyState)
			}
			atClose := len(ts.rec.session(session))
			time.Sleep(quiet)
			p.eval(`({log: window.lastES.log.slice(window.lastES.closedAt), rs: window.lastES.readyState, messages: window.lastES.messages})`, &r)
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
