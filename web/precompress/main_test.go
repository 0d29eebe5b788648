package main

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

func TestPrecompress(t *testing.T) {
	dir := t.TempDir()
	text := []byte(strings.Repeat("the same words again and again ", 2000))
	noise := make([]byte, 4096)
	rand.Read(noise)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	textPath := write("module.js", text)
	noisePath := write("noise.bin", noise)
	write("noise.bin.gz", []byte("stale")) // a stale copy is removed
	if err := walk(dir); err != nil {
		t.Fatal(err)
	}
	for suffix, open := range map[string]func(io.Reader) (io.Reader, error){
		".br": func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil },
		".gz": func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) },
	} {
		c, err := os.ReadFile(textPath + suffix)
		if err != nil {
			t.Fatalf("%s: %v", suffix, err)
		}
		if len(c) >= len(text) {
			t.Errorf("%s: %d bytes, not smaller than %d", suffix, len(c), len(text))
		}
		r, err := open(bytes.NewReader(c))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, text) {
			t.Fatalf("%s does not decompress to the original (%v)", suffix, err)
		}
		if _, err := os.Stat(noisePath + suffix); !os.IsNotExist(err) {
			t.Errorf("%s of incompressible data exists (%v)", suffix, err)
		}
	}
	// Running again does not compress the copies themselves.
	if err := walk(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(textPath + ".br.gz"); !os.IsNotExist(err) {
		t.Error("a compressed copy was compressed again")
	}
}
