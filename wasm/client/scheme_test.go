package client

import (
	"testing"
	"testing/synctest"
)

// A URL that cannot stream fails the connection at once: one error, Closed,
// no request and no retry, as native EventSource does.
func TestNativeUnstreamableSchemeFails(t *testing.T) {
	for _, url := range []string{"ftp://example.test/x", "mailto:a@example.test", "javascript:1", "about:blank",
		"file:///etc/hosts", "ws://example.test/x"} {
		t.Run(url, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := startAt(t, url, &Options{MaxRetries: 0})
				h.expect("error CLOSED")
				if err := h.result(); err == nil {
					t.Fatal("run returned nil")
				}
				if e := h.rec.lastErr(); e == nil || e.Message == "" {
					t.Errorf("error %v does not say why", e)
				}
				h.noRequest()
			})
		})
	}
}

// http(s), data and blob URLs are fetched.
func TestNativeStreamableSchemes(t *testing.T) {
	for _, url := range []string{"https://example.test/x", "HTTP://example.test/x", "data:text/event-stream,data:%20a%0A%0A",
		"blob:https://example.test/0f3c"} {
		t.Run(url, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := startAt(t, url, nil)
				if r := h.next(); r.url != url {
					t.Errorf("requested %s", r.url)
				}
				h.cancel()
			})
		})
	}
}
