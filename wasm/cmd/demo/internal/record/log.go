package record

import (
	"fmt"
	"slices"
	"strconv"
)

// Event is one event as a client dispatched it.
type Event struct {
	Type, Data, ID string
	// Key is what the panes compare: type, id and data with any server
	// timestamp masked (two connections are stamped at different moments)
	// and /echo's request description reduced to what the client sent.
	Key string
	// Delay is the receive delay in ms from a server timestamp in the data,
	// or -1 when the data carries none.
	Delay float64
}

// Log is what one client (and the clients that replace it on reopen)
// received. The zero Log is empty.
type Log struct {
	Events     []Event
	LastID     string    // the lastEventId of the latest event
	Opens      int       // successful connections, reopens included
	Reconnects int       // automatic reconnections that opened
	Delays     []float64 // receive delays of the timestamped events, in ms
	Requests   []Request // the server's record of the session, latest load
	fresh      bool      // the current client has not opened yet
}

// Reset empties the log for a new run.
func (l *Log) Reset() { *l = Log{} }

// NewClient notes that a client was created: its first open is a
// connection, the later ones reconnections.
func (l *Log) NewClient() { l.fresh = true }

// Open counts an open event and reports whether it was a reconnection.
func (l *Log) Open() (reconnect bool) {
	l.Opens++
	if l.fresh {
		l.fresh = false
		return false
	}
	l.Reconnects++
	return true
}

// Receive records an event received at now (Unix ms) and returns it with
// its comparison key and receive delay.
func (l *Log) Receive(typ, data, id string, now float64) Event {
	e := Event{Type: typ, Data: data, ID: id, Delay: -1}
	norm := data
	switch ts, masked := ServerTimestamp(data, now); {
	case typ == EchoType:
		if k, ok := EchoKey(data); ok {
			norm = k
		}
	case ts > 0:
		norm = masked
		e.Delay = max(now-ts, 0) // one machine, one clock; guard rounding
		l.Delays = append(l.Delays, e.Delay)
	}
	e.Key = typ + "\x00" + id + "\x00" + norm
	l.LastID = id
	l.Events = append(l.Events, e)
	return e
}

// DelaySummary renders the median receive delay, and the last and the
// largest for a tooltip.
func (l *Log) DelaySummary() (median, detail string) {
	d := l.Delays
	if len(d) == 0 {
		return "—", "The stream's data carries no server timestamp."
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return fmt.Sprintf("%.1f ms p50", s[len(s)/2]),
		fmt.Sprintf("median %.1f ms, last %.1f ms, max %.1f ms over %d events", s[len(s)/2], d[len(d)-1], s[len(s)-1], len(s))
}

// IDGap checks that integer ids increase by one, and describes the first
// gap or repeat ("" when there is none, or when an id is not an integer).
func (l *Log) IDGap() string {
	evs := l.Events
	for i := 1; i < len(evs); i++ {
		prev, err1 := strconv.Atoi(evs[i-1].ID)
		cur, err2 := strconv.Atoi(evs[i].ID)
		if err1 != nil || err2 != nil {
			return ""
		}
		if cur != prev+1 {
			return fmt.Sprintf("Id %d followed id %d", cur, prev)
		}
	}
	return ""
}

// FirstDifference returns the index of the first event whose key differs
// between a and b, or -1 when the common prefix agrees.
func FirstDifference(a, b []Event) int {
	for i := range min(len(a), len(b)) {
		if a[i].Key != b[i].Key {
			return i
		}
	}
	return -1
}
