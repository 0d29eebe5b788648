//go:build !js

package endpoint

import (
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// This test runs the go command, so it runs natively only (not under
// Node, where ./wasm/... is also tested).

// TestGoSnippetCompiles puts the Go snippet in a function and vets it for
// GOOS=js against the real package client.
func TestGoSnippetCompiles(t *testing.T) {
	s := full()
	src := s.Go()
	if strings.Contains(src, "s3cret") || !strings.Contains(src, `os.Getenv("AUTHORIZATION")`) || !strings.Contains(src, "MaxRetries:       -1") {
		t.Errorf("the Go snippet:\n%s", src)
	}
	imp, body, _ := strings.Cut(src, "\n\n")
	for _, setup := range []Setup{s, {URL: "http://x/"}, {URL: "http://x/", Headers: []Header{{Name: "A", Value: "1"}}, LastEventID: "2"}} {
		_, b, _ := strings.Cut(setup.Go(), "\n\n")
		if formatted, err := format.Source([]byte(b)); err != nil || string(formatted) != b {
			t.Errorf("the Go snippet is not gofmt'ed (%v):\n%s\ngofmt:\n%s", err, b, formatted)
		}
	}
	prog := "package main\n\n" + imp + "\n\nimport (\n\t\"context\"\n\t\"fmt\"\n\t\"os\"\n\t\"time\"\n)\n\n" +
		"func run(ctx context.Context) error {\n" + body + "\treturn nil\n}\n\nvar _ = time.Second\nvar _ = os.Getenv\n\nfunc main() { _ = run(context.Background()); fmt.Println() }\n"
	dir, err := os.MkdirTemp(".", "gosnippet-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "vet", "./"+dir)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("the Go snippet does not compile against package client: %v\n%s\n%s", err, out, prog)
	}
}
