package client

import "strconv"

// ReadyState is the state of a connection, with the values of
// EventSource.readyState.
type ReadyState int32

// The ready states.
const (
	Connecting ReadyState = 0 // before the first response, and between reconnections
	Open       ReadyState = 1 // a response was accepted and its events are arriving
	Closed     ReadyState = 2 // closed by the caller, or failed: no reconnection follows
)

// String returns the state's EventSource name.
func (s ReadyState) String() string {
	switch s {
	case Connecting:
		return "CONNECTING"
	case Open:
		return "OPEN"
	case Closed:
		return "CLOSED"
	}
	return "ReadyState(" + strconv.Itoa(int(s)) + ")"
}

// Error describes why a connection attempt failed or a stream ended.
type Error struct {
	// Status and StatusText are those of the response that caused the
	// error, if one did; errors after a stream opened have none.
	Status     int
	StatusText string
	// Message says what happened in words a user understands.
	Message string
	// Err is the underlying error, if any.
	Err error
}

// Error returns the message, prefixed with "eventsource: ", and the cause.
func (e *Error) Error() string {
	s := "eventsource: " + e.Message
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error, so that errors.Is finds, for example,
// sse.ErrEventTooLarge.
func (e *Error) Unwrap() error { return e.Err }
