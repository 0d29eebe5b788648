package e2e

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
	"github.com/eventsource-wasm/eventsource-wasm/web"
)

// TestWasmUnderNode runs the GOOS=js GOARCH=wasm tests of ./wasm/... under
// Node (Go's go_js_wasm_exec) against the project's server, which it starts
// on a free loopback port. The js tests read the server's base URL from
// EVENTSOURCE_TEST_URL and skip only when it is absent, so they run
// whenever this test does.
func TestWasmUnderNode(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is required to run the wasm tests:", err)
	}
	base := nodeTestServer(t)
	goroot := nodeGoEnv(t, "GOROOT")

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	args := []string{"test", "-count=1", "-timeout=6m",
		"-exec=" + filepath.Join(goroot, "lib", "wasm", "go_js_wasm_exec")}
	if testing.Verbose() {
		args = append(args, "-v")
	}
	cmd := exec.CommandContext(ctx, "go", append(args, "./wasm/...")...)
	cmd.Dir = ".." // the module root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "EVENTSOURCE_TEST_URL="+base)
	cmd.WaitDelay = 10 * time.Second
	var out bytes.Buffer
	cmd.Stdout = io.MultiWriter(&out, nodeTestLog{t})
	cmd.Stderr = cmd.Stdout
	if err := cmd.Run(); err != nil {
		t.Fatalf("GOOS=js GOARCH=wasm go test ./wasm/...: %v", err)
	}
	if !strings.Contains(out.String(), "ok ") {
		t.Fatal("no wasm test package passed")
	}
}

// TestWasmUnderNodeJSModule loads web/eventsource-wasm.js from the
// project's server into Node (whose fetch, EventTarget and MessageEvent
// follow the browser's) and checks WasmEventSource's JavaScript face: event
// order and fields, handler attributes, close, init options, errors.
// Chromium tests compare it with native EventSource; this one needs no
// browser. It needs web/dist/ built (make wasm).
func TestWasmUnderNodeJSModule(t *testing.T) {
	for _, f := range []string{"dist/eventsource.wasm", "dist/wasm_exec.js"} {
		if _, err := fs.Stat(web.FS, f); err != nil {
			t.Fatalf("web/%s is missing: run make wasm first", f)
		}
	}
	base := nodeTestServer(t)
	script := filepath.Join("testdata", "node-module.mjs")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "--experimental-network-imports", "--no-warnings", script, base)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	passed := 0
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "ok "):
			passed++
		case strings.HasPrefix(l, "FAIL "):
			t.Error(l)
		case l != "done":
			t.Log(l)
		}
	}
	if err != nil || len(lines) == 0 || lines[len(lines)-1] != "done" {
		t.Fatalf("node did not finish the checks (%v); %d passed", err, passed)
	}
	t.Logf("%d checks passed", passed)
}

// nodeTestServer serves the project's server on 127.0.0.1 for the test's
// lifetime and returns its base URL.
func nodeTestServer(t *testing.T) string {
	t.Helper()
	srv, err := fixtures.New(fixtures.Config{
		Static:    web.FS,
		Heartbeat: time.Second,
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = hs.Serve(ln)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := hs.Shutdown(ctx); err != nil {
			_ = hs.Close()
		}
		<-done
	})
	return "http://" + ln.Addr().String()
}

func nodeGoEnv(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", name, err)
	}
	return strings.TrimSpace(string(out))
}

// nodeTestLog streams the wasm tests' output to the test log line by line.
type nodeTestLog struct{ t *testing.T }

func (l nodeTestLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
