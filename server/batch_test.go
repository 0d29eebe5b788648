package server_test

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/broker"
	"github.com/eventsource-wasm/eventsource-wasm/server"
)

// Events that queued up for a stream (here a replay) go out together: fewer
// writes than events, every event once and in order.
func TestQueuedEventsShareWrites(t *testing.T) {
	b := broker.NewMemoryBroker(broker.MemoryBrokerConfig{})
	defer b.Close()
	srv, err := server.New(server.Config{Broker: b, TakeOverHTTP1: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/topics/{topic}", srv)
	hs := httptest.NewServer(mux)
	defer hs.Close()
	defer srv.Close()
	const n = 50
	for i := range n {
		if _, err := b.Publish(t.Context(), "q", broker.Message{Data: strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	// A raw HTTP/1.1 client, to count the chunks: the taken-over stream
	// writes one chunk per write.
	conn, err := net.Dial("tcp", strings.TrimPrefix(hs.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(waitFor))
	fmt.Fprintf(conn, "GET /topics/q HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 0\r\n\r\n")
	r := bufio.NewReader(conn)
	for { // the head
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\r\n" {
			break
		}
	}
	var body strings.Builder
	chunks := 0
	for strings.Count(body.String(), "data: ") < n {
		sizeLine, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("after %d chunks: %v", chunks, err)
		}
		size, err := strconv.ParseInt(strings.TrimSpace(sizeLine), 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		chunk := make([]byte, size+2)
		if _, err := io.ReadFull(r, chunk); err != nil {
			t.Fatal(err)
		}
		body.Write(chunk[:size])
		chunks++
	}
	var want strings.Builder
	for i := range n {
		fmt.Fprintf(&want, "id: %d\ndata: %d\n\n", i+1, i)
	}
	if got := body.String()[strings.Index(body.String(), "id: "):]; got != want.String() {
		t.Fatalf("the replay:\n%s\nwant:\n%s", got, want.String())
	}
	if chunks > n/2 {
		t.Fatalf("%d events in %d writes: queued events were not written together", n, chunks)
	}
	t.Logf("%d events in %d writes (the first holds the opening comment)", n, chunks)
}
