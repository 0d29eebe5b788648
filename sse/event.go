package sse

import "errors"

// Event is one server-sent event.
type Event struct {
	// Type is the event type. The Parser sets "message" when the stream
	// named none; the Encoder writes no event line when it is empty.
	Type string
	// Data is the event's data lines joined with "\n".
	Data string
	// ID is, from the Parser, the last event ID at the time of dispatch;
	// the Encoder writes no id line when it is empty.
	ID string
}

// DefaultMaxEventSize is the line and event size limit of a Parser made
// with a non-positive limit.
const DefaultMaxEventSize = 16 << 20

// ErrEventTooLarge reports a line or an event's data above the Parser's
// size limit.
var ErrEventTooLarge = errors.New("sse: line or event exceeds the size limit")

// wrapError is an error with its own message that wraps err, as
// fmt.Errorf with %w makes; the package does without fmt, which would
// weigh on WebAssembly modules that use it.
type wrapError struct {
	msg string
	err error
}

func (e *wrapError) Error() string { return e.msg }

func (e *wrapError) Unwrap() error { return e.err }
