package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
)

// packedTarball returns the tarball that `make package` wrote to build/.
func packedTarball(t *testing.T) string {
	t.Helper()
	found, _ := filepath.Glob(filepath.Join("..", "build", "eventsource-wasm-*.tgz"))
	if len(found) != 1 {
		t.Fatalf("want one build/eventsource-wasm-*.tgz (run `make package` first), found %v", found)
	}
	abs, err := filepath.Abs(found[0])
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// copyFixture copies the fixture apps to a new directory, without the
// node_modules and build output a developer may have left in testdata.
func copyFixture(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if rel == "node_modules" || rel == "dist" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// npmRun runs a command in dir and returns its output, failing the test
// on an error.
func npmRun(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	out, err := runIn(t.Context(), t, dir, name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// runIn runs a command in dir, for at most 3 minutes, logging how long it
// took, and returns its output; the error includes the output.
func runIn(ctx context.Context, t *testing.T, dir string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	t.Logf("%s %s: %v", name, strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	return stdout.String() + stderr.String(), nil
}

// viteDev starts Vite's dev server on the fixture in dir and returns its
// URL; the test's cleanup stops it.
func viteDev(t *testing.T, dir string) *url.URL {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, filepath.Join(dir, "node_modules", ".bin", "vite"), "--host", "127.0.0.1", "--port", port, "--strictPort", "--clearScreen=false")
	cmd.Dir = dir
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
	})
	u, _ := url.Parse("http://127.0.0.1:" + port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(u.String() + "/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return u
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("vite dev server did not answer on %s: %v\n%s", u, err, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBundlers installs the packed package into the fixture apps (their
// bundlers pinned by a lockfile, installed with npm ci), checks its types
// with tsc, checks that importing it in Node prints nothing, builds the app
// with Vite, esbuild, webpack and Rollup and runs Vite's dev server, serves each in
// front of the project's server and, in Chromium, receives events from
// /events and from /auth/bearer-events with an Authorization header.
func TestBundlers(t *testing.T) {
	tarball := packedTarball(t)
	dir := copyFixture(t, filepath.Join("testdata", "bundlers"))
	npmRun(t, dir, "npm", "ci", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error")
	npmRun(t, dir, "npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", tarball)

	// Importing has no side effects: nothing runs, nothing is printed.
	if out := npmRun(t, dir, "node", "-e", "import('eventsource-wasm')"); out != "" {
		t.Errorf("node -e \"import('eventsource-wasm')\" printed %q", out)
	}
	// tsc, the slowest step, runs beside the builds.
	typecheck := make(chan error, 1)
	go func() {
		_, err := runIn(t.Context(), t, dir, "npm", "run", "--silent", "typecheck")
		typecheck <- err
	}()
	for _, build := range []string{"build:vite", "build:esbuild", "build:webpack", "build:rollup"} {
		npmRun(t, dir, "npm", "run", "--silent", build)
	}
	if err := <-typecheck; err != nil {
		t.Fatal(err)
	}

	built := func(name string) http.Handler { return http.FileServerFS(os.DirFS(filepath.Join(dir, "dist", name))) }
	apps := []struct {
		bundler string
		files   http.Handler
		// wasm is where the page must have loaded eventsource.wasm from:
		// a file the bundler emitted under a name of its own, except where
		// the build copies it (Rollup) or the dev server serves the
		// package's own.
		wasm string
	}{
		{"vite", built("vite"), `^/assets/eventsource-[\w-]+\.wasm$`},
		{"esbuild", built("esbuild"), `^/eventsource-\w+\.wasm$`},
		{"webpack", built("webpack"), `^/[0-9a-f]+\.wasm$`},
		{"rollup", built("rollup"), `^/eventsource\.wasm$`},
		{"vite dev", httputil.NewSingleHostReverseProxy(viteDev(t, dir)), `^/node_modules/eventsource-wasm/eventsource\.wasm$`},
	}
	b := newProbeBrowser(t)
	for _, app := range apps {
		bundler := app.bundler
		mux := http.NewServeMux()
		srv := newServer(t, fixtures.Config{AllowOrigins: []string{}, Logger: quietLogger(t)}).Handler()
		mux.Handle("/events", srv)
		mux.Handle("/auth/", srv)
		mux.Handle("/", app.files)
		hs := httptest.NewServer(mux)
		t.Cleanup(hs.Close)

		b.console.Reset()
		var raw string
		err := chromedp.Run(b.ctx,
			chromedp.Navigate(hs.URL+"/"),
			chromedp.Poll(`window.result !== undefined`, nil, chromedp.WithPollingTimeout(30*time.Second)),
			chromedp.Evaluate(`JSON.stringify(window.result)`, &raw),
		)
		if err != nil {
			t.Fatalf("%s: %v", bundler, err)
		}
		var r struct {
			Bundler, Thrown string
			Plain, Authed   struct {
				Events []struct{ Type, Data, ID string }
				Errors []string
			}
			Wasm       []string
			Polyfilled bool
		}
		if err := json.Unmarshal([]byte(raw), &r); err != nil {
			t.Fatalf("%s: %v (%s)", bundler, err, raw)
		}
		if r.Thrown != "" || r.Bundler != strings.TrimSuffix(bundler, " dev") {
			t.Fatalf("%s: %s", bundler, raw)
		}
		for name, got := range map[string]struct {
			Events []struct{ Type, Data, ID string }
			Errors []string
		}{"/events": r.Plain, "/auth/bearer-events": r.Authed} {
			if len(got.Events) != 3 || len(got.Errors) != 0 {
				t.Errorf("%s %s: %+v; want 3 events, no error", bundler, name, got)
				continue
			}
			for i, e := range got.Events {
				id := string(rune('0' + i))
				if e.Type != "message" || e.ID != id || !strings.Contains(e.Data, `"n":`+id) {
					t.Errorf("%s %s: event %d = %+v", bundler, name, i, e)
				}
			}
		}
		if len(r.Wasm) != 1 || !regexp.MustCompile(app.wasm).MatchString(r.Wasm[0]) {
			t.Errorf("%s: wasm loaded from %v; want one file matching %s", bundler, r.Wasm, app.wasm)
		}
		if !r.Polyfilled {
			t.Errorf("%s: installPolyfill did not set globalThis.EventSource", bundler)
		}
		if ex := exceptions(b.console.Messages()); len(ex) > 0 {
			t.Errorf("%s: %v", bundler, ex)
		}
	}
}
