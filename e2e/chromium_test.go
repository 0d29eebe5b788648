package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/e2e/browser"
)

// newChromium starts a headless Chromium of t's own, bounded by timeout and
// closed by t's cleanup, and returns its first tab's context.
func newChromium(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	bctx, bcancel, err := browser.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bcancel)
	return bctx
}
