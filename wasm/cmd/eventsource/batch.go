//go:build js && wasm

package main

import (
	"bytes"
	"unsafe"
)

// batch lays out one chunk's events for JavaScript without copying the
// bytes of those that lie in the chunk, which is already in wasm memory:
// JavaScript reads a table of offsets and decodes the fields straight from
// views of wasm memory (see readBatch in web/eventsource-wasm.js). Fields
// that do not lie in the chunk (the last event ID, a type, data of several
// lines or of a line split across chunks) are copied once, into the arena.
//
// The table, in uint32s: the chunk's address and length, the span [lo, hi)
// of the chunk that fields come from, the arena's address and length, the
// number of events, eventsourceFeed's flags (see input.go), then per event
// the start and end of its type, data and ID, as offsets into the chunk
// followed by the arena (an offset from the chunk's length on is in the
// arena). An empty type is "message".
//
// Every offset is final when the table is handed over: the chunk does not
// move, and arena fields are recorded as arena offsets, so the arena may
// grow (and move) while the events are added.
type batch struct {
	chunk  []byte
	lo, hi int
	arena  []byte
	table  []uint32
	id     [2]uint32 // the last ID's table entries, reused while it repeats
}

const batchHeader = 8

// batchFlags is the header word of eventsourceFeed's flags.
const batchFlags = 7

// begin starts the batch of chunk's events.
func (b *batch) begin(chunk []byte) {
	b.chunk, b.lo, b.hi, b.arena = chunk, len(chunk), 0, b.arena[:0]
	b.table = append(b.table[:0], 0, 0, 0, 0, 0, 0, 0, 0) // batchHeader words
	b.id = [2]uint32{}
}

// add appends an event, with FeedBytes's arguments.
func (b *batch) add(typ, data, id []byte) {
	ts, te := b.field(typ)
	ds, de := b.field(data)
	if !bytes.Equal(id, b.bytes(b.id[0], b.id[1])) {
		b.id[0], b.id[1] = b.field(id)
	}
	b.table = append(b.table, ts, te, ds, de, b.id[0], b.id[1])
}

// events returns how many events the batch holds.
func (b *batch) events() int { return (len(b.table) - batchHeader) / 6 }

// finish fills in the header and returns the table's address, for
// JavaScript; the batch stays valid until the next begin.
func (b *batch) finish() uintptr {
	h := b.table[:batchHeader]
	h[0], h[1] = address(b.chunk), uint32(len(b.chunk))
	h[2], h[3] = uint32(min(b.lo, b.hi)), uint32(b.hi)
	h[4], h[5] = address(b.arena), uint32(len(b.arena))
	h[6] = uint32(b.events())
	return uintptr(unsafe.Pointer(unsafe.SliceData(b.table)))
}

// field returns where f is: in the chunk when it lies there, else in the
// arena, where it is copied.
func (b *batch) field(f []byte) (start, end uint32) {
	if len(f) == 0 {
		return 0, 0
	}
	base, p := uintptr(unsafe.Pointer(unsafe.SliceData(b.chunk))), uintptr(unsafe.Pointer(unsafe.SliceData(f)))
	if p >= base && p+uintptr(len(f)) <= base+uintptr(len(b.chunk)) {
		s := int(p - base)
		b.lo, b.hi = min(b.lo, s), max(b.hi, s+len(f))
		return uint32(s), uint32(s + len(f))
	}
	s := len(b.chunk) + len(b.arena)
	b.arena = append(b.arena, f...)
	return uint32(s), uint32(s + len(f))
}

// bytes returns the bytes at [s, e) in the chunk followed by the arena.
func (b *batch) bytes(s, e uint32) []byte {
	if n := uint32(len(b.chunk)); s >= n {
		return b.arena[s-n : e-n]
	}
	return b.chunk[s:e]
}

// address is b's address in wasm memory, where JavaScript finds it.
func address(b []byte) uint32 {
	return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
}
