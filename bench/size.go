package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/web/compress"
)

// BrotliBudget is the most eventsource.wasm may weigh brotli-compressed.
const BrotliBudget = compress.ModuleBudget

// SizeResult is the module-size section.
type SizeResult struct {
	Date     time.Time     `json:"date"`
	Module   Sizes         `json:"module"`   // eventsource.wasm as `make wasm` builds it
	Variants []Variant     `json:"variants"` // smaller programs, to show what each layer adds
	Packages []PackageSize `json:"packages"` // code per Go package in the module
	Sections []PackageSize `json:"sections"` // bytes per wasm section (of the build with names)
	Budget   int           `json:"budget"`
}

// Sizes of one file.
type Sizes struct {
	Raw    int `json:"raw"`
	Gzip   int `json:"gzip"`
	Brotli int `json:"brotli"`
}

// Variant is one build of the size ladder.
type Variant struct {
	Name  string   `json:"name"`
	What  string   `json:"what"`
	Sizes Sizes    `json:"sizes"`
	Adds  []string `json:"adds"` // packages linked in that the previous build lacks
}

// PackageSize is the code of one package (or one section).
type PackageSize struct {
	Name   string `json:"name"`
	Raw    int    `json:"raw"`
	Brotli int    `json:"brotli"` // the package's function bodies compressed alone: an estimate
}

// OverBudget reports whether the module exceeds BrotliBudget.
func (s *SizeResult) OverBudget() bool { return s.Module.Brotli > s.Budget }

func (s *SizeResult) budgetError() error {
	return fmt.Errorf("SIZE BUDGET EXCEEDED: eventsource.wasm is %s brotli, the budget is %s (%+.1f%%)",
		kb(s.Module.Brotli), kb(s.Budget), 100*float64(s.Module.Brotli-s.Budget)/float64(s.Budget))
}

// ladder are the builds that show what each layer of the module costs: a
// Go program that does nothing, one that touches syscall/js, one that also
// runs the sse parser (bench/testdata/ladder/DIR), then the real module.
var ladder = []struct{ name, what, dir string }{
	{"empty", "Go runtime floor: `func main() {}`", "empty"},
	{"syscall/js", "+ syscall/js: reads a global and calls a JS function", "syscalljs"},
	{"sse", "+ the sse parser fed from JS", "sse"},
}

func runSize(ctx context.Context, cfg *config) (*SizeResult, error) {
	res := &SizeResult{Date: time.Now().UTC(), Budget: BrotliBudget}
	dir := filepath.Join(cfg.out, "size")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	shipped := filepath.Join(dir, "eventsource.wasm")
	cfg.prog.printf("building eventsource.wasm as `make wasm` does")
	b, err := buildWasm(ctx, cfg.root, shipped, true, "./wasm/cmd/eventsource")
	if err != nil {
		return nil, err
	}
	res.Module = measure(b)

	// The same build with its name section, for the per-package table and
	// for readable CPU profiles.
	cfg.prog.printf("building eventsource.wasm with symbol names")
	named := filepath.Join(cfg.out, "eventsource-names.wasm")
	nb, err := buildWasm(ctx, cfg.root, named, false, "./wasm/cmd/eventsource")
	if err != nil {
		return nil, err
	}
	deps, err := listDeps(ctx, cfg.root, "./wasm/cmd/eventsource")
	if err != nil {
		return nil, err
	}
	res.Packages, res.Sections, err = breakdown(nb, deps)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", named, err)
	}

	var prev []string
	for _, v := range ladder {
		cfg.prog.printf("building the %q size variant", v.name)
		pkg := "./bench/testdata/ladder/" + v.dir
		vb, err := buildWasm(ctx, cfg.root, filepath.Join(dir, v.dir+".wasm"), true, pkg)
		if err != nil {
			return nil, err
		}
		vdeps, err := listDeps(ctx, cfg.root, pkg)
		if err != nil {
			return nil, err
		}
		res.Variants = append(res.Variants, Variant{Name: v.name, What: v.what, Sizes: measure(vb), Adds: added(prev, vdeps)})
		prev = vdeps
	}
	res.Variants = append(res.Variants, Variant{Name: "eventsource.wasm", What: "the module: + the client and its JS bridge", Sizes: res.Module, Adds: added(prev, deps)})
	// Over budget is not an error of the run: the report shows it and
	// finish fails the run.
	return res, nil
}

// listDeps lists the packages pkg links for js/wasm, main excluded.
func listDeps(ctx context.Context, root, pkg string) ([]string, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-deps", "-f", "{{if ne .Name \"main\"}}{{.ImportPath}}{{end}}", pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -deps %s: %w", pkg, err)
	}
	return strings.Fields(string(out)), nil
}

// added returns the packages of now that before lacks, internal ones left
// out (they follow their importers).
func added(before, now []string) []string {
	var out []string
	for _, p := range now {
		if !slices.Contains(before, p) && !strings.HasPrefix(p, "internal/") && !strings.Contains(p, "/internal/") {
			out = append(out, p)
		}
	}
	return out
}

// buildWasm builds pkg for js/wasm with the Makefile's flags into out and
// returns the module; stripped drops the symbol names as `make wasm` does.
func buildWasm(ctx context.Context, root, out string, stripped bool, pkg string) ([]byte, error) {
	ldflags := "-ldflags=-s -w"
	if !stripped {
		ldflags = "-ldflags=-w"
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", ldflags, "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return os.ReadFile(out)
}

func relPath(root, p string) string {
	r, err := filepath.Rel(root, p)
	if err != nil {
		return p
	}
	return filepath.ToSlash(r)
}

func measure(b []byte) Sizes {
	return Sizes{Raw: len(b), Gzip: len(gzipBest(b)), Brotli: len(brotliBest(b))}
}

// brotliBest and gzipBest compress as web/precompress does for serving.
func brotliBest(b []byte) []byte {
	var buf bytes.Buffer
	compress.Brotli(&buf, b) // writes to a bytes.Buffer cannot fail
	return buf.Bytes()
}

func gzipBest(b []byte) []byte {
	var buf bytes.Buffer
	compress.Gzip(&buf, b) // writes to a bytes.Buffer cannot fail
	return buf.Bytes()
}

// breakdown attributes the code section to Go packages and lists the
// sections, largest first.
func breakdown(b []byte, deps []string) (pkgs, secs []PackageSize, err error) {
	m, err := parseWasm(b)
	if err != nil {
		return nil, nil, err
	}
	if len(m.names) == 0 {
		return nil, nil, fmt.Errorf("no name section")
	}
	for p, bodies := range m.codeByPackage(newWasmPackages(deps)) {
		raw := bytes.Join(bodies, nil)
		pkgs = append(pkgs, PackageSize{Name: p, Raw: len(raw), Brotli: len(brotliBest(raw))})
	}
	slices.SortFunc(pkgs, func(a, b PackageSize) int { return b.Raw - a.Raw })
	for _, s := range m.sections {
		secs = append(secs, PackageSize{Name: s.label(), Raw: s.size})
	}
	slices.SortFunc(secs, func(a, b PackageSize) int { return b.Raw - a.Raw })
	return pkgs, secs, nil
}

// kb formats bytes as decimal kilobytes.
func kb(n int) string { return fmt.Sprintf("%.1f KB", float64(n)/1000) }
