package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// wasmModule is what the size report needs from a WebAssembly binary: the
// size of every section and of every function body, with the function's
// name when the module has a name section (Go writes one unless linked
// with -s).
type wasmModule struct {
	sections []wasmSection
	bodies   [][]byte          // body of each defined function, in order
	imported int               // imported functions, which come first in the index space
	names    map[uint32]string // function index -> name
}

type wasmSection struct {
	id   byte
	name string // custom sections only
	size int    // whole section: id, size field and payload
}

var errWasm = errors.New("not a well-formed wasm module")

// parseWasm reads the section table, the import and code sections and the
// function names.
func parseWasm(b []byte) (*wasmModule, error) {
	if len(b) < 8 || string(b[:4]) != "\x00asm" {
		return nil, errWasm
	}
	m := &wasmModule{names: map[uint32]string{}}
	r := &wasmReader{b: b, off: 8}
	for r.off < len(b) {
		start := r.off
		id := r.byte()
		size := int(r.u32())
		if r.err != nil || r.off+size > len(b) {
			return nil, fmt.Errorf("%w: section at %d", errWasm, start)
		}
		payload := &wasmReader{b: b[r.off : r.off+size]}
		r.off += size
		sec := wasmSection{id: id, size: r.off - start}
		switch id {
		case 0:
			sec.name = payload.name()
			if sec.name == "name" {
				m.readNames(payload)
			}
		case 2:
			m.imported = countFuncImports(payload)
		case 10:
			n := int(payload.u32())
			for i := 0; i < n && payload.err == nil; i++ {
				sz := int(payload.u32())
				if payload.err != nil || payload.off+sz > len(payload.b) {
					payload.fail()
					break
				}
				m.bodies = append(m.bodies, payload.b[payload.off:payload.off+sz])
				payload.off += sz
			}
		}
		if payload.err != nil {
			return nil, fmt.Errorf("%w: section %d: %v", errWasm, id, payload.err)
		}
		m.sections = append(m.sections, sec)
	}
	return m, nil
}

// countFuncImports counts the function imports of an import section.
func countFuncImports(r *wasmReader) int {
	n := int(r.u32())
	funcs := 0
	for i := 0; i < n && r.err == nil; i++ {
		r.name() // module
		r.name() // field
		switch kind := r.byte(); kind {
		case 0: // function: type index
			r.u32()
			funcs++
		case 1: // table: reftype, limits
			r.byte()
			r.limits()
		case 2: // memory: limits
			r.limits()
		case 3: // global: valtype, mutability
			r.byte()
			r.byte()
		default:
			r.err = fmt.Errorf("import kind %d", kind)
		}
	}
	return funcs
}

// readNames reads the function-name subsection of the name section.
func (m *wasmModule) readNames(r *wasmReader) {
	for r.off < len(r.b) && r.err == nil {
		id := r.byte()
		size := int(r.u32())
		end := r.off + size
		if id == 1 {
			n := int(r.u32())
			for i := 0; i < n && r.err == nil; i++ {
				idx := r.u32()
				m.names[idx] = r.name()
			}
		}
		r.off = end
	}
}

// sectionNames are the standard section ids' names.
var sectionNames = map[byte]string{
	1: "type", 2: "import", 3: "function", 4: "table", 5: "memory", 6: "global",
	7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "data count",
}

func (s wasmSection) label() string {
	if s.id == 0 {
		return "custom " + s.name
	}
	if n, ok := sectionNames[s.id]; ok {
		return n
	}
	return fmt.Sprintf("section %d", s.id)
}

// wasmPackages reads the Go package back out of the symbol names of a
// wasm name section, which spells them with every byte other than letters,
// digits, '_' and '.' replaced by '_' ("github.com_x_y.__T_.M" for
// "github.com/x/y.(*T).M"): a symbol belongs to the longest package whose
// spelled path it starts with.
type wasmPackages []spelledPackage

type spelledPackage struct{ prefix, path string }

// newWasmPackages knows pkgs, the import paths linked into the module
// (`go list -deps`), and main.
func newWasmPackages(pkgs []string) wasmPackages {
	var w wasmPackages
	for _, p := range pkgs {
		w = append(w, spelledPackage{wasmSymbol(p) + ".", p})
	}
	w = append(w, spelledPackage{"main.", "main (wasm/cmd/eventsource)"})
	slices.SortFunc(w, func(a, b spelledPackage) int { return len(b.prefix) - len(a.prefix) })
	return w
}

// split returns the package of sym and the rest of its name.
func (w wasmPackages) split(sym string) (pkg, rest string, ok bool) {
	for _, k := range w {
		if r, found := strings.CutPrefix(sym, k.prefix); found {
			return k.path, r, true
		}
	}
	return "", sym, false
}

var wasmReceiver = regexp.MustCompile(`^__(\w+?)_\.`)

// demangle turns a name-section symbol back into Go's spelling, as far as
// it can: "github.com_x_y.__T_.M" becomes "github.com/x/y.(*T).M".
func (w wasmPackages) demangle(sym string) string {
	pkg, rest, ok := w.split(sym)
	if !ok {
		return sym
	}
	if strings.HasPrefix(pkg, "main ") {
		pkg = "main"
	}
	return pkg + "." + wasmReceiver.ReplaceAllString(rest, "(*$1).")
}

// codeByPackage groups the function bodies by Go package.
func (m *wasmModule) codeByPackage(w wasmPackages) map[string][][]byte {
	out := map[string][][]byte{}
	for i, body := range m.bodies {
		name := m.names[uint32(m.imported+i)]
		pkg, _, ok := w.split(name)
		switch {
		case name == "":
			pkg = "(unnamed)"
		case !ok:
			pkg = "(compiler-generated: type equality, wrappers)"
		}
		out[pkg] = append(out[pkg], body)
	}
	return out
}

// wasmSymbol spells s as the Go linker's wasm name section does.
func wasmSymbol(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, s)
}

// wasmReader decodes the LEB128 integers and names of a wasm binary,
// keeping the first error.
type wasmReader struct {
	b   []byte
	off int
	err error
}

func (r *wasmReader) byte() byte {
	if r.err != nil || r.off >= len(r.b) {
		r.fail()
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

func (r *wasmReader) u32() uint32 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 || v > 1<<32-1 {
		r.fail()
		return 0
	}
	r.off += n
	return uint32(v)
}

func (r *wasmReader) name() string {
	n := int(r.u32())
	if r.err != nil || r.off+n > len(r.b) {
		r.fail()
		return ""
	}
	s := string(r.b[r.off : r.off+n])
	r.off += n
	return s
}

func (r *wasmReader) limits() {
	if flags := r.byte(); flags&1 != 0 {
		r.u32()
	}
	r.u32()
}

func (r *wasmReader) fail() {
	if r.err == nil {
		r.err = fmt.Errorf("truncated at byte %d", r.off)
	}
}
