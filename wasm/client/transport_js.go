//go:build js && wasm

package client

import (
	"context"
	"errors"
	"io"
	"syscall/js"

	"github.com/eventsource-wasm/eventsource-wasm/wasm/internal/jsval"
)

// fetchTransport makes requests with fetch and reads bodies with a
// ReadableStream reader.
type fetchTransport struct{}

var defaultTransport transport = fetchTransport{}

// resolve resolves rawURL like the EventSource constructor: against the
// document's base URL in a browser, or as an absolute URL elsewhere.
func (fetchTransport) resolve(rawURL string) (string, error) {
	g := jsval.Global()
	args := []any{rawURL}
	if base := baseURL(g); base != "" {
		args = append(args, base)
	}
	ctor, err := g.Get("URL")
	if err != nil {
		return "", err
	}
	u, err := ctor.New(args...)
	if err != nil {
		return "", errors.New("not a valid URL")
	}
	href, err := u.Get("href")
	if err != nil {
		return "", err
	}
	return href.String()
}

// warn writes msg to the console as a warning.
func (fetchTransport) warn(msg string) {
	if console, err := jsval.Global().Get("console"); err == nil && console.Type() == js.TypeObject {
		_, _ = console.Call("warn", msg)
	}
}

// baseURL returns document.baseURI, else location.href, else "".
func baseURL(g jsval.Value) string {
	for _, path := range [][2]string{{"document", "baseURI"}, {"location", "href"}} {
		obj, err := g.Get(path[0])
		if err != nil || obj.Type() != js.TypeObject {
			continue
		}
		if s, ok := stringProp(obj, path[1]); ok {
			return s
		}
	}
	return ""
}

func (fetchTransport) roundTrip(ctx context.Context, req *request) (*response, error) {
	g := jsval.Global()
	acCtor, err := g.Get("AbortController")
	if err != nil {
		return nil, err
	}
	ac, err := acCtor.New()
	if err != nil {
		return nil, err
	}
	signal, err := ac.Get("signal")
	if err != nil {
		return nil, err
	}
	headers := make(map[string]any, len(req.headers))
	for k, v := range req.headers {
		headers[k] = byteString(v)
	}
	credentials := "same-origin"
	if req.credentials {
		credentials = "include"
	}
	init := map[string]any{
		"method":      req.method,
		"headers":     headers,
		"credentials": credentials,
		"cache":       "no-store", // as EventSource: adds Cache-Control: no-cache on the wire
		"mode":        "cors",
		"redirect":    "follow",
		"signal":      signal,
	}
	if req.body != nil {
		b, err := newUint8Array(g, req.body)
		if err != nil {
			return nil, err
		}
		init["body"] = b
	}
	abort := func() { _, _ = ac.Call("abort") }
	stop := context.AfterFunc(ctx, abort)
	fail := func(err error) (*response, error) {
		stop()
		abort()
		return nil, err
	}

	// A cancelled context must not let a request out: AfterFunc would
	// abort only after fetch has started it.
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	// The Request is made apart from fetch so that what fetch refuses
	// (a header value with a line break, a body on a GET) throws here and
	// is told apart from a failed request: fetch rejects with the same
	// TypeError for both.
	reqCtor, err := g.Get("Request")
	if err != nil {
		return fail(err)
	}
	r, err := reqCtor.New(req.url, init)
	if err != nil {
		return fail(&invalidRequestError{err})
	}
	p, err := req.fetch.call(r)
	if err != nil {
		return fail(err)
	}
	res, err := jsval.Await(ctx, p)
	if err != nil {
		if ctx.Err() == nil && isTypeError(err) && crossOrigin(g, req.url) && reachable(ctx, req.fetch, req.url, signal) {
			err = errCORSRefused
		}
		return fail(err)
	}
	resp := &response{url: req.url}
	if resp.status, err = intProp(res, "status"); err != nil {
		return fail(err)
	}
	resp.statusText, _ = stringProp(res, "statusText")
	if u, ok := stringProp(res, "url"); ok && u != "" {
		resp.url = u
	}
	if h, err := res.Get("headers"); err == nil {
		resp.contentType = header(h, "content-type")
		resp.retryAfter = header(h, "retry-after")
		resp.header, _ = headerStrings(h)
	}
	b := &fetchBody{abort: abort, stop: stop}
	if stream, err := res.Get("body"); err == nil && stream.Type() == js.TypeObject {
		if b.reader, err = stream.Call("getReader"); err != nil {
			return fail(err)
		}
	}
	resp.body = b
	return resp, nil
}

// isTypeError reports whether err is a JavaScript TypeError: what fetch
// rejects with when the request fails, for a network error as for a CORS
// refusal.
func isTypeError(err error) bool {
	e, ok := err.(*jsval.Error) // as jsval.Await returns it
	if !ok {
		return false
	}
	name, ok := stringProp(jsval.Of(e.Value), "name")
	return ok && name == "TypeError"
}

// crossOrigin reports whether url's origin differs from the page's
// (location.origin). Without a location, as under Node, there is no CORS,
// and it reports false.
func crossOrigin(g jsval.Value, url string) bool {
	loc, err := g.Get("location")
	if err != nil || loc.Type() != js.TypeObject {
		return false
	}
	page, ok := stringProp(loc, "origin")
	if !ok {
		return false
	}
	ctor, err := g.Get("URL")
	if err != nil {
		return false
	}
	u, err := ctor.New(url)
	if err != nil {
		return false
	}
	origin, ok := stringProp(u, "origin")
	return ok && origin != page
}

// reachable tells a CORS refusal from a network error after a
// cross-origin request failed, which fetch does not: it probes url with a
// HEAD request in no-cors mode, which needs no permission from the server
// and, without credentials, reveals nothing to the page but whether an
// answer came. It resolves when the server answered, so the failure was
// most likely the server's refusal of this origin; it rejects when the
// server cannot be reached. The probe is the one request native
// EventSource does not make, and it is made only in this case.
func reachable(ctx context.Context, fetch FetchFunc, url string, signal jsval.Value) bool {
	p, err := fetch.call(url, map[string]any{
		"method":      "HEAD",
		"mode":        "no-cors",
		"credentials": "omit",
		"cache":       "no-store",
		"signal":      signal,
	})
	if err != nil {
		return false
	}
	_, err = jsval.Await(ctx, p)
	return err == nil
}

func intProp(v jsval.Value, name string) (int, error) {
	p, err := v.Get(name)
	if err != nil {
		return 0, err
	}
	return p.Int()
}

// header returns the named response header, or "" when absent.
func header(h jsval.Value, name string) string {
	v, err := h.Call("get", name)
	if err != nil || v.Type() != js.TypeString {
		return ""
	}
	s, _ := v.String()
	return s
}

func newUint8Array(g jsval.Value, b []byte) (jsval.Value, error) {
	ctor, err := g.Get("Uint8Array")
	if err != nil {
		return jsval.Value{}, err
	}
	a, err := ctor.New(len(b))
	if err != nil {
		return jsval.Value{}, err
	}
	_, err = jsval.CopyBytesToJS(a, b)
	return a, err
}

// fetchBody reads a response body. Its reads are not raced against the
// context: aborting the fetch (which cancelling the context does) rejects
// a pending read, so every read settles.
type fetchBody struct {
	reader jsval.Value   // undefined for a response without a body
	waiter *jsval.Waiter // made by the first next
	buf    []byte
	abort  func()
	stop   func() bool
}

func (b *fetchBody) next() ([]byte, error) {
	if b.reader.Type() != js.TypeObject {
		return nil, io.EOF
	}
	if b.waiter == nil {
		b.waiter = jsval.NewWaiter()
	}
	p, err := b.reader.Call("read")
	if err != nil {
		return nil, err
	}
	res, err := b.waiter.Wait(p)
	if err != nil {
		return nil, err
	}
	if done, err := res.Get("done"); err != nil {
		return nil, err
	} else if ok, _ := done.Bool(); ok {
		return nil, io.EOF
	}
	value, err := res.Get("value")
	if err != nil {
		return nil, err
	}
	n, err := value.Length()
	if err != nil {
		return nil, err
	}
	if cap(b.buf) < n {
		b.buf = make([]byte, n)
	}
	n, err = jsval.CopyBytesToGo(b.buf[:n], value)
	return b.buf[:n], err
}

// source is the body's ReadableStreamDefaultReader, for a BodyPump.
func (b *fetchBody) source() any {
	if b.reader.Type() != js.TypeObject {
		return nil
	}
	return b.reader.JS()
}

// close aborts the fetch, which ends the body, and frees the callbacks.
// It runs after next or the pump returned, so no read is pending.
func (b *fetchBody) close() {
	b.stop()
	b.abort()
	if b.waiter != nil {
		b.waiter.Release()
	}
}

// stringProp returns v[name] when it is a string.
func stringProp(v jsval.Value, name string) (string, bool) {
	p, err := v.Get(name)
	if err != nil || p.Type() != js.TypeString {
		return "", false
	}
	s, err := p.String()
	return s, err == nil
}
