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
// parser makes the sse.Parser of EventStreamParser key (a number from the
// same counter as connection ids) and returns the address of its input:
// a 64 KiB buffer in wasm memory. JavaScript copies the stream into it a
// piece at a time and calls the module's one export per piece,
//
//	eventsourceFeed(key, n) → the batch's address, 0 for no event, 1 refused
//
// which parses the piece's n bytes and returns the address of the batch of
// the events it completed, in batch's format. After a refusal (an event
// over the size limit), parserError says why; unparse forgets the parser.
// See input.go for why this is an export and not a syscall/js function.
//
// The module stays lean, within its size budget (see size_test.go): it
// imports neither net/http nor fmt, reflect or os; package jsval is its
// JavaScript boundary.
package main
