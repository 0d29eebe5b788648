package sse

import (
	"bytes"
	"strconv"
)

// bom is the UTF-8 byte order mark that the UTF-8 decode algorithm strips
// from the start of a stream.
var bom = [3]byte{0xEF, 0xBB, 0xBF}

// Parser interprets an event stream incrementally, following the WHATWG HTML
// "event stream interpretation" rules. The zero value is not usable; call
// [NewParser].
//
// A Parser works on bytes and decodes each field value once, when it is
// used: CR, LF and ':' are ASCII and never occur inside a UTF-8 sequence, so
// splitting lines before decoding gives the same result as decoding first.
type Parser struct {
	max int

	line    []byte // a line whose end has not arrived yet
	bomSeen int    // bytes of a leading BOM matched so far
	atStart bool   // no byte of the stream processed yet
	skipLF  bool   // the previous chunk ended with CR: a leading LF is part of that line end
	err     error

	data     []byte // data buffer, each value followed by LF
	pend     []byte // the event's only data value so far, not yet copied into data
	pendSet  bool   // pend holds a value (which may be empty)
	typ      []byte // event type buffer
	id       []byte // last event ID buffer, as received
	lastID   []byte // last event ID string, as received; set at dispatch
	retry    int64
	retrySet bool
	comments int64 // comment lines seen

	// Decoded strings, reused while a stream repeats them: decoding is
	// done only for Feed and LastEventID, never for FeedBytes.
	typ0, id0     []byte
	typStr, idStr string
}

// NewParser returns a Parser that refuses lines and event data longer than
// maxEventSize bytes; a value <= 0 means [DefaultMaxEventSize].
func NewParser(maxEventSize int) *Parser {
	if maxEventSize <= 0 {
		maxEventSize = DefaultMaxEventSize
	}
	return &Parser{max: maxEventSize, atStart: true}
}

// LastEventID returns the last event ID string: the ID buffer as of the
// most recent blank line, whether or not that blank line dispatched an event.
func (p *Parser) LastEventID() string { return cached(&p.id0, &p.idStr, p.lastID) }

// cached returns b decoded, reusing *str while b equals *raw.
func cached(raw *[]byte, str *string, b []byte) string {
	if !bytes.Equal(b, *raw) {
		*raw = append((*raw)[:0], b...)
		*str = decode(b)
	}
	return *str
}

// SetLastEventID sets the last event ID string and buffer, as when a client
// resumes from an ID it stored. Invalid UTF-8 in id is replaced as it would
// be in a stream, so the ID is one a stream could have set.
func (p *Parser) SetLastEventID(id string) {
	p.id = append(p.id[:0], decode([]byte(id))...)
	p.lastID = append(p.lastID[:0], p.id...)
}

// Retry returns the reconnection time in milliseconds from the most recent
// valid retry field, and false when the stream has sent none.
func (p *Parser) Retry() (ms int64, ok bool) { return p.retry, p.retrySet }

// Comments returns how many comment lines p has parsed, over all
// connections: a client learns the interval of a server's heartbeats from
// it.
func (p *Parser) Comments() int64 { return p.comments }

// Reset prepares p for a new connection: it drops any partial line and
// pending event, expects a new byte order mark, and keeps the last event ID
// and reconnection time, as an EventSource does across reconnects.
func (p *Parser) Reset() {
	p.line, p.data, p.typ = p.line[:0], p.data[:0], p.typ[:0]
	p.pend, p.pendSet = nil, false
	p.bomSeen, p.atStart, p.skipLF, p.err = 0, true, false, nil
	p.id = append(p.id[:0], p.lastID...)
}

// Feed parses the next chunk of the stream and calls emit for each event it
// completes, in order. Events emitted before an error stand. After an error
// (only [ErrEventTooLarge], wrapped) the Parser refuses further input until
// [Parser.Reset].
func (p *Parser) Feed(chunk []byte, emit func(Event)) error {
	return p.FeedBytes(chunk, func(typ, data, id []byte) {
		ev := Event{Type: "message", Data: decode(data), ID: cached(&p.id0, &p.idStr, id)}
		if len(typ) > 0 {
			ev.Type = cached(&p.typ0, &p.typStr, typ)
		}
		emit(ev)
	})
}

// FeedBytes is [Parser.Feed] for callers that copy each event out at once,
// such as a bridge that hands a whole chunk's events to JavaScript in one
// call: emit receives the event type (empty for the default, "message"),
// data and last event ID as the stream carried them, not UTF-8 decoded, in
// slices that emit must not modify, valid only until it returns. None
// contains CR; type and ID contain no LF either. The data of an event
// with one data line that lies whole in chunk is a slice of chunk, not a
// copy, so a caller that keeps chunk can keep that data without copying it. A WHATWG UTF-8 decoder (a
// browser's TextDecoder) turns them into exactly the strings Feed gives.
func (p *Parser) FeedBytes(chunk []byte, emit func(typ, data, id []byte)) error {
	if p.err != nil {
		return p.err
	}
	if p.atStart {
		chunk = p.skipBOM(chunk, emit)
		if p.err != nil {
			return p.err
		}
	}
	p.err = p.feedLines(chunk, emit)
	return p.err
}

// skipBOM consumes a leading byte order mark, which may arrive split over
// several chunks, and returns the rest of chunk.
func (p *Parser) skipBOM(chunk []byte, emit func(typ, data, id []byte)) []byte {
	for len(chunk) > 0 && p.atStart {
		if chunk[0] != bom[p.bomSeen] {
			// Not a BOM after all: the bytes matched so far are content.
			p.atStart = false
			if n := p.bomSeen; n > 0 {
				p.bomSeen = 0
				if p.err = p.feedLines(bom[:n], emit); p.err != nil {
					return nil
				}
			}
			return chunk
		}
		chunk = chunk[1:]
		if p.bomSeen++; p.bomSeen == len(bom) {
			p.atStart, p.bomSeen = false, 0
		}
	}
	return chunk
}

// feedLines splits chunk into lines and processes each complete one.
func (p *Parser) feedLines(chunk []byte, emit func(typ, data, id []byte)) error {
	if p.skipLF && len(chunk) > 0 {
		p.skipLF = false
		if chunk[0] == '\n' {
			chunk = chunk[1:]
		}
	}
	// The next CR and LF positions are cached so that a chunk of many short
	// lines that use only one kind of line end is scanned once, not once
	// per line.
	nextCR, nextLF := -1, -1 // -1: not searched yet
	for pos := 0; pos < len(chunk); {
		if nextCR < pos {
			nextCR = indexFrom(chunk, pos, '\r')
		}
		if nextLF < pos {
			nextLF = indexFrom(chunk, pos, '\n')
		}
		end := min(nextCR, nextLF)
		if end == len(chunk) {
			if len(p.line)+len(chunk)-pos > p.max {
				return p.tooLarge("line")
			}
			p.spill() // pend may lie in p.line, which this append reuses
			p.line = append(p.line, chunk[pos:]...)
			return nil
		}
		line := chunk[pos:end]
		if len(p.line) > 0 {
			p.line = append(p.line, line...)
			line = p.line
		}
		if len(line) > p.max {
			return p.tooLarge("line")
		}
		pos = end + 1
		if chunk[end] == '\r' {
			if pos < len(chunk) {
				if chunk[pos] == '\n' {
					pos++
				}
			} else {
				p.skipLF = true
			}
		}
		err := p.processLine(line, emit)
		p.line = p.line[:0]
		if err != nil {
			return err
		}
	}
	p.spill()
	return nil
}

// spill copies a pending data value into the data buffer, before the
// bytes it lies in (the caller's chunk, or p.line) go away or are reused.
func (p *Parser) spill() {
	if p.pendSet {
		p.data = append(p.data, p.pend...)
		p.data = append(p.data, '\n')
		p.pend, p.pendSet = nil, false
	}
}

// tooLarge returns [ErrEventTooLarge], saying what exceeded which limit.
func (p *Parser) tooLarge(what string) error {
	return &wrapError{ErrEventTooLarge.Error() + ": " + what + " longer than " + strconv.Itoa(p.max) + " bytes", ErrEventTooLarge}
}

func indexFrom(b []byte, from int, c byte) int {
	if i := bytes.IndexByte(b[from:], c); i >= 0 {
		return from + i
	}
	return len(b) // none left: never searched again in this chunk
}

// processLine applies one complete line (without its line end).
func (p *Parser) processLine(line []byte, emit func(typ, data, id []byte)) error {
	if len(line) == 0 {
		p.dispatch(emit)
		return nil
	}
	if line[0] == ':' {
		p.comments++
		return nil
	}
	name, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		name, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(name) {
	case "event":
		p.typ = append(p.typ[:0], value...)
	case "data":
		p.spill()
		if len(p.data)+len(value) > p.max {
			return p.tooLarge("event data")
		}
		if len(p.data) == 0 {
			// Most events have one data line: its value is emitted from
			// where it lies, and copied only if another data line follows
			// or the event outlives the chunk.
			p.pend, p.pendSet = value, true
			return nil
		}
		p.data = append(p.data, value...)
		p.data = append(p.data, '\n')
	case "id":
		if bytes.IndexByte(value, 0) < 0 {
			p.id = append(p.id[:0], value...)
		}
	case "retry":
		if ms, ok := parseDigits(value); ok {
			p.retry, p.retrySet = ms, true
		}
	}
	return nil
}

// dispatch runs the spec's "dispatch the event" steps at a blank line.
func (p *Parser) dispatch(emit func(typ, data, id []byte)) {
	p.lastID = append(p.lastID[:0], p.id...)
	var data []byte
	switch {
	case p.pendSet:
		data = p.pend
	case len(p.data) > 0:
		data = p.data[:len(p.data)-1]
	default:
		p.typ = p.typ[:0]
		return
	}
	typ := p.typ
	p.data, p.typ, p.pend, p.pendSet = p.data[:0], p.typ[:0], nil, false
	// The buffers are emptied before emit and refilled only by later
	// lines, so the slices stay valid while emit runs.
	emit(typ, data, p.lastID)
}

// parseDigits parses a retry value: only ASCII digits, at least one, and no
// overflow; anything else is ignored as the spec requires.
func parseDigits(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (1<<63-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}
