package server

import (
	"errors"
	"net/http"

	"github.com/eventsource-wasm/eventsource-wasm/server/internal/httpapi"
)

// Action is what a request asks to do with a topic.
type Action string

// The actions an Authorizer is asked about.
const (
	ActionSubscribe Action = "subscribe"
	ActionPublish   Action = "publish"
)

// An Authorizer decides whether a request may act on a topic. It returns
// nil to let the request through, an error made by Unauthorized (401) or
// Forbidden (403) to refuse it, or any other error when it cannot decide
// (500, logged). Its errors are answered to the client and may be logged:
// they must never carry a credential.
type Authorizer interface {
	Authorize(r *http.Request, topic string, action Action) error
}

// AuthorizerFunc lets a function be an Authorizer.
type AuthorizerFunc func(r *http.Request, topic string, action Action) error

// Authorize calls f.
func (f AuthorizerFunc) Authorize(r *http.Request, topic string, action Action) error {
	return f(r, topic, action)
}

// Denial is an Authorizer's refusal: 401 with a WWW-Authenticate challenge,
// or 403. The answer's body is an api.Error of Code and Message.
type Denial struct {
	Status    int    // http.StatusUnauthorized or http.StatusForbidden
	Challenge string // WWW-Authenticate of a 401, e.g. `Bearer realm="api"`
	Code      string // e.g. "missing_token", "invalid_token", "forbidden"
	Message   string // for people; never a credential
}

func (d *Denial) Error() string { return "server: " + d.Message }

// Unauthorized returns the Denial of a request without valid credentials:
// 401 with challenge as its WWW-Authenticate header.
func Unauthorized(challenge, code, msg string) error {
	return &Denial{Status: http.StatusUnauthorized, Challenge: challenge, Code: code, Message: msg}
}

// Forbidden returns the Denial of a request whose credentials do not cover
// the topic or the action: 403.
func Forbidden(code, msg string) error {
	return &Denial{Status: http.StatusForbidden, Code: code, Message: msg}
}

// authorize asks the Authorizer, if any, and answers a refusal; it reports
// whether the request may go on.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, topic string, action Action) bool {
	if s.cfg.Authorizer == nil {
		return true
	}
	err := s.cfg.Authorizer.Authorize(r, topic, action)
	if err == nil {
		return true
	}
	var d *Denial
	switch {
	case errors.As(err, &d) && d.Status == http.StatusUnauthorized:
		if d.Challenge != "" {
			w.Header().Set("WWW-Authenticate", d.Challenge)
		}
		httpapi.WriteError(w, http.StatusUnauthorized, d.Code, d.Message)
	case errors.As(err, &d):
		httpapi.WriteError(w, http.StatusForbidden, d.Code, d.Message)
	default:
		s.log.Error("authorizer failed", "topic", topic, "action", string(action), "err", err)
		httpapi.WriteError(w, http.StatusInternalServerError, "authorizer_failed", "cannot decide on access now")
	}
	return false
}
