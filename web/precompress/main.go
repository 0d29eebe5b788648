// Command precompress writes a brotli (.br) and a gzip (.gz) copy next to
// each file named on the command line (directories are walked), for the
// server to send to clients that accept them. A copy that would not be
// smaller than the original is not written, and a stale one is removed.
//
//	go run ./web/precompress web/dist/eventsource.wasm web/dist/demo.wasm
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/eventsource-wasm/eventsource-wasm/web/compress"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: precompress file-or-directory...")
		os.Exit(2)
	}
	for _, arg := range os.Args[1:] {
		if err := walk(arg); err != nil {
			fmt.Fprintln(os.Stderr, "precompress:", err)
			os.Exit(1)
		}
	}
}

// walk precompresses root, or every regular file under it.
func walk(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() || strings.HasSuffix(p, ".br") || strings.HasSuffix(p, ".gz") {
			return nil
		}
		return precompress(p)
	})
}

// compressor writes src's compressed form to w.
type compressor func(w io.Writer, src []byte) error

func precompress(name string) error {
	src, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	for _, c := range []struct {
		suffix string
		fn     compressor
	}{{".br", compress.Brotli}, {".gz", compress.Gzip}} {
		var buf bytes.Buffer
		if err := c.fn(&buf, src); err != nil {
			return fmt.Errorf("%s%s: %w", name, c.suffix, err)
		}
		out := name + c.suffix
		if buf.Len() >= len(src) {
			if err := os.Remove(out); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			fmt.Printf("%s: %s not smaller, skipped\n", out, c.suffix)
			continue
		}
		if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
			return err
		}
		fmt.Printf("%s: %d -> %d bytes (%.1f%%)\n", out, len(src), buf.Len(), 100*float64(buf.Len())/float64(len(src)))
	}
	return nil
}
