// Package client is an EventSource client for Go programs compiled to
// WebAssembly (GOOS=js GOARCH=wasm). It speaks to servers through the
// browser's (or Node's) fetch and ReadableStream, parses the stream with
// package sse, and behaves like the browser's native EventSource as the
// WHATWG HTML standard defines it:
//
//   - every request sends "Accept: text/event-stream" and is made with the
//     "no-store" cache mode, and sends the Last-Event-ID request header when
//     the last event ID is not empty;
//   - a response whose status is not 200, or whose Content-Type is not
//     text/event-stream, fails the connection: no reconnection follows;
//   - a network error or the end of a 200 stream reconnects after the
//     reconnection time, 3 seconds unless the server sent a retry field.
//
// On top of that, [Options] offers what native EventSource cannot do:
// request headers (static or refreshed before every connection, so an
// expired token is replaced while Last-Event-ID is kept), other methods and
// a request body, a starting last event ID, exponential backoff with full
// jitter, a retry limit, retrying on chosen statuses such as 429 and 503
// with Retry-After honoured, a heartbeat timeout and an event size limit.
//
// [Connect] returns a [Conn] whose [Conn.Events] iterates the events;
// cancelling the context (or [Conn.Close]) aborts the request, and no
// request or event follows. [Run] is the lower-level form that reports
// opens, errors and per-chunk batches of events to a [Handler]; the
// eventsource.wasm module behind the JavaScript WasmEventSource class is
// built on it.
//
// The reconnection logic is independent of the transport, so it is tested
// natively; only the fetch transport requires js/wasm. On other platforms
// Connect and Run return an error.
package client
