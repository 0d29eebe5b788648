// Package topicaccess is the Auth view's logic for login tokens limited to
// topics: the topics field, the login form that asks for such a token, and
// what the server's refusal of a topic stream means. It is plain Go,
// tested natively.
package topicaccess

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/eventsource-wasm/eventsource-wasm/server/api"
)

// MaxTopics is the most topics a login may name (the server's bound).
const MaxTopics = 64

// ErrBadTopic is why a topic name cannot be used.
var ErrBadTopic = errors.New("topic names are 1-128 letters, digits or ._~-")

// ParseTopics reads the topics field: names separated by commas or spaces,
// duplicates dropped. None means any topic (nil). A name the server would
// refuse is an error that quotes it.
func ParseTopics(field string) ([]string, error) {
	var topics []string
	for _, name := range strings.FieldsFunc(field, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if !api.ValidTopic(name) {
			return nil, errors.New(strconv.Quote(name) + ": " + ErrBadTopic.Error())
		}
		if !slices.Contains(topics, name) {
			topics = append(topics, name)
		}
	}
	if len(topics) > MaxTopics {
		return nil, errors.New("at most " + strconv.Itoa(MaxTopics) + " topics")
	}
	return topics, nil
}

// LoginForm returns the form body of POST /auth/login for a token of ttl
// seconds limited to topics (none: any topic). Valid names need no
// escaping; the commas between them are escaped.
func LoginForm(ttl int, topics []string) string {
	form := "ttl=" + strconv.Itoa(ttl)
	if len(topics) > 0 {
		form += "&topics=" + strings.Join(topics, "%2C")
	}
	return form
}

// Covers reports whether a token limited to topics (nil: any) may
// subscribe to topic.
func Covers(topics []string, topic string) bool {
	return topics == nil || slices.Contains(topics, topic)
}

// Scope renders what a token may subscribe to: "any topic", or its topics.
func Scope(topics []string) string {
	if topics == nil {
		return "any topic"
	}
	return "only " + strings.Join(topics, ", ")
}

// Refusal is the server's answer to one subscription, as its session log
// recorded it: the status, and the JSON error of a refusal (nil when the
// record holds none).
type Refusal struct {
	Status int
	Error  *api.Error
}

// Explain says in words why the server refused a subscription to topic by
// a client that held a token limited to topics (nil: any; loggedIn false:
// no token at all).
func Explain(r Refusal, loggedIn bool, topics []string, topic string) string {
	s := "HTTP " + strconv.Itoa(r.Status)
	if t := statusText(r.Status); t != "" {
		s += " " + t
	}
	switch {
	case r.Status == 403 && loggedIn && !Covers(topics, topic):
		s += ": the token covers " + Scope(topics) + ", not topic " + topic
	case r.Status == 403:
		s += ": the token may not subscribe to topic " + topic
	case r.Status == 401 && !loggedIn:
		s += ": no token; log in first"
	case r.Status == 401:
		s += ": the token expired or was revoked; log in again"
	}
	if r.Error != nil {
		s += " (server: " + r.Error.Error
		if r.Error.Message != "" {
			s += ", “" + r.Error.Message + "”"
		}
		s += ")"
	}
	return s
}

// statusText names the statuses a topic subscription can be refused with.
func statusText(status int) string {
	switch status {
	case 400:
		return "Bad Request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 503:
		return "Service Unavailable"
	}
	return ""
}

// LastRefusal returns the latest of records that the server refused
// (status 400 or more), and whether there is one.
func LastRefusal(records []api.RequestRecord) (Refusal, bool) {
	for i := len(records) - 1; i >= 0; i-- {
		if r := records[i]; r.Status >= 400 {
			return Refusal{Status: r.Status, Error: r.Error}, true
		}
	}
	return Refusal{}, false
}
