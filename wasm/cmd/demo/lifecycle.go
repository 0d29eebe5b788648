//go:build js && wasm

package main

import (
	"fmt"
	"strings"

	"honnef.co/go/js/dom/v2"

	"github.com/eventsource-wasm/eventsource-wasm/wasm/internal/jsval"
)

// lifecycleStream is the Lifecycle view's stream: a ticker that never ends,
// so a silence can only mean a stalled server or a dead network.
const lifecycleStream = "/events?interval=500ms&ts=1&retry=1000"

// lifecycleHeartbeat is the WASM client's explicit liveness window in ms:
// well above the ticker's interval, short enough to watch it act.
const lifecycleHeartbeat = 3000

// lifecycleView is the Lifecycle tab: a live ticker into both clients, the
// server's stall and drop controls, and simulated offline and online
// events, to show how each client notices a dead stream.
type lifecycleView struct {
	*sideBySide
	drop, stall, offline, online *dom.HTMLButtonElement
	// retriesAtStall is ours' retrying count when the stall was asked for
	// (-1 before); nativeAtRetry is native's event count at ours' first
	// retrying event after it (-1 before): in-flight events are long in by then.
	retriesAtStall, nativeAtRetry int
}

func newLifecycleView(a *app) *lifecycleView {
	v := &lifecycleView{
		drop:    button("life-drop"),
		stall:   button("life-stall"),
		offline: button("life-offline"),
		online:  button("life-online"),

		retriesAtStall: -1, nativeAtRetry: -1,
	}
	v.sideBySide = newSideBySide(a, sideBySideSpec{
		prefix: "life", name: "Lifecycle", tag: "l",
		nativeTitle: "Native EventSource",
		wasmTitle:   fmt.Sprintf("WasmEventSource (heartbeatTimeout: %d)", lifecycleHeartbeat),
		nativeInit:  func(string) map[string]any { return nil },
		wasmInit: func(resume string) map[string]any {
			init := map[string]any{"heartbeatTimeout": lifecycleHeartbeat}
			if resume != "" {
				init["lastEventId"] = resume
			}
			return init
		},
		connect: v.connect,
		check:   v.check,
	})
	onClick(v.drop, "drop", func() { v.control(dropAction) })
	onClick(v.stall, "stall", func() {
		v.retriesAtStall, v.nativeAtRetry = len(v.wasm.retries), -1
		v.control(stallAction)
	})
	onClick(v.offline, "offline", func() { v.dispatch("offline") })
	onClick(v.online, "online", func() { v.dispatch("online") })
	return v
}

// connect starts both clients on the ticker, each in its own session so
// that the server's controls reach them.
func (v *lifecycleView) connect() {
	v.retriesAtStall, v.nativeAtRetry = -1, -1
	if err := v.begin(lifecycleStream, true); err != nil {
		v.verdict.set(verdictError, err.Error())
		return
	}
	for _, b := range []*dom.HTMLButtonElement{v.drop, v.stall, v.offline, v.online} {
		b.SetDisabled(false)
	}
}

// dispatch fires a plain offline or online event at the window. The
// browser's network is untouched (a page cannot switch it): only the
// listeners of the page see the event, and WasmEventSource is one of them.
func (v *lifecycleView) dispatch(typ string) {
	ev, err := prop(jsval.Global(), "Event").New(typ)
	if err == nil {
		_, err = jsval.Global().Call("dispatchEvent", ev)
	}
	if err != nil {
		showToast("Could not dispatch "+typ+": "+err.Error(), true)
		return
	}
	v.wasm.system(typ, "Dispatched a window "+typ+" event (the network itself is unchanged).")
	v.native.system(typ, "Dispatched a window "+typ+" event; EventSource does not listen for it.")
}

// check sums up what each client did: native stays OPEN on a stalled
// stream; ours reconnects and says why.
func (v *lifecycleView) check() {
	n, w := v.native, v.wasm
	msg := fmt.Sprintf("Native: %s, %d events, %d reconnects. WASM: %s, %d events, %d reconnects",
		n.state(), len(n.log.Events), n.log.Reconnects, w.state(), len(w.log.Events), w.log.Reconnects)
	if len(w.retries) > 0 {
		msg += ", retrying causes: " + strings.Join(w.retries, ", ")
	}
	msg += "."
	if v.retriesAtStall >= 0 && v.nativeAtRetry < 0 && len(w.retries) > v.retriesAtStall {
		v.nativeAtRetry = len(n.log.Events)
	}
	state := verdictPending
	if v.nativeAtRetry >= 0 && len(n.log.Events) == v.nativeAtRetry && n.state() == stateOpen && w.log.Reconnects > 0 {
		state = verdictDisagree
		msg = "Since the stall, native is still OPEN and receives nothing: it cannot tell a stalled stream from a quiet one. " +
			"WASM reconnected on its own. " + msg
	} else if len(n.log.Events) > 0 && len(w.log.Events) > 0 {
		state = verdictAgree
	}
	v.verdict.set(state, msg)
}
