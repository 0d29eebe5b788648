//go:build js && wasm

package client

import (
	"context"
	"errors"

	"github.com/hack-pad/safejs"
)

// promiseWaiter waits for JavaScript promises from Go. Its two callbacks
// are made once and reused for one promise after another, which matters
// on the per-chunk read path.
type promiseWaiter struct {
	onFulfilled, onRejected safejs.Func
	settled                 chan settlement
}

type settlement struct {
	value safejs.Value
	err   error
}

func newPromiseWaiter() (*promiseWaiter, error) {
	w := &promiseWaiter{settled: make(chan settlement, 1)}
	var err error
	if w.onFulfilled, err = safejs.FuncOf(w.callback(false)); err != nil {
		return nil, err
	}
	if w.onRejected, err = safejs.FuncOf(w.callback(true)); err != nil {
		w.onFulfilled.Release()
		return nil, err
	}
	return w, nil
}

// callback returns a promise reaction. It never blocks (the channel has
// room for the one settlement of the promise being waited for) and never
// panics, since a panic in a JavaScript callback kills the Go program.
func (w *promiseWaiter) callback(rejected bool) func(safejs.Value, []safejs.Value) any {
	return func(_ safejs.Value, args []safejs.Value) any {
		s := settlement{value: safejs.Undefined()}
		defer func() {
			if recover() != nil {
				s = settlement{err: errors.New("panic in a promise callback")}
			}
			select {
			case w.settled <- s:
			default:
			}
		}()
		if len(args) > 0 {
			s.value = args[0]
		}
		if rejected {
			s = settlement{err: errorFromJS(s.value)}
		}
		return nil
	}
}

// start attaches the waiter to p; the settlement arrives on w.settled.
func (w *promiseWaiter) start(p safejs.Value) error {
	_, err := p.Call("then", w.onFulfilled, w.onRejected)
	return err
}

// wait waits for p to settle. Callers use it only for promises that are
// sure to settle, such as a read on a body whose fetch can be aborted.
func (w *promiseWaiter) wait(p safejs.Value) (safejs.Value, error) {
	if err := w.start(p); err != nil {
		return safejs.Undefined(), err
	}
	s := <-w.settled
	return s.value, s.err
}

// release frees the callbacks; no promise may be pending on them.
func (w *promiseWaiter) release() {
	w.onFulfilled.Release()
	w.onRejected.Release()
}

// await waits for p to settle or ctx to be done. If ctx wins, the
// callbacks are released only once p settles, since JavaScript would still
// call them.
func await(ctx context.Context, p safejs.Value) (safejs.Value, error) {
	w, err := newPromiseWaiter()
	if err != nil {
		return safejs.Undefined(), err
	}
	if err := w.start(p); err != nil {
		w.release()
		return safejs.Undefined(), err
	}
	select {
	case s := <-w.settled:
		w.release()
		return s.value, s.err
	case <-ctx.Done():
		go func() {
			<-w.settled
			w.release()
		}()
		return safejs.Undefined(), ctx.Err()
	}
}

// errorFromJS turns a thrown or rejected JavaScript value into an error
// that reads like the browser's console: "TypeError: Failed to fetch".
func errorFromJS(v safejs.Value) error {
	if v.Type() == safejs.TypeObject {
		name, _ := stringProp(v, "name")
		if msg, ok := stringProp(v, "message"); ok {
			if name != "" {
				msg = name + ": " + msg
			}
			return errors.New(msg)
		}
	}
	s, err := jsString(v)
	if err != nil {
		return errors.New("JavaScript error")
	}
	return errors.New(s)
}

// stringProp returns v[name] when it is a string.
func stringProp(v safejs.Value, name string) (string, bool) {
	p, err := v.Get(name)
	if err != nil || p.Type() != safejs.TypeString {
		return "", false
	}
	s, err := p.String()
	return s, err == nil
}

// jsString converts any JavaScript value to a string, as String(v) does.
func jsString(v safejs.Value) (string, error) {
	if v.Type() == safejs.TypeString {
		return v.String()
	}
	s, err := safejs.Global().Call("String", v)
	if err != nil {
		return "", err
	}
	return s.String()
}
