package server_test

import (
	"bufio"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/eventsource-wasm/eventsource-wasm/broker"
	"github.com/eventsource-wasm/eventsource-wasm/server"
)

// Two Servers sharing a StreamLimit of 2 hold 2 streams together: the
// third, on either, gets 503 too_many_streams.
func TestStreamLimitIsSharedByServers(t *testing.T) {
	limit := server.NewStreamLimit(2)
	mux := http.NewServeMux()
	for _, prefix := range []string{"/a/", "/b/"} {
		b := broker.NewMemoryBroker(broker.MemoryBrokerConfig{})
		t.Cleanup(func() { b.Close() })
		srv, err := server.New(server.Config{Broker: b, StreamLimit: limit, Heartbeat: 1 << 40, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		mux.Handle(prefix+"{topic}", srv)
	}
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	open := func(path string) *http.Response {
		t.Helper()
		resp, err := http.Get(hs.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	for _, path := range []string{"/a/x", "/b/x"} {
		resp := open(path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d, want 200", path, resp.StatusCode)
		}
		if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil { // the opening comment: the stream counts
			t.Fatal(err)
		}
	}
	if n := limit.Open(); n != 2 {
		t.Fatalf("the limit counts %d streams, want 2", n)
	}
	for _, path := range []string{"/a/y", "/b/y"} {
		if resp := open(path); resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("%s: third stream: status %d, want 503", path, resp.StatusCode)
		}
	}
}

// Acquire admits up to the limit, concurrently, and a refusal counts
// nothing; zero means no limit.
func TestStreamLimitAcquireRelease(t *testing.T) {
	limit := server.NewStreamLimit(5)
	var wg sync.WaitGroup
	var mu sync.Mutex
	admitted := 0
	for range 50 {
		wg.Go(func() {
			if limit.Acquire() {
				mu.Lock()
				admitted++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if admitted != 5 || limit.Open() != 5 {
		t.Fatalf("admitted %d, open %d; want 5 and 5", admitted, limit.Open())
	}
	limit.Release()
	if !limit.Acquire() || limit.Acquire() {
		t.Fatal("after a Release exactly one more stream fits")
	}
	unlimited := server.NewStreamLimit(0)
	for range 1000 {
		if !unlimited.Acquire() {
			t.Fatal("a zero limit refused a stream")
		}
	}
	if unlimited.Max() != 0 || unlimited.Open() != 1000 {
		t.Fatalf("zero limit: Max %d, Open %d", unlimited.Max(), unlimited.Open())
	}
}
