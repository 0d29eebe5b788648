// Command eventsource is the WebAssembly module behind web/eventsource-wasm.js,
// built to web/dist/eventsource.wasm. It registers a private bridge,
// globalThis.__eventsourceWasm, that runs one wasm/client connection per
// WasmEventSource:
//
//	connect(id, url, cfg, callbacks) → undefined, or an error message
//	control(id, command)              → undefined, or an error message
//	close(id)
//	parse(id, bytes) → batch address, or an error message
//	unparse(id)
//
// id is a number JavaScript picks, unique per connection. callbacks is an
// object of four functions:
//
//   - open(status, url, headers) reports an accepted response (url after
//     redirects, headers as a plain object of lower-case names);
//   - batch(ptr) delivers the events of one network chunk in one call:
//     ptr is the address in wasm memory of a table of offsets (see
//     batch.go), from which JavaScript decodes the fields during the call,
//     so the boundary is crossed once per chunk and no event's bytes are
//     copied again between the chunk's copy into wasm memory and their
//     decode;
//   - error(readyState, status, statusText, message) reports an error, with
//     readyState 0 when the client reconnects and 2 when it failed for good;
//   - retrying(attempt, delayMs, cause, message) precedes each reconnect
//     (see client.Retry).
//
// control passes the page lifecycle and reconnect() to the connection's
// client.Control: command is "reconnect", "offline", "online", "resume",
// "visible", "suspend" or "restore".
//
// parse feeds a Uint8Array to the sse.Parser of EventStreamParser id (made
// on first use) and returns the address of the batch of the events it
// completed, in batch's format (0 for none); unparse forgets the parser.
//
// The module stays lean, within its size budget (see size_test.go): it
// imports neither net/http nor fmt, reflect or os; package jsval is its
// JavaScript boundary.
package main
