package redisbroker

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/server"
	"github.com/eventsource-wasm/eventsource-wasm/sse"

	"github.com/eventsource-wasm/eventsource-wasm/broker/redisbroker/redistest"
)

// newInstance starts a server instance on 127.0.0.1 with a Redis broker
// (prefix shared with the other instances of the test) and returns its
// base URL.
func newInstance(t *testing.T, r *redistest.Server, opts Options) string {
	t.Helper()
	b := newTestBroker(t, r, opts)
	srv, err := server.New(server.Config{Broker: b, TakeOverHTTP1: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/topics/{topic}", srv)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	t.Cleanup(func() { srv.Close() }) // first: ends the streams ts.Close waits for
	return ts.URL
}

// eventStream is an open GET of an event stream, parsed with sse.Parser.
type eventStream struct {
	status int
	events chan sse.Event // closed when the response ends
	done   chan struct{}  // closed after events
	body   []byte         // the body of a non-200 answer
	err    error          // why the body ended: io.EOF when the server ended it cleanly
	cancel context.CancelFunc
}

// get opens url; a non-empty lastEventID goes in the Last-Event-ID header.
func get(t *testing.T, url, lastEventID string) *eventStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("GET %s: %v", url, err)
	}
	es := &eventStream{status: resp.StatusCode, events: make(chan sse.Event, 1024), done: make(chan struct{}), cancel: cancel}
	t.Cleanup(es.close)
	go func() {
		defer close(es.done)
		defer close(es.events)
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			es.body, es.err = io.ReadAll(resp.Body)
			return
		}
		p := sse.NewParser(0)
		buf := make([]byte, 32<<10)
		for {
			n, err := resp.Body.Read(buf)
			if n > 0 {
				ferr := p.Feed(buf[:n], func(ev sse.Event) {
					select {
					case es.events <- ev:
					case <-ctx.Done():
					}
				})
				if ferr != nil {
					es.err = ferr
					return
				}
			}
			if err != nil {
				es.err = err
				return
			}
		}
	}()
	return es
}

// close drops the connection and waits for the reader.
func (es *eventStream) close() {
	es.cancel()
	<-es.done
}

// next returns the next event, or ok false when the stream ended.
func (es *eventStream) next(t *testing.T) (ev sse.Event, ok bool) {
	t.Helper()
	select {
	case ev, ok = <-es.events:
		return ev, ok
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
		return ev, false
	}
}

// publish POSTs data to topicURL and returns the status and the id or
// error code of the JSON answer.
func publish(topicURL, data string) (status int, answer map[string]string, err error) {
	resp, err := http.Post(topicURL, "text/plain", strings.NewReader(data))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return resp.StatusCode, nil, fmt.Errorf("publish answered %d with Content-Type %q", resp.StatusCode, ct)
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return resp.StatusCode, nil, fmt.Errorf("publish answer: %w", err)
	}
	return resp.StatusCode, answer, nil
}

// Two instances on one Redis: publish on A, receive on B; the stream is
// dropped mid-way and resumed on the other instance, by Last-Event-ID
// header and by lastEventId query: 1,000 events, none lost or repeated.
func TestTwoInstances(t *testing.T) {
	r := sharedRedis(t)
	opts := Options{KeyPrefix: prefix(t), MaxLen: 5000}
	instA, instB := newInstance(t, r, opts), newInstance(t, r, opts)
	topic := "/topics/orders"

	// Malformed ids are refused with 400, not answered with a full replay.
	for _, u := range []string{instA + topic + "?lastEventId=12", instB + topic + "?lastEventId=not-an-id"} {
		if es := get(t, u, ""); es.status != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400", u, es.status)
		}
	}
	if es := get(t, instA+topic, "1-0-0"); es.status != http.StatusBadRequest {
		t.Errorf("Last-Event-ID 1-0-0: %d, want 400", es.status)
	}

	const total = 1000
	sub := get(t, instB+topic, "")
	if sub.status != http.StatusOK {
		t.Fatalf("subscribe on B: %d %s", sub.status, sub.body)
	}
	var ids []string // written by the publisher until pubDone
	pubDone := make(chan error, 1)
	go func() {
		for i := range total {
			status, ans, err := publish(instA+topic, fmt.Sprint("event ", i))
			if err == nil && status != http.StatusOK {
				err = fmt.Errorf("publish %d: status %d %v", i, status, ans)
			}
			if err != nil {
				pubDone <- err
				return
			}
			ids = append(ids, ans["id"])
		}
		pubDone <- nil
	}()

	// Drop after 300 events and resume on A with the header; after 650
	// resume on B with the query. A stream the server ends (a slow
	// subscriber's) resumes on the other instance.
	var got []sse.Event
	cur, on := sub, instB
	other := func() string {
		if on == instA {
			return instB
		}
		return instA
	}
	resumes := 0
	resume := func(base string, byQuery bool) {
		resumes++
		if resumes > 20 {
			t.Fatalf("more than 20 reconnections after %d events", len(got))
		}
		cur.close()
		last := got[len(got)-1].ID
		if byQuery {
			cur = get(t, base+topic+"?lastEventId="+url.QueryEscape(last), "")
		} else {
			cur = get(t, base+topic, last)
		}
		on = base
		if cur.status != http.StatusOK {
			t.Fatalf("resume after %s: %d %s", last, cur.status, cur.body)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(got) < total {
		if time.Now().After(deadline) {
			t.Fatalf("received %d of %d events in 30s", len(got), total)
		}
		ev, ok := cur.next(t)
		if !ok {
			t.Logf("the server ended the stream after %d events (%v); resuming", len(got), cur.err)
			resume(other(), false)
			continue
		}
		if ev.Type == "reset" {
			t.Fatalf("unexpected reset after %d events: %s", len(got), ev.Data)
		}
		got = append(got, ev)
		switch len(got) {
		case 300:
			resume(instA, false)
		case 650:
			resume(instB, true)
		}
	}
	if err := <-pubDone; err != nil {
		t.Fatal(err)
	}
	for i, ev := range got {
		if ev.ID != ids[i] || ev.Data != fmt.Sprint("event ", i) || ev.Type != "message" {
			t.Fatalf("event %d: %+v, want id %s data %q", i, ev, ids[i], fmt.Sprint("event ", i))
		}
	}
	select {
	case ev, ok := <-cur.events:
		if ok {
			t.Fatalf("an extra event: %+v", ev)
		}
	case <-time.After(100 * time.Millisecond):
	}

	// An id newer than the topic's newest is unknown: the same reset signal
	// as the in-memory broker's, then live events.
	es := get(t, instA+topic, "99999999999999-0")
	if es.status != http.StatusOK {
		t.Fatalf("unknown id: %d %s", es.status, es.body)
	}
	if ev, ok := es.next(t); !ok || ev.Type != "reset" {
		t.Fatalf("unknown id: first event %+v (open %v), want a reset", ev, ok)
	}
}

// Redis killed (SIGKILL) and restarted mid-stream: the open stream ends
// cleanly, publishing answers 503 and subscribing an empty stream meanwhile, the instances
// reconnect, and every acknowledged event is replayed.
func TestRedisRestartMidStream(t *testing.T) {
	r := redistest.New(t)
	opts := Options{KeyPrefix: prefix(t), MaxLen: 100000, MaxBackoff: 200 * time.Millisecond}
	instA, instB := newInstance(t, r, opts), newInstance(t, r, opts)
	topic := "/topics/live"

	sub := get(t, instB+topic, "")
	if sub.status != http.StatusOK {
		t.Fatalf("subscribe: %d %s", sub.status, sub.body)
	}
	// The publisher posts every 2ms and records what was acknowledged.
	var (
		mu          sync.Mutex
		acked       []string
		unavailable int
	)
	count := func() (int, int) {
		mu.Lock()
		defer mu.Unlock()
		return len(acked), unavailable
	}
	stop := make(chan struct{})
	pubDone := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				pubDone <- nil
				return
			case <-time.After(2 * time.Millisecond):
			}
			status, ans, err := publish(instA+topic, fmt.Sprint(i))
			mu.Lock()
			switch {
			case err != nil:
			case status == http.StatusOK:
				acked = append(acked, ans["id"])
			case status == http.StatusServiceUnavailable && ans["error"] == "broker_unavailable":
				unavailable++
			default:
				err = fmt.Errorf("publish: status %d %v", status, ans)
			}
			mu.Unlock()
			if err != nil {
				pubDone <- err
				return
			}
		}
	}()
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
	}()

	var received []string
	for len(received) < 50 {
		ev, ok := sub.next(t)
		if !ok {
			t.Fatalf("the stream ended before the outage: %v", sub.err)
		}
		received = append(received, ev.ID)
	}
	r.Kill()
	end := time.After(5 * time.Second)
	for open := true; open; {
		select {
		case ev, ok := <-sub.events:
			if ok {
				received = append(received, ev.ID)
			}
			open = ok
		case <-end:
			t.Fatal("the stream did not end within 5s of Redis going away")
		}
	}
	if sub.err != io.EOF {
		t.Fatalf("the stream ended with %v, want a clean end (EOF)", sub.err)
	}
	last := received[len(received)-1]
	// A subscribe meanwhile gets a stream that ends at once, with no event:
	// a 503 would make a native EventSource stop reconnecting for good.
	if es := get(t, instA+topic, last); es.status != http.StatusOK {
		t.Fatalf("subscribe while Redis is down: %d, want 200 and an empty stream", es.status)
	} else if ev, ok := <-es.events; ok {
		t.Fatalf("subscribe while Redis is down: got event %+v, want none", ev)
	} else if <-es.done; es.err != io.EOF {
		t.Fatalf("subscribe while Redis is down: the stream ended with %v, want a clean end", es.err)
	}
	waitFor(t, "publishes to get 503", func() bool { _, n := count(); return n >= 3 })
	time.Sleep(300 * time.Millisecond) // a real outage: the probers back off a few times
	ackedBefore, _ := count()

	if err := r.Restart(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "publishing to work again", func() bool { n, _ := count(); return n >= ackedBefore+50 })
	close(stop)
	if err := <-pubDone; err != nil {
		t.Fatal(err)
	}
	n503 := unavailable
	t.Logf("acknowledged %d publishes (%d before the outage), %d answered 503", len(acked), ackedBefore, n503)

	// A full replay on B: every acknowledged event, in order. At most one
	// more may be there: the publish in flight at the kill, which Redis
	// may have stored without its answer reaching the instance.
	full := get(t, instB+topic+"?lastEventId=0-0", "")
	if full.status != http.StatusOK {
		t.Fatalf("full replay: %d %s", full.status, full.body)
	}
	var all []string
	for want := acked; len(want) > 0; {
		ev, ok := full.next(t)
		if !ok {
			t.Fatalf("the replay ended with %d acknowledged events missing: %v", len(want), full.err)
		}
		all = append(all, ev.ID)
		if ev.ID == want[0] {
			want = want[1:]
		} else if len(all) > len(acked)+1 {
			t.Fatalf("the replay holds more than one unacknowledged event")
		}
	}
	// What the stream delivered before it ended is a prefix of it, and
	// resuming on A from there gives exactly the rest.
	for i, id := range received {
		if i >= len(all) || all[i] != id {
			t.Fatalf("event %d received before the outage is %s, the replay has %v", i, id, all[min(i, len(all)-1)])
		}
	}
	resumed := get(t, instA+topic, received[len(received)-1])
	if resumed.status != http.StatusOK {
		t.Fatalf("resume: %d %s", resumed.status, resumed.body)
	}
	for i, want := range all[len(received):] {
		if ev, ok := resumed.next(t); !ok || ev.ID != want {
			t.Fatalf("resumed event %d: %+v (open %v), want id %s", i, ev, ok, want)
		}
	}
}
