package server_test

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/eventsource-wasm/eventsource-wasm/broker"
	"github.com/eventsource-wasm/eventsource-wasm/server"
	"github.com/eventsource-wasm/eventsource-wasm/server/api"
)

// The Authorizer is asked with the topic and the action, and its answer
// becomes 401 with a challenge, 403, 500, or the handler's own answer.
func TestAuthorizer(t *testing.T) {
	type call struct {
		topic  string
		action server.Action
	}
	var calls []call
	auth := server.AuthorizerFunc(func(r *http.Request, topic string, action server.Action) error {
		calls = append(calls, call{topic, action})
		switch r.Header.Get("X-Test") {
		case "anonymous":
			return server.Unauthorized(`Bearer realm="test"`, "missing_token", "log in")
		case "limited":
			return server.Forbidden("topic_not_covered", "not this topic")
		case "broken":
			return errors.New("the user store is down")
		}
		return nil
	})
	b := broker.NewMemoryBroker(broker.MemoryBrokerConfig{})
	defer b.Close()
	srv, err := server.New(server.Config{Broker: b, Authorizer: auth, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	mux := http.NewServeMux()
	mux.Handle("/t/{topic}", srv)
	for _, c := range []struct {
		who, method string
		status      int
		code        string
	}{
		{"anonymous", http.MethodGet, http.StatusUnauthorized, "missing_token"},
		{"anonymous", http.MethodPost, http.StatusUnauthorized, "missing_token"},
		{"limited", http.MethodGet, http.StatusForbidden, "topic_not_covered"},
		{"limited", http.MethodPost, http.StatusForbidden, "topic_not_covered"},
		{"broken", http.MethodGet, http.StatusInternalServerError, "authorizer_failed"},
		{"admitted", http.MethodPost, http.StatusOK, ""},
	} {
		calls = nil
		req := httptest.NewRequest(c.method, "/t/room-1", strings.NewReader("x"))
		req.Header.Set("X-Test", c.who)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		var e api.Error
		json.Unmarshal(rec.Body.Bytes(), &e)
		if rec.Code != c.status || e.Error != c.code {
			t.Errorf("%s %s: %d %q, want %d %q", c.who, c.method, rec.Code, e.Error, c.status, c.code)
		}
		if got := rec.Header().Get("WWW-Authenticate"); (c.status == http.StatusUnauthorized) != (got == `Bearer realm="test"`) {
			t.Errorf("%s %s: WWW-Authenticate %q", c.who, c.method, got)
		}
		want := call{"room-1", server.ActionSubscribe}
		if c.method == http.MethodPost {
			want.action = server.ActionPublish
		}
		if len(calls) != 1 || calls[0] != want {
			t.Errorf("%s %s: the authorizer was called with %v, want %v", c.who, c.method, calls, want)
		}
	}
}
