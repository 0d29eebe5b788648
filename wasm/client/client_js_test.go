//go:build js && wasm

package client

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall/js"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/server/api"
	"github.com/eventsource-wasm/eventsource-wasm/sse"
	"github.com/eventsource-wasm/eventsource-wasm/wasm/internal/jsval"
)

// These tests run under Node against the project's server; e2e's
// TestWasmUnderNode starts one and sets EVENTSOURCE_TEST_URL.

func serverURL(t *testing.T, path string) string {
	t.Helper()
	base := os.Getenv("EVENTSOURCE_TEST_URL")
	if base == "" {
		t.Skip("EVENTSOURCE_TEST_URL is not set: run through e2e's TestWasmUnderNode (make test-wasm)")
	}
	return base + path
}

// collect ranges over c's events until n arrived or the connection ended,
// and returns them with the final error.
func collect(t *testing.T, c *Conn, n int) ([]sse.Event, error) {
	t.Helper()
	var evs []sse.Event
	for ev, err := range c.Events() {
		if err != nil {
			return evs, err
		}
		if evs = append(evs, ev); len(evs) == n {
			break
		}
	}
	return evs, nil
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func decodeEcho(t *testing.T, ev sse.Event) api.EchoRequest {
	t.Helper()
	if ev.Type != "echo" {
		t.Fatalf("event %+v: want the echo event", ev)
	}
	var e api.EchoRequest
	if err := json.Unmarshal([]byte(ev.Data), &e); err != nil {
		t.Fatalf("echo data %q: %v", ev.Data, err)
	}
	return e
}

func session(t *testing.T) string {
	return "s" + strconv.FormatInt(time.Now().UnixNano(), 36)
}

func TestJSEventsThenNoContent(t *testing.T) {
	c, err := Connect(testContext(t), serverURL(t, "/events?count=5&interval=1ms&retry=20"), nil)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := collect(t, c, 100)
	for i, ev := range evs {
		want := sse.Event{Type: "message", Data: `{"n":` + strconv.Itoa(i) + `}`, ID: strconv.Itoa(i)}
		if ev != want {
			t.Errorf("event %d = %+v, want %+v", i, ev, want)
		}
	}
	if len(evs) != 5 {
		t.Errorf("got %d events, want 5", len(evs))
	}
	// The reconnect sends Last-Event-ID: 4, which the server answers with
	// 204: the connection fails for good.
	var e *Error
	if !errors.As(err, &e) || e.Status != 204 {
		t.Fatalf("final error = %v, want a 204 *Error", err)
	}
	if c.ReadyState() != Closed {
		t.Errorf("state %v, want CLOSED", c.ReadyState())
	}
}

func TestJSReconnectSendsLastEventIDHeader(t *testing.T) {
	url := serverURL(t, "/echo?n=2&retry=10&session="+session(t))
	c, err := Connect(testContext(t), url, &Options{LastEventIDQuery: "lastEventId"})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := collect(t, c, 6) // echo, 1, 2, then echo, 3, 4
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	first, second := decodeEcho(t, evs[0]), decodeEcho(t, evs[3])
	if first.LastEventID != nil || first.LastEventIDQuery != nil {
		t.Errorf("first request sent a last event ID: %+v", first)
	}
	if first.Accept != "text/event-stream" || first.Method != "GET" {
		t.Errorf("first request: %+v", first)
	}
	if second.LastEventID == nil || *second.LastEventID != "2" {
		t.Errorf("reconnect Last-Event-ID header = %v, want 2", second.LastEventID)
	}
	if second.LastEventIDQuery == nil || *second.LastEventIDQuery != "2" {
		t.Errorf("reconnect lastEventId query = %v, want 2", second.LastEventIDQuery)
	}
	if second.Connection != first.Connection+1 {
		t.Errorf("connections %d then %d", first.Connection, second.Connection)
	}
	if evs[4].ID != "3" || evs[5].ID != "4" {
		t.Errorf("after reconnect: %+v %+v, want ids 3 and 4", evs[4], evs[5])
	}
}

func TestJSFailures(t *testing.T) {
	for _, tc := range []struct {
		query  string
		status int
	}{
		{"status=500", 500},
		{"status=204", 204},
		{"content_type=text/plain", 200},
	} {
		t.Run(tc.query, func(t *testing.T) {
			c, err := Connect(testContext(t), serverURL(t, "/faults?"+tc.query), nil)
			if err != nil {
				t.Fatal(err)
			}
			evs, err := collect(t, c, 100)
			var e *Error
			if len(evs) != 0 || !errors.As(err, &e) || e.Status != tc.status {
				t.Fatalf("got %d events and %v, want a %d *Error", len(evs), err, tc.status)
			}
		})
	}
}

func TestJSHeadersFunction(t *testing.T) {
	fn := js.Global().Get("Function").New(`
		globalThis.headerCalls = (globalThis.headerCalls || 0) + 1;
		return Promise.resolve({ "X-Call": String(globalThis.headerCalls), Authorization: "Bearer t" });`)
	url := serverURL(t, "/echo?n=0&retry=10&session="+session(t))
	c, err := Connect(testContext(t), url, &Options{HeaderFunc: JSHeaderFunc(fn), Method: "POST", Body: []byte("hello")})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := collect(t, c, 2)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	for i, ev := range evs {
		e := decodeEcho(t, ev)
		if e.Authorization == nil || *e.Authorization != "Bearer" || e.Method != "POST" || e.BodyBytes != 5 {
			t.Errorf("request %d: %+v", i, e)
		}
	}
	if n := js.Global().Get("headerCalls").Int(); n < 2 {
		t.Errorf("header function called %d times, want one per connection", n)
	}
}

func TestJSNonASCIILastEventID(t *testing.T) {
	const id = "é🚀" // fetch refuses 🚀 in a header, and would send é as 0xE9
	url := serverURL(t, "/echo?n=0&session="+session(t))
	c, err := Connect(testContext(t), url, &Options{LastEventID: id})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := collect(t, c, 1)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	// The server decodes the header it got as UTF-8: only the id's UTF-8
	// bytes read back as the id.
	if e := decodeEcho(t, evs[0]); e.LastEventID == nil || *e.LastEventID != id {
		t.Errorf("Last-Event-ID the server saw: %v, want %q", e.LastEventID, id)
	}
}

func TestJSInvalidRequestFails(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts *Options
		want string
	}{
		{"header function value above U+00FF", &Options{HeaderFunc: JSHeaderFunc(js.Global().Get("Function").New(
			`return { "X-Name": "🚀" };`))}, "the header function returned invalid headers: TypeError"},
		{"header function returns a number", &Options{HeaderFunc: JSHeaderFunc(js.Global().Get("Function").New(
			`return 42;`))}, "the header function returned invalid headers: TypeError"},
		{"line break in a header", &Options{Headers: map[string]string{"X-Name": "a\nb"}}, "invalid request: TypeError"},
		{"body on a GET", &Options{Body: []byte("x")}, "invalid request: TypeError"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := session(t)
			c, err := Connect(testContext(t), serverURL(t, "/echo?n=1&retry=10&session="+id), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			evs, err := collect(t, c, 100)
			if len(evs) != 0 || err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %d events and %v, want the error %q", len(evs), err, tc.want)
			}
			if c.ReadyState() != Closed {
				t.Errorf("state %v, want CLOSED", c.ReadyState())
			}
			var info api.Session
			body := fetchText(t, "GET", serverURL(t, "/sessions/"+id))
			if err := json.Unmarshal([]byte(body), &info); err != nil || info.Requests != 0 {
				t.Errorf("the server saw %q (%v), want no request", body, err)
			}
		})
	}
}

// fetchText makes a request with JavaScript's fetch and returns the body.
func fetchText(t *testing.T, method, url string) string {
	t.Helper()
	ctx := testContext(t)
	p := js.Global().Call("fetch", url, map[string]any{"method": method})
	res, err := jsval.Await(ctx, jsval.Of(p))
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	textP, err := res.Call("text")
	if err != nil {
		t.Fatal(err)
	}
	text, err := jsval.Await(ctx, textP)
	if err != nil {
		t.Fatal(err)
	}
	s, err := text.String()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestJSCloseLeavesNoRequest(t *testing.T) {
	id := session(t)
	c, err := Connect(testContext(t), serverURL(t, "/echo?n=1000&interval=20ms&retry=10&session="+id), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := collect(t, c, 3); err != nil {
		t.Fatal(err)
	}
	c.Close()
	time.Sleep(300 * time.Millisecond)
	var info api.Session
	body := fetchText(t, "GET", serverURL(t, "/sessions/"+id))
	if err := json.Unmarshal([]byte(body), &info); err != nil {
		t.Fatalf("%q: %v", body, err)
	}
	if info.Requests != 1 || info.OpenStreams != 0 {
		t.Errorf("after close: %+v, want 1 request and no open stream", info)
	}
}

func TestJSTokenRefreshKeepsLastEventID(t *testing.T) {
	var tok api.Login
	calls := 0
	headers := func(ctx context.Context) (map[string]string, error) {
		// Odd calls log in; an even call reuses the token, which has
		// expired when the stream ended on it (a 401), and the client calls
		// again at once for a fresh one. On a slow machine the 15 events
		// can outlive the second token too, so this goes on as long as
		// needed rather than stopping at call 3.
		if calls++; calls%2 == 1 {
			body := fetchText(t, "POST", serverURL(t, "/auth/login?ttl=1"))
			if err := json.Unmarshal([]byte(body), &tok); err != nil || tok.Token == "" {
				return nil, errors.New("login: " + body)
			}
		}
		return map[string]string{"Authorization": "Bearer " + tok.Token}, nil
	}
	c, err := Connect(testContext(t), serverURL(t, "/auth/bearer-events?interval=100ms&retry=10"), &Options{HeaderFunc: headers})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := collect(t, c, 15)
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	for i, ev := range evs {
		if ev.ID != strconv.Itoa(i) {
			t.Fatalf("event %d has id %q: the stream did not resume where it stopped", i, ev.ID)
		}
	}
	if calls < 3 {
		t.Errorf("header function called %d times, want at least 3 (connect, reconnect, after the 401)", calls)
	}
}

func TestJSRetryOnStatusHonoursRetryAfter(t *testing.T) {
	start := time.Now()
	c, err := Connect(testContext(t), serverURL(t, "/faults?status=503&retry_after=1"),
		&Options{RetryOnStatus: []int{503}, MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = collect(t, c, 1)
	var e *Error
	if !errors.As(err, &e) || e.Status != 503 {
		t.Fatalf("final error %v, want the 503", err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("gave up after %v, before Retry-After's second", d)
	}
}

func TestJSHeartbeatTimeout(t *testing.T) {
	// Each connection gets two events, then the server stalls; the
	// heartbeat timeout drops it and the client resumes after id 1, 3, ...
	ctx, cancel := context.WithCancel(testContext(t))
	rec := &recorder{}
	n := 0
	rec.onEvent = func(sse.Event) {
		if n++; n == 6 {
			cancel()
		}
	}
	start := time.Now()
	err := run(ctx, defaultTransport, serverURL(t, "/faults?stall=2&retry=10"), &Options{HeartbeatTimeout: 300 * time.Millisecond}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 600*time.Millisecond {
		t.Errorf("six events after %v: the stalls were not waited for", d)
	}
	var want []string
	for i := range 6 {
		if i%2 == 0 {
			if i > 0 {
				want = append(want, "error CONNECTING")
			}
			want = append(want, "open")
		}
		id := strconv.Itoa(i)
		want = append(want, "event message fault événement "+id+" ✓ 🚀 #"+id)
	}
	// The window runs from the request on, so a connection slower than
	// 300 ms (a loaded machine) times out too, before its open: a run of
	// errors counts as one, and one before the first open as none.
	var got []string
	for _, g := range rec.take() {
		if g == "error CONNECTING" && (len(got) == 0 || got[len(got)-1] == g) {
			continue
		}
		got = append(got, g)
	}
	if !slices.Equal(got, want) {
		t.Errorf("log %q\nwant %q", got, want)
	}
	for _, e := range rec.errs {
		if !strings.Contains(e.Message, "heartbeat") {
			t.Errorf("error %v, want the heartbeat timeout", e)
		}
	}
}

func TestJSMaxEventSize(t *testing.T) {
	c, err := Connect(testContext(t), serverURL(t, "/faults?body=big&size=100000"), &Options{MaxEventSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := collect(t, c, 100)
	if len(evs) != 0 || !errors.Is(err, sse.ErrEventTooLarge) {
		t.Fatalf("%d events, err %v; want ErrEventTooLarge", len(evs), err)
	}
}

// TestJSChunking reads the conformance presets whole and split into
// one-byte network chunks (inside CRLF pairs and UTF-8 sequences): the
// events must be the same.
func TestJSChunking(t *testing.T) {
	for _, body := range []string{"crlf", "cr", "mixed", "bom", "utf8-invalid", "multiline", "named", "idreset", "fields", "empty"} {
		t.Run(body, func(t *testing.T) {
			read := func(query string) []sse.Event {
				opts := &Options{MaxRetries: -1}
				c, err := Connect(testContext(t), serverURL(t, "/faults?body="+body+query), opts)
				if err != nil {
					t.Fatal(err)
				}
				evs, err := collect(t, c, 1000)
				if err == nil || !strings.Contains(err.Error(), "ended the stream") {
					t.Fatalf("%s: final error %v", query, err)
				}
				return evs
			}
			whole, split := read(""), read("&chunk=1&chunk_delay=0s")
			if len(whole) == 0 || !slices.Equal(whole, split) {
				t.Errorf("whole %q\nsplit %q", whole, split)
			}
		})
	}
}

// A header function whose promise never settles: close() leaves nothing
// behind, no goroutine waiting for the promise (nor the callbacks that it
// would release).
func TestJSCloseWithPendingHeaders(t *testing.T) {
	never := js.Global().Get("Function").New("", "return new Promise(() => {})")
	url := serverURL(t, "/events?session="+session(t))
	before := runtime.NumGoroutine()
	for range 10 {
		c, err := Connect(testContext(t), url, &Options{HeaderFunc: JSHeaderFunc(never)})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond) // the header function is called
		c.Close()
		for range c.Events() {
		}
	}
	time.Sleep(50 * time.Millisecond)
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("%d goroutines before, %d after closing 10 connections", before, after)
	}
}
