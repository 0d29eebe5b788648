package streamgen

import (
	"bytes"
	"testing"
)

func TestGenerateIsDeterministic(t *testing.T) {
	for seed := range uint64(50) {
		a, b := Generate(seed), Generate(seed)
		if !bytes.Equal(a.Bytes, b.Bytes) || len(a.Chunks) != len(b.Chunks) {
			t.Fatalf("seed %d: two streams differ", seed)
		}
		n := 0
		for _, c := range a.Chunks {
			if c <= 0 {
				t.Fatalf("seed %d: empty chunk in %v", seed, a.Chunks)
			}
			n += c
		}
		if n != len(a.Bytes) {
			t.Fatalf("seed %d: chunks cover %d of %d bytes", seed, n, len(a.Bytes))
		}
	}
}

func TestGenerateCoversTheTrickyParts(t *testing.T) {
	var all []byte
	for seed := range uint64(200) {
		all = append(all, Generate(seed).Bytes...)
	}
	for _, want := range []string{"\r\n", "\r", "\uFEFF", "\xff", "\x00", "retry:", "unknown:", "event:", "🚀"} {
		if !bytes.Contains(all, []byte(want)) {
			t.Errorf("200 streams never contain %q", want)
		}
	}
}
