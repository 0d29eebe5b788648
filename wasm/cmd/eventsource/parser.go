//go:build js && wasm

package main

import (
	"sync"
	"unsafe"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
	"github.com/eventsource-wasm/eventsource-wasm/wasm/internal/jsval"
)

// parsers are the sse.Parsers behind JavaScript's EventStreamParser, by
// the ids JavaScript gave them.
type parsers struct {
	mu sync.Mutex
	m  map[int]*parser
}

// parser is one EventStreamParser's state.
type parser struct {
	p     *sse.Parser
	in    []byte // the chunk, copied in; reused
	batch []byte // the chunk's events (see appendEvent); reused
}

// parse(id, bytes) feeds a Uint8Array to parser id (made on first use)
// and returns the events it completed as a batch string, or {error} when
// the stream is invalid (an event over the size limit); the parser then
// refuses more input.
func (ps *parsers) parse(_ jsval.Value, args []jsval.Value) any {
	if len(args) < 2 {
		return map[string]any{"error": "parse: want 2 arguments"}
	}
	id, err := args[0].Int()
	if err != nil {
		return map[string]any{"error": "parse: the id is not a number"}
	}
	n, err := args[1].Length()
	if err != nil {
		return map[string]any{"error": "parse: the chunk is not a Uint8Array"}
	}
	ps.mu.Lock()
	p := ps.m[id]
	if p == nil {
		p = &parser{p: sse.NewParser(0)}
		ps.m[id] = p
	}
	ps.mu.Unlock()
	if cap(p.in) < n {
		p.in = make([]byte, n)
	}
	if n, err = jsval.CopyBytesToGo(p.in[:n], args[1]); err != nil {
		return map[string]any{"error": "parse: the chunk is not a Uint8Array"}
	}
	p.batch = p.batch[:0]
	err = p.p.FeedBytes(p.in[:n], func(typ, data, id []byte) { p.batch = appendEvent(p.batch, typ, data, id) })
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	// The string is copied to JavaScript as the call returns, before the
	// next call can reuse the buffer.
	return unsafe.String(unsafe.SliceData(p.batch), len(p.batch))
}

// release(id) forgets parser id.
func (ps *parsers) release(_ jsval.Value, args []jsval.Value) any {
	if len(args) > 0 {
		if id, err := args[0].Int(); err == nil {
			ps.mu.Lock()
			delete(ps.m, id)
			ps.mu.Unlock()
		}
	}
	return nil
}
