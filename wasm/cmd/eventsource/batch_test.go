//go:build js && wasm

package main

import (
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

// read decodes a batch's table the way readBatch in eventsource-wasm.js
// does: type|data|id per event. It checks that the table and the
// addresses in it are the chunk's, the arena's and the table's own, then
// reads the bytes through the slices at those addresses.
func read(t *testing.T, b *batch, ptr uintptr) []string {
	t.Helper()
	h := b.table[:batchHeader]
	if ptr != uintptr(unsafe.Pointer(&h[0])) || h[0] != address(b.chunk) || h[4] != address(b.arena) {
		t.Fatalf("the table at %#x (header %v) is not the batch's, at %#x with chunk %#x and arena %#x", ptr, h, &h[0], address(b.chunk), address(b.arena))
	}
	chunkLen, lo, hi, arenaLen, n := h[1], h[2], h[3], h[5], h[6]
	field := func(s, e uint32) string {
		switch {
		case s == e:
			return ""
		case s < chunkLen:
			if s < lo || e > hi {
				return "outside [lo, hi)"
			}
			return string(b.chunk[s:e])
		case e-chunkLen > arenaLen:
			return "outside the arena"
		}
		return string(b.arena[s-chunkLen : e-chunkLen])
	}
	var out []string
	for tab := b.table[batchHeader:][:6*n]; len(tab) >= 6; tab = tab[6:] {
		typ := field(tab[0], tab[1])
		if typ == "" {
			typ = "message"
		}
		out = append(out, typ+"|"+field(tab[2], tab[3])+"|"+field(tab[4], tab[5]))
	}
	return out
}

// A batch points into the chunk for one-line data and holds the rest in
// its arena, whose growth while events are added (a big multi-line event
// after small ones) leaves the earlier offsets right.
func TestBatch(t *testing.T) {
	p := sse.NewParser(0)
	var b batch
	feed := func(s string) []string {
		chunk := []byte(s)
		b.begin(chunk)
		if err := p.FeedBytes(chunk, b.add); err != nil {
			t.Fatal(err)
		}
		return read(t, &b, b.finish())
	}
	big := strings.Repeat("é", 40000)
	got := feed("id: 1\ndata: a\n\nevent: t\ndata: b\n\ndata: " + big + "\ndata: 2\n\nid: 2\ndata: c\n\ndata: spl")
	want := []string{"message|a|1", "t|b|1", "message|" + big + "\n2|1", "message|c|2"}
	if !slices.Equal(got, want) {
		t.Errorf("first chunk: %.200q, want %.200q", got, want)
	}
	if got, want := feed("it\n\n"), []string{"message|split|2"}; !slices.Equal(got, want) {
		t.Errorf("second chunk: %q, want %q", got, want)
	}
	if b.events() != 1 || len(b.arena) != len("split2") {
		t.Errorf("%d events, arena %q: want 1 event, the arena holding the split line and the ID", b.events(), b.arena)
	}
}
