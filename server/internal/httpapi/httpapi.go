// Package httpapi holds what every handler of the server and its fixtures
// shares: JSON answers and errors, typed query parameters, the resume id of
// a reconnecting client, and bounded reads of request bodies.
package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/server/api"
)

// WriteJSON answers status with v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // an error means the client left
}

// WriteError answers status with an api.Error of code and msg.
func WriteError(w http.ResponseWriter, status int, code, msg string) {
	WriteJSON(w, status, api.Error{Error: code, Message: msg})
}

// BadRequest answers 400 with err.
func BadRequest(w http.ResponseWriter, code string, err error) {
	WriteError(w, http.StatusBadRequest, code, err.Error())
}

// ReadBody calls read, which consumes the request body, under a read
// deadline of timeout. When the deadline passed it has answered 408 and
// reports true; otherwise it lifts the deadline (the handler may go on
// streaming) and returns read's error for the caller to judge.
func ReadBody(w http.ResponseWriter, timeout time.Duration, read func() error) (answered bool, err error) {
	ctrl := http.NewResponseController(w)
	// A writer without deadlines (a test recorder) reads unbounded.
	_ = ctrl.SetReadDeadline(time.Now().Add(timeout))
	err = read()
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// The deadline stays: net/http's drain of the rest of the body
		// fails at once, and the connection is closed after the answer.
		WriteError(w, http.StatusRequestTimeout, "body_timeout",
			fmt.Sprintf("the request body did not arrive within %v", timeout))
		return true, err
	}
	_ = ctrl.SetReadDeadline(time.Time{})
	return false, err
}

// ErrBadTopic refuses a name ValidTopic refuses.
var ErrBadTopic = errors.New("server: topic names are 1-128 letters, digits or ._~-")

// ValidTopic reports whether name is a valid topic name: 1-128 letters,
// digits or ._~- (the unreserved characters of a URL path segment).
func ValidTopic(name string) bool { return api.ValidTopic(name) }

// LastEventID returns the id a reconnecting client resumes from: the
// Last-Event-ID header, or the lastEventId query parameter when the header
// is absent or empty (for clients behind proxies that strip the header).
func LastEventID(r *http.Request) string {
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		return id
	}
	return r.URL.Query().Get("lastEventId")
}

// MaxSafeInteger is JavaScript's Number.MAX_SAFE_INTEGER, 2^53-1: the
// largest integer a browser holds exactly, and so the largest integer id or
// count the integer-id streams accept.
const MaxSafeInteger = 1<<53 - 1

// ResumeAfter returns the integer Last-Event-ID of r (see LastEventID), with
// ok false when there is none. A value that is not an integer from -1 to
// MaxSafeInteger is an error: the integer-id streams cannot resume from it.
func ResumeAfter(r *http.Request) (n int64, ok bool, err error) {
	id := LastEventID(r)
	if id == "" {
		return 0, false, nil
	}
	n, err = ParseIntID(id)
	if err != nil {
		return 0, false, err
	}
	return n, true, nil
}

// ParseIntID parses id as an integer from -1 to MaxSafeInteger.
func ParseIntID(id string) (int64, error) {
	n, err := parseInt(id)
	if err != nil || n < -1 || n > MaxSafeInteger {
		return 0, fmt.Errorf("server: last event id %q: this stream's ids are integers", id)
	}
	return n, nil
}

// AcceptsEncoding reports whether an Accept-Encoding header value accepts
// coding with a non-zero quality. An explicit entry for coding overrides "*".
func AcceptsEncoding(header, coding string) bool {
	explicit, star := -1.0, -1.0
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.TrimSpace(name)
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(p, "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		switch {
		case strings.EqualFold(name, coding):
			explicit = q
		case name == "*":
			star = q
		}
	}
	if explicit >= 0 {
		return explicit > 0
	}
	return star > 0
}
