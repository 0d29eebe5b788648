//go:build js && wasm

package jsval

import "syscall/js"

// Error is a JavaScript exception, or a promise's rejection reason, as a Go
// error. Its message reads like the browser console's: "TypeError: Failed
// to fetch" for an Error object, String(value) for other values.
type Error struct {
	// Value is what was thrown, usually an Error object.
	Value js.Value
	msg   string
}

// newError reads the message at once, while reading it cannot interfere
// with the caller (a getter could run arbitrary code).
func newError(v js.Value) *Error { return &Error{Value: v, msg: describe(v)} }

func (e *Error) Error() string { return e.msg }

// describe returns the message of a thrown value. It never panics and
// never calls back into [panicError]: a value whose conversion throws
// again would otherwise recurse without end.
func describe(v js.Value) string {
	if v.Type() == js.TypeObject {
		if msg, ok := stringOf(func() js.Value { return v.Get("message") }); ok {
			name, _ := stringOf(func() js.Value { return v.Get("name") })
			switch {
			case name == "":
				return msg
			case msg == "":
				return name
			}
			return name + ": " + msg
		}
	}
	if s, ok := stringOf(func() js.Value { return js.Global().Call("String", v) }); ok && s != "" {
		return s
	}
	return "JavaScript exception"
}

// stringOf returns the string get returns, or ok false if get panics or
// returns another type.
func stringOf(get func() js.Value) (s string, ok bool) {
	defer func() {
		if recover() != nil {
			s, ok = "", false
		}
	}()
	if p := get(); p.Type() == js.TypeString {
		return p.String(), true
	}
	return "", false
}
