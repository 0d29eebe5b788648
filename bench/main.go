// Command bench runs the eventsource-wasm benchmarks and writes
// bench/RESULTS.md and the charts next to it:
//
//   - the wasm module's size, raw, gzip and brotli, what each package adds,
//     checked against the 600 KB brotli budget (exceeding it fails the run);
//   - Go benchmarks: the sse parser and encoder, side by side with the npm
//     eventsource-parser in Node on the same bytes, and broker fan-out;
//   - the client in headless Chromium: native EventSource, our
//     WasmEventSource and the JS libraries, several rounds in alternating
//     order; and with `shared: true`, a second tab's first event against the
//     first tab's cold start;
//   - the server under load against a minimal express server.
//
// Run it from the repository root after `make wasm`, `make chromium` and
// `npm ci --prefix bench`:
//
//	go run ./bench                 # everything (about 10 minutes)
//	go run ./bench -only client    # one section; the others keep their last results
//	go run ./bench -quick          # smaller workloads, one round: a smoke test
//
// Each section's results are kept in bench/out/results.json, so RESULTS.md
// always shows every section, each with the date it ran.
//
// `bench serve` and `bench loadgen` are the server and load-generator
// processes of the load test; the run starts them itself.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "serve":
			os.Exit(serveMain(os.Args[2:]))
		case "serve-nethttp":
			os.Exit(nethttpMain(os.Args[2:]))
		case "storm":
			os.Exit(stormMain(os.Args[2:]))
		case "loadgen":
			os.Exit(loadgenMain(os.Args[2:]))
		}
	}
	os.Exit(runMain(os.Args[1:]))
}

// config is what every section needs to know.
type config struct {
	root   string // repository root
	bench  string // root/bench
	out    string // root/bench/out: scratch files, profiles (gitignored)
	report string // where RESULTS.md and the charts go: bench, or out for a -match run
	rounds int
	quick  bool
	// match picks the client workloads to run by name (all when nil): for
	// measuring one change quickly. The report then has only those.
	match *regexp.Regexp
	// profile: take a CPU profile of ours on each workload that missed.
	profile bool
	// load test sizes: streams runs every round, tryStreams once.
	streams    []int
	tryStreams int
	prog       *progress
}

// sections in the order they run.
var sections = []string{"size", "go", "client", "load"}

func runMain(args []string) int {
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	only := fs.String("only", strings.Join(sections, ","), "comma-separated sections to run: "+strings.Join(sections, ", "))
	rounds := fs.Int("rounds", 3, "rounds of each client and load comparison")
	quick := fs.Bool("quick", false, "small workloads and one round: a smoke test of the harness")
	report := fs.Bool("report", false, "only rewrite RESULTS.md and the charts from bench/out/results.json")
	streams := fs.String("streams", "1000,10000", "load test: concurrent streams, every round")
	tryStreams := fs.Int("try-streams", 20000, "load test: a bigger run, once (0: none)")
	profile := fs.Bool("profile", true, "client section: profile ours on each workload that missed a target")
	match := fs.String("match", "", "client section: run only the workloads whose names match this regexp (e.g. parser, ticker, 1 KiB); the report goes to bench/out/")
	fs.Parse(args)

	root, err := repoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 2
	}
	cfg := &config{root: root, bench: filepath.Join(root, "bench"), out: filepath.Join(root, "bench", "out"), rounds: *rounds, quick: *quick, prog: newProgress()}
	for _, f := range strings.Split(*streams, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "bench: -streams: %q is not a count\n", f)
			return 2
		}
		cfg.streams = append(cfg.streams, n)
	}
	cfg.tryStreams, cfg.profile = *tryStreams, *profile
	if *match != "" {
		if cfg.match, err = regexp.Compile(*match); err != nil {
			fmt.Fprintln(os.Stderr, "bench: -match:", err)
			return 2
		}
	}
	if cfg.quick {
		cfg.rounds, cfg.streams, cfg.tryStreams = 1, []int{200, 1000}, 0
	}
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	cfg.report = cfg.bench
	resPath := filepath.Join(cfg.out, "results.json")
	if cfg.match != nil {
		// A partial run must not overwrite the full one's results.
		cfg.report, resPath = cfg.out, filepath.Join(cfg.out, "results-match.json")
		os.Remove(resPath)
	}
	res := loadResults(resPath)
	if *report {
		return finish(cfg, res, nil)
	}
	want := strings.Split(*only, ",")
	for _, w := range want {
		if !slices.Contains(sections, w) {
			fmt.Fprintf(os.Stderr, "bench: unknown section %q (have %s)\n", w, strings.Join(sections, ", "))
			return 2
		}
	}

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	start := time.Now()
	res.Machine = readMachine(ctx, cfg)
	if res.Machine.LoadAvg > 0.5 {
		fmt.Fprintf(os.Stderr, "bench: warning: load average %.2f: other work is running, figures will be noisy\n", res.Machine.LoadAvg)
	}
	var failures []error
	for _, s := range sections {
		if !slices.Contains(want, s) || ctx.Err() != nil {
			continue
		}
		t := time.Now()
		cfg.prog.section(s)
		var err error
		switch s {
		case "size":
			res.Size, err = runSize(ctx, cfg)
		case "go":
			res.Go, err = runGoBench(ctx, cfg)
		case "client":
			res.Client, err = runClient(ctx, cfg)
		case "load":
			res.Load, err = runLoad(ctx, cfg)
		}
		cfg.prog.done(fmt.Sprintf("%s done in %s", s, time.Since(t).Round(time.Second)))
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: %s: %v\n", s, err)
			failures = append(failures, fmt.Errorf("%s: %w", s, err))
		}
		if err := saveResults(resPath, res); err != nil {
			failures = append(failures, err)
		}
	}
	if err := ctx.Err(); err != nil {
		failures = append(failures, err)
	}
	fmt.Fprintf(os.Stderr, "bench: finished in %s\n", time.Since(start).Round(time.Second))
	return finish(cfg, res, failures)
}

// finish writes the report and turns failures, including a module over its
// size budget, into the exit status.
func finish(cfg *config, res *Results, failures []error) int {
	if err := writeReport(cfg, res); err != nil {
		failures = append(failures, err)
	}
	if res.Size != nil && res.Size.OverBudget() {
		failures = append(failures, res.Size.budgetError())
	}
	if len(failures) == 0 {
		fmt.Fprintln(os.Stderr, "bench: wrote", filepath.Join(cfg.report, "RESULTS.md"))
		return 0
	}
	fmt.Fprintln(os.Stderr)
	fmt.Fprintln(os.Stderr, "bench: FAILED")
	for _, err := range failures {
		fmt.Fprintln(os.Stderr, "  -", err)
	}
	return 1
}

// repoRoot finds the module root from the working directory up.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/eventsource-wasm/eventsource-wasm") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from inside the eventsource-wasm repository")
		}
		dir = parent
	}
}

func loadResults(path string) *Results {
	res := &Results{}
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, res); err != nil {
			fmt.Fprintf(os.Stderr, "bench: ignoring %s: %v\n", path, err)
			return &Results{}
		}
	}
	return res
}

func saveResults(path string, res *Results) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	return os.WriteFile(path, b, 0o644)
}
