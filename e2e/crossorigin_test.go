package e2e

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/e2e/browser"
	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
)

//go:embed testdata/crossorigin.js
var crossOriginJS string

// foreignStream is a server on another origin built for native EventSource
// clients only: its stream response allows the page's origin (with
// credentials), and its answer to a CORS preflight is set by preflight:
//
//   - "405": it does not handle OPTIONS at all;
//   - "no-header": it answers, allowing the origin and GET but no request
//     header, so not Last-Event-ID;
//   - "allow": it allows Last-Event-ID.
//
// Its stream resumes after the last event ID (header, else the lastEventId
// query parameter), sends two events and ends: a server-side drop.
type foreignStream struct {
	preflight string
	mu        sync.Mutex
	log       []foreignRequest
}

// foreignRequest is what the foreign server's log keeps of a request.
type foreignRequest struct {
	Method string
	Impl   string // the impl= query parameter: native, wasm or again
	Route  string // where the last event ID travelled: header=ID, query=ID or none
	Cookie bool   // the page's cookie came along (credentials were sent)
}

func (f foreignRequest) String() string {
	return fmt.Sprintf("%-7s %-6s %-10s cookie=%v", f.Method, f.Impl, f.Route, f.Cookie)
}

func (s *foreignStream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := foreignRequest{Method: r.Method, Impl: r.URL.Query().Get("impl"), Route: "none"}
	id := ""
	if v := r.Header.Values("Last-Event-ID"); len(v) > 0 {
		rec.Route, id = "header="+v[0], v[0]
	} else if q := r.URL.Query(); q.Has("lastEventId") {
		rec.Route, id = "query="+q.Get("lastEventId"), q.Get("lastEventId")
	}
	_, err := r.Cookie("xo")
	rec.Cookie = err == nil
	s.mu.Lock()
	s.log = append(s.log, rec)
	s.mu.Unlock()

	h := w.Header()
	allowOrigin := func() {
		if o := r.Header.Get("Origin"); o != "" {
			h.Set("Access-Control-Allow-Origin", o)
			h.Set("Access-Control-Allow-Credentials", "true")
		}
	}
	switch r.Method {
	case http.MethodOptions:
		switch s.preflight {
		case "405":
			h.Set("Allow", "GET, HEAD")
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		case "allow":
			h.Set("Access-Control-Allow-Headers", "Last-Event-ID")
		}
		allowOrigin()
		h.Set("Access-Control-Allow-Methods", "GET")
		w.WriteHeader(http.StatusNoContent)
		return
	case http.MethodGet:
	default:
		w.WriteHeader(http.StatusOK) // the HEAD probe
		return
	}
	allowOrigin()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	n, _ := strconv.Atoi(id)
	fmt.Fprintf(w, "retry: 100\n\nid: %d\ndata: e%d\n\nid: %d\ndata: e%d\n\n", n+1, n+1, n+2, n+2)
}

// requests returns the logged requests of impl.
func (s *foreignStream) requests(impl string) []foreignRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []foreignRequest
	for _, r := range s.log {
		if r.Impl == impl {
			out = append(out, r)
		}
	}
	return out
}

// followResult mirrors what testdata/crossorigin.js reports of one
// EventSource.
type followResult struct {
	Messages []string `json:"messages"`
	Opens    int      `json:"opens"`
	Errors   []string `json:"errors"`  // each error event's readyState
	Details  []string `json:"details"` // ours' error messages
	TimedOut bool     `json:"timedOut"`
}

// TestCrossOriginLastEventID: a stream from another origin carries on
// across three server-side drops whatever the server's answer to a CORS
// preflight, with and without credentials, as native EventSource does. The
// last event ID travels in the Last-Event-ID header where the server
// allows it, else in the lastEventId query parameter, and the page's
// console says so once per origin.
func TestCrossOriginLastEventID(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, fixtures.Config{})
	forEachEngine(t, func(t *testing.T, e browser.Engine) {
		testCrossOriginLastEventID(t, e, ts)
	})
}

func testCrossOriginLastEventID(t *testing.T, e browser.Engine, ts *testServer) {
	p := openPage(t, e, ts, "/conformance.html", 4*time.Minute)
	const events = 8 // three drops: four connections of two events
	want := make([]string, events)
	for i := range want {
		want[i] = fmt.Sprintf("%d:e%d", i+1, i+1)
	}
	for _, preflight := range []string{"405", "no-header", "allow"} {
		for _, creds := range []bool{false, true} {
			t.Run(fmt.Sprintf("preflight=%s/credentials=%v", preflight, creds), func(t *testing.T) {
				fs := &foreignStream{preflight: preflight}
				hs := httptest.NewServer(fs)
				t.Cleanup(hs.Close)
				sub := p.with(t)
				args, _ := json.Marshal(map[string]any{"url": hs.URL + "/stream", "withCredentials": creds, "events": events})
				var res struct {
					Native, Wasm, Again followResult
					Warnings            []string
				}
				sub.eval("("+crossOriginJS+")("+string(args)+")", &res)
				for _, impl := range []string{"native", "wasm", "again"} {
					for _, r := range fs.requests(impl) {
						t.Logf("server log: %s", r)
					}
				}

				for name, r := range map[string]followResult{"native": res.Native, "ours": res.Wasm} {
					if !slices.Equal(r.Messages, want) || r.Opens != 4 || r.TimedOut ||
						!slices.Equal(r.Errors, []string{"rs=0", "rs=0", "rs=0"}) {
						t.Errorf("%s: %+v\nwant messages %q over 4 opens and 3 reconnecting errors", name, r, want)
					}
				}

				// Where ours sent the id, and what else it asked.
				idIn := "query="
				if preflight == "allow" {
					idIn = "header="
				}
				var routes []string
				options := 0
				for _, r := range fs.requests("wasm") {
					switch r.Method {
					case http.MethodGet:
						routes = append(routes, r.Route)
						if r.Cookie != creds {
							t.Errorf("a GET carried the cookie: %v, with credentials: %v", r.Cookie, creds)
						}
					case http.MethodOptions:
						options++
					}
				}
				if w := []string{"none", idIn + "2", idIn + "4", idIn + "6"}; !slices.Equal(routes, w) {
					t.Errorf("ours sent the id as %q, want %q", routes, w)
				}
				if options == 0 {
					t.Error("ours sent no preflight: the test server does not test the refusal")
				}
				if preflight != "allow" && options != 1 {
					t.Errorf("ours sent %d preflights, want the one refused", options)
				}

				// A new connection to the origin starts with the id where it
				// worked, without asking again where it was refused.
				again := fs.requests("again")
				if res.Again.TimedOut || len(res.Again.Messages) != 1 || len(again) == 0 {
					t.Fatalf("second connection: %+v, requests %v", res.Again, again)
				}
				if preflight != "allow" && (again[0].Method != http.MethodGet || again[0].Route != "query=8") {
					t.Errorf("second connection's first request: %s, want a GET with query=8", again[0])
				}
				if preflight == "allow" && !slices.ContainsFunc(again, func(r foreignRequest) bool { return r.Route == "header=8" }) {
					t.Errorf("second connection did not send the header: %v", again)
				}

				// One console warning where the header was refused, naming the
				// origin.
				var warnings []string
				for _, w := range res.Warnings {
					if strings.Contains(w, "Last-Event-ID") {
						warnings = append(warnings, w)
					}
				}
				switch {
				case preflight == "allow" && len(warnings) != 0:
					t.Errorf("warnings although the header was allowed: %q", warnings)
				case preflight != "allow" && (len(warnings) != 1 || !strings.Contains(warnings[0], hs.URL)):
					t.Errorf("warnings %q, want one naming %s", warnings, hs.URL)
				}
				if errs := sub.pageErrors(); len(errs) != 0 {
					for _, e := range errs {
						// The browser's own reports of the refused requests
						// (they name the stream; the page's errors pile up
						// across subtests).
						if !strings.Contains(e, "/stream?impl=") {
							t.Errorf("console: %s", e)
						}
					}
				}
			})
		}
	}
}
