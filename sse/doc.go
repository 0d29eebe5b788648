// Package sse implements the server-sent events wire format
// (text/event-stream) as the WHATWG HTML standard defines it: a streaming
// [Parser] that turns bytes into [Event]s exactly as a browser's EventSource
// does, and an [Encoder] that writes events a browser parses back unchanged.
//
// The package is pure Go with no transport: servers write with an Encoder,
// clients (native or WebAssembly) feed network chunks to a Parser. A Parser
// gives the same events whatever the chunking of its input, so a chunk
// boundary inside a CRLF pair or a UTF-8 sequence changes nothing.
package sse
