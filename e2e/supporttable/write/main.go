// Command write renders the browser support table from the conformance
// reports TestConformance saved (E2E_CONFORMANCE_OUT): the summary into the
// README's marked block, the case-by-case page into its own file.
//
//	go run ./e2e/supporttable/write -in DIR -readme README.md -detail docs/browser-support.md
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/eventsource-wasm/eventsource-wasm/e2e/supporttable"
)

func main() {
	in := flag.String("in", "", "directory of <engine>.json conformance reports")
	readme := flag.String("readme", "README.md", "README whose marked block gets the summary")
	detail := flag.String("detail", "docs/browser-support.md", "file for the case-by-case page (linked from the README)")
	flag.Parse()
	if err := run(*in, *readme, *detail); err != nil {
		fmt.Fprintln(os.Stderr, "supporttable:", err)
		os.Exit(1)
	}
}

func run(in, readme, detail string) error {
	files, err := filepath.Glob(filepath.Join(in, "*.json"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no reports in %q: run TestConformance with E2E_CONFORMANCE_OUT=%s", in, in)
	}
	var reports []supporttable.Report
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var r supporttable.Report
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		reports = append(reports, r)
	}
	doc, err := os.ReadFile(readme)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(filepath.Dir(readme), detail)
	if err != nil {
		return err
	}
	updated, err := supporttable.ReplaceBlock(string(doc), supporttable.Summary(reports, filepath.ToSlash(rel)))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(detail), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(detail, []byte(supporttable.Detail(reports)), 0o644); err != nil {
		return err
	}
	return os.WriteFile(readme, []byte(updated), 0o644)
}
