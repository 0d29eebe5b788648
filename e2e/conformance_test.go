package e2e

import (
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/e2e/browser"
	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
)

// caseResult mirrors one entry of window.conformance.results.
type caseResult struct {
	Name     string   `json:"name"`
	About    string   `json:"about"`
	URL      string   `json:"url"`
	Pass     bool     `json:"pass"`
	Problems []string `json:"problems"`
	Known    string   `json:"known"` // a documented platform difference that showed
	Diff     string   `json:"diff"`  // where ours departs from the spec
	// Departure is where native departs from the spec: recorded, not
	// failed.
	Departure string `json:"departure"`
	// Preflight: ours may add CORS preflights native does not need.
	Preflight bool `json:"preflight"`
	// Probe: ours sends a HEAD to tell a CORS refusal from a network error,
	// and on a refusal retries once at once (a request lost on the way does
	// not fail twice) with a second probe: requests native does not need.
	Probe bool `json:"probe"`
	// Shape: an API check that closes at once, with no request to compare.
	Shape bool `json:"shape"`
	// Local: the URL is not on the server (data:, blob:, ftp:…), so no
	// request reaches it.
	Local    bool `json:"local"`
	Sessions struct {
		Native string `json:"native"`
		Wasm   string `json:"wasm"`
	} `json:"sessions"`
	Native implResult `json:"native"`
	Wasm   implResult `json:"wasm"`
}

type implResult struct {
	Log      []string `json:"log"`
	Extras   []any    `json:"extras"`
	TimedOut bool     `json:"timedOut"`
	MS       int      `json:"ms"`
	Requests []string `json:"requests"` // as GET /sessions/{id} reports them
}

// TestConformance runs web/conformance.html in headless Chromium: every
// case feeds the same server stream to native EventSource and to
// WasmEventSource and compares what they report and the requests the
// server saw from each. Then this test compares those requests again in
// more detail, from its own recorder. CONFORMANCE_SELF=1 runs native
// against native, to check the harness itself.
func TestConformance(t *testing.T) {
	self := os.Getenv("CONFORMANCE_SELF") == "1"
	if !self {
		requireWasm(t)
	}
	ts := startServer(t, fixtures.Config{})
	forEachEngine(t, func(t *testing.T, e browser.Engine) {
		testConformance(t, ts, e, self)
	})
}

func testConformance(t *testing.T, ts *testServer, e browser.Engine, self bool) {
	path := "/conformance.html?autorun=1&xorigin=" + url.QueryEscape(ts.XOrigin) + "&xdenied=" + url.QueryEscape(ts.XDenied)
	if self {
		path += "&self=1"
	}
	start := time.Now()
	p := openPage(t, e, ts, path, 170*time.Second)
	p.waitFor(`window.conformance.done`, 150*time.Second)
	var results []caseResult
	p.eval(`window.conformance.results`, &results)
	t.Logf("%d cases in %v", len(results), time.Since(start).Round(time.Millisecond))
	if len(results) == 0 {
		t.Fatal("the page ran no case")
	}
	for _, r := range results {
		t.Logf("%-24s native %5d ms, ours %5d ms, pass: %v", r.Name, r.Native.MS, r.Wasm.MS, r.Pass)
		if r.Known != "" {
			t.Logf("%s: known difference (%s): %s", r.Name, r.Known, r.Diff)
		}
		if r.Departure != "" {
			t.Logf("%s: native departs from the spec: %s", r.Name, r.Departure)
		}
	}
	if !self {
		writeConformanceReport(t, p.bp.Engine(), p.bp.Version(), results)
	}

	// What the page compares: the logs, and the requests as the server's
	// session registry saw them.
	t.Run("page", func(t *testing.T) {
		for _, r := range results {
			if r.Pass {
				continue
			}
			t.Errorf("case %s (%s, %s):\n  %s\n  native log:\n\t%s\n  ours:\n\t%s\n  ours' error details: %v",
				r.Name, r.About, r.URL, strings.Join(r.Problems, "\n  "),
				strings.Join(r.Native.Log, "\n\t"), strings.Join(r.Wasm.Log, "\n\t"), r.Wasm.Extras)
		}
	})

	// The requests in more detail, as this test's recorder saw them: query,
	// Accept, Cache-Control, Origin, and CORS preflights.
	t.Run("requests", func(t *testing.T) {
		for _, r := range results {
			nat := requestLines(ts.rec.session(r.Sessions.Native))
			ours := requestLines(ts.rec.session(r.Sessions.Wasm))
			if r.Preflight {
				// fetch() must preflight a cross-origin Last-Event-ID header;
				// native EventSource sends it without. Everything else must
				// match.
				n := len(ours)
				ours = slices.DeleteFunc(ours, func(l string) bool { return strings.HasPrefix(l, "OPTIONS ") })
				if n != len(ours) {
					t.Logf("case %s: ours sent %d CORS preflights", r.Name, n-len(ours))
				}
			}
			if r.Probe && !self {
				// Exactly the two probes and the one retry are dropped: a
				// third HEAD, or any other extra request, still fails the
				// comparison.
				for range 2 {
					i := slices.IndexFunc(ours, func(l string) bool { return strings.HasPrefix(l, "HEAD ") })
					if i < 0 {
						t.Errorf("case %s: ours sent fewer than two HEAD probes: %q", r.Name, ours)
						break
					}
					ours = slices.Delete(ours, i, i+1)
				}
				if len(ours) >= 2 && ours[1] == ours[0] {
					ours = slices.Delete(ours, 1, 2)
				} else {
					t.Errorf("case %s: ours did not retry the refused request once: %q", r.Name, ours)
				}
			}
			if len(nat) == 0 && !r.Shape && !r.Local {
				t.Errorf("case %s: the server saw no request from native (session %s)", r.Name, r.Sessions.Native)
				continue
			}
			// Where native meets the spec, ours must send what it sends,
			// down to Accept and Cache-Control; where it departs, the
			// page has judged ours against the spec.
			if !slices.Equal(nat, ours) && r.Known == "" {
				if r.Departure != "" {
					t.Logf("case %s: requests differ where native departs from the spec\n  native:\n\t%s\n  ours:\n\t%s",
						r.Name, strings.Join(nat, "\n\t"), strings.Join(ours, "\n\t"))
					continue
				}
				t.Errorf("case %s: requests differ\n  native:\n\t%s\n  ours:\n\t%s",
					r.Name, strings.Join(nat, "\n\t"), strings.Join(ours, "\n\t"))
			}
		}
	})

	// The reconnect after the end of a stream must carry the last id as a
	// request header, not (only) as a query parameter.
	t.Run("last-event-id-header", func(t *testing.T) {
		i := slices.IndexFunc(results, func(r caseResult) bool { return r.Name == "basic-reconnect" })
		if i < 0 {
			t.Fatal("no basic-reconnect case")
		}
		reqs := ts.rec.session(results[i].Sessions.Wasm)
		if len(reqs) < 2 {
			t.Fatalf("ours made %d requests, want a reconnect", len(reqs))
		}
		if r := reqs[0]; r.HasLEID {
			t.Errorf("first request sent Last-Event-ID %q; it had no id yet", r.LastEventID)
		}
		if r := reqs[1]; !r.HasLEID || r.LastEventID != "2" {
			t.Errorf("reconnect: Last-Event-ID header %q (present %v), want \"2\"", r.LastEventID, r.HasLEID)
		}
		if q := reqs[1].Query.Get("lastEventId"); q != "" {
			t.Errorf("reconnect put lastEventId=%q in the query without lastEventIdQuery", q)
		}
	})

	// A non-ASCII id goes back as its UTF-8 bytes, as the spec says (fetch
	// would refuse it, or send é as the one byte 0xE9). Native's bytes are
	// logged: WebKit's are not UTF-8.
	t.Run("last-event-id-utf8", func(t *testing.T) {
		i := slices.IndexFunc(results, func(r caseResult) bool { return r.Name == "nonascii-id" })
		if i < 0 {
			t.Fatal("no nonascii-id case")
		}
		for impl, session := range map[string]string{"native": results[i].Sessions.Native, "ours": results[i].Sessions.Wasm} {
			reqs := ts.rec.session(session)
			if len(reqs) < 2 {
				t.Fatalf("%s made %d requests, want a reconnect", impl, len(reqs))
			}
			r := reqs[1]
			ok := r.HasLEID && r.LastEventID == "\u00e9\U0001F680"
			switch {
			case !ok && impl == "ours" && results[i].Known != "":
				t.Logf("ours: reconnect's Last-Event-ID %q: %s", r.LastEventID, results[i].Known)
			case !ok && impl == "ours":
				t.Errorf("ours: reconnect's Last-Event-ID %q (present %v), want the UTF-8 of é🚀", r.LastEventID, r.HasLEID)
			case !ok:
				t.Logf("native: reconnect's Last-Event-ID %q (present %v), not the UTF-8 of é🚀", r.LastEventID, r.HasLEID)
			}
		}
	})

	t.Run("console", func(t *testing.T) {
		for _, e := range p.with(t).pageErrors() {
			// Firefox reports every error of native EventSource (each
			// failed or ended connection, a refused CORS read) as an
			// error of the page itself, naming no script.
			if p.bp.Engine() == browser.Firefox && (strings.Contains(e, "can’t establish a connection to the server at") ||
				strings.Contains(e, "Cross-Origin Request Blocked") && strings.Contains(e, ts.XDenied+"/events?")) {
				continue
			}
			// Native EventSource's own diagnostic for the wrong-content-type
			// cases, logged by Chromium, not by a script.
			if strings.Contains(e, "EventSource's response has a MIME type") {
				continue
			}
			// Native's requests for the scheme-* cases that cannot stream
			// (ours makes none).
			if strings.Contains(e, "Cross origin requests are only supported for protocol schemes") {
				continue
			}
			// The cross-origin-denied case's CORS failures, likewise.
			if strings.Contains(e, "blocked by CORS policy") && strings.Contains(e, "'"+ts.XDenied+"/events?") {
				continue
			}
			t.Errorf("console: %s", e)
		}
	})
}

func requestLines(reqs []recorded) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = r.String()
	}
	return out
}
