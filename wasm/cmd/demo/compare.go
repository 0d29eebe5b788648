//go:build js && wasm

package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"honnef.co/go/js/dom/v2"

	"github.com/eventsource-wasm/eventsource-wasm/wasm/cmd/demo/internal/display"
	"github.com/eventsource-wasm/eventsource-wasm/wasm/cmd/demo/internal/record"
	"github.com/eventsource-wasm/eventsource-wasm/wasm/cmd/demo/internal/streamurl"
)

// preset is a stream the compare view offers: its URL (for "events" and
// "topic", built from the option fields) and what the visitor should
// watch for.
type preset struct {
	url  string
	note string
}

var presets = map[string]preset{
	"seed":   {"/event-stream", "The seed tutorial's stream: one event a second, stamped with the server's clock."},
	"events": {"", "The configurable ticker. ts=1 stamps each event so the panes can show the receive delay."},
	"named": {"/events?interval=400ms&count=20&event=deepThoughtOutput&lines=3&ts=1&retry=1000",
		"Named events (deepThoughtOutput) whose data is a JSON array over three data: lines."},
	"echo": {"/echo?n=3&interval=300ms&retry=1000",
		"Each connection gets an echo event describing its request, three numbered events, then the end of the response: both clients reconnect with Last-Event-ID."},
	"topic": {"", "A broker topic: events published to it reach every subscriber; a reconnect with Last-Event-ID gets the missed ones."},
	"drop": {"/faults?drop_after=3&interval=300ms&retry=1000",
		"The server aborts every connection after three events; both clients reconnect and resume with Last-Event-ID."},
	"stall": {"/faults?stall=3&interval=300ms&retry=1000",
		"After three events the server stops writing but keeps the connection open. Tick heartbeatTimeout to see the WASM client recover."},
	"chunked": {"/faults?chunk=1&newline=crlf&count=8&interval=200ms&retry=1000",
		"Every byte arrives in its own read, even inside CRLF pairs and UTF-8 sequences. After 8 events the resume answers 204: both stop."},
	"bom": {"/faults?bom=1&newline=cr&count=5&interval=200ms&retry=1000",
		"A leading byte-order mark and bare CR line ends. After 5 events the resume answers 204: both stop."},
	"utf8": {"/faults?body=utf8-invalid&retry=3000",
		"Invalid UTF-8 becomes U+FFFD (�) exactly as in the browser. The body repeats on every reconnect."},
	"idreset": {"/faults?body=idreset&retry=3000",
		"An empty id: field resets the last event ID; watch the id column. The body repeats on every reconnect."},
	"status500": {"/faults?status=500", "A 500 answer fails the connection: error, CLOSED, no reconnect. Only the WASM pane can say why."},
	"badtype":   {"/faults?content_type=text/plain&count=3", "A 200 with Content-Type text/plain fails the connection: no reconnect."},
	"status503": {"/faults?status=503&retry_after=2", "503 with Retry-After: native fails; WASM fails too unless retryOnStatus opts in."},
}

// compareView is the Compare tab: one stream into native EventSource and
// WasmEventSource side by side.
type compareView struct {
	*sideBySide
	preset      *dom.HTMLSelectElement
	url         *dom.HTMLInputElement
	opts        map[string]*dom.HTMLInputElement // by /events parameter
	topic       *dom.HTMLInputElement
	heartbeat   *dom.HTMLInputElement
	drop, stall *dom.HTMLButtonElement
	note        dom.Element
	mismatch    int // index of the first differing event, or -1
}

func newCompareView(a *app) *compareView {
	c := &compareView{
		preset:    byID("cmp-preset").(*dom.HTMLSelectElement),
		url:       input("cmp-url"),
		topic:     input("opt-topic"),
		heartbeat: input("cmp-hb"),
		drop:      button("cmp-drop"),
		stall:     button("cmp-stall"),
		note:      byID("cmp-server-note"),
		opts:      map[string]*dom.HTMLInputElement{},
		mismatch:  -1,
	}
	for _, k := range streamurl.EventsOptions {
		c.opts[k] = input("opt-" + k)
	}
	c.sideBySide = newSideBySide(a, sideBySideSpec{
		prefix: "cmp", name: "Compare", tag: "c",
		nativeTitle: "Native EventSource",
		wasmTitle:   "WasmEventSource (Go → WebAssembly)",
		nativeInit:  func(string) map[string]any { return nil },
		wasmInit: func(resume string) map[string]any {
			init := map[string]any{}
			if c.heartbeat.Checked() {
				init["heartbeatTimeout"] = 5000
			}
			if resume != "" {
				init["lastEventId"] = resume
			}
			return init
		},
		connect: c.connect,
		check:   c.check,
	})

	onEvent(c.preset, "change", "preset", func(dom.Event) { c.applyPreset() }, nil)
	for _, in := range c.opts {
		onEvent(in, "input", "options", func(dom.Event) {
			if c.preset.Value() == "events" {
				c.url.SetValue(c.eventsURL())
			}
		}, nil)
	}
	onEvent(c.topic, "input", "topic", func(dom.Event) {
		if c.preset.Value() == "topic" {
			c.url.SetValue(streamurl.Topic(c.topic.Value()))
		}
	}, nil)
	onClick(c.drop, "drop", func() { c.control(dropAction) })
	onClick(c.stall, "stall", func() { c.control(stallAction) })
	c.applyPreset()
	return c
}

// applyPreset fills the URL from the chosen preset and shows its options.
func (c *compareView) applyPreset() {
	name := c.preset.Value()
	setHidden(byID("cmp-events-opts"), name != "events")
	setHidden(byID("cmp-topic-opts"), name != "topic")
	switch name {
	case "events":
		c.url.SetValue(c.eventsURL())
	case "topic":
		c.url.SetValue(streamurl.Topic(c.topic.Value()))
	default:
		c.url.SetValue(presets[name].url)
	}
	c.note.SetTextContent(presets[name].note)
}

// setURL puts raw in the URL field and, for an /events URL, its
// parameters in the option fields.
func (c *compareView) setURL(raw string) {
	c.url.SetValue(raw)
	if opts, ok := streamurl.EventsOptionsOf(raw); ok {
		for k, in := range c.opts {
			in.SetValue(opts[k])
		}
	}
}

// eventsURL builds the /events URL from the option fields.
func (c *compareView) eventsURL() string {
	opts := make(map[string]string, len(c.opts))
	for k, in := range c.opts {
		opts[k] = in.Value()
	}
	return streamurl.Events(opts)
}

// connect starts both clients on the URL field, each in its own server
// session.
func (c *compareView) connect() {
	raw := strings.TrimSpace(c.url.Value())
	if !strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, "//") {
		c.verdict.set(verdictError, "Enter a path on this server, starting with a single / (for example /events?count=5). For another server, use the Try your endpoint view.")
		return
	}
	c.mismatch = -1
	if err := c.begin(raw, true); err != nil {
		c.verdict.set(verdictError, "That URL cannot be parsed; check its query string.")
		return
	}
	c.drop.SetDisabled(false)
	c.stall.SetDisabled(false)
}

// describeFailure renders a failed fetch for a person.
func describeFailure(res httpResult, err error) string {
	if err != nil {
		return "the server could not be reached (" + err.Error() + ")"
	}
	var body struct{ Message string }
	if json.Unmarshal([]byte(res.Body), &body) == nil && body.Message != "" {
		return "HTTP " + strconv.Itoa(res.Status) + " " + res.StatusText + " — " + body.Message
	}
	return "HTTP " + strconv.Itoa(res.Status) + " " + res.StatusText
}

// check compares the panes after every change and updates the verdict
// strip: the first event whose type, id or data differ marks both rows.
func (c *compareView) check() {
	a, b := c.native.log.Events, c.wasm.log.Events
	n := min(len(a), len(b))
	if c.mismatch < 0 {
		if i := record.FirstDifference(a, b); i >= 0 {
			c.mismatch = i
			c.native.markDiff(i)
			c.wasm.markDiff(i)
		}
	}
	bothDone := c.native.state() == stateClosed && c.wasm.state() == stateClosed
	outcome := c.outcome()
	switch {
	case c.mismatch >= 0:
		i := c.mismatch
		c.verdict.set(verdictDisagree, fmt.Sprintf("The panes disagree at event #%d: native got %s, WASM got %s.",
			i+1, describeEvent(a[i]), describeEvent(b[i])))
	case bothDone && len(a) != len(b):
		c.verdict.set(verdictDisagree, fmt.Sprintf("Both clients stopped, but native received %d events and WASM %d.", len(a), len(b)))
	case bothDone && len(a) == 0:
		c.verdict.set(verdictAgree, "Neither client received an event, and both stopped (CLOSED): the same outcome.")
	case len(a) == 0 && len(b) == 0:
		c.verdict.set(verdictPending, "Connecting… no events yet. "+outcome)
	case len(a) == len(b):
		c.verdict.set(verdictAgree, fmt.Sprintf("Both panes received the same %d events (type, id and data). %s", n, outcome))
	case n == 0:
		c.verdict.set(verdictPending, fmt.Sprintf("Native has %d events, WASM %d. %s", len(a), len(b), outcome))
	default:
		ahead, k := "native", len(a)-len(b)
		if k < 0 {
			ahead, k = "WASM", -k
		}
		c.verdict.set(verdictAgree, fmt.Sprintf("The first %d events are the same; %s has %d more so far. %s", n, ahead, k, outcome))
	}
}

// describeEvent renders an event for the verdict line.
func describeEvent(e record.Event) string {
	return fmt.Sprintf("%s id “%s” data “%s”", e.Type, e.ID, display.Visible(display.Shorten(e.Data, 60)))
}
