package record

import "time"

// Request is one request as the server's session log recorded it
// (GET /sessions/{id}).
type Request struct {
	Time             time.Time `json:"time"`
	Method           string    `json:"method"`
	Path             string    `json:"path"`
	LastEventID      *string   `json:"last_event_id"`
	LastEventIDQuery *string   `json:"last_event_id_query"`
	Authorization    *string   `json:"authorization"`
}

// Session is the server's answer to GET /sessions/{id}: how many requests
// the session made and the most recent ones, oldest first.
type Session struct {
	Requests int64     `json:"requests"`
	Recent   []Request `json:"recent"`
}

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
