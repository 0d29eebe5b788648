// Command eventsource is the WebAssembly module behind web/eventsource-wasm.js,
// built to web/dist/eventsource.wasm. It registers a private bridge,
// globalThis.__eventsourceWasm, that runs one wasm/client connection per
// WasmEventSource:
//
//	connect(id, url, cfg, callbacks) → undefined, or an error message
//	control(id, command)              → undefined, or an error message
//	close(id)
//	parser(key)      → the address of the parser's input buffer
//	parserError(key) → why the parser refused its input
//	unparse(key)
//	wake()
//
// Bytes go in through inputs: a 64 KiB buffer in wasm memory per input,
// whose address JavaScript gets once. JavaScript copies a stream into it a
// piece at a time and calls the module's one export per piece,
//
//	eventsourceFeed(key, n) → a batch's address, or flags
//
// which passes the piece's n bytes to input key and returns the address of
// the batch of the events they completed, a table of offsets (see
// batch.go) from which JavaScript decodes the fields at once: the boundary
// is crossed once per piece, and no event's bytes are copied again between
// the piece's copy into wasm memory and their decode. The flags, in the
// batch's header or returned alone when there is no event (an address is
// a multiple of 4), are 1, stop (the input takes no more), and 2, wake:
// the piece started a timer inside the export, which Go's scheduler does
// not see until Go is resumed, so JavaScript calls wake(), which does
// nothing but resume it. See input.go for why this is an export and not a
// syscall/js function.
//
// id is a number JavaScript picks, unique per connection. callbacks is an
// object of four functions:
//
//   - open(status, url, headers) reports an accepted response (url after
//     redirects, headers as a plain object of lower-case names);
//   - pump(reader, at) reads a response body: reader is its
//     ReadableStreamDefaultReader, at the buffer of input id, which the
//     module registers for the body. pump feeds each chunk to the input
//     and dispatches each batch, and returns a promise that settles when
//     the body ends, or rejects when a read fails (as when the connection
//     is closed, which aborts the request), or resolves once the input
//     said stop (after the batch that came with it: the events before a
//     too large one are dispatched before the error). The connection's
//     goroutine waits for that promise, once per body;
//   - error(readyState, status, statusText, message) reports an error, with
//     readyState 0 when the client reconnects and 2 when it failed for good;
//   - retrying(attempt, delayMs, cause, message) precedes each reconnect
//     (see client.Retry).
//
// control passes the page lifecycle and reconnect() to the connection's
// client.Control: command is "reconnect", "offline", "online", "resume",
// "visible", "suspend" or "restore".
//
// parser makes the sse.Parser of EventStreamParser key (a number from the
// same counter as connection ids, so keys and ids never collide) and
// returns the address of its input. After a stop (an event over the size
// limit), parserError says why; unparse forgets the parser.
//
// The module stays lean, within its size budget (see size_test.go): it
// imports neither net/http nor fmt, reflect or os; package jsval is its
// JavaScript boundary.
package main
