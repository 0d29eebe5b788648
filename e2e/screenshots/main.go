// Command screenshots writes PNG screenshots of the demo page to
// docs/screenshots/ (make screenshots): it starts the project's server in
// process on a free loopback port, opens the Compare, Auth, Try and Lifecycle views in
// Debian's headless Chromium at a laptop size and the Compare view at a
// phone width, drives them to show live content, and captures them.
//
// It needs the wasm modules in web/dist (make wasm) and chromium on PATH
// (make chromium).
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/eventsource-wasm/eventsource-wasm/e2e/browser"
	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
	"github.com/eventsource-wasm/eventsource-wasm/web"
)

func main() {
	out := flag.String("out", "docs/screenshots", "directory for the PNG files")
	timeout := flag.Duration("timeout", 2*time.Minute, "give up after this long")
	flag.Parse()
	if err := run(*out, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "screenshots:", err)
		os.Exit(1)
	}
}

// shot is one screenshot: a page state reached by steps, at a viewport.
type shot struct {
	file          string
	width, height int64
	mobile        bool
	steps         func(base string) chromedp.Tasks
}

func run(outDir string, timeout time.Duration) error {
	for _, f := range []string{"dist/demo.wasm", "dist/eventsource.wasm"} {
		if _, err := fs.Stat(web.FS, f); err != nil {
			return fmt.Errorf("web.FS lacks %s: run `make wasm` first", f)
		}
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	base, stop, err := startServer()
	if err != nil {
		return err
	}
	defer stop()

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	shots := []shot{
		{file: "compare.png", width: 1440, height: 1100, steps: compareSteps},
		{file: "compare-echo.png", width: 1440, height: 1100, steps: echoSteps},
		{file: "auth.png", width: 1440, height: 1100, steps: authSteps},
		{file: "compare-phone.png", width: 390, height: 1400, mobile: true, steps: phoneSteps},
		{file: "try.png", width: 1440, height: 1500, steps: trySteps},
		{file: "lifecycle.png", width: 1440, height: 1100, steps: lifecycleSteps},
	}
	for _, s := range shots {
		if err := take(ctx, base, outDir, s); err != nil {
			return fmt.Errorf("%s: %w", s.file, err)
		}
	}
	return nil
}

// startServer serves the project's server on a free loopback port.
func startServer() (base string, stop func(), err error) {
	srv, err := fixtures.New(fixtures.Config{Static: web.FS, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "screenshots: server:", err)
		}
	}()
	return "http://" + ln.Addr().String(), func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
	}, nil
}

// take runs one shot in a fresh browser (so each starts with no cookie and
// its own six connections) and writes the PNG.
func take(ctx context.Context, base, outDir string, s shot) error {
	bctx, cancel, err := browser.New(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	var png []byte
	tasks := chromedp.Tasks{
		chromedp.EmulateViewport(s.width, s.height, func(p *emulation.SetDeviceMetricsOverrideParams, _ *emulation.SetTouchEmulationEnabledParams) {
			p.Mobile = s.mobile
		}),
	}
	tasks = append(tasks, s.steps(base)...)
	tasks = append(tasks,
		chromedp.Sleep(300*time.Millisecond), // let the last row's highlight fade a little
		chromedp.Evaluate(`shots.hideToasts()`, nil),
		chromedp.CaptureScreenshot(&png),
	)
	if err := chromedp.Run(bctx, tasks); err != nil {
		return err
	}
	if errs := browser.ConsoleOf(bctx).Errors(); len(errs) > 0 {
		for _, m := range errs {
			if m.Source != "network" {
				return fmt.Errorf("the page logged an error: %s", m)
			}
		}
	}
	path := filepath.Join(outDir, s.file)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return err
	}
	fmt.Println("wrote", path)
	return nil
}

// pageJS defines window.shots: what the steps read from the page and do
// to it.
//
//go:embed page.js
var pageJS string

// load opens path, waits for demo.wasm to be ready and installs
// window.shots.
func load(base, path string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Navigate(base + path),
		chromedp.Poll(`document.body.dataset.demo === "ready"`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Evaluate(pageJS, nil),
	}
}

// until polls a JavaScript condition.
func until(cond string) chromedp.Action {
	return chromedp.Poll(cond, nil, chromedp.WithPollingTimeout(30*time.Second), chromedp.WithPollingInterval(100*time.Millisecond))
}

// count is a JavaScript expression for the event count of a pane.
func count(view, side string) string {
	return fmt.Sprintf("shots.count(%q, %q)", view, side)
}

func click(sel string) chromedp.Action { return chromedp.Click(sel, chromedp.ByQuery) }

// compareSteps: a ticker, dropped by the server mid-way, so the panes show
// a reconnect with Last-Event-ID.
func compareSteps(base string) chromedp.Tasks {
	return append(load(base, "/?stream=events&url=/events%3Finterval%3D250ms%26count%3D60%26ts%3D1%26retry%3D800&autostart=1#compare"),
		until(count("cmp", "native")+` >= 8 && `+count("cmp", "wasm")+` >= 8`),
		click("#cmp-drop"),
		until(count("cmp", "native")+` >= 16 && `+count("cmp", "wasm")+` >= 16`),
	)
}

// echoSteps: /echo, where each connection reports its request headers.
func echoSteps(base string) chromedp.Tasks {
	return append(load(base, "/?stream=echo&url=/echo%3Fn%3D3%26interval%3D150ms%26retry%3D500&autostart=1#compare"),
		until(`shots.requests("cmp", "wasm") >= 4`),
	)
}

// authSteps: log in, stream, revoke the token, and let the WASM client
// refresh it through its headers function.
func authSteps(base string) chromedp.Tasks {
	return append(load(base, "/#auth"),
		click("#auth-login"),
		until(`shots.tokenValid()`),
		click("#auth-start"),
		until(count("auth", "wasm")+` >= 5`),
		click("#auth-expire"),
		until(`shots.newToken()`),
		until(count("auth", "wasm")+` >= 10`),
	)
}

// lifecycleSteps: the Lifecycle view's ticker, stalled by the server, until
// the WASM client has retried (cause timeout) and streams again while
// native sits OPEN on the dead connection.
func lifecycleSteps(base string) chromedp.Tasks {
	return append(load(base, "/#lifecycle"),
		click("#life-start"),
		until(count("life", "native")+` >= 5 && `+count("life", "wasm")+` >= 5`),
		click("#life-stall"),
		until(`shots.verdict("life") === "disagree"`),
		until(count("life", "wasm")+` >= `+count("life", "native")+` + 4`),
	)
}

// phoneSteps: the Compare view at a phone width, streaming.
func phoneSteps(base string) chromedp.Tasks {
	return append(load(base, "/?stream=seed&autostart=1#compare"),
		until(count("cmp", "native")+` >= 3 && `+count("cmp", "wasm")+` >= 3`),
	)
}

// trySteps: the Try view on /echo, which reports what each client sent:
// WasmEventSource's Authorization and X-Demo headers, which native cannot
// send, and a starting lastEventId.
func trySteps(base string) chromedp.Tasks {
	return append(load(base, "/#try"),
		chromedp.Evaluate(`shots.choose("try-preset", "echo")`, nil),
		click("#try-add-header"),
		chromedp.SendKeys("#try-headers .header-row:last-child .h-name", "Authorization", chromedp.ByQuery),
		chromedp.SendKeys("#try-headers .header-row:last-child .h-value", "Bearer demo-token", chromedp.ByQuery),
		chromedp.SendKeys("#try-last-id", "2", chromedp.ByQuery),
		chromedp.SendKeys("#try-max-retries", "5", chromedp.ByQuery),
		click("#try-start"),
		until(count("try", "wasm")+` >= 8 && `+count("try", "native")+` >= 8`),
	)
}
