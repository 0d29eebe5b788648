package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestBadFlagsExit2(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-heartbeat", "soon"}, nil, "heartbeat"},
		{[]string{"-heartbeat", "0s"}, nil, "-heartbeat must be positive"},
		{[]string{"-max-streams", "-1"}, nil, "-max-streams"},
		{[]string{"-token-ttl", "10ms"}, nil, "-token-ttl"},
		{[]string{"-broker", "kafka://x"}, nil, "-broker"},
		{[]string{"-log-level", "loud"}, nil, "log-level"},
		{[]string{"-allow-origin", "not-an-origin"}, nil, "allowed origin"},
		{[]string{"stray"}, nil, "unexpected arguments"},
		{nil, map[string]string{"HEARTBEAT": "often"}, "HEARTBEAT"},
		{nil, map[string]string{"COMPRESS_STREAMS": "perhaps"}, "COMPRESS_STREAMS"},
	} {
		var out strings.Builder
		code := run(t.Context(), c.args, env(c.env), &out, nil)
		if code != 2 || !strings.Contains(out.String(), c.want) {
			t.Errorf("args %q env %v: exit %d, output %q; want 2 and %q", c.args, c.env, code, out.String(), c.want)
		}
	}
}

func TestEnvFallbackAndFlagOverride(t *testing.T) {
	o, err := parseOptions([]string{"-heartbeat", "3s"}, env(map[string]string{
		"ADDR": "127.0.0.1:9999", "HEARTBEAT": "2s", "ALLOW_ORIGIN": "http://a.test,http://b.test",
		"COMPRESS_STREAMS": "true", "MAX_STREAMS": "7", "PUBLISH_TOKEN": "from-env", "SUBSCRIBE_LOGIN": "1",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.addr != "127.0.0.1:9999" || o.heartbeat != 3*time.Second || !o.compressStreams || o.maxStreams != 7 ||
		o.allowOrigin != "http://a.test,http://b.test" || o.publishToken != "from-env" || !o.subscribeLogin {
		t.Fatalf("options %+v", o)
	}
}

// syncWriter lets the test read the log while the server writes it.
type syncWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// The server serves, and on cancellation (SIGINT/SIGTERM in main) ends
// open streams and exits 0.
func TestRunAndGracefulShutdown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrs := make(chan net.Addr, 1)
	logs := &syncWriter{}
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, []string{"-addr", "127.0.0.1:0", "-heartbeat", "1h"}, env(nil), logs, func(a net.Addr) { addrs <- a })
	}()
	var base string
	select {
	case a := <-addrs:
		base = "http://" + a.String()
	case code := <-exit:
		t.Fatalf("exited early with %d: %s", code, logs)
	case <-time.After(10 * time.Second):
		t.Fatal("did not start")
	}
	resp, err := http.Get(base + "/events?count=3&interval=10ms")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Count(string(b), "data: ") != 3 {
		t.Fatalf("curl-like check: %q", b)
	}
	stream, err := http.Get(base + "/events?interval=1h")
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	r := bufio.NewReader(stream.Body)
	r.ReadString('\n')
	cancel()
	select {
	case code := <-exit:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, logs)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("did not shut down")
	}
	if _, err := io.ReadAll(r); err != nil {
		t.Errorf("the open stream did not end cleanly: %v", err)
	}
	if !strings.Contains(logs.String(), "path=/events") || !strings.Contains(logs.String(), "shutting down") {
		t.Errorf("logs: %s", logs)
	}
}
