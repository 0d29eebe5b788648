//go:build !js

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/eventsource-wasm/eventsource-wasm/web/compress"
)

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
// brotli size against the budget. The compression runs in a separate
// process, as `make wasm` runs it: under -race, brotli's level 11 on the
// module takes about a minute, and the race detector has nothing to find in it.
func TestModuleSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and compresses the module")
	}
	wasm := filepath.Join(t.TempDir(), "eventsource.wasm")
	goWasm(t, "build", "-trimpath", "-ldflags=-s -w", "-o", wasm, ".")
	raw, err := os.Stat(wasm)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("go", "run", "github.com/eventsource-wasm/eventsource-wasm/web/precompress", wasm).CombinedOutput(); err != nil {
		t.Fatalf("precompress: %v\n%s", err, out)
	}
	br, err := os.Stat(wasm + ".br")
	if err != nil {
		t.Fatal(err)
	}
	n := br.Size()
	t.Logf("eventsource.wasm: %d bytes, %d brotli (budget %d)", raw.Size(), n, compress.ModuleBudget)
	if n > compress.ModuleBudget {
		t.Errorf("eventsource.wasm is %d bytes brotli, over the budget of %d by %d", n, compress.ModuleBudget, n-compress.ModuleBudget)
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
