package api_test

import (
	"strings"
	"testing"

	"github.com/eventsource-wasm/eventsource-wasm/server/api"
)

func TestValidTopic(t *testing.T) {
	for name, want := range map[string]bool{
		"demo": true, "a.b_c~d-9": true, strings.Repeat("x", 128): true,
		"": false, strings.Repeat("x", 129): false, "a/b": false, "a b": false, "é": false, "a%20": false, "a,b": false,
	} {
		if got := api.ValidTopic(name); got != want {
			t.Errorf("ValidTopic(%q) = %v, want %v", name, got, want)
		}
	}
}
