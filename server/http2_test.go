package server_test

import (
	"bufio"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/broker"
	"github.com/eventsource-wasm/eventsource-wasm/server"
)

// waitFor bounds every wait of these tests: only a broken server takes it.
const waitFor = 10 * time.Second

// h2Server serves srv's topics over TLS with HTTP/2 under /topics/{topic}.
func h2Server(t *testing.T, cfg server.Config) (*server.Server, *httptest.Server) {
	t.Helper()
	if cfg.Broker == nil {
		b := broker.NewMemoryBroker(broker.MemoryBrokerConfig{SubscriberBuffer: 100000})
		t.Cleanup(func() { b.Close() })
		cfg.Broker = b
	}
	cfg.Logger = slog.New(slog.DiscardHandler)
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/topics/{topic}", srv)
	hs := httptest.NewUnstartedServer(mux)
	hs.EnableHTTP2 = true
	hs.StartTLS()
	t.Cleanup(hs.Close)
	t.Cleanup(func() { srv.Close() }) // first: ends the streams hs.Close waits for
	return srv, hs
}

// lines reads a stream's lines on a goroutine of its own.
func lines(body io.Reader) <-chan string {
	c := make(chan string, 1024)
	go func() {
		defer close(c)
		s := bufio.NewScanner(body)
		for s.Scan() {
			c <- s.Text()
		}
	}()
	return c
}

// expectLine waits for a line with prefix.
func expectLine(t *testing.T, c <-chan string, prefix string) {
	t.Helper()
	deadline := time.After(waitFor)
	for {
		select {
		case l, ok := <-c:
			if !ok {
				t.Fatalf("the stream ended before a line %q", prefix)
			}
			if strings.HasPrefix(l, prefix) {
				return
			}
		case <-deadline:
			t.Fatalf("no line %q within %v", prefix, waitFor)
		}
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(waitFor); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, waitFor)
		}
	}
}

// Over HTTP/2 a stream keeps every guarantee of HTTP/1.1: the first bytes
// and each event flushed at once, heartbeats, a clean end at Close, and
// no goroutine left behind.
func TestHTTP2Stream(t *testing.T) {
	base := runtime.NumGoroutine()
	srv, hs := h2Server(t, server.Config{Heartbeat: 50 * time.Millisecond, TakeOverHTTP1: true})
	client := hs.Client()
	resp, err := client.Get(hs.URL + "/topics/h2")
	if err != nil {
		t.Fatal(err)
	}
	if resp.ProtoMajor != 2 || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %d, want HTTP/2.0 200", resp.Proto, resp.StatusCode)
	}
	got := lines(resp.Body)
	expectLine(t, got, ": ok")
	expectLine(t, got, ": heartbeat")
	pub, err := client.Post(hs.URL+"/topics/h2?event=news", "text/plain", strings.NewReader("over h2"))
	if err != nil {
		t.Fatal(err)
	}
	pub.Body.Close()
	expectLine(t, got, "event: news")
	expectLine(t, got, "data: over h2")

	srv.Close()
	for range got { // drains to the end
	}
	if _, err := resp.Body.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("after Close the body ends with %v, want a clean EOF", err)
	}
	resp.Body.Close()
	hs.Close()
	client.CloseIdleConnections()
	eventually(t, "goroutines back to where they were", func() bool { return runtime.NumGoroutine() <= base+2 })
}

// Over HTTP/2 a client that stops reading is dropped by the write deadline
// once flow control stops the server's writes, while the other streams of
// the server go on.
func TestHTTP2StuckClientDropped(t *testing.T) {
	srv, hs := h2Server(t, server.Config{WriteTimeout: 300 * time.Millisecond})
	// A transport of its own: a clone of hs.Client's would share its
	// already configured HTTP/2 transport, and so its receive windows.
	stuckTransport := &http.Transport{
		TLSClientConfig:   hs.Client().Transport.(*http.Transport).TLSClientConfig.Clone(),
		ForceAttemptHTTP2: true,
		HTTP2:             &http.HTTP2Config{MaxReceiveBufferPerStream: 64 << 10, MaxReceiveBufferPerConnection: 64 << 10},
	}
	defer stuckTransport.CloseIdleConnections()
	stuck, err := (&http.Client{Transport: stuckTransport}).Get(hs.URL + "/topics/flood")
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Body.Close() // never read: its window fills
	good, err := hs.Client().Get(hs.URL + "/topics/flood")
	if err != nil {
		t.Fatal(err)
	}
	defer good.Body.Close()
	if stuck.ProtoMajor != 2 || good.ProtoMajor != 2 {
		t.Fatalf("protocols %s and %s, want HTTP/2.0", stuck.Proto, good.Proto)
	}
	got := lines(good.Body)
	expectLine(t, got, ": ok")
	eventually(t, "both streams open", func() bool { return srv.Streams() == 2 })

	data := strings.Repeat("x", 8<<10)
	for range 64 { // 512 KiB: far past the stuck client's 64 KiB window
		resp, err := hs.Client().Post(hs.URL+"/topics/flood", "text/plain", strings.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	eventually(t, "the stuck stream dropped", func() bool { return srv.Streams() == 1 })
	resp, err := hs.Client().Post(hs.URL+"/topics/flood", "text/plain", strings.NewReader("still flowing"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	expectLine(t, got, "data: still flowing")
}

// Over HTTP/2 a write deadline is a timer that resets the stream when it
// fires: an idle stream must outlive many write timeouts.
func TestHTTP2IdleStreamOutlivesWriteTimeout(t *testing.T) {
	_, hs := h2Server(t, server.Config{WriteTimeout: 50 * time.Millisecond, Heartbeat: time.Hour})
	resp, err := hs.Client().Get(hs.URL + "/topics/idle")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got := lines(resp.Body)
	expectLine(t, got, ": ok")
	time.Sleep(10 * 50 * time.Millisecond) // idle for ten write timeouts
	pub, err := hs.Client().Post(hs.URL+"/topics/idle", "text/plain", strings.NewReader("still here"))
	if err != nil {
		t.Fatal(err)
	}
	pub.Body.Close()
	expectLine(t, got, "data: still here")
}
