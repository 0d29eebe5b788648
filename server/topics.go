package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

var topicPattern = regexp.MustCompile(`^[A-Za-z0-9._~-]{1,128}$`)

// errBadTopic answers a name topicPattern refuses.
var errBadTopic = errors.New("topic names are 1-128 letters, digits or ._~-")

// resetEvent is the data of the `event: reset` a subscriber gets when its
// Last-Event-ID is no longer retained: the events after it are lost, so it
// should resynchronise its state; live events follow.
type resetEvent struct {
	Reason      string `json:"reason"` // always "last_event_id_not_retained"
	LastEventID string `json:"last_event_id"`
	Message     string `json:"message"`
}

// topicName returns the request's topic name, or answers 400 and false
// when it is not a valid one.
func topicName(w http.ResponseWriter, r *http.Request) (string, bool) {
	name := r.PathValue("name")
	if !topicPattern.MatchString(name) {
		badRequest(w, "bad_topic", errBadTopic)
		return "", false
	}
	return name, true
}

// handleSubscribe serves GET /topics/{name}: a replay of what the client
// missed after Last-Event-ID (header, or lastEventId query), then live
// messages.
func (s *Server) handleSubscribe(w http.ResponseWriter, r *http.Request) {
	name, ok := topicName(w, r)
	if !ok {
		return
	}
	q := newQuery(r)
	retry := q.retry()
	if q.err != nil {
		badRequest(w, "bad_request", q.err)
		return
	}
	after := lastEventID(r)
	// The subscription lasts as long as the stream, which may outlive the
	// handler (see detach): sub.Close ends it, not the request's context.
	ctx := context.WithoutCancel(r.Context())
	sub, err := s.broker.Subscribe(ctx, name, after)
	var reset *resetEvent
	if errors.Is(err, ErrIDNotRetained) {
		reset = &resetEvent{Reason: "last_event_id_not_retained", LastEventID: after, Message: err.Error()}
		sub, err = s.broker.Subscribe(ctx, name, "")
	}
	if errors.Is(err, ErrUnavailable) {
		// A 503 would make a native EventSource give up for good. A stream
		// that ends at once makes every client retry after its reconnection
		// time, and resume by id once the broker is back.
		s.log.Warn("broker subscribe failed", "err", err)
		if st := s.startStream(w, r, streamOptions{retry: retry}); st != nil {
			st.comment("broker unavailable: reconnect later")
			st.end()
		}
		return
	}
	if err != nil {
		s.brokerError(w, "subscribe", err)
		return
	}
	st := s.startStream(w, r, streamOptions{retry: retry, detach: true})
	if st == nil {
		sub.Close()
		return
	}
	serve := func() {
		defer st.end()
		defer sub.Close() // first: once a detached stream ends, Close may return
		if reset != nil {
			b, _ := json.Marshal(reset) // plain strings: cannot fail
			if !st.send(sse.Event{Type: "reset", Data: string(b)}) {
				return
			}
		}
		for {
			wk := st.wait(nil, sub.Messages(), nil)
			if wk.why != wokeMessage || !wk.ok {
				// A dropped slow subscriber's stream ends here; the client
				// reconnects with its Last-Event-ID and resumes.
				return
			}
			if !st.send(sse.Event{ID: wk.msg.ID, Type: wk.msg.Type, Data: wk.msg.Data}) {
				return
			}
		}
	}
	// Topic streams are the ones held open by the thousand: they give
	// net/http's per-connection state back.
	if !st.detach(w, r, serve) {
		serve()
	}
}

// handlePublish serves POST /topics/{name}: the body is the data, the
// optional query parameters event and id the type and id.
func (s *Server) handlePublish(w http.ResponseWriter, r *http.Request) {
	name, ok := topicName(w, r)
	if !ok {
		return
	}
	q := newQuery(r)
	m := Message{Type: q.name("event"), ID: q.name("id")}
	if q.err != nil {
		badRequest(w, "bad_request", q.err)
		return
	}
	var body []byte
	answered, err := s.readBody(w, func() (err error) {
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxPublishBytes))
		return err
	})
	if answered {
		return
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "body_too_large",
				fmt.Sprintf("the body exceeds %d bytes", s.cfg.MaxPublishBytes))
			return
		}
		badRequest(w, "bad_body", fmt.Errorf("read body: %w", err))
		return
	}
	m.Data = string(body)
	id, err := s.broker.Publish(r.Context(), name, m)
	if err != nil {
		s.brokerError(w, "publish", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"topic": name, "id": id})
}

// brokerError maps a broker error to its HTTP answer.
func (s *Server) brokerError(w http.ResponseWriter, op string, err error) {
	switch {
	case errors.Is(err, ErrMalformedID):
		badRequest(w, "malformed_id", err)
	case errors.Is(err, ErrIDNotIncreasing):
		writeError(w, http.StatusConflict, "id_not_increasing", err.Error())
	default:
		s.log.Warn("broker "+op+" failed", "err", err)
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "broker_unavailable", op+": "+err.Error())
	}
}
