package stream

import (
	"context"
	"sync"
)

// Control lets something outside a stream end it as a network failure
// would (Drop), or freeze it (Stall): the test fixtures' sessions use it.
type Control struct {
	drop, stall chan struct{}
	acted       chan struct{} // closed by the first of Drop and Stall
	once        [3]sync.Once
}

// NewControl returns a Control that has done nothing yet.
func NewControl() *Control {
	return &Control{drop: make(chan struct{}), stall: make(chan struct{}), acted: make(chan struct{})}
}

// Drop ends the stream's connection without ending its body.
func (c *Control) Drop() {
	c.once[0].Do(func() { close(c.drop) })
	c.once[2].Do(func() { close(c.acted) })
}

// Stall stops every write, heartbeats included, and keeps the connection
// open until the client leaves.
func (c *Control) Stall() {
	c.once[1].Do(func() { close(c.stall) })
	c.once[2].Do(func() { close(c.acted) })
}

// act and dropped are nil-safe: a stream without a Control waits on nil
// channels, which never fire. One channel for both actions keeps the
// select of every waiting stream short.
func (c *Control) act() <-chan struct{} {
	if c == nil {
		return nil
	}
	return c.acted
}

func (c *Control) dropped() <-chan struct{} {
	if c == nil {
		return nil
	}
	return c.drop
}

// wasDropped reports whether Drop was called.
func (c *Control) wasDropped() bool {
	select {
	case <-c.drop:
		return true
	default:
		return false
	}
}

// Attach makes the Control of a new stream and the function that forgets
// it when the stream ends; it returns a nil Control for a stream nobody
// steers.
type Attach func() (ctl *Control, release func())

type attachKey struct{}

// WithAttach returns ctx carrying attach, which every stream started for a
// request with that context calls. Through the context a middleware
// reaches the streams of handlers that know nothing of it.
func WithAttach(ctx context.Context, attach Attach) context.Context {
	return context.WithValue(ctx, attachKey{}, attach)
}

func attachOf(ctx context.Context) (*Control, func()) {
	if a, _ := ctx.Value(attachKey{}).(Attach); a != nil {
		if c, release := a(); c != nil {
			return c, release
		}
	}
	return nil, func() {}
}
