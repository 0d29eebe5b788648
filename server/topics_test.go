package server_test

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/server"
	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

func (ts *testServer) publish(t *testing.T, topic, query, data string) string {
	t.Helper()
	resp := ts.do(t, http.MethodPost, "/topics/"+topic+query, strings.NewReader(data))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("publish: status %d: %s", resp.StatusCode, readAll(t, resp))
	}
	var r struct{ Topic, ID string }
	decodeJSON(t, resp, &r)
	if r.ID == "" || r.Topic != topic {
		t.Fatalf("publish answer %+v", r)
	}
	return r.ID
}

func TestTopicPublishSubscribe(t *testing.T) {
	ts := newServer(t, server.Config{})
	resp := ts.get(t, "/topics/news?retry=2000")
	checkStreamHeaders(t, resp)
	er := readEvents(t, resp)
	// The subscription is live once the first bytes arrived.
	<-er.raw
	id := ts.publish(t, "news", "?event=headline", "line one\nline two")
	if e := er.next(t); e != (sse.Event{ID: id, Type: "headline", Data: "line one\nline two"}) {
		t.Fatalf("got %+v", e)
	}
	id2 := ts.publish(t, "news", "", "plain")
	if e := er.next(t); e.ID != id2 || e.Type != "message" || e.Data != "plain" {
		t.Fatalf("got %+v", e)
	}
}

func TestTopicReplay(t *testing.T) {
	ts := newServer(t, server.Config{})
	var all []string
	for i := range 5 {
		all = append(all, ts.publish(t, "replay", "", fmt.Sprint("m", i)))
	}
	for _, c := range []struct {
		name    string
		query   string
		headers []string
	}{
		{"header", "", []string{"Last-Event-ID: " + all[1]}},
		{"query", "?lastEventId=" + all[1], nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			er := readEvents(t, ts.get(t, "/topics/replay"+c.query, c.headers...))
			var got []string
			for range 3 {
				got = append(got, er.next(t).ID)
			}
			if !reflect.DeepEqual(got, all[2:]) {
				t.Fatalf("replayed %v, want %v", got, all[2:])
			}
			er.quiet(t, 50*time.Millisecond) // once: nothing repeated
		})
	}
}

func TestTopicResetWhenNotRetained(t *testing.T) {
	for name, cfg := range map[string]server.Config{
		"replay-size":  {ReplaySize: 3},
		"replay-bytes": {MaxRetainedBytes: 300}, // a few small events
	} {
		t.Run(name, func(t *testing.T) {
			ts := newServer(t, cfg)
			first := ts.publish(t, "small", "", "first")
			for range 5 {
				ts.publish(t, "small", "", "more")
			}
			er := readEvents(t, ts.get(t, "/topics/small", "Last-Event-ID: "+first))
			e := er.next(t)
			if e.Type != "reset" {
				t.Fatalf("first event %+v, want a reset", e)
			}
			var r struct {
				Reason      string `json:"reason"`
				LastEventID string `json:"last_event_id"`
			}
			if err := json.Unmarshal([]byte(e.Data), &r); err != nil || r.Reason != "last_event_id_not_retained" || r.LastEventID != first {
				t.Fatalf("reset data %q (%v)", e.Data, err)
			}
			er.quiet(t, 50*time.Millisecond) // live only after a reset
			id := ts.publish(t, "small", "", "live")
			if e := er.next(t); e.ID != id || e.Data != "live" {
				t.Fatalf("after reset got %+v", e)
			}
		})
	}
}

func TestTopicErrors(t *testing.T) {
	ts := newServer(t, server.Config{MaxPublishBytes: 16})
	for _, c := range []struct {
		method, path, body string
		headers            []string
		status             int
	}{
		{"GET", "/topics/x", "", []string{"Last-Event-ID: not-an-id"}, 400},
		{"GET", "/topics/x?lastEventId=12abc", "", nil, 400},
		{"GET", "/topics/bad%20name", "", nil, 400},
		{"POST", "/topics/x", strings.Repeat("x", 17), nil, 413},
		{"POST", "/topics/x?event=a%0Db", "x", nil, 400},
		{"POST", "/topics/x?id=nope", "x", nil, 400},
		{"POST", "/topics/x?id=5", "x", nil, 200},
		{"POST", "/topics/x?id=5", "x", nil, 409},
	} {
		resp := ts.do(t, c.method, c.path, strings.NewReader(c.body), c.headers...)
		if resp.StatusCode != c.status {
			t.Errorf("%s %s: status %d, want %d", c.method, c.path, resp.StatusCode, c.status)
		}
		if c.status != 200 {
			var e struct{ Error string }
			decodeJSON(t, resp, &e)
			if e.Error == "" {
				t.Errorf("%s %s: no JSON error", c.method, c.path)
			}
		}
	}
}

// A client that stops reading is dropped by the write deadline while the
// other subscribers carry on, and its stream's resources are released.
func TestStuckClientDropped(t *testing.T) {
	ts := newServer(t, server.Config{WriteTimeout: 200 * time.Millisecond})
	ts.stuckClient(t, "/topics/big")
	good := readEvents(t, ts.get(t, "/topics/big"))
	eventually(t, "two subscribers", func() bool { return ts.openStreams(t) == 2 })
	payload := strings.Repeat("x", 256<<10)
	// Both subscribers get big events; the stuck one fills the socket
	// buffers, blocks in a write and is dropped.
	for i := 0; ts.openStreams(t) == 2; i++ {
		if i > 400 {
			t.Fatal("the stuck client was never dropped")
		}
		ts.publish(t, "big", "", payload)
		if e := good.next(t); len(e.Data) != len(payload) {
			t.Fatalf("good subscriber got %d bytes", len(e.Data))
		}
	}
	ts.publish(t, "big", "", "still flowing")
	for {
		if e := good.next(t); e.Data == "still flowing" {
			break
		}
	}
}

func TestMaxStreams(t *testing.T) {
	ts := newServer(t, server.Config{MaxStreams: 1})
	first := readEvents(t, ts.get(t, "/topics/limit"))
	<-first.raw
	resp := ts.get(t, "/events")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("second stream: status %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	var e struct{ Error string }
	decodeJSON(t, resp, &e)
	if e.Error != "too_many_streams" {
		t.Fatalf("error %q", e.Error)
	}
}

// With CompressStreams each event is flushed through gzip: the client
// decompresses it before the next one is even published.
func TestCompressedStreamFlushesEachEvent(t *testing.T) {
	ts := newServer(t, server.Config{CompressStreams: true})
	ts.Client.Transport.(*http.Transport).DisableCompression = true
	resp := ts.get(t, "/topics/gz", "Accept-Encoding: gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("Content-Encoding %q, Vary %q", resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
	}
	zr, err := gzip.NewReader(resp.Body) // reads the gzip header, sent with the first flush
	if err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewReader(zr)
	readLine := func() string {
		c := make(chan string, 1)
		go func() {
			l, _ := lines.ReadString('\n')
			c <- l
		}()
		select {
		case l := <-c:
			return l
		case <-time.After(waitTimeout):
			t.Fatal("no decompressed line arrived: the event was not flushed")
			return ""
		}
	}
	if l := readLine(); l != ": ok\n" {
		t.Fatalf("first line %q", l)
	}
	for i := range 3 {
		id := ts.publish(t, "gz", "", fmt.Sprint("event ", i))
		for _, want := range []string{"id: " + id + "\n", fmt.Sprintf("data: event %d\n", i), "\n"} {
			if l := readLine(); l != want {
				t.Fatalf("event %d: line %q, want %q", i, l, want)
			}
		}
	}
	// A client that does not accept gzip gets plain text.
	plain := ts.get(t, "/topics/gz", "Accept-Encoding: identity")
	if plain.Header.Get("Content-Encoding") != "" {
		t.Fatal("compressed for a client that did not ask")
	}
}

// A topic stream over HTTP/1.1 takes its connection over and closes it at
// its end, so it says so: a client must not put the connection back in its
// pool for the next request.
func TestDetachedStreamSaysConnectionClose(t *testing.T) {
	ts := newServer(t, server.Config{})
	resp := ts.get(t, "/topics/conn")
	if !resp.Close {
		t.Fatalf("topic stream: Connection %q, want close", resp.Header.Get("Connection"))
	}
	// Streams that keep net/http's connection leave it reusable.
	if resp := ts.get(t, "/events?count=1&interval=0s"); resp.Close {
		t.Fatal("an /events stream asked to close its connection")
	}
}
