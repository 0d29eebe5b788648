package e2e

import (
	"context"
	_ "embed"
	"encoding/json"
	"log"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/cdproto/security"
	"github.com/chromedp/chromedp"

	"github.com/eventsource-wasm/eventsource-wasm/server/api"
	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
)

//go:embed testdata/streams.html
var streamsPage []byte

// streamsState is window.streams of testdata/streams.html.
type streamsState struct {
	Opened         int      `json:"opened"`
	Received       int      `json:"received"`
	ReceivedNative int      `json:"receivedNative"`
	ReceivedOurs   int      `json:"receivedOurs"`
	Errors         []string `json:"errors"`
}

// streamsServer serves the project's server plus testdata/streams.html,
// over TLS with HTTP/2 when tls is set, else plain HTTP/1.1, counting its
// connections with fixtures.App.ConnState.
func streamsServer(t *testing.T, tls bool) (*fixtures.App, *httptest.Server) {
	t.Helper()
	hs := httptest.NewUnstartedServer(nil)
	t.Cleanup(hs.Close)
	app := newServer(t, fixtures.Config{Logger: quietLogger(t)})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /streams.html", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(streamsPage)
	})
	mux.Handle("/", app.Handler())
	hs.Config.Handler = mux
	hs.Config.ConnState = app.ConnState
	// Chromium tries the self-signed certificate once before it ignores
	// the error: the failed handshakes go to the test's log.
	hs.Config.ErrorLog = log.New(testWriter{t}, "", 0)
	if tls {
		hs.EnableHTTP2 = true
		hs.StartTLS()
	} else {
		hs.Start()
	}
	return app, hs
}

// health asks the app in process, so that asking opens no connection.
func health(t *testing.T, app *fixtures.App) api.Health {
	t.Helper()
	rec := httptest.NewRecorder()
	app.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	var h api.Health
	if err := json.Unmarshal(rec.Body.Bytes(), &h); err != nil {
		t.Fatal(err)
	}
	return h
}

// openStreams loads testdata/streams.html from hs in a new headless
// Chromium that ignores certificate errors, and returns its tab.
func openStreams(t *testing.T, hs *httptest.Server, query string) context.Context {
	t.Helper()
	requireWasm(t)
	bctx := newChromium(t, 60*time.Second)
	if err := chromedp.Run(bctx,
		security.SetIgnoreCertificateErrors(true),
		chromedp.Navigate(hs.URL+"/streams.html?"+query),
	); err != nil {
		t.Fatal(err)
	}
	return bctx
}

// pollStreams reads window.streams until done says yes, within 30 s.
func pollStreams(t *testing.T, ctx context.Context, done func(streamsState) bool) streamsState {
	t.Helper()
	var s streamsState
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if err := chromedp.Run(ctx, chromedp.Evaluate(`window.streams || {}`, &s)); err != nil {
			t.Fatal(err)
		}
		if done(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("window.streams %+v: not there within 30s", s)
		}
	}
}

// Over HTTP/2 one page holds 12 streams, native and ours, on one TCP
// connection.
func TestHTTP2TwelveStreamsOneConnection(t *testing.T) {
	app, hs := streamsServer(t, true)
	tab := openStreams(t, hs, "native=6&ours=6")
	s := pollStreams(t, tab, func(s streamsState) bool { return s.Received == 12 })
	if s.ReceivedNative != 6 || s.ReceivedOurs != 6 || len(s.Errors) != 0 {
		t.Fatalf("window.streams %+v", s)
	}
	if h := health(t, app); h.Streams != 12 || h.Connections != 1 {
		t.Fatalf("the server reports %d streams on %d connections, want 12 on 1", h.Streams, h.Connections)
	}
}

// Over HTTP/1.1 the same page gets only 6 streams: Chromium's limit of
// connections per origin.
func TestHTTP1SixStreams(t *testing.T) {
	app, hs := streamsServer(t, false)
	tab := openStreams(t, hs, "native=6&ours=6")
	pollStreams(t, tab, func(s streamsState) bool { return s.Opened == 12 && s.Received >= 6 })
	time.Sleep(2 * time.Second) // the others would receive within 200 ms of a connection
	s := pollStreams(t, tab, func(streamsState) bool { return true })
	if s.Received != 6 {
		t.Fatalf("window.streams %+v: %d streams received, want 6", s, s.Received)
	}
	if h := health(t, app); h.Streams != 6 || h.Connections != 6 {
		t.Fatalf("the server reports %d streams on %d connections, want 6 on 6", h.Streams, h.Connections)
	}
}
