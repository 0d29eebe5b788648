//go:build js && wasm

package jsval

import (
	"errors"
	"syscall/js"
)

// Value is a JavaScript value whose operations return an error instead of
// panicking. The zero Value is undefined.
type Value struct {
	v js.Value
}

// Of wraps a syscall/js value.
func Of(v js.Value) Value { return Value{v} }

// Global returns the JavaScript global object, globalThis.
func Global() Value { return Value{js.Global()} }

// Undefined returns the JavaScript value undefined.
func Undefined() Value { return Value{} }

// JS returns the syscall/js value, for APIs that take one.
func (v Value) JS() js.Value { return v.v }

// Type returns the JavaScript type of v.
func (v Value) Type() js.Type { return v.v.Type() }

// Get returns the property name of v.
func (v Value) Get(name string) (Value, error) {
	return try(func() Value { return Value{v.v.Get(name)} })
}

// Set sets the property name of v to x, converted as [Value.Call] converts
// arguments.
func (v Value) Set(name string, x any) error {
	x = toJS(x)
	_, err := try(func() struct{} { v.v.Set(name, x); return struct{}{} })
	return err
}

// Index returns v[i].
func (v Value) Index(i int) (Value, error) {
	return try(func() Value { return Value{v.v.Index(i)} })
}

// Length returns v.length.
func (v Value) Length() (int, error) {
	return try(v.v.Length)
}

// Call calls the method m of v. Arguments are converted as [js.ValueOf]
// converts them, and may also be, or hold in a map[string]any or []any,
// a Value or a [Func].
func (v Value) Call(m string, args ...any) (Value, error) {
	args = jsArgs(args)
	return try(func() Value { return Value{v.v.Call(m, args...)} })
}

// Invoke calls v as a function, with arguments as for [Value.Call].
func (v Value) Invoke(args ...any) (Value, error) {
	args = jsArgs(args)
	return try(func() Value { return Value{v.v.Invoke(args...)} })
}

// New calls v as a constructor, with arguments as for [Value.Call].
func (v Value) New(args ...any) (Value, error) {
	args = jsArgs(args)
	return try(func() Value { return Value{v.v.New(args...)} })
}

// Int returns v, a number, truncated to an int.
func (v Value) Int() (int, error) { return try(v.v.Int) }

// Float returns v, a number.
func (v Value) Float() (float64, error) { return try(v.v.Float) }

// Bool returns v, a boolean.
func (v Value) Bool() (bool, error) { return try(v.v.Bool) }

// String returns v, a string. Unlike [js.Value.String], which describes
// values of other types as "<number: 1>" and the like, it returns an error
// for them.
func (v Value) String() (string, error) {
	if t := v.v.Type(); t != js.TypeString {
		return "", &js.ValueError{Method: "Value.String", Type: t}
	}
	return v.v.String(), nil
}

// CopyBytesToGo copies bytes from src, a Uint8Array, to dst and returns
// how many it copied: the lesser of their lengths.
func CopyBytesToGo(dst []byte, src Value) (int, error) {
	return try(func() int { return js.CopyBytesToGo(dst, src.v) })
}

// CopyBytesToJS copies bytes from src to dst, a Uint8Array, and returns
// how many it copied: the lesser of their lengths.
func CopyBytesToJS(dst Value, src []byte) (int, error) {
	return try(func() int { return js.CopyBytesToJS(dst.v, src) })
}

// jsArgs converts arguments for syscall/js, which knows js.Value and
// js.Func but not this package's types. It copies args, so that a slice
// the caller passed with args... is left alone.
func jsArgs(args []any) []any {
	if len(args) == 0 {
		return nil
	}
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = toJS(a)
	}
	return out
}

func toJS(x any) any {
	switch x := x.(type) {
	case Value:
		return x.v
	case Func:
		return x.f
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = toJS(e)
		}
		return s
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = toJS(e)
		}
		return m
	}
	return x
}

// try calls f, which calls syscall/js, and turns a panic into an error.
func try[T any](f func() T) (_ T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = panicError(r)
		}
	}()
	return f(), nil
}

// panicError turns a recovered panic value into an error: a JavaScript
// exception into an [*Error]; a syscall/js type error (a
// [*js.ValueError]) or another error as it is; a message, such as
// syscall/js's "property m is not a function", into an error with that
// text.
func panicError(r any) error {
	switch r := r.(type) {
	case js.Error:
		return newError(r.Value)
	case error:
		return r
	case string:
		return errors.New(r)
	}
	return errors.New("panic with a value that is neither an error nor a string")
}
