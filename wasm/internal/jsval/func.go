//go:build js && wasm

package jsval

import "syscall/js"

// Func is a Go function that JavaScript can call; see [FuncOf].
type Func struct {
	f js.Func
}

// FuncOf returns a JavaScript function that calls fn and returns its
// result, converted as [Value.Call] converts arguments.
//
// A panic in fn would end the Go program: it is recovered instead, and the
// function returns recovered(err), or undefined when recovered is nil; err
// says it was a panic and wraps the panic value as [Value.Call] would
// return it. As with [js.FuncOf], fn runs on JavaScript's event
// loop and must not block: it should start a goroutine for anything that
// waits.
//
// The function must be released with [Func.Release] once JavaScript no
// longer calls it.
//
// It is not inlined: each inlined copy of its two closures would add about
// 2 KB to the module, at every call site.
//
//go:noinline
func FuncOf(fn func(this Value, args []Value) any, recovered func(err error) any) Func {
	return Func{js.FuncOf(func(this js.Value, args []js.Value) (result any) {
		defer func() {
			if r := recover(); r != nil {
				result = js.Undefined()
				if recovered != nil {
					result = toJS(recovered(&callbackPanic{panicError(r)}))
				}
			}
		}()
		vals := make([]Value, len(args))
		for i, a := range args {
			vals[i] = Value{a}
		}
		return toJS(fn(Value{this}, vals))
	})}
}

// JS returns the function as a syscall/js value, for APIs that take one.
func (f Func) JS() js.Value { return f.f.Value }

// Release frees the function. JavaScript must not call it afterwards; it
// may be running while Release is called.
func (f Func) Release() { f.f.Release() }

// callbackPanic is a panic recovered in a [FuncOf] callback.
type callbackPanic struct{ err error }

func (p *callbackPanic) Error() string { return "jsval: panic in a callback: " + p.err.Error() }

func (p *callbackPanic) Unwrap() error { return p.err }
