// Package jsval is the JavaScript boundary of the eventsource.wasm module:
// a small layer over syscall/js whose operations return errors where
// syscall/js panics.
//
// syscall/js panics when JavaScript throws (fetch with a bad init, a header
// function that throws) and when a value has the wrong type (reading a
// property of undefined). In a callback from JavaScript such a panic ends
// the Go program, and every connection of the page with it. A [Value]
// offers only operations that cannot panic: a thrown value comes back as an
// [*Error], a type mismatch as syscall/js's own [*js.ValueError].
//
// Besides values, the package has what the module needs around them:
// [FuncOf] makes callbacks whose panics are recovered, and [Await] and
// [Waiter] wait for promises from a goroutine.
//
// It replaces github.com/hack-pad/safejs, which imports fmt and with it
// reflect and os: too much weight for a module with a size budget. It
// imports neither, and offers only what the module uses.
package jsval
