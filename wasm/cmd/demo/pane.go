//go:build js && wasm

package main

import (
	"encoding/json"
	"strconv"
	"time"

	"honnef.co/go/js/dom/v2"

	"github.com/eventsource-wasm/eventsource-wasm/wasm/cmd/demo/internal/display"
	"github.com/eventsource-wasm/eventsource-wasm/wasm/cmd/demo/internal/record"
	"github.com/eventsource-wasm/eventsource-wasm/wasm/internal/jsval"
)

// initFunc returns the init dictionary of a new client (nil for none);
// resume is the last event ID when the visitor reopens a closed pane ("" on
// a fresh start).
type initFunc func(resume string) map[string]any

// pane drives one client (native or WASM) through the public EventSource
// API, records what it receives in a [record.Log] and shows it in a
// [paneView].
type pane struct {
	side side
	view *paneView
	log  record.Log
	rows []dom.Element // the log row of each event in log.Events

	ctor jsval.Value // EventSource or WasmEventSource
	init initFunc
	// onChange runs after every event or state change, synchronously in a
	// listener: it must not block.
	onChange func()
	// onOpen and onError, when set, see the open and error events
	// themselves (the WASM client's carry details), synchronously.
	onOpen, onError func(ev jsval.Value)

	client  jsval.Value // the current client; undefined when there is none
	funcs   []jsval.Func
	url     string
	session string   // the server session id in url (requests, drop, stall); "" for another server
	retries []string // the cause of each retrying event since start (WASM only)
	types   []string
	gen     int           // bumped by start: stale goroutines and callbacks stop
	nudge   chan struct{} // asks the request watcher to reload
	done    chan struct{} // closed when a new start replaces the watcher
	// requestsShown is the session log the request table shows, as the
	// server sent it: the table is redrawn when it changes.
	requestsShown string
}

// newPane clones the pane template into container. Its clients are made
// with new ctor(url, init(resume)).
func newPane(container dom.Element, s side, title string, ctor jsval.Value, init initFunc) *pane {
	p := &pane{side: s, view: newPaneView(container, s, title), ctor: ctor, init: init}
	p.view.setCall("new " + s.class() + "(url)")
	if s == nativeSide {
		p.view.note.SetTextContent("Reopen starts from scratch: native cannot resume.")
	} else {
		p.view.note.SetTextContent("Reopen resumes: init.lastEventId.")
	}
	onClick(p.view.closeBtn, "close", func() { p.close("close() called: no request or event follows.") })
	onClick(p.view.reopenBtn, "reopen", p.reopen)
	p.refresh()
	return p
}

// start resets the pane and connects a new client to url (which carries
// ?session=session when the stream is this server's), listening for types
// besides open and error.
func (p *pane) start(url, session string, types []string) {
	p.stop()
	p.gen++
	p.url, p.session, p.types = url, session, types
	p.log.Reset()
	p.rows, p.retries, p.requestsShown = nil, nil, ""
	p.view.clear(session)
	if p.done != nil {
		close(p.done)
		p.done = nil
	}
	if session != "" {
		p.done, p.nudge = make(chan struct{}), make(chan struct{}, 1)
		go p.watchRequests(p.gen, p.nudge, p.done)
	}
	p.connect("")
}

// connect creates the client, with the init dictionary p.init gives for
// resume, and its listeners.
func (p *pane) connect(resume string) {
	init := p.init(resume)
	p.view.setCall(display.Call(p.side.class(), p.url, init))
	args := []any{p.url}
	if init != nil {
		args = append(args, init)
	}
	// A JavaScript exception (a malformed URL, say) comes back as err.
	es, err := p.ctor.New(args...)
	if err != nil {
		p.view.setError("The client could not be created: " + err.Error())
		p.refresh()
		return
	}
	p.client = es
	p.log.NewClient()
	p.funcs = append(p.funcs,
		listen(es, "open", func(ev jsval.Value) { p.opened(es, ev) }),
		listen(es, "error", func(ev jsval.Value) { p.failed(es, ev) }),
	)
	for _, t := range p.types {
		p.funcs = append(p.funcs, listen(es, t, func(ev jsval.Value) { p.received(es, ev) }))
	}
	if p.side == wasmSide {
		p.funcs = append(p.funcs, listen(es, "retrying", func(ev jsval.Value) { p.retrying(es, ev) }))
	}
	p.view.setRunning(true)
	p.refresh()
}

// stop closes the current client, if any, and releases its listeners;
// close() guarantees no event is dispatched after it.
func (p *pane) stop() {
	if p.hasClient() {
		_, _ = p.client.Call("close")
	}
	for _, f := range p.funcs {
		f.Release()
	}
	p.funcs = nil
	p.client = jsval.Undefined()
}

// close closes the client and notes why.
func (p *pane) close(why string) {
	if !p.hasClient() || p.state() == stateClosed {
		return
	}
	_, _ = p.client.Call("close")
	p.view.system("closed", why)
	p.view.setRunning(false)
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
	case p.side == wasmSide && p.log.LastID != "":
		resume = p.log.LastID
		p.view.system("reopen", "New client with init.lastEventId = "+strconv.Quote(resume)+": the server resumes after it.")
	case p.side == nativeSide:
		p.view.system("reopen", "New EventSource: native cannot be told where to resume, so it starts from scratch.")
	default:
		p.view.system("reopen", "New client (no event ID seen yet).")
	}
	p.connect(resume)
	p.poke()
}

func (p *pane) hasClient() bool { return isObject(p.client) }

// current reports whether es is still this pane's client: events from a
// replaced client are ignored.
func (p *pane) current(es jsval.Value) bool { return p.hasClient() && p.client.JS().Equal(es.JS()) }

func (p *pane) opened(es, ev jsval.Value) {
	if !p.current(es) {
		return
	}
	if p.log.Open() {
		p.view.system("open", "Reconnected.")
	} else {
		p.view.system("open", "Connected.")
	}
	if p.onOpen != nil {
		p.onOpen(ev)
	}
	p.view.setError("")
	p.poke()
	p.refresh()
}

func (p *pane) failed(es, ev jsval.Value) {
	if !p.current(es) {
		return
	}
	st := p.state()
	detail := p.describeError(ev, st)
	if st != stateConnecting {
		p.view.setRunning(false)
	}
	p.view.system("error", detail)
	p.view.setError(detail)
	if p.onError != nil {
		p.onError(ev)
	}
	p.poke()
	p.refresh()
}

// retrying logs a WasmRetryingEvent: when the client reconnects and why
// (its cause: network, end, timeout, online…), which native cannot tell.
func (p *pane) retrying(es, ev jsval.Value) {
	if !p.current(es) {
		return
	}
	p.retries = append(p.retries, propString(ev, "cause"))
	attempt, _ := propInt(ev, "attempt")
	delay, _ := propInt(ev, "delay")
	line := "Reconnecting in " + strconv.Itoa(delay) + " ms (attempt " + strconv.Itoa(attempt) + ", cause " + propString(ev, "cause") + ")"
	if m := propString(ev, "message"); m != "" {
		line += ": " + m
	}
	p.view.system("retrying", line+".")
	p.refresh()
}

// describeError says in words what an error event means for this client.
// Native EventSource tells nothing about the cause; the WASM client's error
// events carry status, statusText and message when known.
func (p *pane) describeError(ev jsval.Value, st readyState) string {
	cause := ""
	if p.side == wasmSide {
		cause = errorCause(ev)
	}
	switch {
	case st == stateConnecting && cause != "":
		return "Connection lost (" + cause + "). Reconnecting after the retry delay."
	case st == stateConnecting:
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
func errorCause(ev jsval.Value) string {
	cause := ""
	// A 2xx status on an error means the stream was cut after a good start:
	// the message says what happened, the status adds nothing.
	if st, ok := propInt(ev, "status"); ok && (st < 200 || st > 299) && st != 0 {
		cause = "HTTP " + strconv.Itoa(st)
		if t := propString(ev, "statusText"); t != "" {
			cause += " " + t
		}
	}
	if m := propString(ev, "message"); m != "" {
		if cause != "" {
			cause += " — "
		}
		cause += m
	}
	return cause
}

func (p *pane) received(es, ev jsval.Value) {
	if !p.current(es) {
		return
	}
	e := p.log.Receive(propString(ev, "type"), propString(ev, "data"), propString(ev, "lastEventId"), nowMillis())
	p.rows = append(p.rows, p.view.addEvent(len(p.log.Events), e))
	p.refresh()
}

// markDiff highlights the row of event i, if it is still on the page.
func (p *pane) markDiff(i int) {
	if i < len(p.rows) {
		p.rows[i].Class().Add("diff")
	}
}

// system logs a lifecycle line among the events.
func (p *pane) system(kind, text string) { p.view.system(kind, text) }

// poke asks the request watcher to reload the server's session log: after
// every open, error, close or reopen, the moments a request starts or ends.
func (p *pane) poke() {
	if p.nudge == nil {
		return
	}
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
		return // the table is a view: the next poke tries again
	}
	// A record changes after it is made (the answer's status, then a
	// refusal's error): redraw on any change.
	var info record.Session
	if res.Body == p.requestsShown || json.Unmarshal([]byte(res.Body), &info) != nil {
		return
	}
	p.requestsShown = res.Body
	p.log.Requests = info.Recent
	p.view.renderRequests(info.Recent, info.Requests)
	if p.onChange != nil {
		p.onChange()
	}
}

// state is the client's readyState, or stateIdle without a client.
func (p *pane) state() readyState {
	if !p.hasClient() {
		return stateIdle
	}
	n, ok := propInt(p.client, "readyState")
	if !ok {
		return stateIdle
	}
	return readyState(n)
}

// refresh redraws the badge and counters and tells the owner.
func (p *pane) refresh() {
	p.view.render(p.state(), &p.log)
	if p.onChange != nil {
		p.onChange()
	}
}
