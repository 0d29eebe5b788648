package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/eventsource-wasm/eventsource-wasm/e2e/browser"
	"github.com/eventsource-wasm/eventsource-wasm/e2e/supporttable"
)

// writeConformanceReport saves one engine's conformance results for the
// browser support table (`make browser-support`) when E2E_CONFORMANCE_OUT
// names a directory; otherwise it does nothing, so `make test` leaves the
// tree as it was.
func writeConformanceReport(t *testing.T, e browser.Engine, version string, results []caseResult) {
	t.Helper()
	dir := os.Getenv("E2E_CONFORMANCE_OUT")
	if dir == "" {
		return
	}
	rep := supporttable.Report{Engine: string(e), Version: version}
	for _, r := range results {
		rep.Cases = append(rep.Cases, supporttable.Case{
			Name: r.Name, About: r.About, Pass: r.Pass, Known: r.Known, Diff: r.Diff, Departure: r.Departure,
		})
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, string(e)+".json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
