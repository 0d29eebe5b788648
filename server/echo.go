package server

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

// echoRequest is the data of /echo's first event: the request as the server
// received it. Secrets never appear: only the Authorization scheme and the
// cookie names.
type echoRequest struct {
	Method           string   `json:"method"`
	Path             string   `json:"path"`
	LastEventID      *string  `json:"last_event_id"`       // the header; null when absent
	LastEventIDQuery *string  `json:"last_event_id_query"` // null when absent
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

// handleEcho serves GET and POST /echo: an `event: echo` describing the
// request, then n numbered events (ids continue after Last-Event-ID), then
// the end of the response, so the next connection shows what the client
// sends on reconnect.
func (s *Server) handleEcho(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	n := q.int("n", 3, 0, 100000)
	interval := q.duration("interval", 0, maxInterval)
	retry := q.retry()
	if q.err != nil {
		badRequest(w, "bad_request", q.err)
		return
	}
	var body int64
	// Only a timeout matters: the echo reports the bytes that came.
	if answered, _ := s.readBody(w, func() (err error) {
		body, err = io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, 1<<20))
		return err
	}); answered {
		return
	}
	e := echoRequest{
		Method:       r.Method,
		Path:         r.URL.Path,
		Cookies:      []string{},
		Accept:       r.Header.Get("Accept"),
		CacheControl: r.Header.Get("Cache-Control"),
		BodyBytes:    body,
	}
	if v, ok := r.Header["Last-Event-Id"]; ok && len(v) > 0 {
		e.LastEventID = &v[0]
	}
	if v := r.URL.Query(); v.Has("lastEventId") {
		id := v.Get("lastEventId")
		e.LastEventIDQuery = &id
	}
	if scheme := authScheme(r); scheme != "" {
		e.Authorization = &scheme
	}
	for _, c := range r.Cookies() {
		e.Cookies = append(e.Cookies, c.Name)
	}
	if o := r.Header.Get("Origin"); o != "" {
		e.Origin = &o
	}
	for k := range r.Header {
		e.HeaderNames = append(e.HeaderNames, k)
	}
	slices.Sort(e.HeaderNames)
	if id := r.URL.Query().Get("session"); sessionIDPattern.MatchString(id) {
		e.Session = &id
		e.Connection = s.sessions.count(id)
	} else {
		e.Connection = s.echoCount.Add(1)
	}
	// Numbering continues after an integer Last-Event-ID, so reconnects
	// show progress; anything else starts at 1.
	next := int64(1)
	if id, err := strconv.ParseInt(lastEventID(r), 10, 64); err == nil && id >= 0 && id < 1<<53 {
		next = id + 1
	}

	st := s.startStream(w, r, streamOptions{retry: retry})
	if st == nil {
		return
	}
	defer st.end()
	b, _ := json.Marshal(e) // strings, ints and slices: cannot fail
	if !st.send(sse.Event{Type: "echo", Data: string(b)}) {
		return
	}
	tick := ready
	if interval > 0 {
		tk := time.NewTicker(interval)
		defer tk.Stop()
		tick = tk.C
	}
	for i := int64(0); i < n; i++ {
		if st.wait(tick, nil, nil).why != wokeTimer {
			return
		}
		id := strconv.FormatInt(next+i, 10)
		if !st.send(sse.Event{ID: id, Data: "echo " + id}) {
			return
		}
	}
}
