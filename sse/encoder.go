package sse

import (
	"errors"
	"io"
	"strconv"
	"strings"
)

// Encoder writes events in the text/event-stream format. Each call makes a
// single Write of whole lines, so an Encoder over a flushing writer sends
// every event in one piece.
type Encoder struct {
	w   io.Writer
	buf []byte
}

// NewEncoder returns an Encoder that writes to w.
func NewEncoder(w io.Writer) *Encoder { return &Encoder{w: w} }

// Encode writes ev: an id line when ev.ID is not empty, an event line when
// ev.Type is not empty, one data line per line of ev.Data (split on CR, LF
// and CRLF, which the parser joins back with LF), then a blank line. It
// refuses an ID with CR, LF or NUL and a type with CR or LF, which no
// stream can carry.
func (e *Encoder) Encode(ev Event) error {
	if strings.ContainsAny(ev.ID, "\r\n\x00") {
		return errors.New("sse: encode event: id " + strconv.Quote(ev.ID) + " contains a line break or NUL")
	}
	if strings.ContainsAny(ev.Type, "\r\n") {
		return errors.New("sse: encode event: type " + strconv.Quote(ev.Type) + " contains a line break")
	}
	b := e.buf[:0]
	if ev.ID != "" {
		b = appendField(b, "id", ev.ID)
	}
	if ev.Type != "" {
		b = appendField(b, "event", ev.Type)
	}
	b = appendLines(b, "data", ev.Data)
	b = append(b, '\n')
	return e.write(b, "event")
}

// Retry writes a retry field that sets the client's reconnection time.
func (e *Encoder) Retry(ms int64) error {
	if ms < 0 {
		return errors.New("sse: encode retry: negative reconnection time")
	}
	b := append(e.buf[:0], "retry: "...)
	b = strconv.AppendInt(b, ms, 10)
	b = append(b, '\n')
	return e.write(b, "retry")
}

// Comment writes text as comment lines, which clients ignore; servers send
// them as heartbeats that keep proxies from closing an idle connection.
func (e *Encoder) Comment(text string) error {
	return e.write(appendLines(e.buf[:0], "", text), "comment")
}

func (e *Encoder) write(b []byte, what string) error {
	e.buf = b
	if _, err := e.w.Write(b); err != nil {
		return &wrapError{"sse: write " + what + ": " + err.Error(), err}
	}
	return nil
}

// appendLines appends one "name: line" per line of text, splitting on CR,
// LF and CRLF.
func appendLines(b []byte, name, text string) []byte {
	for {
		i := strings.IndexAny(text, "\r\n")
		if i < 0 {
			return appendField(b, name, text)
		}
		b = appendField(b, name, text[:i])
		if text[i] == '\r' && i+1 < len(text) && text[i+1] == '\n' {
			i++
		}
		text = text[i+1:]
	}
}

// appendField appends "name: value\n", or "name:\n" for an empty value. The
// space after the colon is always written when there is a value, since the
// parser strips exactly one: a value that starts with a space survives.
func appendField(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, ':')
	if value != "" {
		b = append(b, ' ')
		b = append(b, value...)
	}
	return append(b, '\n')
}
