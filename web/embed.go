// Package web holds the browser-facing files that the server embeds: the
// demo page, its stylesheet, the ES module that exposes the WebAssembly
// EventSource client, and the build outputs under dist/ (the .wasm modules,
// their precompressed copies and the toolchain's wasm_exec.js).
package web

import "embed"

// FS holds the static files. dist/ is filled by `make wasm`; a binary built
// without it serves the pages but not the modules.
//
//go:embed *.html *.css *.js *.d.ts all:dist
var FS embed.FS
