package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/eventsource-wasm/eventsource-wasm/broker"
	"github.com/eventsource-wasm/eventsource-wasm/server/api"
	"github.com/eventsource-wasm/eventsource-wasm/server/internal/httpapi"
	"github.com/eventsource-wasm/eventsource-wasm/server/internal/stream"
	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

// topicName returns the request's topic name, or answers 400 and false
// when it is not a valid one.
func (s *Server) topicName(w http.ResponseWriter, r *http.Request) (string, bool) {
	name := s.cfg.Topic(r)
	if !httpapi.ValidTopic(name) {
		httpapi.BadRequest(w, "bad_topic", httpapi.ErrBadTopic)
		return "", false
	}
	return name, true
}

// Subscribe serves a subscription: a replay of what the client missed
// after Last-Event-ID (the header, or the lastEventId query parameter),
// then live messages. A Last-Event-ID the broker no longer retains gets an
// `event: reset` (api.Reset) first. The retry query parameter sets the
// client's reconnection time (milliseconds). Config.Authorizer is asked
// first.
func (s *Server) Subscribe(w http.ResponseWriter, r *http.Request) {
	name, ok := s.topicName(w, r)
	if !ok || !s.authorize(w, r, name, ActionSubscribe) {
		return
	}
	q := httpapi.NewQuery(r)
	retry := q.Retry()
	if q.Err != nil {
		httpapi.BadRequest(w, "bad_request", q.Err)
		return
	}
	after := httpapi.LastEventID(r)
	// The subscription lasts as long as the stream, which may outlive the
	// handler (see Config.TakeOverHTTP1): sub.Close ends it, not the
	// request's context.
	ctx := context.WithoutCancel(r.Context())
	sub, err := s.cfg.Broker.Subscribe(ctx, name, after)
	var reset *api.Reset
	if errors.Is(err, broker.ErrIDNotRetained) {
		reset = &api.Reset{Reason: api.ResetNotRetained, LastEventID: after, Message: err.Error()}
		sub, err = s.cfg.Broker.Subscribe(ctx, name, "")
	}
	if errors.Is(err, broker.ErrUnavailable) {
		// A 503 would make a native EventSource give up for good. A stream
		// that ends at once makes every client retry after its reconnection
		// time, and resume by id once the broker is back.
		s.log.Warn("broker subscribe failed", "err", err)
		if st := s.streams.Start(w, r, stream.Options{Retry: retry}); st != nil {
			st.Comment("broker unavailable: reconnect later")
			st.End()
		}
		return
	}
	if err != nil {
		s.brokerError(w, "subscribe", err)
		return
	}
	st := s.streams.Start(w, r, stream.Options{Retry: retry, TakeOver: true})
	if st == nil {
		sub.Close()
		return
	}
	var first []sse.Event
	if reset != nil {
		b, _ := json.Marshal(reset) // plain strings: cannot fail
		first = []sse.Event{{Type: "reset", Data: string(b)}}
	}
	serve := func() {
		defer st.End()
		defer sub.Close() // first: once a detached stream ends, Close may return
		if len(first) > 0 && !st.Send(first[0]) {
			return
		}
		batch := make([]sse.Event, 0, 1)
		for {
			wk := st.Wait(nil, sub.Messages(), nil)
			if wk.Why != stream.WokeMessage || !wk.OK {
				// A dropped slow subscriber's stream ends here; the client
				// reconnects with its Last-Event-ID and resumes.
				return
			}
			// What else has queued up (a replay, or a stream that fell
			// behind) goes out in the same write.
			batch = append(batch[:0], event(wk.Msg))
			open := true
		more:
			for open && len(batch) < maxBatch {
				select {
				case m, ok := <-sub.Messages():
					if open = ok; ok {
						batch = append(batch, event(m))
					}
				default:
					break more
				}
			}
			if !st.SendAll(batch) || !open {
				return
			}
			clear(batch) // let the data go
		}
	}
	// A subscription that can be polled goes to the engine's fan-out
	// workers, with no goroutine of its own; the others keep one.
	if src, ok := sub.(stream.Source); ok && st.Handoff(w, r, src, first, serve) {
		return
	}
	if !st.Detach(w, r, serve) {
		serve()
	}
}

// maxBatch bounds the queued events a stream writes at once.
const maxBatch = 64

// event is m as an SSE event.
func event(m broker.Message) sse.Event { return sse.Event{ID: m.ID, Type: m.Type, Data: m.Data} }

// Publish serves a publish: the body is the data, the optional query
// parameters event and id the type and id. It answers api.Published.
// Config.Authorizer is asked first.
func (s *Server) Publish(w http.ResponseWriter, r *http.Request) {
	name, ok := s.topicName(w, r)
	if !ok || !s.authorize(w, r, name, ActionPublish) {
		return
	}
	q := httpapi.NewQuery(r)
	m := broker.Message{Type: q.Name("event"), ID: q.Name("id")}
	if q.Err != nil {
		httpapi.BadRequest(w, "bad_request", q.Err)
		return
	}
	var body []byte
	answered, err := httpapi.ReadBody(w, s.cfg.BodyReadTimeout, func() (err error) {
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxPublishBytes))
		return err
	})
	if answered {
		return
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			httpapi.WriteError(w, http.StatusRequestEntityTooLarge, "body_too_large",
				fmt.Sprintf("the body exceeds %d bytes", s.cfg.MaxPublishBytes))
			return
		}
		httpapi.BadRequest(w, "bad_body", fmt.Errorf("server: read body: %w", err))
		return
	}
	m.Data = string(body)
	id, err := s.cfg.Broker.Publish(r.Context(), name, m)
	if err != nil {
		s.brokerError(w, "publish", err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, api.Published{Topic: name, ID: id})
}

// brokerError maps a broker error to its HTTP answer.
func (s *Server) brokerError(w http.ResponseWriter, op string, err error) {
	switch {
	case errors.Is(err, broker.ErrMalformedID):
		httpapi.BadRequest(w, "malformed_id", err)
	case errors.Is(err, broker.ErrIDNotIncreasing):
		httpapi.WriteError(w, http.StatusConflict, "id_not_increasing", err.Error())
	default:
		s.log.Warn("broker "+op+" failed", "err", err)
		w.Header().Set("Retry-After", "1")
		httpapi.WriteError(w, http.StatusServiceUnavailable, "broker_unavailable", op+": "+err.Error())
	}
}
