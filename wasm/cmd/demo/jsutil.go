//go:build js && wasm

package main

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"syscall/js"

	"github.com/eventsource-wasm/eventsource-wasm/wasm/internal/jsval"
)

// The rule of this program: the DOM is reached through dom/v2 (ui.go and
// the views), and every other JavaScript value — the EventSource classes,
// their events, fetch, promises, the clipboard — through package jsval,
// whose operations return errors where syscall/js panics. syscall/js
// itself appears only for its type constants and the methods of js.Value
// that cannot panic (Type, Equal, IsUndefined).
//
// The whole program runs on the browser's single JavaScript thread: Go
// goroutines are interleaved only where one blocks (a channel, a sleep, an
// awaited promise), never in parallel. The demo's state is therefore touched
// without locks, and no goroutine keeps a half-updated value across a
// blocking call.

// guard recovers a panic in a goroutine, so that one bad event cannot stop
// the module, and reports it on the page and the console: it is a bug in
// the demo. Use it as `defer guard("where")`. (Callbacks from JavaScript
// are guarded by [callback].)
func guard(where string) {
	if r := recover(); r != nil {
		reportBug(where, r)
	}
}

func reportBug(where string, r any) {
	console, _ := jsval.Global().Get("console")
	_, _ = console.Call("error", fmt.Sprintf("demo: panic in %s: %v\n%s", where, r, debug.Stack()))
	showToast("Something went wrong in the demo ("+where+"). Reload the page to start again.", true)
}

// callback returns fn as a JavaScript function. A panic in fn is reported
// as a bug in where, and the function then returns fallback. fn must not
// block. The function must be released when JavaScript no longer calls it.
func callback(where string, fallback any, fn func(args []jsval.Value) any) jsval.Func {
	return jsval.FuncOf(func(_ jsval.Value, args []jsval.Value) any { return fn(args) },
		func(err error) any {
			reportBug(where, err)
			return fallback
		})
}

// listen adds a listener for typ on a JavaScript EventTarget. fn runs
// synchronously inside the browser's dispatch, so it must not block; a panic
// in it is recovered. The returned function must be released after
// removeEventListener (or when the target is discarded).
func listen(target jsval.Value, typ string, fn func(ev jsval.Value)) jsval.Func {
	f := callback(typ+" listener", nil, func(args []jsval.Value) any {
		var ev jsval.Value
		if len(args) > 0 {
			ev = args[0]
		}
		fn(ev)
		return nil
	})
	if _, err := target.Call("addEventListener", typ, f); err != nil {
		reportBug("addEventListener("+typ+")", err)
	}
	return f
}

// await waits for the promise p that a JavaScript call returned, or
// passes on the call's error, as in await(v.Call("m")). It blocks the
// calling goroutine, so it must never be called from inside a JavaScript
// callback (the callback would wait for a promise that cannot settle until
// it returns).
func await(p jsval.Value, err error) (jsval.Value, error) {
	if err != nil {
		return jsval.Value{}, err
	}
	return jsval.Await(context.Background(), p)
}

// promise returns a JavaScript Promise settled by work, which runs in its own
// goroutine: the way a Go callback that must wait (for a fetch, say) answers
// JavaScript without blocking it.
func promise(work func() (any, error)) jsval.Value {
	var executor jsval.Func
	executor = callback("promise", nil, func(args []jsval.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			defer executor.Release()
			defer func() {
				if r := recover(); r != nil {
					reportBug("promise", r)
					_, _ = reject.Invoke(newError("demo: internal error"))
				}
			}()
			v, err := work()
			if err != nil {
				_, _ = reject.Invoke(newError(err.Error()))
				return
			}
			_, _ = resolve.Invoke(v)
		}()
		return nil
	})
	ctor, _ := jsval.Global().Get("Promise")
	p, err := ctor.New(executor)
	if err != nil { // cannot happen in a browser; say so rather than hang
		executor.Release()
		reportBug("new Promise", err)
	}
	return p
}

// newError returns a JavaScript Error with message msg.
func newError(msg string) jsval.Value {
	ctor, _ := jsval.Global().Get("Error")
	e, _ := ctor.New(msg)
	return e
}

// prop returns v[name], or undefined when v has no such property or no
// properties at all (undefined, null).
func prop(v jsval.Value, name string) jsval.Value {
	p, _ := v.Get(name)
	return p
}

// propString returns v[name] when it is a string, else "".
func propString(v jsval.Value, name string) string {
	s, _ := prop(v, name).String()
	return s
}

// propInt returns v[name] when it is a number, and false otherwise.
func propInt(v jsval.Value, name string) (int, bool) {
	n, err := prop(v, name).Int()
	return n, err == nil
}

// isFunc reports whether v is a JavaScript function.
func isFunc(v jsval.Value) bool { return v.Type() == js.TypeFunction }

// isObject reports whether v is a non-null object or a function: a value
// whose properties can be read.
func isObject(v jsval.Value) bool { return v.Type() == js.TypeObject || isFunc(v) }

// httpResult is a finished fetch: the status line and the body as text.
type httpResult struct {
	Status     int
	StatusText string
	Body       string
}

// OK reports a 2xx status.
func (r httpResult) OK() bool { return r.Status >= 200 && r.Status < 300 }

// fetchText performs a same-origin fetch (cookies included) and reads the
// whole body. It blocks the calling goroutine; call it from a goroutine.
// body is sent when non-empty.
func fetchText(method, url string, headers map[string]string, body string) (httpResult, error) {
	init := map[string]any{"method": method, "credentials": "same-origin", "cache": "no-store"}
	if len(headers) > 0 {
		h := map[string]any{}
		for k, v := range headers {
			h[k] = v
		}
		init["headers"] = h
	}
	if body != "" {
		init["body"] = body
	}
	resp, err := await(jsval.Global().Call("fetch", url, init))
	if err != nil {
		return httpResult{}, fmt.Errorf("%s %s: %w", method, url, err)
	}
	text, err := await(resp.Call("text"))
	if err != nil {
		return httpResult{}, fmt.Errorf("%s %s: reading the answer: %w", method, url, err)
	}
	status, ok := propInt(resp, "status")
	body, terr := text.String()
	if !ok || terr != nil {
		return httpResult{}, errors.New(method + " " + url + ": the answer was not understood")
	}
	return httpResult{Status: status, StatusText: propString(resp, "statusText"), Body: body}, nil
}

// nowMillis is the browser's wall clock in Unix milliseconds, with the
// sub-millisecond part performance.now() offers.
func nowMillis() float64 {
	perf := prop(jsval.Global(), "performance")
	origin, _ := prop(perf, "timeOrigin").Float()
	now, _ := perf.Call("now")
	ms, _ := now.Float()
	return origin + ms
}
