//go:build js && wasm

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"honnef.co/go/js/dom/v2"

	"github.com/eventsource-wasm/eventsource-wasm/wasm/cmd/demo/internal/streamurl"
)

// sideBySide is the skeleton every client view shares: a native and a
// WASM pane side by side, "Connect both" and "Close both" buttons, and a
// verdict strip. Its markup uses one id prefix: prefix-start, prefix-stop,
// prefix-verdict(-text) and prefix-panes.
//
// Starting one view's clients closes the other views' clients: a browser
// allows six HTTP/1.1 connections to one server.
type sideBySide struct {
	app          *app
	name         string // the view's name in messages ("Compare")
	tag          string // its letter in server session ids
	native, wasm *pane
	start, stop  *dom.HTMLButtonElement
	verdict      verdict
	run          int  // bumped by each begin, for fresh session ids
	started      bool // begin was called at least once
	types        func(raw string) []string
}

// sideBySideSpec describes a view for newSideBySide.
type sideBySideSpec struct {
	prefix, name, tag      string
	nativeTitle, wasmTitle string
	nativeInit, wasmInit   initFunc
	connect                func() // "Connect both", in a goroutine
	check                  func() // after any change of either pane; must not block
	// types returns the event types to listen for on a URL; nil means
	// streamurl.EventTypes, the types of this server's streams.
	types func(raw string) []string
}

func newSideBySide(a *app, spec sideBySideSpec) *sideBySide {
	s := &sideBySide{
		app:     a,
		name:    spec.name,
		tag:     spec.tag,
		start:   button(spec.prefix + "-start"),
		stop:    button(spec.prefix + "-stop"),
		verdict: verdictOf(spec.prefix + "-verdict"),
		types:   spec.types,
	}
	if s.types == nil {
		s.types = streamurl.EventTypes
	}
	panes := byID(spec.prefix + "-panes")
	s.native = newPane(panes, nativeSide, spec.nativeTitle, a.nativeES, spec.nativeInit)
	s.wasm = newPane(panes, wasmSide, spec.wasmTitle, a.wasmES, spec.wasmInit)
	check := func() {
		if s.started {
			spec.check()
		}
	}
	s.native.onChange, s.wasm.onChange = check, check
	onClick(s.start, "connect", spec.connect)
	onClick(s.stop, "close both", func() { s.closeAll("Closed by “Close both”.") })
	a.views = append(a.views, s)
	return s
}

// enable turns the buttons on.
func (s *sideBySide) enable() {
	s.start.SetDisabled(false)
	s.stop.SetDisabled(false)
}

// panes returns the native and the WASM pane.
func (s *sideBySide) panes() [2]*pane { return [2]*pane{s.native, s.wasm} }

// errBadURL is begin's error for a URL whose query cannot be parsed.
var errBadURL = errors.New("that URL cannot be parsed; check its query string")

// begin closes the other views' clients and starts both panes on raw.
// With sessions, each pane gets its own server session (?session=…), so
// that the server's request log and the drop and stall controls tell the
// clients apart; without, the URL is used as it is.
func (s *sideBySide) begin(raw string, sessions bool) error {
	var urls, ids [2]string // by side
	s.run++
	for _, p := range s.panes() {
		urls[p.side] = raw
		if sessions {
			ids[p.side] = s.app.pageID + "-" + s.tag + strconv.Itoa(s.run) + p.side.tag()
			u, ok := streamurl.WithQuery(raw, map[string]string{"session": ids[p.side]})
			if !ok {
				return errBadURL
			}
			urls[p.side] = u
		}
	}
	for _, o := range s.app.views {
		if o != s {
			o.closeAll("Closed: the " + s.name + " view started its own clients.")
		}
	}
	s.started = true
	types := s.types(raw)
	for _, p := range s.panes() {
		p.start(urls[p.side], ids[p.side], types)
	}
	return nil
}

// closeAll closes both clients and notes why.
func (s *sideBySide) closeAll(why string) {
	s.native.close(why)
	s.wasm.close(why)
}

// outcome summarises the clients' states when they differ or both ended.
func (s *sideBySide) outcome() string {
	ns, ws := s.native.state(), s.wasm.state()
	if ns == ws {
		if ns == stateClosed {
			return "Both are CLOSED."
		}
		return ""
	}
	return "Native is " + ns.String() + ", WASM is " + ws.String() + "."
}

// controlAction is what the server's session controls do to a stream.
type controlAction string

const (
	dropAction  controlAction = "drop"  // abort, as a network failure would
	stallAction controlAction = "stall" // stop writing, keep the connection
)

// explain is the log line written before the request.
func (a controlAction) explain() string {
	if a == dropAction {
		return "Asked the server to drop this connection, as a network failure would."
	}
	return "Asked the server to stop writing; the connection stays open."
}

// control asks the server to drop or stall every stream of both sessions.
func (s *sideBySide) control(action controlAction) {
	n := 0
	for _, p := range s.panes() {
		if p.session == "" || p.state() == stateClosed {
			continue
		}
		// Logged before the request: the client may notice the drop before
		// the server's answer arrives.
		p.system(string(action), action.explain())
		res, err := fetchText("POST", "/sessions/"+p.session+"/"+string(action), nil, "")
		if err != nil || !res.OK() {
			showToast("The server did not accept “"+string(action)+"”: "+describeFailure(res, err), true)
			return
		}
		var out struct{ Streams int }
		_ = json.Unmarshal([]byte(res.Body), &out)
		n += out.Streams
	}
	switch {
	case n == 0:
		showToast("No open stream to "+string(action)+": connect first.", false)
	case action == dropAction:
		showToast(fmt.Sprintf("Dropped %d stream(s). Watch each client reconnect with Last-Event-ID.", n), false)
	default:
		showToast(fmt.Sprintf("Stalled %d stream(s). Native waits forever; WASM reconnects once its heartbeatTimeout runs out.", n), false)
	}
}
