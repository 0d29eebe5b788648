//go:build linux

package server_test

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/broker"
	"github.com/eventsource-wasm/eventsource-wasm/server"
)

// The fan-out workers (server/internal/stream/fanout.go) serve the
// taken-over HTTP/1.1 streams of a broker whose subscriptions can be
// polled. These tests read the chunked body raw, to see the writes.

// fanoutServer serves srv's topics over HTTP/1.1 under /topics/{topic}.
func fanoutServer(t *testing.T, cfg server.Config, bcfg broker.MemoryBrokerConfig) (*server.Server, *broker.MemoryBroker, string) {
	t.Helper()
	b := broker.NewMemoryBroker(bcfg)
	cfg.Broker, cfg.TakeOverHTTP1, cfg.Logger = b, true, slog.New(slog.DiscardHandler)
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/topics/{topic}", srv)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
		b.Close()
	})
	return srv, b, strings.TrimPrefix(hs.URL, "http://")
}

// rawStream is one subscription read as raw chunks.
type rawStream struct {
	conn net.Conn
	r    *bufio.Reader
}

// openRaw subscribes to path and reads the response head; rcvbuf > 0
// shrinks the client's receive buffer first.
func openRaw(t *testing.T, addr, path, lastID string, rcvbuf int) *rawStream {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		if rcvbuf > 0 {
			c.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf) })
		}
		return nil
	}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(waitFor))
	req := "GET " + path + " HTTP/1.1\r\nHost: x\r\n"
	if lastID != "" {
		req += "Last-Event-ID: " + lastID + "\r\n"
	}
	if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
		t.Fatal(err)
	}
	s := &rawStream{conn: conn, r: bufio.NewReaderSize(conn, 512)}
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			t.Fatalf("response head: %v", err)
		}
		if line == "\r\n" {
			return s
		}
	}
}

// chunk reads one chunk of the body; io.EOF at the body's end.
func (s *rawStream) chunk() (string, error) {
	s.conn.SetReadDeadline(time.Now().Add(waitFor))
	line, err := s.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	size, err := strconv.ParseInt(strings.TrimSpace(line), 16, 64)
	if err != nil {
		return "", fmt.Errorf("chunk size %q: %w", line, err)
	}
	b := make([]byte, size+2)
	if _, err := io.ReadFull(s.r, b); err != nil {
		return "", err
	}
	if size == 0 {
		return "", io.EOF
	}
	return string(b[:size]), nil
}

// until reads chunks until their text holds want, and returns it all.
func (s *rawStream) until(t *testing.T, want string) string {
	t.Helper()
	var all strings.Builder
	for !strings.Contains(all.String(), want) {
		c, err := s.chunk()
		if err != nil {
			t.Fatalf("waiting for %q: %v (got %q)", want, err, all.String())
		}
		all.WriteString(c)
	}
	return all.String()
}

// Idle streams hold no goroutine: 500 of them add a handful (the workers
// and the hangup watcher), each gets a broadcast, a hangup is noticed with
// no write to fail, and everything ends with the streams.
func TestFanoutIdleStreamsHoldNoGoroutine(t *testing.T) {
	base := runtime.NumGoroutine()
	srv, b, addr := fanoutServer(t, server.Config{Heartbeat: time.Hour}, broker.MemoryBrokerConfig{})
	const n = 500
	streams := make([]*rawStream, n)
	for i := range streams {
		streams[i] = openRaw(t, addr, "/topics/idle", "", 0)
	}
	// A stream counts as open before the workers take it.
	eventually(t, "all streams open, on the fan-out workers", func() bool { return srv.Streams() == n && srv.FanoutStreams() == n })
	// The client's conns hold no goroutine either; httptest's listener
	// and net/http's idle state are a few.
	if got := runtime.NumGoroutine() - base; got > 20 {
		t.Fatalf("%d goroutines for %d idle streams, want a handful", got, n)
	}
	if _, err := b.Publish(t.Context(), "idle", broker.Message{Data: "to all"}); err != nil {
		t.Fatal(err)
	}
	for _, s := range streams {
		s.until(t, "data: to all\n\n")
	}
	// A client that hangs up ends its stream without any write to fail.
	streams[0].conn.Close()
	eventually(t, "the hung-up stream ended", func() bool { return srv.Streams() == n-1 })
	for _, s := range streams[1:] {
		s.conn.Close()
	}
	eventually(t, "every stream ended", func() bool { return srv.Streams() == 0 })
	if f := srv.FanoutStreams(); f != 0 {
		t.Fatalf("%d streams left on the fan-out workers after every stream ended", f)
	}
	eventually(t, "goroutines back to where they were", func() bool { return runtime.NumGoroutine() <= base+5 })
}

// A client whose socket is full does not hold up the others; what queues
// up for it meanwhile goes out in fewer writes than events, every event
// once and in order, with no loss once it reads again.
func TestFanoutFullSocketCoalesces(t *testing.T) {
	srv, b, addr := fanoutServer(t, server.Config{Heartbeat: time.Hour, WriteTimeout: waitFor}, broker.MemoryBrokerConfig{SubscriberBuffer: 1000})
	slow := openRaw(t, addr, "/topics/full", "", 4096)
	fast := openRaw(t, addr, "/topics/full", "", 0)
	eventually(t, "two streams", func() bool { return srv.Streams() == 2 })
	pad := strings.Repeat("x", 16<<10)
	const n = 400 // 6.4 MB: more than the sockets hold
	for i := range n {
		if _, err := b.Publish(t.Context(), "full", broker.Message{Data: strconv.Itoa(i) + pad}); err != nil {
			t.Fatal(err)
		}
		fast.until(t, "\n\n")
	}
	var body strings.Builder
	chunks := 0
	for strings.Count(body.String(), "data: ") < n {
		c, err := slow.chunk()
		if err != nil {
			t.Fatalf("after %d chunks: %v", chunks, err)
		}
		body.WriteString(c)
		chunks++
	}
	var want strings.Builder
	want.WriteString(": ok\n")
	for i := range n {
		fmt.Fprintf(&want, "id: %d\ndata: %d%s\n\n", i+1, i, pad)
	}
	if body.String() != want.String() {
		t.Fatalf("the slow client's body differs from the events published (%d vs %d bytes)", body.Len(), want.Len())
	}
	if chunks >= n {
		t.Fatalf("%d events in %d writes: what queued up was not written together", n, chunks)
	}
	t.Logf("%d events in %d writes", n, chunks)
}

// A client that stops reading is dropped by the write timeout while its
// stream waits for the socket (what queues up meanwhile stays in the
// broker, whose subscriber buffer bounds it); its connection ends and
// nothing is left behind.
func TestFanoutSlowClientEvicted(t *testing.T) {
	base := runtime.NumGoroutine()
	srv, b, addr := fanoutServer(t, server.Config{Heartbeat: time.Hour, WriteTimeout: 300 * time.Millisecond}, broker.MemoryBrokerConfig{SubscriberBuffer: 8})
	stuck := openRaw(t, addr, "/topics/slow", "", 4096)
	eventually(t, "the stream", func() bool { return srv.Streams() == 1 })
	pad := strings.Repeat("x", 16<<10)
	for deadline := time.Now().Add(waitFor); srv.Streams() == 1; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the stuck client was never dropped")
		}
		if _, err := b.Publish(t.Context(), "slow", broker.Message{Data: pad}); err != nil {
			t.Fatal(err)
		}
	}
	// It sees its connection end (after what was sent before), as after a
	// network failure: it reconnects with its Last-Event-ID.
	stuck.conn.SetReadDeadline(time.Now().Add(waitFor))
	if _, err := io.Copy(io.Discard, stuck.conn); err != nil {
		t.Fatalf("the dropped stream's connection did not end: %v", err)
	}
	eventually(t, "goroutines back to where they were", func() bool { return runtime.NumGoroutine() <= base+5 })
}

// Replay, heartbeats and a clean end at Close all work on a hub stream.
func TestFanoutReplayHeartbeatClose(t *testing.T) {
	srv, b, addr := fanoutServer(t, server.Config{Heartbeat: 20 * time.Millisecond}, broker.MemoryBrokerConfig{})
	for i := range 3 {
		if _, err := b.Publish(t.Context(), "r", broker.Message{Data: "old " + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	s := openRaw(t, addr, "/topics/r", "1", 0)
	got := s.until(t, "data: old 2\n\n")
	if strings.Contains(got, "old 0") || !strings.Contains(got, "id: 2\ndata: old 1\n\nid: 3\ndata: old 2\n\n") {
		t.Fatalf("replay after id 1: %q", got)
	}
	s.until(t, ": heartbeat\n")
	if _, err := b.Publish(t.Context(), "r", broker.Message{Data: "live"}); err != nil {
		t.Fatal(err)
	}
	s.until(t, "id: 4\ndata: live\n\n")
	srv.Close()
	for {
		_, err := s.chunk()
		if err == io.EOF {
			break // the last chunk: a clean end
		}
		if err != nil {
			t.Fatalf("the body did not end cleanly at Close: %v", err)
		}
	}
	if n := srv.Streams(); n != 0 {
		t.Fatalf("%d streams after Close", n)
	}
}
