package server_test

import (
	"encoding/json"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/server"
)

func TestHealthz(t *testing.T) {
	ts := newServer(t, server.Config{})
	resp := ts.get(t, "/healthz")
	var h struct {
		Status  string
		Streams int
	}
	decodeJSON(t, resp, &h)
	if resp.StatusCode != 200 || h.Status != "ok" {
		t.Fatalf("healthz %d %+v", resp.StatusCode, h)
	}
}

type sessionInfo struct {
	Requests    int64 `json:"requests"`
	OpenStreams int   `json:"open_streams"`
	Recent      []struct {
		Path             string  `json:"path"`
		LastEventID      *string `json:"last_event_id"`
		LastEventIDQuery *string `json:"last_event_id_query"`
		Authorization    *string `json:"authorization"`
	} `json:"recent"`
}

func (ts *testServer) session(t *testing.T, id string) sessionInfo {
	t.Helper()
	var info sessionInfo
	decodeJSON(t, ts.get(t, "/sessions/"+id), &info)
	return info
}

func TestSessionRecordsRequests(t *testing.T) {
	ts := newServer(t, server.Config{})
	if info := ts.session(t, "fresh"); info.Requests != 0 || len(info.Recent) != 0 {
		t.Fatalf("unknown session %+v", info)
	}
	readAll(t, ts.get(t, "/events?count=2&interval=0s&session=rec"))
	readAll(t, ts.get(t, "/events?count=3&interval=0s&session=rec", "Last-Event-ID: 1", "Authorization: Bearer hush"))
	info := ts.session(t, "rec")
	if info.Requests != 2 || len(info.Recent) != 2 {
		t.Fatalf("session %+v", info)
	}
	r0, r1 := info.Recent[0], info.Recent[1]
	if r0.Path != "/events" || r0.LastEventID != nil || r1.LastEventID == nil || *r1.LastEventID != "1" ||
		r1.Authorization == nil || *r1.Authorization != "Bearer" {
		t.Fatalf("recent %+v", info.Recent)
	}
	if resp := ts.get(t, "/sessions/bad%20id"); resp.StatusCode != 400 {
		t.Errorf("bad session id: %d", resp.StatusCode)
	}
}

func TestSessionDropAndStall(t *testing.T) {
	ts := newServer(t, server.Config{Heartbeat: 10 * time.Millisecond})
	a := readEvents(t, ts.get(t, "/events?interval=20ms&session=ctl"))
	b := readEvents(t, ts.get(t, "/topics/t?session=ctl"))
	other := readEvents(t, ts.get(t, "/events?interval=20ms&session=other"))
	a.next(t)
	eventually(t, "three open streams", func() bool { return ts.session(t, "ctl").OpenStreams == 2 && ts.openStreams(t) == 3 })

	resp := ts.do(t, http.MethodPost, "/sessions/ctl/drop", nil)
	var n struct{ Streams int }
	decodeJSON(t, resp, &n)
	if n.Streams != 2 {
		t.Fatalf("dropped %d streams, want 2", n.Streams)
	}
	for _, er := range []*eventReader{a, b} {
		if err := er.end(t); err == nil || err.Error() == "EOF" {
			t.Errorf("a dropped stream ended with %v, want an abrupt failure", err)
		}
	}
	other.next(t) // other sessions carry on

	c := readEvents(t, ts.get(t, "/events?interval=10ms&session=st"))
	c.next(t)
	decodeJSON(t, ts.do(t, http.MethodPost, "/sessions/st/stall", nil), &n)
	if n.Streams != 1 {
		t.Fatalf("stalled %d streams", n.Streams)
	}
	time.Sleep(50 * time.Millisecond)
	for len(c.events) > 0 || len(c.raw) > 0 {
		select {
		case <-c.events:
		case <-c.raw:
		}
	}
	select {
	case chunk := <-c.raw:
		t.Fatalf("a stalled stream wrote %q", chunk)
	case <-time.After(100 * time.Millisecond):
	}
	if resp := ts.do(t, http.MethodPost, "/sessions/st/explode", nil); resp.StatusCode != 404 {
		t.Errorf("unknown action: %d", resp.StatusCode)
	}
}

// Close ends every stream cleanly, and refuses new ones.
func TestCloseEndsStreams(t *testing.T) {
	ts := newServer(t, server.Config{})
	evs := readEvents(t, ts.get(t, "/events?interval=1h"))
	top := readEvents(t, ts.get(t, "/topics/c"))
	stall := readEvents(t, ts.get(t, "/faults?stall=0"))
	eventually(t, "three streams", func() bool { return ts.openStreams(t) == 3 })
	ts.Close()
	for _, er := range []*eventReader{evs, top, stall} {
		if err := er.end(t); err.Error() != "EOF" {
			t.Errorf("stream ended with %v, want a clean end", err)
		}
	}
	resp := ts.get(t, "/events")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("stream after Close: %d, want 503", resp.StatusCode)
	}
}

// Every stream's goroutines end when its client goes away.
func TestNoGoroutineLeak(t *testing.T) {
	ts := newServer(t, server.Config{Heartbeat: 5 * time.Millisecond, CompressStreams: true})
	l := ts.login(t, "")
	ts.Client.Transport.(*http.Transport).CloseIdleConnections()
	time.Sleep(20 * time.Millisecond)
	base := runtime.NumGoroutine()

	paths := []struct {
		path    string
		headers []string
	}{
		{"/events?interval=5ms", nil},
		{"/events?interval=0s&size=4096", nil}, // a burst
		{"/event-stream?interval=5ms", nil},
		{"/topics/leak", nil},
		{"/topics/leak?lastEventId=0", nil},
		{"/auth/events?interval=5ms", []string{"Authorization: Bearer " + l.Token}},
		{"/auth/bearer-events?interval=5ms", []string{"Authorization: Bearer " + l.Token}},
		{"/echo?n=1000&interval=5ms", nil},
		{"/faults?interval=5ms&count=100000", nil},
		{"/faults?stall=1", nil},
		{"/faults?body=big&chunk=1&chunk_delay=1ms", nil},
	}
	var readers []*http.Response
	for _, p := range paths {
		resp := ts.get(t, p.path, append(p.headers, "Accept-Encoding: gzip")...)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", p.path, resp.StatusCode)
		}
		readers = append(readers, resp)
	}
	eventually(t, "all streams open", func() bool { return ts.openStreams(t) == len(paths) })
	ts.publish(t, "leak", "", "x")
	time.Sleep(50 * time.Millisecond)
	for _, r := range readers {
		r.Body.Close() // the client goes away
	}
	eventually(t, "all streams closed", func() bool { return ts.openStreams(t) == 0 })
	ts.Client.Transport.(*http.Transport).CloseIdleConnections()
	waitGoroutines(t, base)
}

func TestSessionInfoJSON(t *testing.T) {
	ts := newServer(t, server.Config{})
	raw := readAll(t, ts.get(t, "/sessions/empty"))
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["recent"].([]any); !ok {
		t.Fatalf("recent is not a list: %s", raw)
	}
}

// A session remembers a bounded amount per request, whatever the size of
// the headers and URL it was sent.
func TestSessionRecordsAreBounded(t *testing.T) {
	ts := newServer(t, server.Config{})
	long := strings.Repeat("x", 64<<10)
	ts.get(t, "/"+long+"?session=big&lastEventId="+long,
		"Last-Event-ID: "+long, "Authorization: "+long)
	info := ts.session(t, "big")
	if len(info.Recent) != 1 {
		t.Fatalf("recorded %d requests, want 1", len(info.Recent))
	}
	r := info.Recent[0]
	for name, v := range map[string]*string{"path": &r.Path, "last_event_id": r.LastEventID,
		"last_event_id_query": r.LastEventIDQuery, "authorization": r.Authorization} {
		if v == nil || len(*v) == 0 || len(*v) > 1024 {
			t.Errorf("%s: recorded %d bytes, want 1 to 1024", name, len(ptrOr(v)))
		}
	}
}

func ptrOr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// Close returns only once every stream has ended, including the streams
// that took their connection over from net/http, which
// http.Server.Shutdown does not wait for: here one blocked writing to a
// client that does not read.
func TestCloseWaitsForDetachedStreams(t *testing.T) {
	ts := newServer(t, server.Config{WriteTimeout: 500 * time.Millisecond, MaxPublishBytes: 32 << 20})
	ts.stuckClient(t, "/topics/stuck")
	eventually(t, "the stream", func() bool { return ts.openStreams(t) == 1 })
	ts.publish(t, "stuck", "", strings.Repeat("x", 32<<20))
	time.Sleep(50 * time.Millisecond) // the stream blocks writing it
	ts.Close()
	if n := ts.openStreams(t); n != 0 {
		t.Fatalf("%d streams still open after Close", n)
	}
}
