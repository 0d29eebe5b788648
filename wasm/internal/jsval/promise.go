//go:build js && wasm

package jsval

import (
	"context"
	"errors"
	"syscall/js"
)

// Waiter waits for promises from a goroutine, one after another. Its two
// reaction callbacks are made once and reused, which matters where a
// promise is awaited per network chunk.
//
// A goroutine that waits must not be the one running a JavaScript
// callback: the promise could not settle before the callback returns.
type Waiter struct {
	onFulfilled, onRejected Func
	reactions               []any // the two as then's arguments, converted once
	settled                 chan settlement
}

type settlement struct {
	value Value
	err   error
}

// NewWaiter returns a Waiter; [Waiter.Release] frees its callbacks.
func NewWaiter() *Waiter {
	w := &Waiter{settled: make(chan settlement, 1)}
	w.onFulfilled = FuncOf(w.reaction(false), w.fail)
	w.onRejected = FuncOf(w.reaction(true), w.fail)
	w.reactions = jsArgs([]any{w.onFulfilled, w.onRejected})
	return w
}

// reaction returns a promise reaction. It never blocks: the channel has
// room for the one settlement of the promise being waited for.
func (w *Waiter) reaction(rejected bool) func(Value, []Value) any {
	return func(_ Value, args []Value) any {
		var v Value
		if len(args) > 0 {
			v = args[0]
		}
		if rejected {
			w.settle(settlement{err: newError(v.v)})
		} else {
			w.settle(settlement{value: v})
		}
		return nil
	}
}

// fail settles with err when a reaction panicked, so the waiting goroutine
// does not wait forever.
func (w *Waiter) fail(err error) any {
	w.settle(settlement{err: err})
	return nil
}

func (w *Waiter) settle(s settlement) {
	select {
	case w.settled <- s:
	default: // a panic after the settlement was sent: keep that one
	}
}

// start attaches the waiter to p; the settlement arrives on w.settled.
func (w *Waiter) start(p Value) error {
	_, err := try(func() Value { return Value{p.v.Call("then", w.reactions...)} })
	return err
}

// Wait waits for p to settle and returns its value, or its rejection
// reason as an [*Error]. Use it only for promises that are sure to settle,
// such as a read from a stream that can be cancelled; [Await] also gives
// up when a context is done.
func (w *Waiter) Wait(p Value) (Value, error) {
	if err := w.start(p); err != nil {
		return Value{}, err
	}
	s := <-w.settled
	return s.value, s.err
}

// Release frees the callbacks; no promise may be pending on them.
func (w *Waiter) Release() {
	w.onFulfilled.Release()
	w.onRejected.Release()
}

// Await waits for p to settle, as [Waiter.Wait], or for ctx to be done.
// Nothing outlives it, even when p never settles: it waits for a race
// between p and a promise of its own, which it resolves when ctx is done,
// so its callbacks are called and released at once.
func Await(ctx context.Context, p Value) (Value, error) {
	race, cancel, err := cancellable(p)
	if err != nil {
		return Value{}, err
	}
	w := NewWaiter()
	defer w.Release()
	if err := w.start(race); err != nil {
		return Value{}, err
	}
	select {
	case s := <-w.settled:
		return s.value, s.err
	case <-ctx.Done():
		_, _ = cancel.Invoke()
		<-w.settled // at once: the race settles on the next microtask
		return Value{}, ctx.Err()
	}
}

// cancellable returns Promise.race([p, q]) and the function that resolves
// q, a promise of its own.
func cancellable(p Value) (race, resolve Value, err error) {
	if then, err := p.Get("then"); err != nil || then.Type() != js.TypeFunction {
		return Value{}, Value{}, errors.New("jsval: not a promise")
	}
	promise, err := Global().Get("Promise")
	if err != nil {
		return Value{}, Value{}, err
	}
	executor := FuncOf(func(_ Value, args []Value) any {
		if len(args) > 0 {
			resolve = args[0]
		}
		return nil
	}, nil)
	q, err := promise.New(executor)
	executor.Release() // the executor runs during New
	if err != nil {
		return Value{}, Value{}, err
	}
	race, err = promise.Call("race", []any{p, q})
	return race, resolve, err
}
