// Package browser starts Debian's headless Chromium for the project's
// browser tests and tools, through chromedp, and collects what the page
// reports on its console so a caller can assert that a page ran cleanly.
//
// It never downloads a browser: it runs the chromium found on PATH (install
// it with `make chromium`), with a throw-away profile directory that is
// removed when the returned context is cancelled.
package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// ExecName is the browser binary looked up on PATH: Debian's chromium package.
const ExecName = "chromium"

// New starts a headless Chromium and returns a chromedp tab context for it,
// ready for chromedp.Run, with a [Console] attached (see [ConsoleOf]).
// The cancel function closes the browser, waits for its process to exit and
// removes its temporary profile directory. The browser also stops when ctx
// is done.
func New(ctx context.Context) (context.Context, context.CancelFunc, error) {
	execPath, err := exec.LookPath(ExecName)
	if err != nil {
		return nil, nil, fmt.Errorf("browser: %s not found on PATH (run `make chromium`): %w", ExecName, err)
	}
	dataDir, err := os.MkdirTemp("", "eventsource-wasm-chromium-")
	if err != nil {
		return nil, nil, fmt.Errorf("browser: profile directory: %w", err)
	}
	// The flags the project's contract fixes (root needs --no-sandbox; QUIC and
	// background networking off so the test server sees only the page's
	// requests), plus chromedp's usual automation defaults.
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(execPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// Timers in a hidden headless tab must not be throttled: reconnect
		// delays are what the tests measure.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.UserDataDir(dataDir),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, allocCancel := chromedp.NewExecAllocator(ctx, opts...)
	tabCtx, tabCancel := chromedp.NewContext(allocCtx)
	console := &Console{}
	tabCtx = context.WithValue(tabCtx, consoleKey{}, console)
	chromedp.ListenTarget(tabCtx, console.handle)

	cancel := func() {
		tabCancel()
		allocCancel() // waits for the browser process to exit
		removeProfile(dataDir)
	}
	// An empty Run starts the browser and opens the tab, so a broken
	// installation is reported here rather than at the caller's first action.
	if err := chromedp.Run(tabCtx); err != nil {
		cancel()
		return nil, nil, fmt.Errorf("browser: start %s: %w", execPath, err)
	}
	return tabCtx, cancel, nil
}

// NewTab opens another tab in the browser of ctx (a context returned by
// [New] or NewTab), with its own [Console]. Tabs of one browser share its
// profile: cookies, the HTTP connection pool and shared workers. The
// cancel function closes the tab, as a user closing it would.
func NewTab(ctx context.Context) (context.Context, context.CancelFunc, error) {
	tabCtx, cancel := chromedp.NewContext(ctx)
	console := &Console{}
	tabCtx = context.WithValue(tabCtx, consoleKey{}, console)
	chromedp.ListenTarget(tabCtx, console.handle)
	if err := chromedp.Run(tabCtx); err != nil {
		cancel()
		return nil, nil, fmt.Errorf("browser: new tab: %w", err)
	}
	return tabCtx, cancel, nil
}

// removeProfile deletes a profile directory. Chromium's helper processes
// (the network service) outlive the browser process by a moment and may
// still write a file into it, which makes a single RemoveAll fail with the
// directory not empty: retry for a bounded while.
func removeProfile(dir string) {
	deadline := time.Now().Add(5 * time.Second)
	for os.RemoveAll(dir) != nil && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
}

// Message is one thing the page reported: a console call, an uncaught
// exception, or a browser log entry (for example a failed resource load).
type Message struct {
	// Source is "console" for console.* calls, "exception" for uncaught
	// exceptions and unhandled rejections, or the browser log's own source
	// ("network", "javascript", "security", …) for log entries.
	Source string
	// Level is "error", "warning", "info", "log", "debug" or "verbose".
	Level string
	Text  string
	// URL is the resource the entry is about, when the browser names one.
	URL string
}

func (m Message) String() string {
	s := m.Source + " " + m.Level + ": " + m.Text
	if m.URL != "" {
		s += " (" + m.URL + ")"
	}
	return s
}

// Console collects the messages of one tab. It is safe for concurrent use.
type Console struct {
	mu   sync.Mutex
	msgs []Message
}

type consoleKey struct{}

// ConsoleOf returns the Console attached to a context returned by [New] (or a
// context derived from it), or nil.
func ConsoleOf(ctx context.Context) *Console {
	c, _ := ctx.Value(consoleKey{}).(*Console)
	return c
}

// Messages returns every message collected so far, in arrival order.
func (c *Console) Messages() []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Message(nil), c.msgs...)
}

// Errors returns the error-level messages: console.error and failed
// console.assert calls, uncaught exceptions, and error log entries. Failed
// loads count, including Chromium's automatic /favicon.ico request: a page
// without an icon declares one (for example <link rel=icon href="data:,">).
func (c *Console) Errors() []Message {
	var errs []Message
	for _, m := range c.Messages() {
		if m.Level == "error" {
			errs = append(errs, m)
		}
	}
	return errs
}

// Reset forgets the messages collected so far.
func (c *Console) Reset() {
	c.mu.Lock()
	c.msgs = nil
	c.mu.Unlock()
}

// Err returns nil when no error-level message was collected, or an error
// listing them, for tests that assert a clean console.
func (c *Console) Err() error {
	errs := c.Errors()
	if len(errs) == 0 {
		return nil
	}
	lines := make([]string, len(errs))
	for i, m := range errs {
		lines[i] = m.String()
	}
	return errors.New("browser console errors:\n\t" + strings.Join(lines, "\n\t"))
}

func (c *Console) add(m Message) {
	c.mu.Lock()
	c.msgs = append(c.msgs, m)
	c.mu.Unlock()
}

// handle runs on chromedp's event loop, so it only records and never blocks.
func (c *Console) handle(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		level := string(ev.Type)
		switch ev.Type {
		case runtime.APITypeError, runtime.APITypeAssert:
			level = "error"
		case runtime.APITypeWarning:
			level = "warning"
		}
		args := make([]string, 0, len(ev.Args))
		for _, a := range ev.Args {
			args = append(args, remoteText(a))
		}
		c.add(Message{Source: "console", Level: level, Text: strings.Join(args, " ")})
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil {
			text += " " + remoteText(d.Exception)
		}
		c.add(Message{Source: "exception", Level: "error", Text: strings.TrimSpace(text), URL: d.URL})
	case *cdplog.EventEntryAdded:
		e := ev.Entry
		c.add(Message{Source: string(e.Source), Level: string(e.Level), Text: e.Text, URL: e.URL})
	}
}

// remoteText renders a console argument or exception the way DevTools would
// show it in one line: the value for primitives, the description otherwise.
func remoteText(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	if o.Type == runtime.TypeString {
		var s string
		if err := json.Unmarshal(o.Value, &s); err == nil {
			return s
		}
	}
	if len(o.Value) > 0 {
		return string(o.Value)
	}
	if o.Description != "" {
		return o.Description
	}
	if o.UnserializableValue != "" {
		return string(o.UnserializableValue)
	}
	return string(o.Type)
}
