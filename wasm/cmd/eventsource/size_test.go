//go:build !js

package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

// brotliBudget is the size budget of eventsource.wasm as served: brotli at
// the settings of web/precompress, which makes the served .br copy.
const brotliBudget = 600_000

// forbidden are packages that the module must not import: net/http is not
// used in the browser, and fmt, reflect and os bring in hundreds of
// kilobytes (fmt alone brings the other two).
var forbidden = []string{"fmt", "net/http", "os", "reflect"}

// TestModuleImports guards the module's lean dependency graph, which
// keeps it small; TestModuleSize checks the size itself.
func TestModuleImports(t *testing.T) {
	out := goWasm(t, "list", "-deps", ".")
	for _, pkg := range strings.Fields(out) {
		if slices.Contains(forbidden, pkg) {
			t.Errorf("the module imports %s; see `GOOS=js GOARCH=wasm go list -deps` for the path that brings it", pkg)
		}
	}
}

// TestModuleSize builds the module as the Makefile does and checks its
// brotli size against the budget.
func TestModuleSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and compresses the module")
	}
	wasm := filepath.Join(t.TempDir(), "eventsource.wasm")
	goWasm(t, "build", "-trimpath", "-ldflags=-s -w", "-o", wasm, ".")
	f, err := os.Open(wasm)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var n counter
	bw := brotli.NewWriterOptions(&n, brotli.WriterOptions{Quality: brotli.BestCompression, LGWin: 24})
	raw, err := io.Copy(bw, f)
	if err == nil {
		err = bw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("eventsource.wasm: %d bytes, %d brotli (budget %d)", raw, n, brotliBudget)
	if n > brotliBudget {
		t.Errorf("eventsource.wasm is %d bytes brotli, over the budget of %d by %d", n, brotliBudget, n-brotliBudget)
	}
}

// goWasm runs the go command for GOOS=js GOARCH=wasm and returns its output.
func goWasm(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return string(out)
}

// counter is an io.Writer that counts the bytes written to it.
type counter int64

func (c *counter) Write(p []byte) (int, error) {
	*c += counter(len(p))
	return len(p), nil
}
