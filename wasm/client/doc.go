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
//     reconnection time, 3 seconds unless the server sent a retry field;
//   - a URL whose scheme cannot stream (ftp:, mailto:, javascript:,
//     about:, file:…) fails the connection at once; data: and blob: URLs
//     are read like any stream;
//   - redirects are followed, and once a redirected response opened a
//     stream, reconnections go to the redirect's target, as in Chromium;
//   - the Last-Event-ID header carries the id's UTF-8 bytes, whatever its
//     characters (fetch itself would refuse any above U+00FF);
//   - a cross-origin request that the server does not allow (CORS) fails
//     the connection, while a network error reconnects;
//   - a cross-origin server that refuses the Last-Event-ID header, which
//     native sends without a CORS preflight and fetch cannot, gets the id
//     in the lastEventId query parameter instead, at once and from then on
//     (see [Options.LastEventIDQuery]).
//
// fetch reports a CORS refusal and a network error with the same
// TypeError. To tell them apart, after a cross-origin request failed that
// way (and only then) the client sends one extra request: a HEAD to the
// same URL in no-cors mode, without credentials, which needs no permission
// from the server. If the server answers it, the failure was the server's
// refusal, or a request lost on the way: the client tries the request once
// more at once, and if that fails the same way, the connection fails with
// the message "CORS: the server did not allow this origin". If not, it was
// a network error, and the client reconnects. Without a page origin (location), as under Node, there is no
// CORS, and every such failure is a network error.
//
// A request that fetch refuses to make — a header value with a line break,
// a header function that returns values fetch cannot encode, a body on a
// GET — fails the connection with a message that says why, rather than
// being retried forever.
//
// On top of that, [Options] offers what native EventSource cannot do:
// request headers (static or refreshed before every connection, so an
// expired token is replaced while Last-Event-ID is kept), other methods and
// a request body, a starting last event ID, exponential backoff with full
// jitter, a retry limit, retrying on chosen statuses such as 429 and 503
// with Retry-After honoured (never less than a second), a liveness window
// (set, or learned from the server's heartbeats) and an event size limit.
// Before each reconnect the handler hears why and when ([Retry]). A
// [Control] reconnects at will and applies the page lifecycle: back online,
// the back/forward cache, a frozen or hidden page coming back.
//
// [Connect] returns a [Conn] whose [Conn.Events] iterates the events;
// cancelling the context (or [Conn.Close]) aborts the request, and no
// request or event follows. [RunBytes] is the form for bridges: it reports
// opens and errors to a [ByteHandler] and hands it each event's bytes
// undecoded, so no Go string is made per event. The eventsource.wasm module
// behind the JavaScript WasmEventSource class is built on it, with a
// [BodyPump]: JavaScript reads each response body and pushes it into the
// client, rather than the connection's goroutine reading it.
//
// The reconnection logic is independent of the transport, so it is tested
// natively; only the fetch transport requires js/wasm. On other platforms
// Connect and RunBytes return an error.
package client
