//go:build js && wasm

package main

import (
	"sync"

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
	batch batch  // the chunk's events; reused
}

// parse(id, bytes) feeds a Uint8Array to parser id (made on first use)
// and returns the address of the batch of the events it completed (see
// batch), 0 when there are none, or an error message when the stream is
// invalid (an event over the size limit); the parser then refuses more
// input.
func (ps *parsers) parse(_ jsval.Value, args []jsval.Value) any {
	if len(args) < 2 {
		return "parse: want 2 arguments"
	}
	id, err := args[0].Int()
	if err != nil {
		return "parse: the id is not a number"
	}
	n, err := args[1].Length()
	if err != nil {
		return "parse: the chunk is not a Uint8Array"
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
		return "parse: the chunk is not a Uint8Array"
	}
	p.batch.begin(p.in[:n])
	if err = p.p.FeedBytes(p.in[:n], p.batch.add); err != nil {
		return err.Error()
	}
	if p.batch.events() == 0 {
		return 0
	}
	// JavaScript reads the batch before the next call can reuse it.
	return p.batch.finish()
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
