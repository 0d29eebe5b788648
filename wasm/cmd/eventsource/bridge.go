//go:build js && wasm

package main

import (
	"context"
	"errors"
	"strings"
	"sync"
	"syscall/js"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/wasm/client"
	"github.com/eventsource-wasm/eventsource-wasm/wasm/internal/jsval"
)

// bridge tracks the live connections by the ids JavaScript gave them.
type bridge struct {
	mu      sync.Mutex
	conns   map[int]conn
	parsers parsers
}

// conn is a live connection: how to close it and how to steer it.
type conn struct {
	cancel context.CancelFunc
	ctl    *client.Control
}

func newBridge() *bridge {
	return &bridge{conns: make(map[int]conn), parsers: parsers{m: make(map[int]*parser)}}
}

// register sets globalThis.__eventsourceWasm. Its functions live as long
// as the page, so they are never released.
func (b *bridge) register() error {
	return jsval.Global().Set("__eventsourceWasm", map[string]any{
		"connect":     jsval.FuncOf(b.connect, internalError),
		"close":       jsval.FuncOf(b.close, internalError),
		"parser":      jsval.FuncOf(b.parsers.add, internalError),
		"parserError": jsval.FuncOf(b.parsers.why, internalError),
		"unparse":     jsval.FuncOf(b.parsers.remove, internalError),
		"control":     jsval.FuncOf(b.control, internalError),
		"wake":        jsval.FuncOf(wake, nil),
	})
}

// wake does nothing: JavaScript calls it when an eventsourceFeed call asks
// for it (feedWake), so that the Go scheduler runs and gives the timers
// started inside the export their JavaScript timeouts.
func wake(jsval.Value, []jsval.Value) any { return nil }

// internalError reports a panic in a bridge function, which jsval
// recovered: it is a bug, so the console gets the details, and JavaScript
// an error message as the result.
func internalError(err error) any {
	println("eventsource.wasm:", err.Error())
	return "eventsource.wasm: internal error"
}

// connect starts a connection; see the package documentation.
func (b *bridge) connect(_ jsval.Value, args []jsval.Value) any {
	if len(args) < 4 {
		return "connect: want 4 arguments"
	}
	id, err := args[0].Int()
	if err != nil {
		return "connect: the id is not a number"
	}
	url, err := args[1].String()
	if err != nil {
		return "connect: the URL is not a string"
	}
	opts, err := options(args[2])
	if err != nil {
		return "connect: " + err.Error()
	}
	s, err := newSink(id, args[3])
	if err != nil {
		return "connect: " + err.Error()
	}
	opts.Control = client.NewControl()
	opts.Pump = s.pump

	ctx, cancel := context.WithCancel(context.Background())
	b.mu.Lock()
	b.conns[id] = conn{cancel: cancel, ctl: opts.Control}
	b.mu.Unlock()
	go func() {
		defer b.forget(id)
		defer func() {
			if recover() != nil {
				s.Error(&client.Error{Message: "internal error"}, client.Closed)
			}
		}()
		_ = client.RunBytes(ctx, url, opts, s) // a failure was reported to onError
	}()
	return nil
}

// close closes a connection: no request or event follows.
func (b *bridge) close(_ jsval.Value, args []jsval.Value) any {
	if len(args) > 0 {
		if id, err := args[0].Int(); err == nil {
			b.forget(id)
		}
	}
	return nil
}

// control passes a command to a connection's client.Control: control(id,
// name) with name one of the Control's methods, in lower case.
func (b *bridge) control(_ jsval.Value, args []jsval.Value) any {
	if len(args) < 2 {
		return "control: want 2 arguments"
	}
	id, err := args[0].Int()
	if err != nil {
		return "control: the id is not a number"
	}
	name, err := args[1].String()
	if err != nil {
		return "control: the command is not a string"
	}
	b.mu.Lock()
	ctl := b.conns[id].ctl
	b.mu.Unlock()
	if ctl == nil {
		return nil // closed meanwhile
	}
	switch name {
	case "reconnect":
		ctl.Reconnect()
	case "offline":
		ctl.Offline()
	case "online":
		ctl.Online()
	case "resume":
		ctl.Resume()
	case "visible":
		ctl.Visible()
	case "suspend":
		ctl.Suspend()
	case "restore":
		ctl.Restore()
	default:
		return "control: unknown command " + name
	}
	return nil
}

func (b *bridge) forget(id int) {
	b.mu.Lock()
	c := b.conns[id]
	delete(b.conns, id)
	b.mu.Unlock()
	if c.cancel != nil {
		c.cancel()
	}
}

// sink forwards a connection's reports to its JavaScript callbacks.
type sink struct {
	id                                  int // the connection's, and its input's key
	onOpen, onPump, onError, onRetrying jsval.Value
	batch                               batch                          // reused from chunk to chunk
	feed                                func([]byte) (more, wake bool) // the body's, while pump runs
	ready                               uint32                         // the piece's batch, once EndChunk finished it
	panicked                            any                            // what a panic in feed left, for pump to raise
}

// newSink reads the callbacks object {open, pump, error, retrying};
// retrying may be left out.
func newSink(id int, callbacks jsval.Value) (*sink, error) {
	s := &sink{id: id}
	for _, f := range []struct {
		name     string
		v        *jsval.Value
		optional bool
	}{{"open", &s.onOpen, false}, {"pump", &s.onPump, false}, {"error", &s.onError, false}, {"retrying", &s.onRetrying, true}} {
		v, err := callbacks.Get(f.name)
		if err != nil {
			return nil, err
		}
		if v.Type() != js.TypeFunction && !f.optional {
			return nil, errors.New("callback " + f.name + " is not a function")
		}
		*f.v = v
	}
	return s, nil
}

// Open reports the response: status, URL after redirects, and headers as
// an object that JavaScript turns into a Headers.
func (s *sink) Open(r client.Response) {
	h := make(map[string]any, len(r.Header))
	for k, v := range r.Header {
		h[k] = v
	}
	_, _ = s.onOpen.Invoke(r.Status, r.URL, h)
}

// pump is the connection's client.BodyPump. It registers the connection's
// input and has JavaScript's pump(reader, at) read the body: that copies
// each chunk, a piece at a time, into the input's buffer at at and calls
// eventsourceFeed, which passes the piece to the client (see piece). The
// goroutine waits once per body, for the promise of pump, which settles
// when the body ends or a read fails (it rejects), or the client stopped.
func (s *sink) pump(reader any, feed func([]byte) (more, wake bool)) error {
	s.feed = feed
	p, err := s.onPump.Invoke(reader, theInputs.add(s.id, s.piece))
	if err == nil {
		w := jsval.NewWaiter()
		_, err = w.Wait(p)
		w.Release()
	}
	theInputs.remove(s.id)
	if s.panicked != nil {
		panic(s.panicked) // on the connection's goroutine, which reports it
	}
	return err
}

// piece passes one piece of the body to the client, in eventsourceFeed,
// and returns the address of the batch of its events with the feed's
// flags in its header, or the flags alone when it has no event.
//
// A panic would end the whole module here, in the export: it stops the
// body instead, and pump raises it again.
func (s *sink) piece(b []byte) (out uint32) {
	defer func() {
		if r := recover(); r != nil {
			s.panicked, out = r, feedStop
		}
	}()
	s.ready = 0
	more, wake := s.feed(b)
	var flags uint32
	if !more {
		flags = feedStop
	}
	if wake {
		flags |= feedWake
	}
	if s.ready == 0 {
		return flags
	}
	s.batch.table[batchFlags] = flags
	return s.ready
}

// BeginChunk starts the chunk's batch.
func (s *sink) BeginChunk(chunk []byte) { s.batch.begin(chunk) }

// EventBytes adds an event to the chunk's batch.
func (s *sink) EventBytes(typ, data, id []byte) { s.batch.add(typ, data, id) }

// EndChunk finishes the chunk's batch, which piece hands to JavaScript.
func (s *sink) EndChunk() {
	if s.batch.events() > 0 {
		s.ready = uint32(s.batch.finish())
	}
}

func (s *sink) Error(err *client.Error, state client.ReadyState) {
	_, _ = s.onError.Invoke(int(state), err.Status, err.StatusText, message(err))
}

func (s *sink) Retrying(r client.Retry) {
	if s.onRetrying.Type() != js.TypeFunction {
		return
	}
	_, _ = s.onRetrying.Invoke(r.Attempt, float64(r.Delay)/float64(time.Millisecond), string(r.Cause), message(r.Err))
}

// message is an error's text for JavaScript, whose event names its source.
func message(err *client.Error) string {
	if err == nil {
		return ""
	}
	return strings.TrimPrefix(err.Error(), "eventsource: ")
}

// options reads the configuration object that web/eventsource-wasm.js
// builds from the WasmEventSource init dictionary (already validated and
// normalised there).
func options(cfg jsval.Value) (*client.Options, error) {
	r := reader{v: cfg}
	o := &client.Options{
		Method:           r.str("method"),
		WithCredentials:  r.boolean("withCredentials"),
		LastEventID:      r.str("lastEventId"),
		LastEventIDQuery: r.str("lastEventIdQuery"),
		MaxRetries:       int(r.num("maxRetries")),
		RetryOnStatus:    r.ints("retryOnStatus"),
		HeartbeatTimeout: r.millis("heartbeatTimeout"),
		MaxEventSize:     int(r.num("maxEventSize")),
	}
	if h := r.get("headers"); r.err == nil && h.Type() == js.TypeObject {
		o.Headers, r.err = client.HeadersFromJS(h.JS())
	}
	if fn := r.get("headersFn"); r.err == nil && fn.Type() == js.TypeFunction {
		o.HeaderFunc = client.JSHeaderFunc(fn.JS())
	}
	if fn := r.get("fetch"); r.err == nil && fn.Type() == js.TypeFunction {
		o.Fetch = client.JSFetch(fn.JS())
	}
	if body := r.get("body"); r.err == nil && body.Type() == js.TypeObject {
		n, err := body.Length()
		if err != nil {
			return nil, err
		}
		o.Body = make([]byte, n)
		_, r.err = jsval.CopyBytesToGo(o.Body, body)
	}
	if bo := r.get("backoff"); r.err == nil && bo.Type() == js.TypeObject {
		br := reader{v: bo}
		o.Backoff = &client.Backoff{Initial: br.millis("initial"), Max: br.millis("max"), Factor: br.num("factor")}
		r.err = br.err
	}
	return o, r.err
}

// reader reads properties of a configuration object, keeping the first
// error; absent properties read as zero values.
type reader struct {
	v   jsval.Value
	err error
}

func (r *reader) get(name string) jsval.Value {
	if r.err != nil {
		return jsval.Value{}
	}
	v, err := r.v.Get(name)
	r.err = err
	return v
}

func (r *reader) str(name string) string {
	v := r.get(name)
	if v.Type() != js.TypeString {
		return ""
	}
	s, err := v.String()
	r.err = err
	return s
}

func (r *reader) num(name string) float64 {
	v := r.get(name)
	if v.Type() != js.TypeNumber {
		return 0
	}
	f, err := v.Float()
	r.err = err
	return f
}

func (r *reader) boolean(name string) bool {
	v := r.get(name)
	if v.Type() != js.TypeBoolean {
		return false
	}
	b, err := v.Bool()
	r.err = err
	return b
}

func (r *reader) millis(name string) time.Duration {
	return time.Duration(r.num(name) * float64(time.Millisecond))
}

func (r *reader) ints(name string) []int {
	v := r.get(name)
	if v.Type() != js.TypeObject {
		return nil
	}
	n, err := v.Length()
	if err != nil {
		r.err = err
		return nil
	}
	out := make([]int, 0, n)
	for i := range n {
		e, err := v.Index(i)
		if err != nil {
			r.err = err
			return nil
		}
		x, err := e.Int()
		if err != nil {
			r.err = err
			return nil
		}
		out = append(out, x)
	}
	return out
}
