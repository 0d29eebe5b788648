package display

import (
	"strings"
	"testing"
)

func TestShorten(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"", 5, ""},
		{"abc", 3, "abc"},
		{"abcd", 3, "ab…"},
		{"héllo", 5, "héllo"},  // 5 runes, 6 bytes: not cut
		{"héllo!", 5, "héll…"}, // cut on a rune boundary
		{"日本語テキスト", 4, "日本語…"}, // multi-byte runes
		{"ab", 1, "…"},
	} {
		if got := Shorten(tc.in, tc.n); got != tc.want {
			t.Errorf("Shorten(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
	long := strings.Repeat("x", 1<<20)
	if got := Shorten(long, 10); got != "xxxxxxxxx…" {
		t.Errorf("1 MiB: got %q", got)
	}
}

func TestVisible(t *testing.T) {
	if got := Visible(""); got != "(empty)" {
		t.Errorf("empty: %q", got)
	}
	if got := Visible("a\nb\r\tc"); got != "a⏎b␍⇥c" {
		t.Errorf("controls: %q", got)
	}
}

func TestDash(t *testing.T) {
	empty, v := "", "7"
	if Dash(nil) != "—" || Dash(&empty) != "—" || Dash(&v) != "7" {
		t.Errorf("Dash: %q %q %q", Dash(nil), Dash(&empty), Dash(&v))
	}
}

func TestCall(t *testing.T) {
	fn := func() {}
	got := Call("WasmEventSource", "/events?x=1", map[string]any{
		"lastEventId":      `7"`,
		"headers":          fn,
		"withCredentials":  true,
		"heartbeatTimeout": 5000,
		"retryOnStatus":    []any{503, 429},
		"backoff":          map[string]any{"factor": 2.5},
	})
	want := `new WasmEventSource("/events?x=1", { backoff: { factor: 2.5 }, headers: ƒ, heartbeatTimeout: 5000, lastEventId: "7\"", retryOnStatus: [503, 429], withCredentials: true })`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := Call("EventSource", "/e", nil); got != `new EventSource("/e")` {
		t.Errorf("no init: %s", got)
	}
}

func TestLiteral(t *testing.T) {
	got := Literal(map[string]any{"X-Trace": "a</b>\u2028", "ok_1": []any{1, 2.5, false}, "": nil})
	want := `{ "": ƒ, "X-Trace": "a</b>\u2028", ok_1: [1, 2.5, false] }`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
