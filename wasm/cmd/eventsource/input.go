//go:build js && wasm

package main

import "sync"

// inputs are the byte sinks that JavaScript feeds through the module's one
// export, eventsourceFeed, rather than through a syscall/js function.
//
// Why an export: a syscall/js call resumes the Go scheduler, which then
// looks for other work before it returns, and gives every JavaScript value
// it passes a finalizer. Measured in Chromium on EventStreamParser with
// 1 KiB events in 64 KiB chunks, that was about a third of the time
// (findRunnable, SetFinalizer); the export runs the parser and returns:
// 258k → 410k events/s.
//
// Why one export and a fixed buffer: each export costs about 1 KB of the
// module's brotli size. So JavaScript copies each chunk, in pieces of at
// most inputSize bytes, into the input's buffer, whose address it got
// once, and calls eventsourceFeed(key, n) per piece. Any cut of the bytes
// gives the parser the same events.
//
// The inputs are EventStreamParsers (parser.go) and connection bodies
// (sink.pump in bridge.go). Code run in the export does not pass through
// the scheduler's idle path (runtime.beforeIdle), which is where Go asks
// JavaScript for a timeout for its next timer: a timer started inside the
// export, as the client's liveness timer can be once a heartbeat interval
// is learned, would not fire until something else resumes Go. So the
// input says so (feedWake), and JavaScript resumes Go with the bridge's
// wake function.
type inputs struct {
	mu sync.Mutex
	m  map[int]*inputSlot // by the keys JavaScript picked
}

// inputSlot is one input: its buffer, and what takes the bytes of one
// eventsourceFeed call and returns what that returns.
type inputSlot struct {
	buf  []byte // inputSize bytes; Go's heap does not move, so its address holds
	feed func(piece []byte) uint32
}

// inputSize is the most bytes one eventsourceFeed call takes: 64 KiB, the
// size of most network chunks.
const inputSize = 64 << 10

// What eventsourceFeed returns: the address of the batch of the events
// that the piece completed, which is aligned (a multiple of 4), or, when
// it completed none, the flags alone, which the batch's header also holds
// (word batchFlags).
const (
	feedStop = 1 // the input takes no more: the stream is invalid, the connection stops, or the key is unknown
	feedWake = 2 // resume the Go scheduler (call the bridge's wake): the piece started a timer
)

// theInputs are the module's inputs: an export is a plain function, so the
// registry it reads is package state.
var theInputs = inputs{m: make(map[int]*inputSlot)}

// add registers feed under key, replacing any input of that key, and
// returns the address of its buffer.
func (r *inputs) add(key int, feed func([]byte) uint32) uint32 {
	s := &inputSlot{buf: make([]byte, inputSize), feed: feed}
	r.mu.Lock()
	r.m[key] = s
	r.mu.Unlock()
	return address(s.buf)
}

// remove forgets key: its buffer is garbage once no call uses it.
func (r *inputs) remove(key int) {
	r.mu.Lock()
	delete(r.m, key)
	r.mu.Unlock()
}

// feed hands the first n bytes of input key's buffer to the input and
// returns the address of the batch of the events they completed (see
// batch) or flags.
//
//lint:ignore U1000 JavaScript calls it: it is the module's export.
//go:wasmexport eventsourceFeed
func feed(key, n int32) uint32 {
	theInputs.mu.Lock()
	s := theInputs.m[int(key)]
	theInputs.mu.Unlock()
	if s == nil || n < 0 || int(n) > len(s.buf) {
		return feedStop
	}
	return s.feed(s.buf[:n])
}
