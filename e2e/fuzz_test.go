package e2e

import (
	_ "embed"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/e2e/browser"
	"github.com/eventsource-wasm/eventsource-wasm/e2e/streamgen"
	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

// fuzzJS holds the page side.
//
//go:embed testdata/fuzz.js
var fuzzJS string

// fuzzEvent is one event ours dispatched, or the model's.
type fuzzEvent struct {
	Type string `json:"type"`
	Data string `json:"data"`
	ID   string `json:"id"`
	RS   int    `json:"rs"` // open and error only
}

type fuzzResult struct {
	Events   []fuzzEvent `json:"events"`
	Message  string      `json:"message"`
	TimedOut bool        `json:"timedOut"`
}

// TestBrowserFuzz is random differential fuzzing: seeded tricky streams
// (streamgen) go through WasmEventSource in each engine, written in random
// chunks, and through the Go sse parser, the model. Any difference fails
// and names the seed to replay. E2E_FUZZ_SEED (default 1) is the first
// seed, E2E_FUZZ_COUNT (default 40) the number of streams; `make
// fuzz-browser` runs many from a random seed.
func TestBrowserFuzz(t *testing.T) {
	requireWasm(t)
	first := envUint(t, "E2E_FUZZ_SEED", 1)
	count := envUint(t, "E2E_FUZZ_COUNT", 40)
	t.Logf("seeds %d to %d", first, first+count-1)
	streams := make([]streamgen.Stream, count)
	want := make([][]fuzzEvent, count)
	for i := range streams {
		streams[i] = streamgen.Generate(first + uint64(i))
		want[i] = fuzzModel(t, streams[i])
	}
	fz := httptest.NewServer(fuzzHandler(streams))
	t.Cleanup(fz.Close)
	ts := startServer(t, fixtures.Config{})
	urls := make([]string, count)
	for i := range urls {
		urls[i] = fz.URL + "/fuzz/" + strconv.Itoa(i)
	}

	forEachEngine(t, func(t *testing.T, e browser.Engine) {
		p := openPage(t, e, ts, "/conformance.html", 5*time.Minute)
		var got []fuzzResult
		p.call(fuzzJS, "fuzzRun", &got, urls)
		if len(got) != len(streams) {
			t.Fatalf("%d results for %d streams", len(got), len(streams))
		}
		events := 0
		for i, s := range streams {
			events += len(got[i].Events)
			if problem := fuzzJudge(got[i], want[i]); problem != "" {
				t.Errorf("%s: %s\n  chunks %v\n  model: %+v\n  ours:  %+v\n  replay: E2E_FUZZ_SEED=%d E2E_FUZZ_COUNT=1 E2E_BROWSERS=%s go test -run TestBrowserFuzz ./e2e/",
					s, problem, s.Chunks, want[i], got[i].Events, s.Seed, e)
			}
		}
		t.Logf("%d streams, %d events compared", len(streams), events)
		for _, m := range p.pageErrors() {
			t.Errorf("console: %s", m)
		}
	})
}

// fuzzModel is what the Go sse parser makes of the stream: its events,
// between the open and the end-of-stream error of a source that does not
// reconnect.
func fuzzModel(t *testing.T, s streamgen.Stream) []fuzzEvent {
	t.Helper()
	evs := []fuzzEvent{{Type: "open", RS: 1}}
	p := sse.NewParser(0)
	rest := s.Bytes
	for _, n := range s.Chunks {
		err := p.Feed(rest[:n], func(ev sse.Event) {
			evs = append(evs, fuzzEvent{Type: ev.Type, Data: ev.Data, ID: ev.ID})
		})
		if err != nil {
			t.Fatalf("%s: model: %v", s, err)
		}
		rest = rest[n:]
	}
	return append(evs, fuzzEvent{Type: "error", RS: 2})
}

// fuzzJudge returns what is wrong with ours' record, or "".
func fuzzJudge(got fuzzResult, want []fuzzEvent) string {
	switch {
	case got.TimedOut:
		return "ours did not reach the end of the stream"
	case !slices.Equal(got.Events, want):
		for i := range max(len(got.Events), len(want)) {
			if i >= len(got.Events) || i >= len(want) || got.Events[i] != want[i] {
				return fmt.Sprintf("first difference at event %d", i)
			}
		}
	case got.Message != "the server ended the stream":
		return fmt.Sprintf("the final error says %q, want the end of the stream", got.Message)
	}
	return ""
}

// fuzzHandler serves stream i at /fuzz/i, one flushed write per chunk, to
// any origin (the page is on the test server's).
func fuzzHandler(streams []streamgen.Stream) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Headers", "*")
			h.Set("Access-Control-Allow-Methods", "GET")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		i, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/fuzz/"))
		if err != nil || i < 0 || i >= len(streams) {
			http.NotFound(w, r)
			return
		}
		s := streams[i]
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		b := s.Bytes
		for _, n := range s.Chunks {
			if _, err := w.Write(b[:n]); err != nil {
				return
			}
			if rc.Flush() != nil {
				return
			}
			b = b[n:]
			// A moment between writes, so the browser reads them apart.
			time.Sleep(time.Millisecond)
		}
	})
}

// envUint reads a positive integer from the environment, or def.
func envUint(t *testing.T, name string, def uint64) uint64 {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n == 0 {
		t.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}
