// Package streamurl edits the demo's stream URLs: query parameters set on
// a path, the /events URL built from the option fields, and the event
// types a client must listen for on a URL. It is plain Go, tested
// natively.
package streamurl

import (
	"net/url"
	"slices"
	"strings"
)

// WithQuery returns raw (a path or URL with an optional query) with the
// given query parameters set; an unparsable raw is returned unchanged with
// ok false.
func WithQuery(raw string, set map[string]string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return raw, false
	}
	q := u.Query()
	for k, v := range set {
		q.Set(k, v)
	}
	u.RawQuery = Encode(q)
	return u.String(), true
}

var unescape = strings.NewReplacer("%3A", ":", "%2C", ",", "%2F", "/")

// Encode is url.Values.Encode without escaping the characters that are
// safe and common in these URLs (':' and ',' would otherwise read as %3A).
func Encode(v url.Values) string { return unescape.Replace(v.Encode()) }

// EventsOptions are the /events query parameters the demo's option fields
// set, in the order they are written.
var EventsOptions = []string{"interval", "count", "event", "size", "lines", "retry"}

// Events builds an /events URL from option values (blank ones left out),
// stamped with ts=1 so that the panes can show the receive delay.
func Events(opts map[string]string) string {
	q := url.Values{}
	for _, k := range EventsOptions {
		if v := strings.TrimSpace(opts[k]); v != "" {
			q.Set(k, v)
		}
	}
	q.Set("ts", "1")
	return "/events?" + Encode(q)
}

// EventsOptionsOf returns the option values of an /events URL, and false
// for another URL.
func EventsOptionsOf(raw string) (map[string]string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Path != "/events" {
		return nil, false
	}
	q := u.Query()
	opts := make(map[string]string, len(EventsOptions))
	for _, k := range EventsOptions {
		opts[k] = q.Get(k)
	}
	return opts, true
}

// Topic builds the URL of a broker topic ("demo" when name is blank), with
// a short retry so that a reconnect is quick.
func Topic(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "demo"
	}
	return "/topics/" + url.PathEscape(name) + "?retry=1000"
}

// EventTypes returns the event types a client must listen for on raw:
// "message", the types the server's streams use (done, reset, echo, and
// the named types of the /faults bodies) and the stream's own named type
// when its query names one (event=). Native EventSource only dispatches
// the types it is listening for, so both panes listen for the same list.
func EventTypes(raw string) []string {
	types := []string{"message", "done", "reset", "echo", "deepThoughtOutput", "named"}
	if u, err := url.Parse(raw); err == nil {
		if ev := u.Query().Get("event"); ev != "" && !slices.Contains(types, ev) {
			types = append(types, ev)
		}
	}
	return types
}
