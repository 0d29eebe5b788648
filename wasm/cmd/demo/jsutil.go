//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"runtime/debug"
	"syscall/js"
)

// The whole program runs on the browser's single JavaScript thread: Go
// goroutines are interleaved only where one blocks (a channel, a sleep, an
// awaited promise), never in parallel. The demo's state is therefore touched
// without locks, and no goroutine keeps a half-updated value across a
// blocking call.

// guard recovers a panic in a callback or goroutine, so that one bad event
// cannot stop the module (a panic escaping a js.Func kills the Go instance),
// and reports it on the page and the console: it is a bug in the demo.
// Use it as `defer guard("where")`.
func guard(where string) {
	if r := recover(); r != nil {
		reportBug(where, r)
	}
}

func reportBug(where string, r any) {
	js.Global().Get("console").Call("error", fmt.Sprintf("demo: panic in %s: %v\n%s", where, r, debug.Stack()))
	showToast("Something went wrong in the demo ("+where+"). Reload the page to start again.", true)
}

// listen adds a listener for typ on a JavaScript EventTarget. fn runs
// synchronously inside the browser's dispatch, so it must not block; a panic
// in it is recovered. The returned js.Func must be released after
// removeEventListener (or when the target is discarded).
func listen(target js.Value, typ string, fn func(ev js.Value)) js.Func {
	f := js.FuncOf(func(_ js.Value, args []js.Value) any {
		defer guard(typ + " listener")
		var ev js.Value
		if len(args) > 0 {
			ev = args[0]
		}
		fn(ev)
		return nil
	})
	target.Call("addEventListener", typ, f)
	return f
}

// await blocks the calling goroutine until the promise p settles. It must
// never be called from inside a JavaScript callback (the callback would wait
// for a promise that cannot settle until it returns).
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	done := make(chan result, 1)
	onOK := js.FuncOf(func(_ js.Value, args []js.Value) any {
		var v js.Value
		if len(args) > 0 {
			v = args[0]
		}
		done <- result{v: v}
		return nil
	})
	onErr := js.FuncOf(func(_ js.Value, args []js.Value) any {
		var v js.Value
		if len(args) > 0 {
			v = args[0]
		}
		done <- result{err: jsError(v)}
		return nil
	})
	defer onOK.Release()
	defer onErr.Release()
	p.Call("then", onOK, onErr)
	r := <-done
	return r.v, r.err
}

// jsError turns a rejected promise's reason into a Go error.
func jsError(v js.Value) error {
	switch {
	case v.IsUndefined() || v.IsNull():
		return errors.New("unknown JavaScript error")
	case v.Type() == js.TypeObject && v.Get("message").Type() == js.TypeString:
		return errors.New(v.Get("message").String())
	default:
		return errors.New(v.String())
	}
}

// promise returns a JavaScript Promise settled by work, which runs in its own
// goroutine: the way a Go callback that must wait (for a fetch, say) answers
// JavaScript without blocking it.
func promise(work func() (any, error)) js.Value {
	var executor js.Func
	executor = js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			defer executor.Release()
			defer func() {
				if r := recover(); r != nil {
					reportBug("promise", r)
					reject.Invoke(js.Global().Get("Error").New("demo: internal error"))
				}
			}()
			v, err := work()
			if err != nil {
				reject.Invoke(js.Global().Get("Error").New(err.Error()))
				return
			}
			resolve.Invoke(v)
		}()
		return nil
	})
	return js.Global().Get("Promise").New(executor)
}

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
	resp, err := await(js.Global().Call("fetch", url, init))
	if err != nil {
		return httpResult{}, fmt.Errorf("%s %s: %w", method, url, err)
	}
	text, err := await(resp.Call("text"))
	if err != nil {
		return httpResult{}, fmt.Errorf("%s %s: reading the answer: %w", method, url, err)
	}
	return httpResult{Status: resp.Get("status").Int(), StatusText: resp.Get("statusText").String(), Body: text.String()}, nil
}

// nowMillis is the browser's wall clock in Unix milliseconds, with the
// sub-millisecond part performance.now() offers.
func nowMillis() float64 {
	perf := js.Global().Get("performance")
	return perf.Get("timeOrigin").Float() + perf.Call("now").Float()
}
