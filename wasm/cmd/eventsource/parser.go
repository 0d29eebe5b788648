//go:build js && wasm

package main

import (
	"github.com/eventsource-wasm/eventsource-wasm/sse"
	"github.com/eventsource-wasm/eventsource-wasm/wasm/internal/jsval"
)

// parsers are the inputs behind JavaScript's EventStreamParsers (see
// inputs), by key.
type parsers struct {
	m map[int]*parser // only touched from syscall/js calls and the export, which never overlap
}

// parser is one EventStreamParser's state.
type parser struct {
	p     *sse.Parser
	batch batch  // the piece's events; reused
	err   string // why the stream is invalid, once it is
}

// feed parses one piece of the stream. When the stream is invalid (an
// event over the size limit) it returns feedStop, now and after. A panic,
// which would otherwise end the module (an export has no goroutine of its
// own to recover on), fails this parser alone, as an internal error.
func (p *parser) feed(piece []byte) (out uint32) {
	defer func() {
		if r := recover(); r != nil {
			println("eventsource.wasm: EventStreamParser:", r)
			p.err, out = "internal error", feedStop
		}
	}()
	if p.err != "" {
		return feedStop
	}
	p.batch.begin(piece)
	if err := p.p.FeedBytes(piece, p.batch.add); err != nil {
		p.err = err.Error()
		return feedStop
	}
	if p.batch.events() == 0 {
		return 0 // no event, no flag
	}
	// JavaScript reads the batch before the next call can reuse it.
	return uint32(p.batch.finish())
}

// add(key) makes the parser of EventStreamParser key and returns the
// address of its input's buffer.
func (ps *parsers) add(_ jsval.Value, args []jsval.Value) any {
	key, err := args[0].Int()
	if err != nil {
		return "parser: the key is not a number"
	}
	p := &parser{p: sse.NewParser(0)}
	ps.m[key] = p
	return theInputs.add(key, p.feed)
}

// why(key) returns why parser key refused its input.
func (ps *parsers) why(_ jsval.Value, args []jsval.Value) any {
	if key, err := args[0].Int(); err == nil && ps.m[key] != nil {
		return ps.m[key].err
	}
	return ""
}

// remove(key) forgets parser key.
func (ps *parsers) remove(_ jsval.Value, args []jsval.Value) any {
	if key, err := args[0].Int(); err == nil {
		delete(ps.m, key)
		theInputs.remove(key)
	}
	return nil
}
