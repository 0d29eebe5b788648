package streamurl

import (
	"slices"
	"testing"
)

func TestWithQuery(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		set  map[string]string
		want string
		ok   bool
	}{
		{"/events?interval=500ms&count=2", map[string]string{"session": "s-1"}, "/events?count=2&interval=500ms&session=s-1", true},
		{"/events", map[string]string{"session": "a:b,c/d"}, "/events?session=a:b,c/d", true},
		{"/events?session=old", map[string]string{"session": "new"}, "/events?session=new", true},
		{"https://api.example/stream?a=1", map[string]string{"b": "2"}, "https://api.example/stream?a=1&b=2", true},
		{"/bad%zz", map[string]string{"session": "x"}, "/bad%zz", false},
	} {
		got, ok := WithQuery(tc.raw, tc.set)
		if got != tc.want || ok != tc.ok {
			t.Errorf("WithQuery(%q) = %q, %v; want %q, %v", tc.raw, got, ok, tc.want, tc.ok)
		}
	}
}

func TestEventsRoundTrip(t *testing.T) {
	opts := map[string]string{"interval": " 100ms ", "count": "8", "event": "", "retry": "300"}
	u := Events(opts)
	if u != "/events?count=8&interval=100ms&retry=300&ts=1" {
		t.Fatalf("Events: %q", u)
	}
	back, ok := EventsOptionsOf(u)
	if !ok || back["interval"] != "100ms" || back["count"] != "8" || back["retry"] != "300" || back["event"] != "" {
		t.Errorf("EventsOptionsOf(%q) = %v, %v", u, back, ok)
	}
	if _, ok := EventsOptionsOf("/echo?n=2"); ok {
		t.Error("EventsOptionsOf accepted /echo")
	}
}

func TestTopic(t *testing.T) {
	if got := Topic("  "); got != "/topics/demo?retry=1000" {
		t.Errorf("blank: %q", got)
	}
	if got := Topic("a b/c"); got != "/topics/a%20b%2Fc?retry=1000" {
		t.Errorf("escaped: %q", got)
	}
}

func TestEventTypes(t *testing.T) {
	base := EventTypes("/echo")
	if !slices.Contains(base, "message") || !slices.Contains(base, "echo") {
		t.Fatalf("base types %v", base)
	}
	if got := EventTypes("/events?event=tick"); len(got) != len(base)+1 || got[len(got)-1] != "tick" {
		t.Errorf("named: %v", got)
	}
	if got := EventTypes("/events?event=echo"); len(got) != len(base) {
		t.Errorf("a known type is not repeated: %v", got)
	}
}
