// Package endpoint is the model of the demo's "Try your endpoint" view: a
// [Setup] (URL, headers, credentials, method and body, resume and retry
// options) with its checks, the init dictionary it gives WasmEventSource
// and native EventSource, the same setup as JavaScript and Go source with
// secret values replaced by placeholders, a share link that carries no
// header value unless asked, and failures explained in words.
//
// It is plain Go, free of syscall/js, so that it is tested natively; the
// demo (package main) wires it to the page.
package endpoint
