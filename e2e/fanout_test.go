//go:build linux

package e2e

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/e2e/browser"
	"github.com/eventsource-wasm/eventsource-wasm/server/api"
	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
)

// fanoutEvents is how many events TestFanout publishes, and
// fanoutReconnects when ours calls reconnect() (after that many).
const fanoutEvents = 300

var fanoutReconnects = []int{100, 200}

// TestFanout runs ours and native on a topic whose streams the server's
// fan-out workers write (no goroutine per stream, hangups noticed by epoll:
// server.Config.TakeOverHTTP1 with the memory broker, and no session, whose
// Control would keep a stream on the detached path). /healthz's
// fanout_streams shows that both streams, and ours after each reconnect(),
// are there, and that the stream ours left ended at once. Against the
// publisher's ids: ours gets every event once and in order across its
// reconnects (each sends the last id it got as Last-Event-ID, and what was
// published meanwhile comes back by replay), and native gets every event;
// then a new ours given a lastEventId gets the rest by replay.
func TestFanout(t *testing.T) {
	requireWasm(t)
	forEachEngine(t, func(t *testing.T, e browser.Engine) {
		// One server per engine: its stream counts are this engine's alone.
		ts := startServer(t, fixtures.Config{})
		p := openPage(t, e, ts, "/conformance.html", 3*time.Minute)
		p.eval(lifecycleJS, nil)
		topic := "fanout-" + string(e)
		url := "/topics/" + topic
		p.lt(nil, "open", "fan-wasm", "wasm", url+"?src=wasm")
		p.lt(nil, "open", "fan-native", "native", url+"?src=native")
		p.waitLog("fan-wasm", "open", 1, 20*time.Second, 0)
		p.waitLog("fan-native", "open", 1, 20*time.Second, 0)
		waitHealth(t, ts, "both streams on the fan-out workers", 2, 2)

		pub := startPublisher(t, ts, topic)
		pub.start()
		for i, at := range fanoutReconnects {
			waitUntil(t, 60*time.Second, "the publisher's event", func() bool { return len(pub.published()) >= at })
			p.lt(nil, "reconnect", "fan-wasm")
			p.waitLog("fan-wasm", "open", i+2, 20*time.Second, 0)
			// Ours is open again: 3 streams until the server notices that
			// ours left the old one, and none of the 2 left off the workers.
			waitHealth(t, ts, "the stream ours left to end, the new one on the fan-out workers", 2, 2)
		}
		waitUntil(t, 60*time.Second, "the publisher's last event", func() bool { return len(pub.published()) >= fanoutEvents })
		last := pub.stop()
		published := pub.published()
		for _, name := range []string{"fan-wasm", "fan-native"} {
			var ids []string
			p.lt(&ids, "ids", name)
			if len(ids) > 0 && ids[0] != published[0] {
				t.Errorf("%s: first id %q, want the first published, %q", name, ids[0], published[0])
			}
			checkAgainstPublisher(t, p, name, pub, last)
		}
		checkResumedAt(t, ts, url, p.sourceLog("fan-wasm"))

		// Both closed (checkAgainstPublisher closes them): the workers
		// notice and let both streams go.
		waitHealth(t, ts, "both streams to end", 0, 0)

		// A new ours resuming from the middle of what was published gets
		// the rest as one replay, from the workers' first read of its
		// subscription, and nothing else.
		from := fanoutEvents / 3
		p.lt(nil, "open", "fan-replay", "wasm", url+"?src=replay", map[string]any{"lastEventId": published[from-1]})
		var ids []string
		waitUntil(t, 20*time.Second, "the replay's last event", func() bool {
			p.lt(&ids, "ids", "fan-replay")
			return len(ids) > 0 && ids[len(ids)-1] == last
		})
		if !slices.Equal(ids, published[from:]) {
			t.Errorf("resuming after %q: ids %v, want %v", published[from-1], ids, published[from:])
		}
		waitHealth(t, ts, "the replayed stream on the fan-out workers", 1, 1)
		p.lt(nil, "close", "fan-replay")
		waitHealth(t, ts, "the replayed stream to end", 0, 0)
		for _, msg := range p.pageErrors() {
			t.Errorf("console: %s", msg)
		}
	})
}

// waitHealth waits until the server's /healthz counts streams open
// streams, fanout of them on the fan-out workers.
func waitHealth(t *testing.T, ts *testServer, what string, streams, fanout int64) {
	t.Helper()
	var h api.Health
	get := func() bool {
		resp, err := http.Get(ts.URL + "/healthz")
		if err != nil {
			t.Fatalf("GET /healthz: %v", err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
			t.Fatalf("GET /healthz: %v", err)
		}
		return h.Streams == streams && h.FanoutStreams == fanout
	}
	deadline := time.Now().Add(20 * time.Second)
	for !get() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: /healthz %+v, want %d streams, %d on the fan-out workers", what, h, streams, fanout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkResumedAt checks ours' requests to url (recorded at the server):
// the first without Last-Event-ID, each one after a reconnect() with the
// id of the last event ours got before it (from its log).
func checkResumedAt(t *testing.T, ts *testServer, url string, log []logEntry) {
	t.Helper()
	var want []string // the Last-Event-ID each request must carry; "" for none
	lastID := ""
	for _, e := range log {
		switch e.Ev {
		case "open":
			want = append(want, lastID)
		case "message":
			lastID = e.ID
		}
	}
	var got []string
	ts.rec.mu.Lock()
	for _, r := range ts.rec.reqs {
		if r.Path == url && r.Query.Get("src") == "wasm" {
			if r.HasLEID != (len(got) > 0) {
				t.Errorf("request %d of ours: Last-Event-ID present %v", len(got)+1, r.HasLEID)
			}
			got = append(got, r.LastEventID)
		}
	}
	ts.rec.mu.Unlock()
	if len(want) != len(fanoutReconnects)+1 || !slices.Equal(got, want) {
		t.Errorf("ours' requests carried Last-Event-ID %q, want %q (one request, then one per reconnect())", got, want)
	}
}
