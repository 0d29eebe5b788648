// Package mailbox is the delivery queue of a broker subscription: a small
// channel that a publisher fills without ever waiting, backed by a backlog
// that exists only while the reader lags, and a bound past which the reader
// counts as too slow. A buffer for the whole allowed lag, allocated up
// front, would cost every idle subscriber kilobytes.
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
		if b.closed || len(b.backlog) == 0 {
			b.pumping = false
			b.backlog = nil
			if b.closed {
				close(b.ch)
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
}
