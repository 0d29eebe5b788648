package record

import (
	"strings"
	"testing"
)

const now = 1_767_225_600_000.0 // 2026-01-01, Unix ms

func TestServerTimestamp(t *testing.T) {
	for _, tc := range []struct {
		data   string
		ts     float64
		masked string
	}{
		{`{"n":3,"ts":1767225599000.5}`, 1767225599000.5, `{"n":3,"ts":‹ts›}`},
		{"Test Message -- 1767225600100", 1767225600100, "Test Message -- ‹ts›"},
		{"id 12345678901234 is 14 digits", 0, "id 12345678901234 is 14 digits"},
		{"1167225600000 is a year before", 0, "1167225600000 is a year before"},
		{"3.1767225600000", 0, "3.1767225600000"}, // a fraction, not a number of its own
		{strings.Repeat("x", TimestampWindow) + "1767225600000", 0, strings.Repeat("x", TimestampWindow) + "1767225600000"},
	} {
		ts, masked := ServerTimestamp(tc.data, now)
		if ts != tc.ts || masked != tc.masked {
			t.Errorf("ServerTimestamp(%q) = %v, %q; want %v, %q", tc.data, ts, masked, tc.ts, tc.masked)
		}
	}
}

func TestEcho(t *testing.T) {
	a := `{"method":"GET","last_event_id":"2","accept":"text/event-stream","cookies":["es_token"],"connection":2,"session":"s-n","headers":["Accept","Sec-Fetch-Mode"]}`
	b := `{"method":"GET","last_event_id":"2","accept":"text/event-stream","cookies":["es_token"],"connection":2,"session":"s-w","headers":["Accept"]}`
	ka, ok1 := EchoKey(a)
	kb, ok2 := EchoKey(b)
	if !ok1 || !ok2 || ka != kb {
		t.Errorf("two clients sending the same request: keys %q and %q differ", ka, kb)
	}
	if kc, _ := EchoKey(strings.Replace(a, `"2"`, `"3"`, 1)); kc == ka {
		t.Error("a different Last-Event-ID gives the same key")
	}
	if _, ok := EchoKey("not json"); ok {
		t.Error("EchoKey accepted non-JSON")
	}
	sum, ok := EchoSummary(a)
	if want := `request #2: GET, Last-Event-ID "2", Accept text/event-stream, cookies es_token`; !ok || sum != want {
		t.Errorf("EchoSummary = %q, want %q", sum, want)
	}
	sum, _ = EchoSummary(`{"method":"GET","authorization":"Bearer","accept":"*/*","connection":1}`)
	if want := "request #1: GET, no Last-Event-ID, Authorization Bearer, Accept */*"; sum != want {
		t.Errorf("EchoSummary = %q, want %q", sum, want)
	}
}

func TestLog(t *testing.T) {
	var l Log
	l.NewClient()
	if l.Open() {
		t.Error("the first open counted as a reconnect")
	}
	e := l.Receive("message", `{"n":0,"ts":1767225599990}`, "0", now)
	if e.Delay != 10 || !strings.Contains(e.Key, "‹ts›") {
		t.Errorf("timestamped event: %+v", e)
	}
	l.Receive("message", "plain", "1", now)
	if !l.Open() || l.Opens != 2 || l.Reconnects != 1 {
		t.Errorf("after a reconnect: opens %d, reconnects %d", l.Opens, l.Reconnects)
	}
	l.Receive("message", "x", "3", now)
	if l.LastID != "3" || len(l.Events) != 3 || len(l.Delays) != 1 {
		t.Errorf("log %+v", l)
	}
	if got := l.IDGap(); got != "Id 3 followed id 1" {
		t.Errorf("IDGap = %q", got)
	}
	med, detail := l.DelaySummary()
	if med != "10.0 ms p50" || !strings.Contains(detail, "over 1 events") {
		t.Errorf("DelaySummary = %q, %q", med, detail)
	}
	l.Reset()
	if len(l.Events) != 0 || l.Opens != 0 || l.IDGap() != "" {
		t.Errorf("after Reset: %+v", l)
	}
	if med, _ := l.DelaySummary(); med != "—" {
		t.Errorf("no delays: %q", med)
	}
}

func TestFirstDifference(t *testing.T) {
	var a, b Log
	for _, d := range []string{"a", "b", "c"} {
		a.Receive("message", d, "", now)
	}
	for _, d := range []string{"a", "x"} {
		b.Receive("message", d, "", now)
	}
	if i := FirstDifference(a.Events, b.Events); i != 1 {
		t.Errorf("FirstDifference = %d, want 1", i)
	}
	if i := FirstDifference(a.Events[:1], b.Events); i != -1 {
		t.Errorf("agreeing prefix: %d, want -1", i)
	}
}

func TestLastResume(t *testing.T) {
	two, four := "2", "4"
	l := Log{Requests: []Request{{}, {LastEventID: &two}, {LastEventID: &four}, {}}}
	if got := l.LastResume(); got != "4" {
		t.Errorf("LastResume = %q", got)
	}
}
