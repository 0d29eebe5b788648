package client

import "time"

// Cause says why the client reconnects.
type Cause string

// The causes of a reconnect. The first five come from the stream, the rest
// from a [Control].
const (
	CauseNetwork   Cause = "network"   // the request failed or the connection was lost
	CauseEnd       Cause = "end"       // the server ended the stream
	CauseStatus    Cause = "status"    // a status listed in Options.RetryOnStatus
	CauseHeaders   Cause = "headers"   // the header function failed
	CauseTimeout   Cause = "timeout"   // nothing arrived within the liveness window
	CauseOnline    Cause = "online"    // the browser went back online
	CauseResume    Cause = "resume"    // a frozen page resumed and the stream was silent too long
	CauseVisible   Cause = "visible"   // a hidden page became visible and the stream was silent too long
	CauseRestore   Cause = "bfcache"   // the page came back from the back/forward cache
	CauseReconnect Cause = "reconnect" // Control.Reconnect was called
)

// Retry describes a scheduled reconnect.
type Retry struct {
	// Attempt counts the reconnects since the last successful connection,
	// from 1.
	Attempt int
	// Delay is the wait before the request; 0 for at once.
	Delay time.Duration
	// Cause says why.
	Cause Cause
	// Err is the error that caused it, as reported to Error, or for a
	// reconnect that cuts a wait short, the reason in words.
	Err *Error
}
