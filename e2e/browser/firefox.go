// Firefox, through the WebDriver BiDi server built into Firefox.

package browser

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// firefoxExec is Debian's Firefox ESR. Debian ships no geckodriver, and none
// is needed: Firefox serves WebDriver BiDi itself (--remote-debugging-port).
const firefoxExec = "firefox-esr"

// firefoxPrefs is the profile's user.js.
//
//go:embed js/firefox-user.js
var firefoxPrefs []byte

// firefoxStartTimeout bounds the wait for Firefox's BiDi server to listen:
// a cold start on a busy 2-core machine takes seconds.
const firefoxStartTimeout = 90 * time.Second

type firefoxPage struct {
	cmd     *exec.Cmd
	done    <-chan struct{}
	profile string
	stderr  *tailBuffer
	bidi    *bidiConn
	context string // the browsing context (tab) the page drives
	version string

	mu   sync.Mutex
	msgs []Message
}

func openFirefox(ctx context.Context) (_ Page, err error) {
	profile, err := os.MkdirTemp("", "eventsource-wasm-firefox-")
	if err != nil {
		return nil, fmt.Errorf("browser: profile directory: %w", err)
	}
	p := &firefoxPage{profile: profile, stderr: &tailBuffer{}}
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	if err := os.WriteFile(filepath.Join(profile, "user.js"), firefoxPrefs, 0o644); err != nil {
		return nil, fmt.Errorf("browser: firefox profile: %w", err)
	}
	// Port 0: Firefox picks a free port and prints the address it listens on.
	listening := make(chan string, 1)
	p.stderr.watch = func(line string) {
		if addr, ok := strings.CutPrefix(strings.TrimSpace(line), "WebDriver BiDi listening on "); ok {
			select {
			case listening <- addr:
			default:
			}
		}
	}
	p.cmd = exec.Command(firefoxExec, "--headless", "--no-remote", "--profile", profile,
		"--remote-debugging-port", "0", "about:blank")
	p.cmd.Env = append(os.Environ(), "MOZ_CRASHREPORTER_DISABLE=1", "MOZ_DISABLE_AUTO_SAFE_MODE=1")
	p.cmd.Stdout, p.cmd.Stderr = p.stderr, p.stderr
	if p.done, err = startGroup(p.cmd); err != nil {
		return nil, fmt.Errorf("browser: start %s: %w", firefoxExec, err)
	}
	var addr string
	select {
	case addr = <-listening:
	case <-p.done:
		return nil, errExited(firefoxExec, p.stderr)
	case <-ctx.Done():
		return nil, fmt.Errorf("browser: %s did not start: %w", firefoxExec, ctx.Err())
	case <-time.After(firefoxStartTimeout):
		return nil, fmt.Errorf("browser: %s did not listen within %v: %s", firefoxExec, firefoxStartTimeout, p.stderr)
	}
	if p.bidi, err = dialBiDi(ctx, addr+"/session", p.event); err != nil {
		return nil, err
	}
	var session struct {
		Capabilities struct {
			BrowserVersion string `json:"browserVersion"`
		} `json:"capabilities"`
	}
	if err := p.bidi.call(ctx, "session.new", map[string]any{"capabilities": map[string]any{}}, &session); err != nil {
		return nil, err
	}
	p.version = "Firefox " + session.Capabilities.BrowserVersion
	if err := p.bidi.call(ctx, "session.subscribe", map[string]any{"events": []string{"log.entryAdded"}}, nil); err != nil {
		return nil, err
	}
	var tree struct {
		Contexts []struct {
			Context string `json:"context"`
		} `json:"contexts"`
	}
	if err := p.bidi.call(ctx, "browsingContext.getTree", map[string]any{"maxDepth": 0}, &tree); err != nil {
		return nil, err
	}
	if len(tree.Contexts) == 0 {
		return nil, errors.New("browser: firefox has no browsing context")
	}
	p.context = tree.Contexts[0].Context
	return p, nil
}

func (p *firefoxPage) Engine() Engine  { return Firefox }
func (p *firefoxPage) Version() string { return p.version }

func (p *firefoxPage) Navigate(ctx context.Context, url string) error {
	return p.bidi.call(ctx, "browsingContext.navigate",
		map[string]any{"context": p.context, "url": url, "wait": "complete"}, nil)
}

func (p *firefoxPage) Eval(ctx context.Context, js string, out any) error {
	var r struct {
		Type   string `json:"type"`
		Result struct {
			Type  string `json:"type"`
			Value string `json:"value"`
		} `json:"result"`
		ExceptionDetails struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	err := p.bidi.call(ctx, "script.evaluate", map[string]any{
		"expression":      wrapExpr(js),
		"target":          map[string]any{"context": p.context},
		"awaitPromise":    true,
		"resultOwnership": "none",
	}, &r)
	if err != nil {
		return err
	}
	if r.Type == "exception" {
		return fmt.Errorf("browser: evaluate: %s", r.ExceptionDetails.Text)
	}
	return decodeResult(r.Result.Value, out)
}

// event records log.entryAdded: console calls ("console") and uncaught
// errors ("javascript").
func (p *firefoxPage) event(method string, params json.RawMessage) {
	if method != "log.entryAdded" {
		return
	}
	var e struct {
		Type  string `json:"type"`
		Level string `json:"level"`
		Text  string `json:"text"`
	}
	if json.Unmarshal(params, &e) != nil {
		return
	}
	m := Message{Source: e.Type, Level: e.Level, Text: e.Text}
	if e.Type == "javascript" {
		m.Source = "exception"
	}
	if e.Level == "warn" {
		m.Level = "warning"
	}
	p.mu.Lock()
	p.msgs = append(p.msgs, m)
	p.mu.Unlock()
}

func (p *firefoxPage) Errors(context.Context) ([]Message, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []Message
	for _, m := range p.msgs {
		if m.Level == "error" {
			errs = append(errs, m)
		}
	}
	return errs, nil
}

func (p *firefoxPage) Close() error {
	if p.bidi != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = p.bidi.call(ctx, "browser.close", nil, nil)
		cancel()
		_ = p.bidi.close()
	}
	stopProcess(p.cmd, p.done, 5*time.Second)
	removeDir(p.profile)
	return nil
}
