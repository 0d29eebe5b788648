//go:build js && wasm

package client

import (
	"syscall/js"

	"github.com/eventsource-wasm/eventsource-wasm/wasm/internal/jsval"
)

// JSFetch adapts a JavaScript function with fetch's signature to a
// [FetchFunc]. A value that is not a function gives the zero FetchFunc,
// which uses globalThis.fetch.
func JSFetch(fn js.Value) FetchFunc {
	if fn.Type() != js.TypeFunction {
		return FetchFunc{}
	}
	return FetchFunc{fn: jsval.Of(fn)}
}

// call calls the fetch function with args: the one of f, else
// globalThis.fetch.
func (f FetchFunc) call(args ...any) (jsval.Value, error) {
	if fn, ok := f.fn.(jsval.Value); ok {
		return fn.Invoke(args...)
	}
	return jsval.Global().Call("fetch", args...)
}
