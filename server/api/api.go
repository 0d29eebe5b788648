// Package api declares the JSON bodies of the server's HTTP API once, for
// the server, its tests, the demo and the client tests. It imports nothing,
// so a WebAssembly program can use it without growing.
//
// A pointer field is null in JSON when the thing it stands for was absent
// (no Last-Event-ID header, say), which an empty string could not tell.
package api

import "time"

// Error is the body of every error answer.
type Error struct {
	Error   string `json:"error"`   // a stable code, e.g. "bad_topic"
	Message string `json:"message"` // for people
}

// Published answers a publish: the topic and the id the message got.
type Published struct {
	Topic string `json:"topic"`
	ID    string `json:"id"`
}

// Reset is the data of the `event: reset` a topic subscriber gets when its
// Last-Event-ID is no longer retained: the events after it are lost, so it
// should resynchronise its state; live events follow.
type Reset struct {
	Reason      string `json:"reason"` // ResetNotRetained
	LastEventID string `json:"last_event_id"`
	Message     string `json:"message"`
}

// ResetNotRetained is the only Reset.Reason.
const ResetNotRetained = "last_event_id_not_retained"

// Health answers GET /healthz.
type Health struct {
	Status  string `json:"status"`  // "ok"
	Streams int64  `json:"streams"` // open event streams
	// FanoutStreams counts the open topic streams the fan-out workers
	// serve with no goroutine of their own (server.Server.FanoutStreams).
	FanoutStreams int64 `json:"fanout_streams"`
	// Connections counts the open client connections (HTTP/2 carries
	// many streams on one), when the server tracks them.
	Connections int64 `json:"connections"`
}

// Login answers POST /auth/login.
type Login struct {
	Token     string `json:"token"`
	TokenType string `json:"token_type"` // "Bearer"
	ExpiresIn int64  `json:"expires_in"` // seconds
	// Topics are the only topics the token may subscribe to; absent when
	// it may subscribe to any.
	Topics []string `json:"topics,omitempty"`
}

// EchoRequest is the data of /echo's first event, `event: echo`: the
// request as the server received it. Secrets never appear: only the
// Authorization scheme and the cookie names.
type EchoRequest struct {
	Method           string   `json:"method"`
	Path             string   `json:"path"`
	LastEventID      *string  `json:"last_event_id"`       // the header
	LastEventIDQuery *string  `json:"last_event_id_query"` // the lastEventId query parameter
	Authorization    *string  `json:"authorization"`       // the scheme, e.g. "Bearer"
	Cookies          []string `json:"cookies"`             // names only
	Accept           string   `json:"accept"`
	CacheControl     string   `json:"cache_control"`
	Origin           *string  `json:"origin"`
	HeaderNames      []string `json:"header_names"`
	BodyBytes        int64    `json:"body_bytes"`
	Session          *string  `json:"session"`
	// Connection counts this session's requests (all sessionless /echo
	// requests when no session is given), 1 for the first.
	Connection int64 `json:"connection"`
}

// Session answers GET /sessions/{id}: what the server saw of the requests
// made with ?session=<id>.
type Session struct {
	Requests    int64           `json:"requests"`     // every request ever made with the id
	OpenStreams int             `json:"open_streams"` // streams open now
	Recent      []RequestRecord `json:"recent"`       // the latest requests, oldest first
}

// RequestRecord is what a session remembers of one request, each string
// cut at a few hundred bytes.
type RequestRecord struct {
	Time             time.Time `json:"time"`
	Method           string    `json:"method"`
	Path             string    `json:"path"`
	LastEventID      *string   `json:"last_event_id"`       // the header
	LastEventIDQuery *string   `json:"last_event_id_query"` // the query parameter
	Authorization    *string   `json:"authorization"`       // the scheme only
	// Status is the response's status once the server wrote it, 0
	// before; a stream's is 200 while it is open.
	Status int `json:"status"`
	// Error is the JSON error of a 4xx or 5xx answer (see Error), which a
	// browser never shows native EventSource; nil otherwise.
	Error *Error `json:"error,omitempty"`
}

// SessionAction answers POST /sessions/{id}/drop|stall: how many streams
// it reached.
type SessionAction struct {
	Streams int `json:"streams"`
}
