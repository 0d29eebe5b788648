//go:build js && wasm

package main

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

// A connection's input returns its piece's batch with the feed's flags in
// the header, or the flags alone; a panic in the client stops the body
// instead of ending the module, and is kept for the connection's goroutine.
func TestSinkPiece(t *testing.T) {
	s := &sink{}
	for _, tc := range []struct {
		name        string
		event, more bool
		wake        bool
		want        uint32 // flags
	}{
		{"no event", false, true, false, 0},
		{"no event, stop and wake", false, false, true, feedStop | feedWake},
		{"events, wake", true, true, true, feedWake},
		{"events, stop", true, false, false, feedStop},
	} {
		s.feed = func(chunk []byte) (bool, bool) {
			s.BeginChunk(chunk)
			if tc.event {
				s.EventBytes(nil, chunk[:2], nil)
			}
			s.EndChunk()
			return tc.more, tc.wake
		}
		out := s.piece([]byte("ab\n\n"))
		switch {
		case !tc.event && out != tc.want:
			t.Errorf("%s: %d, want the flags %d", tc.name, out, tc.want)
		case tc.event && uintptr(out) != uintptr(unsafe.Pointer(&s.batch.table[0])):
			t.Errorf("%s: %#x, want the batch's address", tc.name, out)
		case tc.event && (s.batch.table[batchFlags] != tc.want || s.batch.events() != 1):
			t.Errorf("%s: header flags %d, %d events; want %d, 1", tc.name, s.batch.table[batchFlags], s.batch.events(), tc.want)
		}
	}
	s.feed = func([]byte) (bool, bool) { panic("bug") }
	if out := s.piece(nil); out != feedStop || s.panicked != "bug" {
		t.Errorf("after a panic: %d, kept %v; want %d (stop) and the panic", out, s.panicked, feedStop)
	}
}

// An EventStreamParser's input returns its piece's batch, nothing for a
// piece that ends no event, and stops for good on an event over the size
// limit or a panic, which fails that parser alone.
func TestParserPiece(t *testing.T) {
	p := &parser{p: sse.NewParser(16)}
	if out := p.feed([]byte("data: a")); out != 0 {
		t.Errorf("a piece without an event: %d, want 0", out)
	}
	if out := p.feed([]byte("\n\n")); out < 4 || p.batch.events() != 1 {
		t.Errorf("the piece that ends the event: %d with %d events, want a batch of 1", out, p.batch.events())
	}
	if out := p.feed([]byte("data: " + strings.Repeat("x", 32))); out != feedStop || p.err == "" {
		t.Errorf("an event over the limit: %d (%q), want %d and why", out, p.err, feedStop)
	}
	if out := p.feed([]byte("data: b\n\n")); out != feedStop {
		t.Errorf("after the stop: %d, want %d", out, feedStop)
	}
	broken := &parser{} // no sse.Parser: feeding it panics
	if out := broken.feed([]byte("data: a\n\n")); out != feedStop || broken.err != "internal error" {
		t.Errorf("after a panic: %d (%q), want %d and an internal error", out, broken.err, feedStop)
	}
}
