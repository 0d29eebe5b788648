//go:build js && wasm

package main

import (
	"encoding/json"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// serverTimestamp finds a server timestamp in event data: a number whose
// integer part has 13 digits (Unix milliseconds, optionally with a
// fraction) within a day of now — the seed stream's "Test Message -- <ms>"
// and the "ts" field of /events?ts=1. It looks at the first
// timestampWindow bytes only, where these streams put it. It returns the
// timestamp (0 when there is none) and the data with it masked, so that two
// connections stamped at different moments still compare equal.
func serverTimestamp(data string, now float64) (ts float64, masked string) {
	end := min(len(data), timestampWindow)
	for i := 0; i < end; {
		if !isDigit(data[i]) || (i > 0 && (isDigit(data[i-1]) || data[i-1] == '.')) {
			i++
			continue
		}
		j := i
		for j < len(data) && isDigit(data[j]) {
			j++
		}
		intLen := j - i
		if j+1 < len(data) && data[j] == '.' && isDigit(data[j+1]) {
			j++
			for j < len(data) && isDigit(data[j]) {
				j++
			}
		}
		if intLen == 13 {
			if v, err := strconv.ParseFloat(data[i:j], 64); err == nil && math.Abs(v-now) < 24*3600*1000 {
				return v, data[:i] + "‹ts›" + data[j:]
			}
		}
		i = j
	}
	return 0, data
}

// timestampWindow bounds the bytes serverTimestamp scans.
const timestampWindow = 256

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// echoType is the event type of /echo's request description.
const echoType = "echo"

// echoRequest is what the panes compare of /echo's request description:
// what the client sent (method, Last-Event-ID header and query,
// Authorization scheme, Accept, cookie names) and the connection's number
// in its session. The other fields (the session id, the header names each
// network stack adds) legitimately differ between the two clients.
type echoRequest struct {
	Method           string   `json:"method"`
	LastEventID      *string  `json:"last_event_id"`
	LastEventIDQuery *string  `json:"last_event_id_query"`
	Authorization    *string  `json:"authorization"`
	Accept           string   `json:"accept"`
	Cookies          []string `json:"cookies"`
	Connection       int      `json:"connection"`
}

// echoKey returns the comparable form of an /echo request description; ok
// is false when data is not one.
func echoKey(data string) (key string, ok bool) {
	var e echoRequest
	if err := json.Unmarshal([]byte(data), &e); err != nil {
		return "", false
	}
	b, _ := json.Marshal(e) // strings, ints and slices: cannot fail
	return string(b), true
}

// echoSummary renders an /echo request description in one line:
// "request #2: GET, Last-Event-ID 3, Accept text/event-stream, no Authorization".
func echoSummary(data string) (string, bool) {
	var e echoRequest
	if err := json.Unmarshal([]byte(data), &e); err != nil {
		return "", false
	}
	parts := []string{"request #" + strconv.Itoa(e.Connection) + ": " + e.Method}
	if e.LastEventID != nil {
		parts = append(parts, "Last-Event-ID "+strconv.Quote(*e.LastEventID))
	} else {
		parts = append(parts, "no Last-Event-ID")
	}
	if e.LastEventIDQuery != nil {
		parts = append(parts, "lastEventId query "+strconv.Quote(*e.LastEventIDQuery))
	}
	if e.Authorization != nil {
		parts = append(parts, "Authorization "+*e.Authorization)
	}
	parts = append(parts, "Accept "+e.Accept)
	if len(e.Cookies) > 0 {
		parts = append(parts, "cookies "+strings.Join(e.Cookies, ", "))
	}
	return strings.Join(parts, ", "), true
}

// withQuery returns raw (a path with an optional query) with the given
// query parameters set; an unparsable raw is returned unchanged with ok false.
func withQuery(raw string, set map[string]string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return raw, false
	}
	q := u.Query()
	for k, v := range set {
		q.Set(k, v)
	}
	u.RawQuery = encodeQuery(q)
	return u.String(), true
}

// encodeQuery is url.Values.Encode without escaping the characters that are
// safe and common in these URLs (':' and ',' would otherwise read as %3A).
func encodeQuery(v url.Values) string {
	s := v.Encode()
	return strings.NewReplacer("%3A", ":", "%2C", ",", "%2F", "/").Replace(s)
}

// eventTypes returns the event types a client must listen for on raw:
// "message", the types the server's streams use (done, reset, echo, and
// the named types of the /faults bodies) and the stream's own named type
// when its query names one (event=). Native EventSource only dispatches
// the types it is listening for, so both panes listen for the same list.
func eventTypes(raw string) []string {
	types := []string{"message", "done", "reset", echoType, "deepThoughtOutput", "named"}
	if u, err := url.Parse(raw); err == nil {
		if ev := u.Query().Get("event"); ev != "" && !slices.Contains(types, ev) {
			types = append(types, ev)
		}
	}
	return types
}
