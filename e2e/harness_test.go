package e2e

import (
	_ "embed"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/e2e/browser"
)

// lifecycleJS is the page side of the API and lifecycle tests: it sets
// window.lt (see the file).
//
//go:embed testdata/lifecycle.js
var lifecycleJS string

// openHarness loads /conformance.html from ts in a new browser and adds
// window.lt to it.
func openHarness(t *testing.T, ts *testServer, timeout time.Duration) *page {
	t.Helper()
	p := openPage(t, browser.Chromium, ts, "/conformance.html", timeout)
	p.eval(lifecycleJS, nil)
	return p
}

// lt calls window.lt[fn] with args (JSON-encoded), awaits it, and
// decodes its result into out (when not nil).
func (p *page) lt(out any, fn string, args ...any) {
	p.t.Helper()
	parts := make([]string, len(args))
	for i, a := range args {
		b, err := json.Marshal(a)
		if err != nil {
			p.t.Fatalf("lt.%s: argument %d: %v", fn, i, err)
		}
		parts[i] = string(b)
	}
	p.eval("window.lt."+fn+"("+strings.Join(parts, ", ")+")", out)
}

// logEntry is one thing a source reported, as window.lt records it.
type logEntry struct {
	T         float64 `json:"t"` // ms since the page's time origin
	Ev        string  `json:"ev"`
	RS        int     `json:"rs"`
	Cls       string  `json:"cls"`
	Status    *int    `json:"status"`
	Type      string  `json:"type"`
	WillRetry *bool   `json:"willRetry"`
	Message   *string `json:"message"`
	Attempt   int     `json:"attempt"`
	Delay     float64 `json:"delay"`
	Cause     string  `json:"cause"`
	ID        string  `json:"id"`
	Data      string  `json:"data"`
}

// sourceLog returns the log of the named source.
func (p *page) sourceLog(name string) []logEntry {
	p.t.Helper()
	var log []logEntry
	p.lt(&log, "log", name)
	return log
}

// waitLog waits until the named source logged n events of type ev (after
// entry from), and returns its log.
func (p *page) waitLog(name, ev string, n int, within time.Duration, from int) []logEntry {
	p.t.Helper()
	var log []logEntry
	p.lt(&log, "waitFor", name, ev, n, within.Milliseconds(), from)
	return log
}

// entries returns the entries of log of type ev.
func entries(log []logEntry, ev string) []logEntry {
	var out []logEntry
	for _, e := range log {
		if e.Ev == ev {
			out = append(out, e)
		}
	}
	return out
}

// openStreams asks the server how many streams of a session are open.
func (ts *testServer) openStreams(t *testing.T, session string) int {
	t.Helper()
	resp, err := http.Get(ts.URL + "/sessions/" + session)
	if err != nil {
		t.Fatalf("GET /sessions/%s: %v", session, err)
	}
	defer resp.Body.Close()
	var info struct {
		OpenStreams int `json:"open_streams"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		t.Fatalf("GET /sessions/%s: %v", session, err)
	}
	return info.OpenStreams
}
