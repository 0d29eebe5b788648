package record

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/eventsource-wasm/eventsource-wasm/server/api"
)

// EchoType is the event type of /echo's request description.
const EchoType = "echo"

// EchoKey returns the comparable form of an /echo request description; ok
// is false when data is not one. The panes compare what the client sent
// (method, Last-Event-ID header and query, Authorization scheme, Accept,
// cookie names) and the connection's number in its session. The other
// fields (the session id, the header names each network stack adds)
// legitimately differ between the two clients.
func EchoKey(data string) (key string, ok bool) {
	var e api.EchoRequest
	if err := json.Unmarshal([]byte(data), &e); err != nil {
		return "", false
	}
	b, _ := json.Marshal([]any{e.Method, e.LastEventID, e.LastEventIDQuery, e.Authorization,
		e.Accept, e.Cookies, e.Connection}) // strings, ints and slices: cannot fail
	return string(b), true
}

// EchoSummary renders an /echo request description in one line:
// "request #2: GET, Last-Event-ID 3, Accept text/event-stream, no Authorization".
func EchoSummary(data string) (string, bool) {
	var e api.EchoRequest
	if err := json.Unmarshal([]byte(data), &e); err != nil {
		return "", false
	}
	parts := []string{"request #" + strconv.FormatInt(e.Connection, 10) + ": " + e.Method}
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
