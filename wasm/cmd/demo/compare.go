//go:build js && wasm

package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"honnef.co/go/js/dom/v2"
)

// preset is a stream the compare view offers: its URL (for "events", built
// from the option fields) and what the visitor should watch for.
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

// eventsOptions are the /events query parameters the option fields set
// (each field's id is "opt-" + name).
var eventsOptions = []string{"interval", "count", "event", "size", "lines", "retry"}

// compareView is the Compare tab: one stream into native EventSource and
// WasmEventSource side by side.
type compareView struct {
	app              *app
	native, wasm     *pane
	preset           *dom.HTMLSelectElement
	url              *dom.HTMLInputElement
	opts             map[string]*dom.HTMLInputElement
	topic            *dom.HTMLInputElement
	heartbeat        *dom.HTMLInputElement
	start, stop      *dom.HTMLButtonElement
	drop, stall      *dom.HTMLButtonElement
	note             dom.Element
	verdict, verdTxt dom.Element
	run              int
	started          bool
	mismatch         int // index of the first differing event, or -1
}

func newCompareView(a *app) *compareView {
	c := &compareView{
		app:       a,
		preset:    byID("cmp-preset").(*dom.HTMLSelectElement),
		url:       input("cmp-url"),
		topic:     input("opt-topic"),
		heartbeat: input("cmp-hb"),
		start:     button("cmp-start"),
		stop:      button("cmp-stop"),
		drop:      button("cmp-drop"),
		stall:     button("cmp-stall"),
		note:      byID("cmp-server-note"),
		verdict:   byID("cmp-verdict"),
		verdTxt:   byID("cmp-verdict-text"),
		opts:      map[string]*dom.HTMLInputElement{},
		mismatch:  -1,
	}
	for _, k := range eventsOptions {
		c.opts[k] = input("opt-" + k)
	}
	panes := byID("cmp-panes")
	c.native = newPane(panes, nativeSide, "Native EventSource", a.nativeES, func(string) map[string]any { return nil })
	c.wasm = newPane(panes, wasmSide, "WasmEventSource (Go → WebAssembly)", a.wasmES, func(resume string) map[string]any {
		init := map[string]any{}
		if c.heartbeat.Checked() {
			init["heartbeatTimeout"] = 5000
		}
		if resume != "" {
			init["lastEventId"] = resume
		}
		return init
	})
	c.native.onChange = c.check
	c.wasm.onChange = c.check

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
			c.url.SetValue(c.topicURL())
		}
	}, nil)
	onClick(c.start, "connect", c.connect)
	onClick(c.stop, "close both", func() { c.closeAll("Closed by “Close both”.") })
	onClick(c.drop, "drop", func() { c.control("drop") })
	onClick(c.stall, "stall", func() { c.control("stall") })
	c.applyPreset()
	return c
}

// enable turns the controls on once the client module's class is known.
func (c *compareView) enable() {
	c.start.SetDisabled(false)
	c.stop.SetDisabled(false)
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
		c.url.SetValue(c.topicURL())
	default:
		c.url.SetValue(presets[name].url)
	}
	c.note.SetTextContent(presets[name].note)
}

// setURL puts raw in the URL field and, for an /events URL, its
// parameters in the option fields.
func (c *compareView) setURL(raw string) {
	c.url.SetValue(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Path != "/events" {
		return
	}
	q := u.Query()
	for k, in := range c.opts {
		in.SetValue(q.Get(k))
	}
}

// eventsURL builds the /events URL from the option fields.
func (c *compareView) eventsURL() string {
	q := url.Values{}
	for _, k := range eventsOptions {
		if v := strings.TrimSpace(c.opts[k].Value()); v != "" {
			q.Set(k, v)
		}
	}
	q.Set("ts", "1")
	return "/events?" + encodeQuery(q)
}

func (c *compareView) topicURL() string {
	name := strings.TrimSpace(c.topic.Value())
	if name == "" {
		name = "demo"
	}
	return "/topics/" + url.PathEscape(name) + "?retry=1000"
}

// connect starts both clients on the URL field, each in its own server
// session so the server's request log and the drop/stall controls can tell
// them apart.
func (c *compareView) connect() {
	raw := strings.TrimSpace(c.url.Value())
	if !strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, "//") {
		setVerdict(c.verdict, c.verdTxt, "error", "Enter a path on this server, starting with a single / (for example /events?count=5).")
		return
	}
	c.app.auth.closeAll("Closed: the Compare view started its own clients.")
	c.run++
	c.started, c.mismatch = true, -1
	types := eventTypes(raw)
	for _, p := range []*pane{c.native, c.wasm} {
		session := fmt.Sprintf("%s-c%d%c", c.app.pageID, c.run, "nw"[p.side])
		u, ok := withQuery(raw, map[string]string{"session": session})
		if !ok {
			setVerdict(c.verdict, c.verdTxt, "error", "That URL cannot be parsed; check its query string.")
			return
		}
		p.start(u, session, types)
	}
	c.drop.SetDisabled(false)
	c.stall.SetDisabled(false)
}

// closeAll closes both clients (when another view starts its own: a browser
// allows six connections to one server).
func (c *compareView) closeAll(why string) {
	c.native.close(why)
	c.wasm.close(why)
}

// control asks the server to drop or stall every stream of both sessions.
func (c *compareView) control(action string) {
	n := 0
	for _, p := range []*pane{c.native, c.wasm} {
		if p.session == "" || p.state() == stateClosed {
			continue
		}
		// Logged before the request: the client may notice the drop before
		// the server's answer arrives.
		p.system(action, map[string]string{
			"drop":  "Asked the server to drop this connection, as a network failure would.",
			"stall": "Asked the server to stop writing; the connection stays open.",
		}[action])
		res, err := fetchText("POST", "/sessions/"+p.session+"/"+action, nil, "")
		if err != nil || !res.OK() {
			showToast("The server did not accept “"+action+"”: "+describeFailure(res, err), true)
			return
		}
		var out struct{ Streams int }
		_ = json.Unmarshal([]byte(res.Body), &out)
		n += out.Streams
	}
	switch {
	case n == 0:
		showToast("No open stream to "+action+": connect first.", false)
	case action == "drop":
		showToast(fmt.Sprintf("Dropped %d stream(s). Watch each client reconnect with Last-Event-ID.", n), false)
	default:
		showToast(fmt.Sprintf("Stalled %d stream(s). Native waits forever; tick heartbeatTimeout to let WASM recover.", n), false)
	}
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
	if !c.started || c.native == nil || c.wasm == nil {
		return
	}
	a, b := c.native.events, c.wasm.events
	n := min(len(a), len(b))
	if c.mismatch < 0 {
		for i := range n {
			if a[i].Key != b[i].Key {
				c.mismatch = i
				for _, r := range []received{a[i], b[i]} {
					if r.row != nil {
						r.row.Class().Add("diff")
					}
				}
				break
			}
		}
	}
	bothDone := c.native.state() == stateClosed && c.wasm.state() == stateClosed
	switch {
	case c.mismatch >= 0:
		i := c.mismatch
		setVerdict(c.verdict, c.verdTxt, "disagree", fmt.Sprintf("The panes disagree at event #%d: native got %s, WASM got %s.",
			i+1, describeEvent(a[i]), describeEvent(b[i])))
	case bothDone && len(a) != len(b):
		setVerdict(c.verdict, c.verdTxt, "disagree", fmt.Sprintf("Both clients stopped, but native received %d events and WASM %d.", len(a), len(b)))
	case bothDone && len(a) == 0:
		setVerdict(c.verdict, c.verdTxt, "agree", "Neither client received an event, and both stopped (CLOSED): the same outcome.")
	case len(a) == 0 && len(b) == 0:
		setVerdict(c.verdict, c.verdTxt, "pending", "Connecting… no events yet. "+outcome(c.native, c.wasm))
	case len(a) == len(b):
		setVerdict(c.verdict, c.verdTxt, "agree", fmt.Sprintf("Both panes received the same %d events (type, id and data). %s", n, outcome(c.native, c.wasm)))
	case n == 0:
		setVerdict(c.verdict, c.verdTxt, "pending", fmt.Sprintf("Native has %d events, WASM %d. %s", len(a), len(b), outcome(c.native, c.wasm)))
	default:
		ahead, k := "native", len(a)-len(b)
		if k < 0 {
			ahead, k = "WASM", -k
		}
		setVerdict(c.verdict, c.verdTxt, "agree", fmt.Sprintf("The first %d events are the same; %s has %d more so far. %s", n, ahead, k, outcome(c.native, c.wasm)))
	}
}

// outcome summarises the clients' states when they differ or both ended.
func outcome(native, wasm *pane) string {
	ns, ws := native.state(), wasm.state()
	if ns == ws {
		if ns == stateClosed {
			return "Both are CLOSED."
		}
		return ""
	}
	return "Native is " + stateNames[ns] + ", WASM is " + stateNames[ws] + "."
}

// describeEvent renders an event for the verdict line.
func describeEvent(r received) string {
	return fmt.Sprintf("%s id “%s” data “%s”", r.Type, r.ID, visible(shorten(r.Data, 60)))
}
