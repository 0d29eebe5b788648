package e2e

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
)

// TestAPI covers what WasmEventSource adds to the EventSource API, in one
// Chromium page: init validation, the open, error and retrying events,
// reconnect(), signal, fetch and debug; and the fixed bugs that show in a
// browser (Retry-After: 0, a cross-origin request lost on the way).
func TestAPI(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, fixtures.Config{})
	p := openHarness(t, ts, 120*time.Second)

	t.Run("init-validation", func(t *testing.T) {
		var got map[string]struct {
			Bad     bool   `json:"bad"`
			Threw   string `json:"threw"`
			Message string `json:"message"`
		}
		p.lt(&got, "badInits", "/events?count=1&session=api-inits")
		if len(got) < 20 {
			t.Fatalf("only %d cases ran", len(got))
		}
		for label, r := range got {
			switch {
			case r.Bad && r.Threw != "TypeError":
				t.Errorf("%s: threw %q, want a TypeError", label, r.Threw)
			case !r.Bad && r.Threw != "":
				t.Errorf("%s: threw %s %q, want no error", label, r.Threw, r.Message)
			case r.Bad && !strings.HasPrefix(r.Message, "WasmEventSource: ") && !strings.Contains(label, "headers"):
				t.Errorf("%s: message %q does not name the class", label, r.Message)
			}
		}
		// fetch with shared says why.
		if m := got["fetch with shared"].Message; !strings.Contains(m, "SharedWorker") || !strings.Contains(m, "a function cannot be sent") {
			t.Errorf("fetch with shared: %q, want a message that says the function cannot be sent to the SharedWorker", m)
		}
	})

	t.Run("open-error-retrying", func(t *testing.T) {
		// Two events, the end, a reconnect at the last id, then 204.
		p.lt(nil, "open", "events", "wasm", "/events?count=2&interval=5ms&retry=50&session=api-events")
		log := p.waitLog("events", "error", 2, 10*time.Second, 0)
		opens := entries(log, "open")
		if len(opens) == 0 || opens[0].Cls != "WasmOpenEvent" || opens[0].Status == nil || *opens[0].Status != 200 ||
			!strings.HasPrefix(opens[0].Type, "text/event-stream") {
			t.Errorf("open events %+v, want a WasmOpenEvent with status 200 and the content type", opens)
		}
		errs := entries(log, "error")
		if e := errs[0]; e.Cls != "WasmErrorEvent" || e.WillRetry == nil || !*e.WillRetry || e.RS != 0 {
			t.Errorf("the end of the stream: %+v, want a WasmErrorEvent with willRetry, CONNECTING", e)
		}
		if e := errs[1]; e.WillRetry == nil || *e.WillRetry || e.RS != 2 || e.Status == nil || *e.Status != 204 {
			t.Errorf("the 204: %+v, want willRetry false, CLOSED, status 204", e)
		}
		retries := entries(log, "retrying")
		if len(retries) != 1 {
			t.Fatalf("retrying events %+v, want one", retries)
		}
		if r := retries[0]; r.Cls != "WasmRetryingEvent" || r.Attempt != 1 || r.Delay != 50 || r.Cause != "end" || r.RS != 0 {
			t.Errorf("retrying %+v, want attempt 1, delay 50, cause end", r)
		}
		// It follows the error event and precedes the request.
		for i, e := range log {
			if e.Ev == "retrying" && (i == 0 || log[i-1].Ev != "error") {
				t.Errorf("retrying does not follow an error: %+v", log)
			}
		}
	})

	t.Run("reconnect", func(t *testing.T) {
		// retry=5000: a reconnect within it was not waited for.
		p.lt(nil, "open", "re", "wasm", "/events?interval=50ms&retry=5000&session=api-reconnect")
		p.waitLog("re", "message", 3, 10*time.Second, 0)
		p.lt(nil, "reconnect", "re")
		log := p.waitLog("re", "open", 2, 3*time.Second, 0)
		var ids []string
		p.lt(&ids, "ids", "re")
		p.lt(nil, "close", "re")
		var seq []string
		for _, e := range log {
			if e.Ev != "message" && e.Ev != "new" {
				seq = append(seq, e.Ev)
			}
		}
		if strings.Join(seq, " ") != "open error retrying open" {
			t.Errorf("events %q, want open error retrying open", seq)
		}
		if r := entries(log, "retrying")[0]; r.Cause != "reconnect" || r.Delay != 0 {
			t.Errorf("retrying %+v, want cause reconnect, delay 0", r)
		}
		reqs := ts.rec.session("api-reconnect")
		if len(reqs) != 2 {
			t.Fatalf("%d requests, want 2", len(reqs))
		}
		// The second request resumes after the last event before it.
		errAt := entries(log, "error")[0].T
		last := ""
		for _, e := range log {
			if e.Ev == "message" && e.T < errAt {
				last = e.ID
			}
		}
		if !reqs[1].HasLEID || reqs[1].LastEventID != last {
			t.Errorf("reconnect sent Last-Event-ID %q (present %v), want %q", reqs[1].LastEventID, reqs[1].HasLEID, last)
		}
		checkNoLossNoDup(t, ids)
	})

	t.Run("signal", func(t *testing.T) {
		var rs int
		p.lt(&rs, "withSignal", "pre", "/events?interval=50ms&session=api-signal-pre", true)
		if rs != 2 {
			t.Errorf("an aborted signal: readyState %d, want CLOSED", rs)
		}
		p.lt(nil, "withSignal", "sig", "/events?interval=50ms&session=api-signal", false)
		p.waitLog("sig", "message", 2, 10*time.Second, 0)
		p.lt(nil, "abort")
		p.lt(&rs, "state", "sig")
		if rs != 2 {
			t.Errorf("after abort(): readyState %d, want CLOSED", rs)
		}
		n := len(p.sourceLog("sig"))
		waitUntil(t, 5*time.Second, "the server to see the stream end", func() bool {
			return ts.openStreams(t, "api-signal") == 0
		})
		time.Sleep(200 * time.Millisecond)
		if after := len(p.sourceLog("sig")); after != n {
			t.Errorf("%d events after abort()", after-n)
		}
		if len(ts.rec.session("api-signal-pre")) != 0 {
			t.Error("a source made with an aborted signal sent a request")
		}
	})

	t.Run("fetch", func(t *testing.T) {
		p.lt(nil, "withFetchSpy", "spy", "/events?count=2&interval=5ms&retry=50&session=api-fetch")
		p.waitLog("spy", "error", 2, 10*time.Second, 0)
		var fetched []struct {
			Method      string  `json:"method"`
			URL         string  `json:"url"`
			LastEventID *string `json:"lastEventId"`
			Init        bool    `json:"init"`
		}
		p.eval("window.ltFetched", &fetched)
		reqs := ts.rec.session("api-fetch")
		if len(fetched) != 2 || len(reqs) != 2 {
			t.Fatalf("the fetch function saw %d requests and the server %d, want 2 each", len(fetched), len(reqs))
		}
		if f := fetched[1]; f.Method != "GET" || f.LastEventID == nil || *f.LastEventID != "1" || f.Init {
			t.Errorf("second request through fetch: %+v, want a GET Request with Last-Event-ID 1 and no init", f)
		}
		p.lt(nil, "withFetchDouble", "double")
		log := p.waitLog("double", "message", 1, 5*time.Second, 0)
		if m := entries(log, "message")[0]; m.Data != "from the double" || m.ID != "1" {
			t.Errorf("from the double: %+v", m)
		}
	})

	t.Run("debug", func(t *testing.T) {
		p.console.Reset()
		p.lt(nil, "open", "dbg", "wasm", "/events?count=2&interval=5ms&retry=50&session=api-debug", map[string]any{"debug": true})
		p.waitLog("dbg", "error", 2, 10*time.Second, 0)
		var debug []string
		for _, m := range p.console.Messages() {
			if m.Level == "debug" && strings.HasPrefix(m.Text, "[eventsource-wasm]") {
				debug = append(debug, m.Text)
			}
		}
		all := strings.Join(debug, "\n")
		for _, want := range []string{"connecting", "open 200", `message id="0"`, `message id="1"`, "reconnecting in 50 ms (attempt 1, end)", "(closed for good)"} {
			if !strings.Contains(all, want) {
				t.Errorf("debug output lacks %q:\n%s", want, all)
			}
		}
		// openEventStream's events too.
		p.console.Reset()
		var ids []string
		p.lt(&ids, "readStream", "/events?count=3&interval=5ms&session=api-debug-stream", map[string]any{"debug": true}, 3)
		var streamed []string
		for _, m := range p.console.Messages() {
			if m.Level == "debug" && strings.Contains(m.Text, "session=api-debug-stream message id=") {
				streamed = append(streamed, m.Text)
			}
		}
		if len(ids) != 3 || len(streamed) < 3 || !strings.Contains(streamed[2], `message id="2"`) {
			t.Errorf("openEventStream with debug read %q and logged:\n%s\nwant a message line per event", ids, strings.Join(streamed, "\n"))
		}
		// Without debug, nothing.
		p.console.Reset()
		p.lt(nil, "open", "quiet", "wasm", "/events?count=1&interval=5ms&retry=50&session=api-quiet")
		p.waitLog("quiet", "error", 2, 10*time.Second, 0)
		for _, m := range p.console.Messages() {
			if strings.HasPrefix(m.Text, "[eventsource-wasm]") {
				t.Errorf("logged without debug: %s", m.Text)
			}
		}
	})

	t.Run("retry-after-zero", func(t *testing.T) {
		p.lt(nil, "open", "ra0", "wasm", "/faults?status=503&retry_after=0&session=api-ra0", map[string]any{"retryOnStatus": []int{503}})
		log := p.waitLog("ra0", "retrying", 1, 10*time.Second, 0)
		time.Sleep(1500 * time.Millisecond)
		p.lt(nil, "close", "ra0")
		if n := len(ts.rec.session("api-ra0")); n != 1 {
			t.Errorf("%d requests within 1.5 s of Retry-After: 0, want 1 (a floor, then the reconnection time)", n)
		}
		if r := entries(log, "retrying")[0]; r.Cause != "status" || r.Delay < 1000 {
			t.Errorf("retrying %+v, want cause status and a delay of at least 1 s", r)
		}
	})

	t.Run("cross-origin-lost-request", func(t *testing.T) {
		// A server on another origin that allows this page, and loses the
		// first request on the way (the connection closes before any
		// answer) while it answers the HEAD probes: a network error, so
		// native and ours reconnect; ours must not call it a CORS refusal.
		x := newFlakyServer(t, ts.URL)
		for _, kind := range []string{"native", "wasm"} {
			name := "lost-" + kind
			p.lt(nil, "open", name, kind, x.URL+"/"+kind)
			log := p.waitLog(name, "open", 1, 15*time.Second, 0)
			p.lt(nil, "close", name)
			for _, e := range entries(log, "error") {
				if e.RS == 2 || e.Message != nil && strings.Contains(*e.Message, "CORS") {
					t.Errorf("%s: %+v: the lost request was taken for a refusal", kind, e)
				}
			}
			t.Logf("%s: open %.0f ms after the first request was lost", kind, entries(log, "open")[0].T-log[0].T)
		}
	})

	for _, e := range p.pageErrors() {
		t.Errorf("console: %s", e)
	}
}

// flakyServer is an event stream server on its own origin that lets
// allowOrigin read, and closes the connection of the first GET of each
// path without answering.
type flakyServer struct {
	*httptest.Server
	mu   sync.Mutex
	seen map[string]bool
}

func newFlakyServer(t *testing.T, allowOrigin string) *flakyServer {
	f := &flakyServer{seen: map[string]bool{}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", allowOrigin)
		h.Set("Access-Control-Allow-Headers", "Last-Event-ID")
		if r.Method == http.MethodOptions {
			return
		}
		f.mu.Lock()
		first := r.Method == http.MethodGet && !f.seen[r.URL.Path]
		f.seen[r.URL.Path] = true
		f.mu.Unlock()
		if first {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					tc.SetLinger(0) // a reset, not a clean close
				}
				conn.Close()
			}
			return
		}
		h.Set("Content-Type", "text/event-stream")
		w.Write([]byte("retry: 100\ndata: hello\n\n"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	t.Cleanup(func() {
		f.CloseClientConnections() // ends the parked handlers
		f.Close()
	})
	return f
}

// checkNoLossNoDup checks that ids, the integer ids of a stream from 0,
// arrived each once and in order.
func checkNoLossNoDup(t *testing.T, ids []string) {
	t.Helper()
	if len(ids) == 0 || ids[0] != "0" {
		t.Errorf("ids %q do not start at 0", ids)
	}
	if lost, dup := gaps(t, ids); lost != 0 || dup != 0 {
		t.Errorf("%d ids lost, %d duplicated: %q", lost, dup, ids)
	}
}
