//go:build js && wasm

package jsval

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"syscall/js"
	"testing"
	"time"
)

// jsFunc makes a JavaScript function from its parameters and body.
func jsFunc(params, body string) Value {
	return Of(js.Global().Get("Function").New(params, body))
}

func TestTypeErrorsAreErrors(t *testing.T) {
	var ve *js.ValueError
	if _, err := Undefined().Get("x"); !errors.As(err, &ve) || ve.Method != "Value.Get" {
		t.Errorf("Get on undefined: %v, want a *js.ValueError", err)
	}
	if _, err := Of(js.ValueOf("s")).Int(); !errors.As(err, &ve) {
		t.Errorf("Int of a string: %v, want a *js.ValueError", err)
	}
	if s, err := Of(js.ValueOf(1)).String(); !errors.As(err, &ve) || s != "" {
		t.Errorf("String of a number: %q, %v; want a *js.ValueError", s, err)
	}
	if _, err := Global().Call("noSuchFunction"); err == nil || !strings.Contains(err.Error(), "not a function") {
		t.Errorf("calling a missing method: %v", err)
	}
	if _, err := CopyBytesToGo(make([]byte, 1), Of(js.ValueOf("s"))); err == nil {
		t.Error("CopyBytesToGo from a string: no error")
	}
	if _, err := Global().Call("String", struct{}{}); err == nil {
		t.Error("an argument of an unknown type: no error")
	}
}

func TestExceptionsAreErrors(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"TypeError", `throw new TypeError("boom")`, "TypeError: boom"},
		{"Error without message", `throw new Error()`, "Error"},
		{"string", `throw "boom"`, "boom"},
		{"number", `throw 42`, "42"},
		{"null", `throw null`, "null"},
		{"toString throws itself", `const o = {toString() { throw o; }}; throw o`, "JavaScript exception"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := jsFunc("", tc.body).Invoke()
			var e *Error
			if !errors.As(err, &e) || err.Error() != tc.want {
				t.Fatalf("got %v (%T), want an *Error %q", err, err, tc.want)
			}
		})
	}
	// A constructor that throws, and the thrown value kept.
	ctor := jsFunc("", `throw new RangeError("no")`)
	_, err := ctor.New()
	var e *Error
	if !errors.As(err, &e) || e.Value.Get("name").String() != "RangeError" {
		t.Fatalf("New: %v", err)
	}
}

func TestArgumentsConvertNestedValues(t *testing.T) {
	inner := Of(js.ValueOf("inner"))
	f := FuncOf(func(Value, []Value) any { return "called" }, nil)
	defer f.Release()
	got, err := jsFunc("o", `return o.v + "," + o.list[0] + "," + o.f() + "," + o.list.length`).
		Invoke(map[string]any{"v": inner, "f": f, "list": []any{inner, 1}})
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := got.String(); s != "inner,inner,called,2" {
		t.Errorf("got %q", s)
	}
	obj, _ := Global().Get("Object")
	o, _ := obj.New()
	if err := o.Set("x", inner); err != nil {
		t.Fatal(err)
	}
	if x, _ := o.Get("x"); x.JS().String() != "inner" {
		t.Errorf("Set: got %v", x.JS())
	}
}

func TestFuncOfRecoversPanics(t *testing.T) {
	var got error
	f := FuncOf(func(_ Value, args []Value) any {
		if len(args) > 0 {
			panic("bad input")
		}
		return 7
	}, func(err error) any {
		got = err
		return "recovered"
	})
	defer f.Release()
	call := jsFunc("f", `return [f(), f(1)]`)
	res, err := call.Invoke(f)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := res.JS().Index(0), res.JS().Index(1); a.Int() != 7 || b.String() != "recovered" {
		t.Errorf("results %v, %v; want 7, recovered", a, b)
	}
	if n := f.JS().Invoke().Int(); n != 7 {
		t.Errorf("through JS(): %d, want 7", n)
	}
	if got == nil || got.Error() != "jsval: panic in a callback: bad input" {
		t.Errorf("recovered got %v", got)
	}

	quiet := FuncOf(func(Value, []Value) any { panic(errors.New("x")) }, nil)
	defer quiet.Release()
	if res, err := call.Invoke(quiet); err != nil || !res.JS().Index(0).IsUndefined() {
		t.Errorf("with nil recovered: %v, %v; want undefined", res.JS(), err)
	}
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestAwait(t *testing.T) {
	ctx := testContext(t)
	v, err := Await(ctx, Of(js.Global().Get("Promise").Call("resolve", 5)))
	if n, _ := v.Int(); err != nil || n != 5 {
		t.Errorf("resolved: %v, %v", v.JS(), err)
	}
	p, _ := jsFunc("", `return Promise.reject(new TypeError("Failed to fetch"))`).Invoke()
	_, err = Await(ctx, p)
	var e *Error
	if !errors.As(err, &e) || err.Error() != "TypeError: Failed to fetch" {
		t.Errorf("rejected: %v", err)
	}
	if _, err := Await(ctx, Of(js.ValueOf(1))); err == nil {
		t.Error("awaiting a number: no error")
	}

	never := Of(js.Global().Get("Promise").New(js.Global().Get("Function").New("resolve", "")))
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := Await(short, never); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("never settles: %v, want the context's error", err)
	}
}

// A promise that never settles leaves nothing behind once Await gave up:
// no goroutine waits for it (nor, with it, for the release of the
// callbacks).
func TestAwaitLeavesNothingBehind(t *testing.T) {
	ctx := testContext(t)
	never := Of(js.Global().Get("Promise").New(js.Global().Get("Function").New("resolve", "")))
	before := runtime.NumGoroutine()
	for range 20 {
		short, cancel := context.WithTimeout(ctx, time.Millisecond)
		if _, err := Await(short, never); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("never settles: %v", err)
		}
		cancel()
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("%d goroutines before, %d after 20 abandoned promises", before, after)
	}
}

func TestWaiterReused(t *testing.T) {
	w := NewWaiter()
	defer w.Release()
	delayed := jsFunc("v", `return new Promise((resolve) => setTimeout(() => resolve(v), 1))`)
	for i := range 5 {
		p, err := delayed.Invoke(i)
		if err != nil {
			t.Fatal(err)
		}
		v, err := w.Wait(p)
		if n, _ := v.Int(); err != nil || n != i {
			t.Fatalf("promise %d: %v, %v", i, v.JS(), err)
		}
	}
}
