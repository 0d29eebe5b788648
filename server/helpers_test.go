package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/server"
	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

// waitTimeout bounds every wait in these tests.
const waitTimeout = 10 * time.Second

// testFS stands in for web.FS.
var testFS = fstest.MapFS{
	"index.html":               {Data: []byte("<!doctype html><title>demo</title>")},
	"eventsource-wasm.js":      {Data: []byte("export const ready = () => {};\n")},
	"dist/eventsource.wasm":    {Data: bytes.Repeat([]byte("\x00asm wasm bytes "), 64)},
	"dist/eventsource.wasm.br": {Data: []byte("brotli bytes")},
	"dist/eventsource.wasm.gz": {Data: []byte("gzip bytes")},
	"dist/.gitkeep":            {Data: nil},
	"sub/index.html":           {Data: []byte("sub index")},
}

// logBuffer collects log output safely across goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// testServer is a running server with its own client.
type testServer struct {
	*server.Server
	URL    string
	Client *http.Client
	Logs   *logBuffer
}

// newServer starts a server for cfg (with testFS and a captured logger
// unless set) and stops it when the test ends.
func newServer(t *testing.T, cfg server.Config) *testServer {
	t.Helper()
	logs := &logBuffer{}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if cfg.Static == nil {
		cfg.Static = testFS
	}
	s, err := server.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	hs := httptest.NewServer(s.Handler())
	tr := &http.Transport{}
	t.Cleanup(func() {
		s.Close()
		tr.CloseIdleConnections()
		hs.Close()
	})
	return &testServer{Server: s, URL: hs.URL, Client: &http.Client{Transport: tr}, Logs: logs}
}

// get sends a GET with the given headers ("Name: value").
// stuckClient sends a GET for path over a raw TCP connection, closed by the
// test's cleanup, with a small receive buffer, and never reads the answer:
// the server's writes to it soon block.
func (ts *testServer) stuckClient(t *testing.T, path string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetReadBuffer(4096)
	}
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
}

func (ts *testServer) get(t *testing.T, path string, headers ...string) *http.Response {
	t.Helper()
	return ts.do(t, http.MethodGet, path, nil, headers...)
}

func (ts *testServer) do(t *testing.T, method, path string, body io.Reader, headers ...string) *http.Response {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, method, ts.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(k, strings.TrimSpace(v))
	}
	resp, err := ts.Client.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("%s %s: %v", method, path, err)
	}
	t.Cleanup(func() {
		cancel()
		resp.Body.Close()
	})
	return resp
}

// readAll reads a response that must end within waitTimeout.
func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	type result struct {
		b   []byte
		err error
	}
	c := make(chan result, 1)
	go func() {
		b, err := io.ReadAll(resp.Body)
		c <- result{b, err}
	}()
	select {
	case r := <-c:
		if r.err != nil {
			t.Fatalf("read body: %v (got %q)", r.err, r.b)
		}
		return string(r.b)
	case <-time.After(waitTimeout):
		resp.Body.Close()
		t.Fatalf("response did not end within %v", waitTimeout)
		return ""
	}
}

// decodeJSON decodes a whole JSON response into v.
func decodeJSON(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(readAll(t, resp)), v); err != nil {
		t.Fatalf("decode JSON: %v", err)
	}
}

// parse returns the events a browser would dispatch for a whole stream.
func parse(t *testing.T, stream string) []sse.Event {
	t.Helper()
	var evs []sse.Event
	if err := sse.NewParser(0).Feed([]byte(stream), func(e sse.Event) { evs = append(evs, e) }); err != nil {
		t.Fatalf("parse: %v", err)
	}
	return evs
}

// eventReader parses a live stream in the background.
type eventReader struct {
	events chan sse.Event
	raw    chan string // every chunk read, for comments and byte checks
	done   chan error  // the read error (io.EOF at a clean end)
}

func readEvents(t *testing.T, resp *http.Response) *eventReader {
	t.Helper()
	er := &eventReader{events: make(chan sse.Event, 1024), raw: make(chan string, 1024), done: make(chan error, 1)}
	go func() {
		p := sse.NewParser(0)
		br := bufio.NewReader(resp.Body)
		buf := make([]byte, 32<<10)
		for {
			n, err := br.Read(buf)
			if n > 0 {
				select {
				case er.raw <- string(buf[:n]):
				default:
				}
				p.Feed(buf[:n], func(e sse.Event) { er.events <- e })
			}
			if err != nil {
				er.done <- err
				return
			}
		}
	}()
	return er
}

// next returns the next event or fails the test.
func (er *eventReader) next(t *testing.T) sse.Event {
	t.Helper()
	select {
	case e := <-er.events:
		return e
	case err := <-er.done:
		er.done <- err
		select { // events parsed just before the end
		case e := <-er.events:
			return e
		default:
		}
		t.Fatalf("stream ended before the next event: %v", err)
	case <-time.After(waitTimeout):
		t.Fatalf("no event within %v", waitTimeout)
	}
	return sse.Event{}
}

// end waits for the stream to end and returns the read error.
func (er *eventReader) end(t *testing.T) error {
	t.Helper()
	select {
	case err := <-er.done:
		er.done <- err
		return err
	case <-time.After(waitTimeout):
		t.Fatalf("stream did not end within %v", waitTimeout)
		return nil
	}
}

// quiet fails if an event arrives within d.
func (er *eventReader) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case e := <-er.events:
		t.Fatalf("unexpected event %+v", e)
	case <-time.After(d):
	}
}

// ids returns the ids of events.
func ids(evs []sse.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

// eventually polls cond until it holds or waitTimeout passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(waitTimeout); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// openStreams reads the stream gauge of /healthz.
func (ts *testServer) openStreams(t *testing.T) int {
	t.Helper()
	resp, err := ts.Client.Get(ts.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h struct{ Streams int }
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	return h.Streams
}

// waitGoroutines waits until no more than base goroutines run, and dumps
// them when that does not happen in time.
func waitGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines still running, want <= %d:\n%s", runtime.NumGoroutine(), base, buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
