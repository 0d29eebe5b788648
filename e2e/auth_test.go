package e2e

import (
	_ "embed"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/e2e/browser"
	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
)

// authJS holds the scenarios, loginJS the login function they use (which
// the shared tests' tab page loads too).
var (
	//go:embed testdata/auth.js
	authJS string
	//go:embed testdata/login.js
	loginJS string
)

type authResult struct {
	Log   []string `json:"log"`
	IDs   []string `json:"ids"`
	Calls int      `json:"calls"`
}

// TestAuth checks that a headers function's Authorization: Bearer header
// reaches /auth/events, and that when the token ends (revoked once the
// stream has events; the server then ends the stream, as at expiry) the
// reconnect asks the function again, sends the fresh token and keeps
// Last-Event-ID, so the events continue without a gap or a duplicate.
func TestAuth(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, fixtures.Config{})
	forEachEngine(t, func(t *testing.T, e browser.Engine) {
		testAuth(t, ts, openPage(t, e, ts, "/conformance.html", 60*time.Second))
	})
}

func testAuth(t *testing.T, ts *testServer, p *page) {
	t.Run("token-refresh", func(t *testing.T) {
		p := p.with(t)
		session := "auth-refresh-" + string(p.bp.Engine())
		var r authResult
		p.call(loginJS+authJS, "tokenRefresh", &r, session)

		reqs := ts.rec.session(session)
		if len(reqs) != 2 {
			t.Fatalf("server saw %d requests, want 2 (first token, then the refreshed one):\n%s\nlog: %q",
				len(reqs), requestLines(reqs), r.Log)
		}
		for i, q := range reqs {
			if q.AuthScheme != "Bearer" {
				t.Errorf("request %d: Authorization scheme %q, want Bearer", i, q.AuthScheme)
			}
			if len(q.Cookies) != 0 {
				t.Errorf("request %d sent cookies %q: the header alone must authorise", i, q.Cookies)
			}
		}
		if reqs[0].AuthPrint == reqs[1].AuthPrint {
			t.Error("the reconnect sent the expired token again")
		}
		if reqs[0].HasLEID {
			t.Errorf("first request sent Last-Event-ID %q", reqs[0].LastEventID)
		}
		if r.Calls != 2 {
			t.Errorf("headers function called %d times, want 2 (connect, reconnect)", r.Calls)
		}

		// Ids run 0, 1, 2, … across the reconnect, and the reconnect
		// resumed from the last one received before it.
		for i, id := range r.IDs {
			if id != strconv.Itoa(i) {
				t.Fatalf("event %d has id %q: gap or duplicate; ids %q", i, id, r.IDs)
			}
		}
		opens, before, errors := 0, 0, 0
		for _, l := range r.Log {
			switch {
			case strings.HasPrefix(l, "open"):
				opens++
			case strings.HasPrefix(l, "error"):
				errors++
			case strings.HasPrefix(l, "message ") && errors == 0:
				before++
			}
		}
		if opens != 2 || errors != 1 {
			t.Errorf("%d opens and %d errors, want 2 and 1: log %q", opens, errors, r.Log)
		}
		if before == 0 {
			t.Fatalf("no event before the reconnect: log %q", r.Log)
		}
		want := r.IDs[before-1]
		if !reqs[1].HasLEID || reqs[1].LastEventID != want {
			t.Errorf("reconnect Last-Event-ID %q (present %v), want %q", reqs[1].LastEventID, reqs[1].HasLEID, want)
		}
	})

	// A 401 while the headers function holds a stale token: the function is
	// asked again and the request retried once.
	t.Run("401-retry", func(t *testing.T) {
		p := p.with(t)
		session := "auth-401-" + string(p.bp.Engine())
		var r authResult
		p.call(loginJS+authJS, "staleToken", &r, session)
		reqs := ts.rec.session(session)
		if len(reqs) != 2 || reqs[0].AuthPrint == reqs[1].AuthPrint {
			t.Errorf("want 2 requests with different tokens, got:\n%s", requestLines(reqs))
		}
		if r.Calls != 2 {
			t.Errorf("headers function called %d times, want 2", r.Calls)
		}
		t.Logf("log: %q", r.Log)
	})

	for _, e := range p.pageErrors() {
		t.Errorf("console: %s", e)
	}
}
