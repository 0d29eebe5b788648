// Package mailbox is the delivery queue of a broker subscription: a small
// channel that a publisher fills without ever waiting, backed by a backlog
// that exists only while the reader lags, and a bound past which the reader
// counts as too slow. A buffer for the whole allowed lag, allocated up
// front, would cost every idle subscriber kilobytes.
//
// A Box is read either from its channel (C), or, once Notify has switched
// it to pull mode, with Poll when it says there is something to read: then
// no goroutine needs to wait on the channel, nor pump its backlog.
package mailbox

import "sync"

// ChanCap is the capacity of a Box's channel (at most its limit): a reader
// that keeps up never needs more.
const ChanCap = 2

// Box queues values for one reader. Its owner's lock guards it: Put, Close
// and Closed are called with the lock held; the reader receives from C.
type Box[T any] struct {
	mu      *sync.Mutex
	ch      chan T
	backlog []T           // what did not fit in ch, in order
	limit   int           // most undelivered values (ch plus backlog)
	pumping bool          // a pump runs: it alone sends on ch, and closes it
	quit    chan struct{} // made with the pump, closed to end it
	closed  bool
	// notify is set in pull mode: called, with the lock held, when the
	// Box goes from nothing to read to something, or is closed.
	notify func()
}

// New returns an empty Box guarded by mu that holds at most limit
// undelivered values.
func New[T any](mu *sync.Mutex, limit int) *Box[T] {
	return &Box[T]{mu: mu, ch: make(chan T, max(1, min(ChanCap, limit))), limit: limit}
}

// C delivers the values in order; it is closed after Close, once the values
// queued before are gone.
func (b *Box[T]) C() <-chan T { return b.ch }

// Put queues v without waiting. It reports false, queueing nothing, when
// the reader already has limit values undelivered. The caller holds the lock.
func (b *Box[T]) Put(v T) bool {
	if b.closed {
		return false
	}
	if b.notify != nil {
		return b.putPull(v)
	}
	if !b.pumping {
		select {
		case b.ch <- v:
			return true
		default:
		}
	}
	if len(b.ch)+len(b.backlog) >= b.limit {
		return false
	}
	b.backlog = append(b.backlog, v)
	if !b.pumping {
		b.pumping = true
		b.quit = make(chan struct{})
		go b.pump()
	}
	return true
}

// Send sends v, waiting for the reader, until done is closed (false then).
// Only for a Box that nobody Puts to or Closes meanwhile (a replay that
// runs before the subscription goes live); the caller does not hold the
// lock.
func (b *Box[T]) Send(v T, done <-chan struct{}) bool {
	select {
	case b.ch <- v:
		return true
	case <-done:
		return false
	}
}

// Grow raises the limit by n: a replay's values do not eat into the live
// allowance. The caller holds the lock.
func (b *Box[T]) Grow(n int) { b.limit += n }

// pump moves the backlog into ch, in order, as the reader takes values, and
// ends when the backlog is empty or the Box is closed; then it closes ch if
// the Box is closed, because Close cannot close a channel pump may send on.
func (b *Box[T]) pump() {
	var zero T
	for {
		b.mu.Lock()
		if b.closed || len(b.backlog) == 0 || b.notify != nil {
			// In pull mode (Notify came while the pump ran) the reader
			// takes the backlog itself: it learns so now.
			b.pumping = false
			if b.closed || len(b.backlog) == 0 {
				b.backlog = nil
			}
			if b.closed {
				close(b.ch)
			}
			if b.notify != nil {
				b.notify()
			}
			b.mu.Unlock()
			return
		}
		v, quit := b.backlog[0], b.quit
		b.mu.Unlock()
		select {
		case b.ch <- v:
			b.mu.Lock()
			b.backlog[0] = zero // let the value go
			b.backlog = b.backlog[1:]
			b.mu.Unlock()
		case <-quit:
		}
	}
}

// Close ends delivery: C is closed once the pump, if any, has stopped.
// Values still queued are dropped. The caller holds the lock; a second
// Close does nothing.
func (b *Box[T]) Close() {
	if b.closed {
		return
	}
	b.closed = true
	if b.pumping {
		close(b.quit) // the pump closes ch
	} else {
		close(b.ch)
	}
	if b.notify != nil {
		b.notify()
	}
}

// Notify switches b to pull mode: from now on the reader calls Poll instead
// of receiving from C, and f is called whenever b goes from having nothing
// to read to having something, or is closed; at once when it has something
// already. f runs with the lock held: it must return at once and not call
// b. The caller holds the lock.
func (b *Box[T]) Notify(f func()) {
	b.notify = f
	if len(b.ch) > 0 || len(b.backlog) > 0 || b.closed {
		f()
	}
}

// putPull is Put in pull mode: the value joins the backlog (no pump moves
// it; Poll takes it), and the reader is told when it is the first to read.
func (b *Box[T]) putPull(v T) bool {
	n := len(b.ch) + len(b.backlog)
	if n >= b.limit {
		return false
	}
	b.backlog = append(b.backlog, v)
	if n == 0 {
		b.notify()
	}
	return true
}

// Poll appends to buf, in order, every value ready to read, without
// waiting, and reports false once b is closed and nothing is left to read
// (values still in the backlog at Close are dropped, as for C). Only in
// pull mode; the caller holds the lock. While a pump that ran before
// Notify still moves a value, Poll returns only what is in the channel; the
// pump's end calls f again.
func (b *Box[T]) Poll(buf []T) ([]T, bool) {
	for {
		select {
		case v, ok := <-b.ch:
			if !ok {
				return buf, false
			}
			buf = append(buf, v)
			continue
		default:
		}
		break
	}
	if b.pumping {
		return buf, true
	}
	if b.closed {
		return buf, false
	}
	buf = append(buf, b.backlog...)
	clear(b.backlog) // let the values go
	b.backlog = b.backlog[:0]
	if cap(b.backlog) > 64 {
		b.backlog = nil // a big backlog's array goes to the collector
	}
	return buf, true
}
