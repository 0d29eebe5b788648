// Chromium, through chromedp and the DevTools protocol.

package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/chromedp/cdproto/browser"
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
		removeDir(dataDir)
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

// chromiumPage is a [Page] over a chromedp tab.
type chromiumPage struct {
	ctx     context.Context
	cancel  context.CancelFunc
	version string
}

func openChromium(ctx context.Context) (Page, error) {
	// The tab lives until Close, not until the caller's start deadline.
	tabCtx, cancel, err := New(context.WithoutCancel(ctx))
	if err != nil {
		return nil, err
	}
	p := &chromiumPage{ctx: tabCtx, cancel: cancel}
	if err := p.readVersion(); err != nil {
		cancel()
		return nil, err
	}
	return p, nil
}

// FromTab returns a [Page] on a tab from [New] or [NewTab], for tests that
// open several tabs of one Chromium. Its Close does nothing: the tab's own
// cancel function closes it.
func FromTab(tab context.Context) (Page, error) {
	p := &chromiumPage{ctx: tab, cancel: func() {}}
	if err := p.readVersion(); err != nil {
		return nil, err
	}
	return p, nil
}

// readVersion asks the browser its version: "HeadlessChrome/156.0.8078.114"
// becomes "Chromium 156.0.8078.114".
func (p *chromiumPage) readVersion() error {
	var product string
	err := chromedp.Run(p.ctx, chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		_, product, _, _, _, err = browser.GetVersion().Do(ctx)
		return err
	}))
	if err != nil {
		return fmt.Errorf("browser: chromium version: %w", err)
	}
	_, v, _ := strings.Cut(product, "/")
	p.version = "Chromium " + v
	return nil
}

// Context returns the chromedp context of a Chromium page from [Open], for
// the DevTools calls only Chromium has, or nil for other engines.
func Context(p Page) context.Context {
	if c, ok := p.(*chromiumPage); ok {
		return c.ctx
	}
	return nil
}

func (p *chromiumPage) Engine() Engine  { return Chromium }
func (p *chromiumPage) Version() string { return p.version }

func (p *chromiumPage) Navigate(ctx context.Context, url string) error {
	return p.run(ctx, chromedp.Navigate(url))
}

func (p *chromiumPage) Eval(ctx context.Context, js string, out any) error {
	var s string
	err := p.run(ctx, chromedp.Evaluate(wrapExpr(js), &s, func(ep *runtime.EvaluateParams) *runtime.EvaluateParams {
		return ep.WithAwaitPromise(true)
	}))
	if err != nil {
		return fmt.Errorf("browser: evaluate: %w", err)
	}
	return decodeResult(s, out)
}

func (p *chromiumPage) Errors(context.Context) ([]Message, error) {
	return ConsoleOf(p.ctx).Errors(), nil
}

func (p *chromiumPage) Close() error {
	p.cancel()
	return nil
}

// run runs actions on the tab, bounded by ctx as well as by the tab's life.
func (p *chromiumPage) run(ctx context.Context, actions ...chromedp.Action) error {
	runCtx, cancel := context.WithCancel(p.ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	err := chromedp.Run(runCtx, actions...)
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// decodeResult decodes the JSON text an awaitJSON evaluation produced.
func decodeResult(s string, out any) error {
	if out == nil {
		return nil
	}
	if err := json.Unmarshal([]byte(s), out); err != nil {
		return fmt.Errorf("browser: decode result: %w (%.300s)", err, s)
	}
	return nil
}
