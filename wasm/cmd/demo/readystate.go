//go:build js && wasm

package main

// side says which client a pane drives.
type side int

const (
	nativeSide side = iota // the browser's EventSource
	wasmSide               // the project's WasmEventSource
)

// String names the side in sentences: "native" or "WASM".
func (s side) String() string {
	if s == nativeSide {
		return "native"
	}
	return "WASM"
}

// attr is the side's data-side attribute, which the style sheet and the
// tests read.
func (s side) attr() string {
	if s == nativeSide {
		return "native"
	}
	return "wasm"
}

// class is the JavaScript class the side's pane constructs.
func (s side) class() string {
	if s == nativeSide {
		return "EventSource"
	}
	return "WasmEventSource"
}

// tag is the side's letter in server session ids.
func (s side) tag() string {
	if s == nativeSide {
		return "n"
	}
	return "w"
}

// readyState is EventSource's readyState, and stateIdle for a pane that
// has no client yet.
type readyState int

const (
	stateIdle       readyState = -1
	stateConnecting readyState = 0
	stateOpen       readyState = 1
	stateClosed     readyState = 2
)

// String is the state as the EventSource constants name it.
func (s readyState) String() string {
	switch s {
	case stateConnecting:
		return "CONNECTING"
	case stateOpen:
		return "OPEN"
	case stateClosed:
		return "CLOSED"
	}
	return "idle"
}

// badge is the state's data-state value on a pane's badge.
func (s readyState) badge() string {
	switch s {
	case stateConnecting:
		return "connecting"
	case stateOpen:
		return "open"
	case stateClosed:
		return "closed"
	}
	return "idle"
}
