//go:build js && wasm

package client

import (
	"context"
	"syscall/js"

	"github.com/eventsource-wasm/eventsource-wasm/wasm/internal/jsval"
)

// HeadersFromJS converts JavaScript headers — an object, an array of
// name/value pairs or a Headers — to a map, as fetch would read them:
// names lower-cased, values converted to strings. null and undefined give
// no headers; invalid names or values give an error.
func HeadersFromJS(v js.Value) (map[string]string, error) {
	return headersFromJS(jsval.Of(v))
}

// JSHeaderFunc adapts a JavaScript function to a [HeaderFunc]. fn is
// called with no arguments before every connection attempt and returns
// headers as [HeadersFromJS] accepts them, or a promise of them; a throw or
// a rejection is the HeaderFunc's error.
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
		return nil, err
	}
	array, err := g.Get("Array")
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
