//go:build js && wasm

package client

import (
	"context"
	"errors"
	"syscall/js"

	"github.com/eventsource-wasm/eventsource-wasm/wasm/internal/jsval"
)

// HeadersFromJS converts JavaScript headers — an object, an array of
// name/value pairs or a Headers — to a map, as fetch would read them:
// names lower-cased, values converted to strings whose characters must be
// in U+0000–U+00FF (ByteStrings). Each character becomes one byte of the
// map's value, so the request sends the bytes fetch would send for it; see
// [Options.Headers]. null and undefined give no headers; invalid names or
// values give an error.
func HeadersFromJS(v js.Value) (map[string]string, error) {
	return headersFromJS(jsval.Of(v))
}

// JSHeaderFunc adapts a JavaScript function to a [HeaderFunc]. fn is
// called with no arguments before every connection attempt and returns
// headers as [HeadersFromJS] accepts them, or a promise of them. A throw or
// a rejection is the HeaderFunc's error: the client reconnects later, as
// the function may succeed then. Headers that [HeadersFromJS] refuses
// (such as a value with a character above U+00FF) fail the connection
// instead, with an error that says so: the function would most likely
// return them again, and the client would retry forever.
func JSHeaderFunc(fn js.Value) HeaderFunc {
	f := jsval.Of(fn)
	return func(ctx context.Context) (map[string]string, error) {
		v, err := f.Invoke()
		if err != nil {
			return nil, err
		}
		promise, err := jsval.Global().Get("Promise")
		if err != nil {
			return nil, err
		}
		p, err := promise.Call("resolve", v)
		if err != nil {
			return nil, err
		}
		if v, err = jsval.Await(ctx, p); err != nil {
			return nil, err
		}
		return headersFromJS(v)
	}
}

func headersFromJS(v jsval.Value) (map[string]string, error) {
	if t := v.Type(); t == js.TypeUndefined || t == js.TypeNull {
		return nil, nil
	}
	g := jsval.Global()
	ctor, err := g.Get("Headers")
	if err != nil {
		return nil, err
	}
	h, err := ctor.New(v)
	if err != nil {
		return nil, &invalidRequestError{err}
	}
	m, err := headerStrings(h)
	if err != nil {
		return nil, err
	}
	for k, v := range m {
		value, ok := fromByteString(v)
		if !ok { // Headers accepted it, so it cannot happen
			return nil, &invalidRequestError{errors.New("header " + k + ": not a ByteString")}
		}
		m[k] = value
	}
	return m, nil
}

// headerStrings returns the name/value pairs of a Headers as JavaScript
// has them: names lower-cased, values as strings of characters up to
// U+00FF.
func headerStrings(h jsval.Value) (map[string]string, error) {
	array, err := jsval.Global().Get("Array")
	if err != nil {
		return nil, err
	}
	pairs, err := array.Call("from", h)
	if err != nil {
		return nil, err
	}
	n, err := pairs.Length()
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, n)
	for i := range n {
		pair, err := pairs.Index(i)
		if err != nil {
			return nil, err
		}
		var kv [2]string
		for j := range kv {
			s, err := pair.Index(j)
			if err != nil {
				return nil, err
			}
			if kv[j], err = s.String(); err != nil {
				return nil, err
			}
		}
		m[kv[0]] = kv[1]
	}
	return m, nil
}
