package e2e

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// delayTable collects what the lifecycle subtests measure for each trigger,
// ours and native, for the table TestLifecycle prints at its end: the
// figures a release note quotes.
type delayTable struct {
	mu   sync.Mutex
	rows []delayRow
}

// none marks a delay that did not happen: no reconnect, or no event within
// the observation.
const none time.Duration = -1

// delayRow is one trigger's figures for one client.
type delayRow struct {
	trigger, client string
	// open is the time from the trigger to the next open event (the
	// reconnect), first the time to the first event after the trigger.
	open, first time.Duration
	note        string
}

func (d *delayTable) add(r delayRow) {
	d.mu.Lock()
	d.rows = append(d.rows, r)
	d.mu.Unlock()
}

// print logs the rows, one line each in a stable format to grep for
// ("reconnect-delay trigger=bfcache client=native ms=none
// first-event-ms=16 note=…"), aligned as a table, and the machine's load.
func (d *delayTable) print(t *testing.T) {
	d.mu.Lock()
	defer d.mu.Unlock()
	ms := func(d time.Duration) string {
		if d < 0 {
			return "none"
		}
		return fmt.Sprint(d.Round(time.Millisecond).Milliseconds())
	}
	var b strings.Builder
	for _, r := range d.rows {
		fmt.Fprintf(&b, "reconnect-delay trigger=%-14s client=%-6s ms=%-5s first-event-ms=%-5s note=%q\n",
			r.trigger, r.client, ms(r.open), ms(r.first), r.note)
	}
	load := "unknown"
	if raw, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(raw))
		load = strings.Join(f[:min(3, len(f))], " ")
	}
	t.Logf("reconnect delays, ours against native (ms from the trigger to the reconnect's open event and to the first event after the trigger; load average %s):\n%s", load, b.String())
}

// median returns the median of d, or none when d is empty.
func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return none
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// reopened waits for the named source's next open event after log entry
// from, then for an event after it, and returns both.
func (p *page) reopened(name string, from int, within time.Duration) (open, first logEntry) {
	p.t.Helper()
	log := p.waitLog(name, "open", 1, within, from)
	i := from + slices.IndexFunc(log[from:], func(e logEntry) bool { return e.Ev == "open" })
	log = p.waitLog(name, "message", 1, within, i+1)
	return log[i], entries(log[i+1:], "message")[0]
}

// after returns the page time from entry a to entry b.
func after(a, b logEntry) time.Duration {
	return time.Duration((b.T - a.T) * float64(time.Millisecond))
}

// firstAfter returns the first entry of type ev logged at page time t or
// later.
func firstAfter(log []logEntry, ev string, t float64) (logEntry, bool) {
	for _, e := range log {
		if e.Ev == ev && e.T >= t {
			return e, true
		}
	}
	return logEntry{}, false
}
