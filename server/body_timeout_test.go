package server_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/server"
)

// A client that sends its body a byte at a time gets 408 once
// BodyReadTimeout has passed, instead of holding the handler forever.
func TestSlowBodyTimesOut(t *testing.T) {
	const timeout = 200 * time.Millisecond
	ts := newServer(t, server.Config{BodyReadTimeout: timeout})
	for _, path := range []string{"/topics/slow", "/auth/login", "/echo"} {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
			conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: test\r\n"+
				"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n", path)
			// Trickle: a byte every 20ms, for at most 5s.
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				tick := time.NewTicker(20 * time.Millisecond)
				defer tick.Stop()
				for range 250 {
					select {
					case <-stop:
						return
					case <-tick.C:
					}
					if _, err := conn.Write([]byte("a")); err != nil {
						return
					}
				}
			}()
			br := bufio.NewReader(conn)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("no answer to a trickled body: %v", err)
			}
			defer resp.Body.Close()
			took := time.Since(start)
			var body struct{ Error string }
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatalf("status %d, body not JSON: %v", resp.StatusCode, err)
			}
			if resp.StatusCode != http.StatusRequestTimeout || body.Error != "body_timeout" {
				t.Fatalf("status %d, error %q; want 408 body_timeout", resp.StatusCode, body.Error)
			}
			if took < timeout || took > timeout+3*time.Second {
				t.Fatalf("answered after %v, want about %v", took, timeout)
			}
			// The connection is not reused: the rest of the body would be
			// read as the next request.
			if _, err := br.ReadByte(); err == nil {
				t.Fatal("the connection stays open after a body timeout")
			}
		})
	}
}

// The body deadline bounds the body only: an /echo stream that follows a
// POST body outlives it.
func TestBodyDeadlineLiftedForStream(t *testing.T) {
	ts := newServer(t, server.Config{BodyReadTimeout: 100 * time.Millisecond})
	resp := ts.do(t, http.MethodPost, "/echo?n=3&interval=150ms", strings.NewReader("hello"))
	evs := parse(t, readAll(t, resp))
	if len(evs) != 4 {
		t.Fatalf("got %d events, want the echo and 3 more: %+v", len(evs), evs)
	}
}
