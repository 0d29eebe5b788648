// WebKit: WebKitGTK's MiniBrowser, through WebKitWebDriver (W3C WebDriver),
// on a private Xvfb display.

package browser

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

const (
	webkitDriverExec = "WebKitWebDriver"
	// miniBrowserPath is WebKitGTK's test browser, from Debian's
	// webkit2gtk-driver dependencies; WebKitWebDriver starts it.
	miniBrowserPath = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"
	// scriptTimeout is the WebDriver script timeout: long, because callers
	// bound each evaluation with their context instead.
	scriptTimeout = 30 * time.Minute
)

var (
	//go:embed js/webkit-console.js
	webkitConsoleJS string
	//go:embed js/webkit-errors.js
	webkitErrorsJS string
	//go:embed js/webdriver-eval.js
	webdriverEvalJS string
)

type webkitPage struct {
	x       *xvfb
	cmd     *exec.Cmd
	done    <-chan struct{}
	stderr  *tailBuffer
	wd      *webDriver
	version string
}

func openWebKit(ctx context.Context) (_ Page, err error) {
	p := &webkitPage{}
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	if p.x, err = startXvfb(ctx); err != nil {
		return nil, err
	}
	// The driver listens on a port it is given: one that was free a moment
	// ago may be taken by then, so a driver that exits is tried again.
	for attempt := 0; ; attempt++ {
		err = p.startDriver(ctx)
		if err == nil || attempt == 2 || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	var session struct {
		SessionID    string `json:"sessionId"`
		Capabilities struct {
			BrowserVersion string `json:"browserVersion"`
		} `json:"capabilities"`
	}
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"webkitgtk:browserOptions": map[string]any{"binary": miniBrowserPath, "args": []string{"--automation"}},
	}}}
	if err := p.wd.do(ctx, "POST", "/session", caps, &session); err != nil {
		return nil, err
	}
	p.wd.session = session.SessionID
	p.version = "WebKitGTK " + session.Capabilities.BrowserVersion
	timeouts := map[string]any{"script": scriptTimeout.Milliseconds()}
	if err := p.wd.do(ctx, "POST", p.wd.sessionPath("/timeouts"), timeouts, nil); err != nil {
		return nil, err
	}
	return p, nil
}

// startDriver starts WebKitWebDriver on a free port and waits until its
// status says it is ready.
func (p *webkitPage) startDriver(ctx context.Context) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	p.stderr = &tailBuffer{}
	p.cmd = exec.Command(webkitDriverExec, "--port="+strconv.Itoa(port), "--host=local")
	p.cmd.Env = append(os.Environ(), "DISPLAY="+p.x.display,
		// No accessibility bus, no GPU: a bare X server in a container.
		"NO_AT_BRIDGE=1", "LIBGL_ALWAYS_SOFTWARE=1", "WEBKIT_DISABLE_COMPOSITING_MODE=1", "GDK_BACKEND=x11")
	p.cmd.Stdout, p.cmd.Stderr = p.stderr, p.stderr
	if p.done, err = startGroup(p.cmd); err != nil {
		return fmt.Errorf("browser: start %s: %w", webkitDriverExec, err)
	}
	p.wd = &webDriver{base: "http://127.0.0.1:" + strconv.Itoa(port)}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var status struct {
			Ready bool `json:"ready"`
		}
		sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := p.wd.do(sctx, "GET", "/status", nil, &status)
		cancel()
		if err == nil && status.Ready {
			return nil
		}
		select {
		case <-p.done:
			return errExited(webkitDriverExec, p.stderr)
		case <-ctx.Done():
			stopProcess(p.cmd, p.done, time.Second)
			return fmt.Errorf("browser: %s did not start: %w", webkitDriverExec, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stopProcess(p.cmd, p.done, time.Second)
			return fmt.Errorf("browser: %s not ready within 30s: %v %s", webkitDriverExec, err, p.stderr)
		}
	}
}

func (p *webkitPage) Engine() Engine  { return WebKit }
func (p *webkitPage) Version() string { return p.version }

func (p *webkitPage) Navigate(ctx context.Context, url string) error {
	if err := p.wd.do(ctx, "POST", p.wd.sessionPath("/url"), map[string]any{"url": url}, nil); err != nil {
		return err
	}
	return p.wd.do(ctx, "POST", p.wd.sessionPath("/execute/sync"),
		map[string]any{"script": webkitConsoleJS, "args": []any{}}, nil)
}

func (p *webkitPage) Eval(ctx context.Context, js string, out any) error {
	script := strings.Replace(webdriverEvalJS, "EXPRESSION", wrapExpr(js), 1)
	var v json.RawMessage
	if err := p.wd.do(ctx, "POST", p.wd.sessionPath("/execute/async"), map[string]any{"script": script, "args": []any{}}, &v); err != nil {
		return err
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		var e struct {
			EvalError string `json:"evalError"`
		}
		if json.Unmarshal(v, &e) == nil && e.EvalError != "" {
			return errors.New("browser: evaluate: " + e.EvalError)
		}
		return fmt.Errorf("browser: evaluate: unexpected result %.300s", v)
	}
	return decodeResult(s, out)
}

func (p *webkitPage) Errors(ctx context.Context) ([]Message, error) {
	var msgs []Message
	err := p.wd.do(ctx, "POST", p.wd.sessionPath("/execute/sync"), map[string]any{"script": webkitErrorsJS, "args": []any{}}, &msgs)
	return msgs, err
}

func (p *webkitPage) Close() error {
	if p.wd != nil && p.wd.session != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = p.wd.do(ctx, "DELETE", p.wd.sessionPath(""), nil, nil)
		cancel()
	}
	stopProcess(p.cmd, p.done, 5*time.Second)
	p.x.stop()
	return nil
}
