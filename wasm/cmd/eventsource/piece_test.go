//go:build js && wasm

package main

import (
	"testing"
	"unsafe"
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
