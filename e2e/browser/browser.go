// Package browser drives real browsers for the project's tests and tools:
// Debian's Chromium (through chromedp), Firefox ESR (through WebDriver BiDi,
// which Firefox serves itself) and WebKitGTK's MiniBrowser (through
// WebKitWebDriver, a W3C WebDriver, on a private Xvfb display).
//
// [Open] gives an engine-neutral [Page]: navigate, evaluate a JavaScript
// expression and read its JSON value, and collect what the page reported as
// errors. [New] gives the raw chromedp context for Chromium-only tools.
//
// It never downloads a browser: it runs the packages found on this machine
// (install them with `make chromium firefox webkit`), each with a throw-away
// profile that is removed when the page is closed.
package browser

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// Engine names a browser engine.
type Engine string

// The engines the tests run in.
const (
	Chromium Engine = "chromium"
	Firefox  Engine = "firefox"
	WebKit   Engine = "webkit"
)

// AllEngines returns every engine, in the order the tests run them.
func AllEngines() []Engine { return []Engine{Chromium, Firefox, WebKit} }

// ParseEngines parses a comma-separated list of engine names, such as
// "chromium,webkit". An empty list means every engine.
func ParseEngines(list string) ([]Engine, error) {
	if strings.TrimSpace(list) == "" {
		return AllEngines(), nil
	}
	var out []Engine
	for _, name := range strings.Split(list, ",") {
		e := Engine(strings.ToLower(strings.TrimSpace(name)))
		switch e {
		case Chromium, Firefox, WebKit:
		default:
			return nil, fmt.Errorf("browser: unknown engine %q: want chromium, firefox or webkit", name)
		}
		if !containsEngine(out, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

func containsEngine(list []Engine, e Engine) bool {
	for _, x := range list {
		if x == e {
			return true
		}
	}
	return false
}

// Check reports whether the engine's programs are installed, and if not,
// which make target installs them.
func (e Engine) Check() error {
	var need []string
	switch e {
	case Chromium:
		need = []string{ExecName}
	case Firefox:
		need = []string{firefoxExec}
	case WebKit:
		need = []string{webkitDriverExec, xvfbExec, miniBrowserPath}
	default:
		return fmt.Errorf("browser: unknown engine %q", string(e))
	}
	for _, p := range need {
		if _, err := exec.LookPath(p); err != nil {
			return fmt.Errorf("browser: %s needs %s (run `make %s`): %w", e, p, e, err)
		}
	}
	return nil
}

// Page is one browser window, with its own browser process and profile.
// Its methods are not safe for concurrent use.
type Page interface {
	// Engine is the engine the page runs in.
	Engine() Engine
	// Version names the browser and its version, e.g. "Firefox 153.8.0esr".
	Version() string
	// Navigate loads url and returns when its load event has fired.
	Navigate(ctx context.Context, url string) error
	// Eval evaluates the JavaScript expression js in the page, awaits it
	// when it is a promise, and decodes its JSON value into out (which
	// may be nil). A thrown exception is returned as an error.
	Eval(ctx context.Context, js string, out any) error
	// Errors returns the error-level messages the page reported so far:
	// console.error, uncaught exceptions and unhandled rejections, and
	// failed loads (Source "network") in Chromium and WebKit. Firefox's
	// BiDi log has no network entries. WebKit reports only what happened
	// after the last Navigate returned (see js/webkit-console.js).
	Errors(ctx context.Context) ([]Message, error)
	// Close stops the browser and removes its profile.
	Close() error
}

// Open starts a browser of engine e and returns a page on about:blank. The
// browser stops when the page is closed; ctx bounds the start only.
func Open(ctx context.Context, e Engine) (Page, error) {
	if err := e.Check(); err != nil {
		return nil, err
	}
	switch e {
	case Chromium:
		return openChromium(ctx)
	case Firefox:
		return openFirefox(ctx)
	case WebKit:
		return openWebKit(ctx)
	}
	return nil, errors.New("browser: unreachable")
}

// awaitJSON is the expression every engine evaluates: the caller's
// expression, awaited, serialised with JSON.stringify.
//
//go:embed js/await-json.js
var awaitJSON string

// wrapExpr returns the awaitJSON expression around js.
func wrapExpr(js string) string {
	return strings.Replace(awaitJSON, "EXPRESSION", js, 1)
}
