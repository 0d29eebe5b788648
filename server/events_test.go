package server_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/server"
	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

func checkStreamHeaders(t *testing.T, resp *http.Response) {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	for k, want := range map[string]string{
		"Content-Type":      "text/event-stream; charset=utf-8",
		"Cache-Control":     "no-cache, no-transform",
		"X-Accel-Buffering": "no",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
}

func TestEventsCountAndEnd(t *testing.T) {
	ts := newServer(t, server.Config{})
	resp := ts.get(t, "/events?count=3&interval=10ms&retry=1500&done=1")
	checkStreamHeaders(t, resp)
	body := readAll(t, resp)
	if !strings.HasPrefix(body, "retry: 1500\n") {
		t.Errorf("the stream does not start with the retry field: %q", body)
	}
	evs := parse(t, body)
	want := []sse.Event{
		{ID: "0", Type: "message", Data: `{"n":0}`},
		{ID: "1", Type: "message", Data: `{"n":1}`},
		{ID: "2", Type: "message", Data: `{"n":2}`},
		{ID: "2", Type: "done", Data: "done"},
	}
	if !reflect.DeepEqual(evs, want) {
		t.Fatalf("events %+v, want %+v", evs, want)
	}
}

func TestEventsResume(t *testing.T) {
	ts := newServer(t, server.Config{})
	cases := []struct {
		name    string
		path    string
		headers []string
		want    []string
	}{
		{"header", "/events?count=5&interval=0s", []string{"Last-Event-ID: 2"}, []string{"3", "4"}},
		{"query", "/events?count=5&interval=0s&lastEventId=1", nil, []string{"2", "3", "4"}},
		{"header wins over query", "/events?count=5&interval=0s&lastEventId=0", []string{"Last-Event-ID: 3"}, []string{"4"}},
		{"start", "/events?count=3&start=10&interval=0s", nil, []string{"10", "11", "12"}},
		{"start and resume", "/events?count=3&start=10&interval=0s", []string{"Last-Event-ID: 10"}, []string{"11", "12"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := ts.get(t, c.path, c.headers...)
			checkStreamHeaders(t, resp)
			if got := ids(parse(t, readAll(t, resp))); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("ids %v, want %v", got, c.want)
			}
		})
	}
}

func TestEventsFinishedAnswers204(t *testing.T) {
	ts := newServer(t, server.Config{})
	for _, h := range []string{"Last-Event-ID: 2", "Last-Event-ID: 9"} {
		resp := ts.get(t, "/events?count=3", h)
		if resp.StatusCode != http.StatusNoContent {
			t.Errorf("%s: status %d, want 204", h, resp.StatusCode)
		}
	}
	resp := ts.get(t, "/events?count=3&lastEventId=2")
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("lastEventId=2: status %d, want 204", resp.StatusCode)
	}
}

func TestEventsOptions(t *testing.T) {
	ts := newServer(t, server.Config{})
	resp := ts.get(t, "/events?count=2&interval=0s&event=deepThoughtOutput&size=100&lines=3&ts=1")
	evs := parse(t, readAll(t, resp))
	if len(evs) != 2 {
		t.Fatalf("%d events, want 2", len(evs))
	}
	for i, e := range evs {
		if e.Type != "deepThoughtOutput" {
			t.Errorf("type %q", e.Type)
		}
		if n := strings.Count(e.Data, "\n") + 1; n != 3 {
			t.Errorf("%d data lines, want 3: %q", n, e.Data)
		}
		var arr []map[string]any
		if err := json.Unmarshal([]byte(e.Data), &arr); err != nil {
			t.Fatalf("data is not a JSON array: %v: %q", err, e.Data)
		}
		first, _ := json.Marshal(arr[0])
		if len(strings.SplitN(e.Data, "\n", 2)[0]) != 100+len("[,") {
			t.Errorf("first object is %d bytes, want padded to 100: %s", len(first), first)
		}
		if arr[0]["n"] != float64(i) {
			t.Errorf("n = %v, want %d", arr[0]["n"], i)
		}
		if ms, ok := arr[0]["ts"].(float64); !ok || time.Since(time.UnixMilli(int64(ms))) > time.Minute {
			t.Errorf("ts = %v, want the server time in ms", arr[0]["ts"])
		}
	}
	// size alone pads the whole data to exactly size bytes.
	evs = parse(t, readAll(t, ts.get(t, "/events?count=1&size=64")))
	if len(evs) != 1 || len(evs[0].Data) != 64 {
		t.Fatalf("size=64 gave %q", evs)
	}
}

func TestEventsBadRequests(t *testing.T) {
	ts := newServer(t, server.Config{})
	for _, path := range []string{
		"/events?interval=fast", "/events?interval=-1s", "/events?count=x", "/events?retry=-5",
		"/events?size=999999999999", "/events?lines=0", "/events?event=a%0Ab", "/events?done=maybe",
		"/events?lastEventId=abc",
	} {
		resp := ts.get(t, path)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", path, resp.StatusCode)
		}
		var e struct{ Error, Message string }
		decodeJSON(t, resp, &e)
		if e.Error == "" || e.Message == "" {
			t.Errorf("%s: error body %+v", path, e)
		}
	}
	resp := ts.get(t, "/events", "Last-Event-ID: not-a-number")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad Last-Event-ID: status %d, want 400", resp.StatusCode)
	}
}

func TestEventStreamSeed(t *testing.T) {
	ts := newServer(t, server.Config{})
	resp := ts.get(t, "/event-stream?interval=10ms")
	checkStreamHeaders(t, resp)
	er := readEvents(t, resp)
	for i, want := range []string{"0", "1"} {
		e := er.next(t)
		if e.ID != want || !strings.HasPrefix(e.Data, "Test Message -- ") {
			t.Fatalf("event %d: %+v", i, e)
		}
	}
}

func TestHeartbeat(t *testing.T) {
	ts := newServer(t, server.Config{Heartbeat: 20 * time.Millisecond})
	resp := ts.get(t, "/events?interval=1h")
	er := readEvents(t, resp)
	er.next(t) // the first tick comes at once
	var seen strings.Builder
	deadline := time.After(waitTimeout)
	for !strings.Contains(seen.String(), ": heartbeat\n") {
		select {
		case chunk := <-er.raw:
			seen.WriteString(chunk)
		case <-deadline:
			t.Fatalf("no heartbeat comment; read %q", seen.String())
		}
	}
}

// The first bytes reach the client before any event is due.
func TestFirstLineAtOnce(t *testing.T) {
	ts := newServer(t, server.Config{})
	ts.Client.Timeout = waitTimeout
	resp := ts.get(t, "/topics/quiet")
	checkStreamHeaders(t, resp)
	er := readEvents(t, resp)
	select {
	case chunk := <-er.raw:
		if chunk != ": ok\n" {
			t.Fatalf("first bytes %q, want a comment", chunk)
		}
	case <-time.After(waitTimeout):
		t.Fatal("nothing arrived")
	}
}
