package client

import "testing"

func TestWithQuery(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://h/p", "https://h/p?lastEventId=7"},
		{"https://h/p?a=1", "https://h/p?a=1&lastEventId=7"},
		{"https://h/p?lastEventId=3&a=1&lastEventId=4", "https://h/p?a=1&lastEventId=7"},
		{"https://h/p?a=1#frag", "https://h/p?a=1&lastEventId=7#frag"},
		{"https://h/p?", "https://h/p?lastEventId=7"},
	} {
		if got := withQuery(tc.in, "lastEventId", "7"); got != tc.want {
			t.Errorf("withQuery(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"https://h/p", "https://h/p"},
		{"https://h/p?lastEventId=3", "https://h/p"},
		{"https://h/p?a=1&lastEventId=3&b=2#f", "https://h/p?a=1&b=2#f"},
	} {
		if got := withoutQuery(tc.in, "lastEventId"); got != tc.want {
			t.Errorf("withoutQuery(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := queryEscape("a b/é&"); got != "a%20b%2F%C3%A9%26" {
		t.Errorf("queryEscape = %q", got)
	}
}
