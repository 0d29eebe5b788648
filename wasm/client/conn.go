package client

import (
	"context"
	"iter"
	"slices"
	"sync/atomic"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

// Conn is an EventSource connection started by [Connect].
type Conn struct {
	url     string
	ctx     context.Context
	cancel  context.CancelFunc
	state   atomic.Int32
	batches chan []sse.Event
	err     error // the final error; written before batches is closed
}

// Connect starts connecting to rawURL in the background and returns at
// once; only an invalid URL is reported here. A relative rawURL is resolved
// against the document's base URL. The connection lives until ctx is
// cancelled, [Conn.Close] is called or it fails.
//
// The events must be consumed with [Conn.Events]: the client reads the
// network only as fast as they are.
func Connect(ctx context.Context, rawURL string, opts *Options) (*Conn, error) {
	return connect(ctx, defaultTransport, rawURL, opts)
}

func connect(ctx context.Context, t transport, rawURL string, opts *Options) (*Conn, error) {
	u, err := resolve(t, rawURL)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	c := &Conn{url: u, ctx: ctx, cancel: cancel, batches: make(chan []sse.Event)}
	go func() {
		c.err = run(ctx, t, u, opts, connHandler{c})
		c.Close()
		close(c.batches)
	}()
	return c, nil
}

// URL returns the resolved URL the connection was made for.
func (c *Conn) URL() string { return c.url }

// ReadyState returns the connection's current state.
func (c *Conn) ReadyState() ReadyState { return ReadyState(c.state.Load()) }

// Close closes the connection: the request is aborted, and no request or
// event follows. It is the same as cancelling Connect's context.
func (c *Conn) Close() {
	c.cancel()
	c.state.Store(int32(Closed))
}

// Events returns an iterator over the connection's events, across
// reconnections. It yields a non-nil error only once, at the end, when the
// connection failed (an *Error); it ends without one when the connection
// is closed. Breaking out of the loop closes the connection. Events is
// meant to be ranged over once.
func (c *Conn) Events() iter.Seq2[sse.Event, error] {
	return func(yield func(sse.Event, error) bool) {
		for batch := range c.batches {
			for _, ev := range batch {
				if c.ctx.Err() != nil {
					return // closed: no event follows
				}
				if !yield(ev, nil) {
					c.Close()
					return
				}
			}
		}
		if c.err != nil {
			yield(sse.Event{}, c.err)
		}
	}
}

// setState records a new state unless the connection is already closed,
// which is final.
func (c *Conn) setState(s ReadyState) {
	for {
		old := c.state.Load()
		if ReadyState(old) == Closed || c.state.CompareAndSwap(old, int32(s)) {
			return
		}
	}
}

// connHandler feeds a Conn from run.
type connHandler struct{ c *Conn }

func (h connHandler) Open(Response) { h.c.setState(Open) }

func (h connHandler) Events(evs []sse.Event) {
	select {
	case h.c.batches <- slices.Clone(evs):
	case <-h.c.ctx.Done():
	}
}

func (h connHandler) Error(_ *Error, state ReadyState) { h.c.setState(state) }

func (connHandler) Retrying(Retry) {}
