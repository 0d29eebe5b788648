//go:build js && wasm

package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"syscall/js"
	"time"

	"honnef.co/go/js/dom/v2"

	"github.com/eventsource-wasm/eventsource-wasm/wasm/internal/jsval"
)

// side says which client a pane drives.
type side int

const (
	nativeSide side = iota // the browser's EventSource
	wasmSide               // the project's WasmEventSource
)

func (s side) String() string {
	if s == nativeSide {
		return "native"
	}
	return "WASM"
}

// maxRows bounds the event log of a pane; older rows leave the page (the
// counts and the comparison keep every event).
const maxRows = 150

// readyState values of EventSource, and -1 for a pane without a client.
const (
	stateIdle       = -1
	stateConnecting = 0
	stateOpen       = 1
	stateClosed     = 2
)

// received is one event as a pane got it.
type received struct {
	Type, Data, ID string
	// Key is what the panes compare: type, id and data with any server
	// timestamp masked (two connections are stamped at different moments)
	// and /echo's request description reduced to what the client sent.
	Key string
	// Delay is the receive delay in ms from a server timestamp in the data,
	// or -1 when the data carries none.
	Delay float64
	row   dom.Element // the log row, while it is on the page
}

// requestRecord is one request as the server's session log recorded it
// (GET /sessions/{id}).
type requestRecord struct {
	Time             time.Time `json:"time"`
	Method           string    `json:"method"`
	Path             string    `json:"path"`
	LastEventID      *string   `json:"last_event_id"`
	LastEventIDQuery *string   `json:"last_event_id_query"`
	Authorization    *string   `json:"authorization"`
}

// initFunc returns the init dictionary of a new client (nil for none);
// resume is the last event ID when the visitor reopens a closed pane ("" on
// a fresh start).
type initFunc func(resume string) map[string]any

// pane is one client (native or WASM) and its card on the page: state
// badge, counters, error details, the requests the server saw and the
// event log.
type pane struct {
	side side
	root dom.Element

	badge, count, lastID, reconn, delay, errBox dom.Element
	conns, connCount, connBody                  dom.Element
	logBody, logEmpty, note, sub                dom.Element
	closeBtn, reopenBtn                         *dom.HTMLButtonElement

	ctor  js.Value // EventSource or WasmEventSource
	class string   // its name, for the constructor call shown
	init  initFunc
	// onChange runs after every event or state change, synchronously in a
	// listener: it must not block.
	onChange func()

	es      js.Value // the current client; undefined when there is none
	funcs   []jsval.Func
	url     string
	session string // the server session id in url (requests, drop, stall)
	types   []string
	gen     int           // bumped by start: stale goroutines and callbacks stop
	nudge   chan struct{} // asks the request watcher to reload
	done    chan struct{} // closed when a new start replaces the watcher
	events  []received
	lastEID string
	opens   int  // successful connections, reopens included
	reconns int  // automatic reconnections that opened
	fresh   bool // the current client has not opened yet
	delays  []float64
	rows    int
	reqs    []requestRecord
}

// newPane clones the pane template into container. Its clients are made
// with new ctor(url, init(resume)).
func newPane(container dom.Element, s side, title string, ctor js.Value, init initFunc) *pane {
	tpl := byID("pane-tpl").Underlying().Get("content")
	root := dom.WrapElement(tpl.Get("firstElementChild").Call("cloneNode", true))
	container.AppendChild(root)
	root.SetAttribute("data-side", map[side]string{nativeSide: "native", wasmSide: "wasm"}[s])
	find(root, ".pane-title").SetTextContent(title)
	p := &pane{
		side:      s,
		root:      root,
		badge:     find(root, ".badge"),
		count:     find(root, `[data-stat="count"]`),
		lastID:    find(root, `[data-stat="lastid"]`),
		reconn:    find(root, `[data-stat="reconnects"]`),
		delay:     find(root, `[data-stat="delay"]`),
		errBox:    find(root, ".pane-error"),
		conns:     find(root, ".conns"),
		connCount: find(root, ".conn-count"),
		connBody:  find(root, ".conns tbody"),
		logBody:   find(root, ".log tbody"),
		logEmpty:  find(root, ".log-empty"),
		note:      find(root, ".pane-note"),
		sub:       find(root, ".pane-sub"),
		closeBtn:  find(root, `[data-act="close"]`).(*dom.HTMLButtonElement),
		reopenBtn: find(root, `[data-act="reopen"]`).(*dom.HTMLButtonElement),
		ctor:      ctor,
		class:     map[side]string{nativeSide: "EventSource", wasmSide: "WasmEventSource"}[s],
		init:      init,
		es:        js.Undefined(),
	}
	p.sub.SetTextContent("new " + p.class + "(url)")
	if s == nativeSide {
		p.note.SetTextContent("Reopen starts from scratch: native cannot resume.")
	} else {
		p.note.SetTextContent("Reopen resumes: init.lastEventId.")
	}
	onClick(p.closeBtn, "close", func() { p.close("close() called: no request or event follows.") })
	onClick(p.reopenBtn, "reopen", p.reopen)
	p.refresh()
	return p
}

// start resets the pane and connects a new client to url (which carries
// ?session=session), listening for types besides open and error.
func (p *pane) start(url, session string, types []string) {
	p.stop()
	p.gen++
	p.url, p.session, p.types = url, session, types
	p.events, p.delays, p.lastEID, p.reqs = nil, nil, "", nil
	p.opens, p.reconns, p.rows = 0, 0, 0
	clearChildren(p.logBody)
	clearChildren(p.connBody)
	setHidden(p.conns, true)
	setHidden(p.logEmpty, false)
	p.setError("")
	p.root.SetAttribute("data-session", session)
	if p.done != nil {
		close(p.done)
	}
	p.done, p.nudge = make(chan struct{}), make(chan struct{}, 1)
	go p.watchRequests(p.gen, p.nudge, p.done)
	p.connect("")
}

// connect creates the client, with the init dictionary p.init gives for
// resume, and its listeners.
func (p *pane) connect(resume string) {
	init := p.init(resume)
	call := describeCall(p.class, p.url, init)
	p.sub.SetTextContent(call)
	p.sub.SetAttribute("title", call)
	args := []any{p.url}
	if init != nil {
		args = append(args, init)
	}
	// A JavaScript exception (a malformed URL, say) comes back as err.
	v, err := jsval.Of(p.ctor).New(args...)
	es := v.JS()
	if err != nil {
		p.setError("The client could not be created: " + err.Error())
		p.refresh()
		return
	}
	p.es, p.fresh = es, true
	p.funcs = append(p.funcs,
		listen(es, "open", func(js.Value) { p.onOpen(es) }),
		listen(es, "error", func(ev js.Value) { p.onError(es, ev) }),
	)
	for _, t := range p.types {
		p.funcs = append(p.funcs, listen(es, t, func(ev js.Value) { p.onMessage(es, ev) }))
	}
	p.closeBtn.SetDisabled(false)
	p.reopenBtn.SetDisabled(true)
	p.refresh()
}

// stop closes the current client, if any, and releases its listeners;
// close() guarantees no event is dispatched after it.
func (p *pane) stop() {
	if p.es.Truthy() {
		p.es.Call("close")
	}
	for _, f := range p.funcs {
		f.Release()
	}
	p.funcs = nil
	p.es = js.Undefined()
}

// close closes the client and notes why.
func (p *pane) close(why string) {
	if !p.es.Truthy() || p.state() == stateClosed {
		return
	}
	p.es.Call("close")
	p.system("closed", why)
	p.closeBtn.SetDisabled(true)
	p.reopenBtn.SetDisabled(false)
	p.poke()
	p.refresh()
}

// reopen starts a new client on the same URL, keeping the log. The WASM
// client is handed the last event ID (its lastEventId option); native
// EventSource cannot be told where to resume after close().
func (p *pane) reopen() {
	if p.url == "" {
		return
	}
	p.stop()
	resume := ""
	switch {
	case p.side == wasmSide && p.lastEID != "":
		resume = p.lastEID
		p.system("reopen", "New client with init.lastEventId = "+strconv.Quote(resume)+": the server resumes after it.")
	case p.side == nativeSide:
		p.system("reopen", "New EventSource: native cannot be told where to resume, so it starts from scratch.")
	default:
		p.system("reopen", "New client (no event ID seen yet).")
	}
	p.connect(resume)
	p.poke()
}

// describeCall renders a constructor call as JavaScript source, for the
// pane's subtitle: functions show as ƒ.
func describeCall(class, url string, init map[string]any) string {
	call := "new " + class + "(" + strconv.Quote(url)
	if len(init) > 0 {
		keys := slices.Sorted(maps.Keys(init))
		parts := make([]string, len(keys))
		for i, k := range keys {
			var v string
			switch x := init[k].(type) {
			case string:
				v = strconv.Quote(x)
			case jsval.Func:
				v = "ƒ"
			default:
				v = fmt.Sprint(x)
			}
			parts[i] = k + ": " + v
		}
		call += ", {" + strings.Join(parts, ", ") + "}"
	}
	return call + ")"
}

// current reports whether es is still this pane's client: events from a
// replaced client are ignored.
func (p *pane) current(es js.Value) bool { return p.es.Truthy() && p.es.Equal(es) }

func (p *pane) onOpen(es js.Value) {
	if !p.current(es) {
		return
	}
	p.opens++
	if p.fresh {
		p.fresh = false
		p.system("open", "Connected.")
	} else {
		p.reconns++
		p.system("open", "Reconnected.")
	}
	p.setError("")
	p.poke()
	p.refresh()
}

func (p *pane) onError(es js.Value, ev js.Value) {
	if !p.current(es) {
		return
	}
	state := es.Get("readyState").Int()
	detail := p.describeError(ev, state)
	if state != stateConnecting {
		p.closeBtn.SetDisabled(true)
		p.reopenBtn.SetDisabled(false)
	}
	p.system("error", detail)
	p.setError(detail)
	p.poke()
	p.refresh()
}

// describeError says in words what an error event means for this client.
// Native EventSource tells nothing about the cause; the WASM client's error
// events carry status, statusText and message when known.
func (p *pane) describeError(ev js.Value, state int) string {
	cause := ""
	if p.side == wasmSide && ev.Truthy() {
		cause = errorCause(ev)
	}
	switch {
	case state == stateConnecting && cause != "":
		return "Connection lost (" + cause + "). Reconnecting after the retry delay."
	case state == stateConnecting:
		return "Connection lost. Reconnecting after the retry delay."
	case cause != "":
		return "The connection failed (" + cause + ") and the client stopped: no reconnect."
	case p.side == nativeSide:
		return "The connection failed and EventSource stopped: no reconnect. " +
			"The browser does not say why (a status other than 200, a wrong Content-Type or a network error)."
	default:
		return "The connection failed and the client stopped: no reconnect."
	}
}

// errorCause renders the status and message of a WasmEventSource error
// event ("HTTP 401 Unauthorized — token expired"), or "".
func errorCause(ev js.Value) string {
	cause := ""
	// A 2xx status on an error means the stream was cut after a good start:
	// the message says what happened, the status adds nothing.
	if st := ev.Get("status"); st.Type() == js.TypeNumber && (st.Int() < 200 || st.Int() > 299) && st.Int() != 0 {
		cause = "HTTP " + strconv.Itoa(st.Int())
		if t := ev.Get("statusText"); t.Type() == js.TypeString && t.String() != "" {
			cause += " " + t.String()
		}
	}
	if m := ev.Get("message"); m.Type() == js.TypeString && m.String() != "" {
		if cause != "" {
			cause += " — "
		}
		cause += m.String()
	}
	return cause
}

func (p *pane) onMessage(es js.Value, ev js.Value) {
	if !p.current(es) {
		return
	}
	r := received{Type: ev.Get("type").String(), Data: ev.Get("data").String(), ID: ev.Get("lastEventId").String(), Delay: -1}
	norm := r.Data
	switch ts, masked := serverTimestamp(r.Data, nowMillis()); {
	case r.Type == echoType:
		if k, ok := echoKey(r.Data); ok {
			norm = k
		}
	case ts > 0:
		norm = masked
		r.Delay = max(nowMillis()-ts, 0) // one machine, one clock; guard rounding
		p.delays = append(p.delays, r.Delay)
	}
	r.Key = r.Type + "\x00" + r.ID + "\x00" + norm
	p.lastEID = r.ID
	r.row = p.addRow(len(p.events)+1, r)
	p.events = append(p.events, r)
	p.refresh()
}

// addRow prepends an event row to the log (newest first) and trims it.
func (p *pane) addRow(n int, r received) dom.Element {
	tr := newEl("tr", "ev", "")
	tr.AppendChild(newEl("td", "num", strconv.Itoa(n)))
	tr.AppendChild(newEl("td", "type", r.Type))
	tr.AppendChild(newEl("td", "id", r.ID))
	shown := visible(shorten(r.Data, 300))
	if r.Type == echoType {
		// The request description is long JSON; its point is what the
		// client sent. The JSON itself stays in the tooltip.
		if sum, ok := echoSummary(r.Data); ok {
			shown = sum
		}
	}
	data := newEl("td", "data", shown)
	if len(r.Data) > 60 || strings.ContainsAny(r.Data, "\n\t") {
		data.SetAttribute("title", shorten(r.Data, 2000))
	}
	tr.AppendChild(data)
	d := "—"
	if r.Delay >= 0 {
		d = fmt.Sprintf("%.1f ms", r.Delay)
	}
	tr.AppendChild(newEl("td", "num", d))
	p.prepend(tr)
	return tr
}

// system logs a lifecycle line (open, error, closed, headers…) among the
// events.
func (p *pane) system(kind, text string) {
	tr := newEl("tr", "sys sys-"+kind, "")
	td := newEl("td", "", "")
	td.SetAttribute("colspan", "5")
	td.AppendChild(newEl("span", "sys-kind", kind))
	td.AppendChild(newEl("span", "sys-text", text))
	tr.AppendChild(td)
	p.prepend(tr)
}

func (p *pane) prepend(tr dom.Element) {
	p.logBody.InsertBefore(tr, p.logBody.FirstChild())
	p.rows++
	for ; p.rows > maxRows; p.rows-- {
		p.logBody.RemoveChild(p.logBody.LastChild())
	}
	setHidden(p.logEmpty, true)
}

// poke asks the request watcher to reload the server's session log: after
// every open, error, close or reopen, the moments a request starts or ends.
func (p *pane) poke() {
	select {
	case p.nudge <- struct{}{}:
	default:
	}
}

// watchRequests keeps the "requests the server saw" table current for
// generation gen of the pane, until done is closed.
func (p *pane) watchRequests(gen int, nudge <-chan struct{}, done <-chan struct{}) {
	defer guard("request watcher")
	for {
		select {
		case <-done:
			return
		case <-nudge:
		}
		time.Sleep(150 * time.Millisecond) // let a reconnect's request reach the server's log
		if p.gen != gen {
			return
		}
		p.loadRequests(gen)
	}
}

// loadRequests fetches the session log and redraws the table when it
// changed.
func (p *pane) loadRequests(gen int) {
	if p.session == "" {
		return
	}
	res, err := fetchText("GET", "/sessions/"+p.session, nil, "")
	if err != nil || !res.OK() || p.gen != gen {
		return // the table is a view: the next poke or tick tries again
	}
	var info struct {
		Requests int64           `json:"requests"`
		Recent   []requestRecord `json:"recent"`
	}
	if json.Unmarshal([]byte(res.Body), &info) != nil || len(info.Recent) == len(p.reqs) {
		return
	}
	p.reqs = info.Recent
	p.renderRequests(info.Requests)
	if p.onChange != nil {
		p.onChange()
	}
}

// renderRequests shows the recorded requests, the Last-Event-ID header
// highlighted when the client sent one.
func (p *pane) renderRequests(total int64) {
	clearChildren(p.connBody)
	first := int(total) - len(p.reqs) + 1
	var t0 time.Time
	if len(p.reqs) > 0 {
		t0 = p.reqs[0].Time
	}
	for i, r := range p.reqs {
		tr := newEl("tr", "", "")
		tr.AppendChild(newEl("td", "num", strconv.Itoa(first+i)))
		tr.AppendChild(newEl("td", "num", fmt.Sprintf("+%.1f s", r.Time.Sub(t0).Seconds())))
		lei := newEl("td", "lei", orDash(r.LastEventID))
		if r.LastEventID != nil {
			lei.Class().Add("hl")
		}
		tr.AppendChild(lei)
		tr.AppendChild(newEl("td", "", orDash(r.LastEventIDQuery)))
		auth := newEl("td", "auth", orDash(r.Authorization))
		if r.Authorization != nil {
			auth.Class().Add("hl")
		}
		tr.AppendChild(auth)
		p.connBody.AppendChild(tr)
	}
	p.connCount.SetTextContent("(" + strconv.FormatInt(total, 10) + ")")
	setHidden(p.conns, len(p.reqs) == 0)
}

// setError shows (or, with "", hides) the pane's error details.
func (p *pane) setError(msg string) {
	p.errBox.SetTextContent(msg)
	setHidden(p.errBox, msg == "")
}

// state is the client's readyState, or stateIdle without a client.
func (p *pane) state() int {
	if !p.es.Truthy() {
		return stateIdle
	}
	return p.es.Get("readyState").Int()
}

var stateNames = map[int]string{stateIdle: "idle", stateConnecting: "CONNECTING", stateOpen: "OPEN", stateClosed: "CLOSED"}

// refresh redraws the badge and counters and tells the owner.
func (p *pane) refresh() {
	st := p.state()
	p.badge.SetAttribute("data-state", map[int]string{stateIdle: "idle", stateConnecting: "connecting", stateOpen: "open", stateClosed: "closed"}[st])
	p.badge.SetTextContent(stateNames[st])
	p.root.SetAttribute("data-ready-state", strconv.Itoa(st))
	p.count.SetTextContent(strconv.Itoa(len(p.events)))
	p.lastID.SetTextContent(shorten(orDash(&p.lastEID), 24))
	p.reconn.SetTextContent(strconv.Itoa(p.opens) + " / " + strconv.Itoa(p.reconns))
	med, last := delaySummary(p.delays)
	p.delay.SetTextContent(med)
	p.delay.SetAttribute("title", last)
	if p.onChange != nil {
		p.onChange()
	}
}

// delaySummary renders the median receive delay, and the last and the
// largest for the tooltip.
func delaySummary(d []float64) (median, detail string) {
	if len(d) == 0 {
		return "—", "The stream's data carries no server timestamp."
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return fmt.Sprintf("%.1f ms p50", s[len(s)/2]),
		fmt.Sprintf("median %.1f ms, last %.1f ms, max %.1f ms over %d events", s[len(s)/2], d[len(d)-1], s[len(s)-1], len(s))
}

func orDash(s *string) string {
	if s == nil || *s == "" {
		return "—"
	}
	return *s
}
