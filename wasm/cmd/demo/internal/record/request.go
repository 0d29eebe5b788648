package record

import "github.com/eventsource-wasm/eventsource-wasm/server/api"

// Request is one request as the server's session log recorded it
// (GET /sessions/{id}).
type Request = api.RequestRecord

// Session is the server's answer to GET /sessions/{id}: how many requests
// the session made and the most recent ones, oldest first.
type Session = api.Session

// LastResume returns the Last-Event-ID of the latest request that sent
// one, or "".
func (l *Log) LastResume() string {
	for i := len(l.Requests) - 1; i >= 0; i-- {
		if r := l.Requests[i].LastEventID; r != nil {
			return *r
		}
	}
	return ""
}
