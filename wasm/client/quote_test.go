package client

import (
	"strconv"
	"testing"
)

// quote matches strconv.Quote on printable ASCII, and escapes control
// characters as \x hex, which strconv.Quote writes as \n, \t and so on.
func TestQuote(t *testing.T) {
	for _, s := range []string{"", "text/html", `a "quoted" \ path`, "/events?a=1&b=%20"} {
		if got, want := quote(s), strconv.Quote(s); got != want {
			t.Errorf("quote(%q) = %s, want %s", s, got, want)
		}
	}
	for in, want := range map[string]string{"a\nb": `"a\x0ab"`, "\x00\x1f\x7f": `"\x00\x1f\x7f"`, "é": `"é"`} {
		if got := quote(in); got != want {
			t.Errorf("quote(%q) = %s, want %s", in, got, want)
		}
	}
}
