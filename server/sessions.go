package server

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Sessions let tests and the demo observe and steer their own connections:
// any request with ?session=<id> is recorded under that id, and its streams
// can be dropped or stalled from outside with POST /sessions/{id}/drop|stall.
const (
	maxSessions        = 1024
	maxSessionRequests = 64 // requests remembered per session
	// maxRecordedLen cuts each remembered value: headers and URLs may be a
	// megabyte long, and up to maxSessions*maxSessionRequests records stay.
	maxRecordedLen = 256
)

var sessionIDPattern = regexp.MustCompile(`^[A-Za-z0-9._~-]{1,64}$`)

// errBadSession answers an id sessionIDPattern refuses.
var errBadSession = errors.New("session ids are 1-64 letters, digits or ._~-")

// requestRecord is what a session remembers of one request, each string
// cut at maxRecordedLen bytes.
type requestRecord struct {
	Time              time.Time `json:"time"`
	Method            string    `json:"method"`
	Path              string    `json:"path"`
	LastEventID       *string   `json:"last_event_id"` // the header; null when absent
	LastEventIDQuery  *string   `json:"last_event_id_query"`
	AuthorizationType *string   `json:"authorization"` // the scheme only
}

type session struct {
	requests int64 // every request ever made with this id
	recent   []requestRecord
	streams  map[*streamControl]struct{}
	seen     time.Time
}

// streamControl lets a session action reach one open stream.
type streamControl struct {
	drop, halt chan struct{}
	once       [2]sync.Once
}

// dropped and stalled are nil-safe: a stream outside any session waits on
// nil channels, which never fire.
func (c *streamControl) dropped() <-chan struct{} {
	if c == nil {
		return nil
	}
	return c.drop
}

func (c *streamControl) stalled() <-chan struct{} {
	if c == nil {
		return nil
	}
	return c.halt
}

type sessionRegistry struct {
	mu sync.Mutex
	m  map[string]*session
}

func newSessionRegistry() *sessionRegistry {
	return &sessionRegistry{m: make(map[string]*session)}
}

// get returns id's session, creating it (and evicting the least recently
// seen idle session when full). The caller holds r.mu.
func (r *sessionRegistry) get(id string) *session {
	if s := r.m[id]; s != nil {
		return s
	}
	if len(r.m) >= maxSessions {
		var oldest string
		for k, s := range r.m {
			if len(s.streams) == 0 && (oldest == "" || s.seen.Before(r.m[oldest].seen)) {
				oldest = k
			}
		}
		if oldest == "" {
			return nil // every session is streaming; record nothing new
		}
		delete(r.m, oldest)
	}
	s := &session{streams: make(map[*streamControl]struct{})}
	r.m[id] = s
	return s
}

// record wraps next so requests carrying a session id are recorded.
func (r *sessionRegistry) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		q := req.URL.Query()
		if id := q.Get("session"); sessionIDPattern.MatchString(id) && req.Method != http.MethodOptions {
			rec := requestRecord{Time: time.Now(), Method: req.Method, Path: clip(req.URL.Path)}
			if v, ok := req.Header["Last-Event-Id"]; ok && len(v) > 0 {
				rec.LastEventID = new(clip(v[0]))
			}
			if q.Has("lastEventId") {
				rec.LastEventIDQuery = new(clip(q.Get("lastEventId")))
			}
			if scheme := authScheme(req); scheme != "" {
				rec.AuthorizationType = new(clip(scheme))
			}
			r.mu.Lock()
			if s := r.get(id); s != nil {
				s.requests++
				s.seen = rec.Time
				s.recent = append(s.recent, rec)
				if len(s.recent) > maxSessionRequests {
					s.recent = s.recent[1:]
				}
			}
			r.mu.Unlock()
		}
		next.ServeHTTP(w, req)
	})
}

// clip returns s cut at maxRecordedLen bytes, copied so that the record
// does not keep the request's memory alive.
func clip(s string) string {
	return strings.Clone(s[:min(len(s), maxRecordedLen)])
}

// count returns the number of requests recorded for id.
func (r *sessionRegistry) count(id string) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s := r.m[id]; s != nil {
		return s.requests
	}
	return 0
}

// attach registers a new stream of session id (nil when id is not a valid
// session id).
func (r *sessionRegistry) attach(id string) *streamControl {
	if !sessionIDPattern.MatchString(id) {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.get(id)
	if s == nil {
		return nil
	}
	c := &streamControl{drop: make(chan struct{}), halt: make(chan struct{})}
	s.streams[c] = struct{}{}
	return c
}

func (r *sessionRegistry) detach(id string, c *streamControl) {
	if c == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if s := r.m[id]; s != nil {
		delete(s.streams, c)
	}
}

// sessionInfo is the JSON answer of GET /sessions/{id}.
type sessionInfo struct {
	Requests    int64           `json:"requests"`
	OpenStreams int             `json:"open_streams"`
	Recent      []requestRecord `json:"recent"`
}

func (s *Server) handleSessionInfo(w http.ResponseWriter, req *http.Request) {
	id := req.PathValue("id")
	if !sessionIDPattern.MatchString(id) {
		badRequest(w, "bad_session", errBadSession)
		return
	}
	r := s.sessions
	r.mu.Lock()
	info := sessionInfo{Recent: []requestRecord{}}
	if ses := r.m[id]; ses != nil {
		info = sessionInfo{Requests: ses.requests, OpenStreams: len(ses.streams), Recent: append(info.Recent, ses.recent...)}
	}
	r.mu.Unlock()
	writeJSON(w, http.StatusOK, info)
}

// handleSessionAction drops (aborts the connection as a network failure
// would) or stalls (stops writing, keeps the connection) every open stream
// of a session.
func (s *Server) handleSessionAction(w http.ResponseWriter, req *http.Request) {
	id, action := req.PathValue("id"), req.PathValue("action")
	if !sessionIDPattern.MatchString(id) {
		badRequest(w, "bad_session", errBadSession)
		return
	}
	var which int
	switch action {
	case "drop":
		which = 0
	case "stall":
		which = 1
	default:
		writeError(w, http.StatusNotFound, "unknown_action", "actions are drop and stall")
		return
	}
	r := s.sessions
	r.mu.Lock()
	n := 0
	if ses := r.m[id]; ses != nil {
		for c := range ses.streams {
			ch := [2]chan struct{}{c.drop, c.halt}[which]
			c.once[which].Do(func() { close(ch) })
			n++
		}
	}
	r.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]int{"streams": n})
}
