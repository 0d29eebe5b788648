// Package compress makes the precompressed copies of the web files, at the
// settings that every size figure of the project uses: web/precompress
// writes the served .br and .gz files with it, and the module's size test
// and the benchmark measure with it.
package compress

import (
	"compress/gzip"
	"io"

	"github.com/andybalholm/brotli"
)

// ModuleBudget is the most eventsource.wasm may weigh brotli-compressed:
// 600 KB, counted in decimal kilobytes (the stricter reading).
const ModuleBudget = 600_000

// Brotli writes src to w brotli-compressed at the best quality and a
// 16 MiB window.
func Brotli(w io.Writer, src []byte) error {
	bw := brotli.NewWriterOptions(w, brotli.WriterOptions{Quality: brotli.BestCompression, LGWin: 24})
	if _, err := bw.Write(src); err != nil {
		return err
	}
	return bw.Close()
}

// Gzip writes src to w gzip-compressed at the best compression.
func Gzip(w io.Writer, src []byte) error {
	gw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := gw.Write(src); err != nil {
		return err
	}
	return gw.Close()
}
