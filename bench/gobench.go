package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
	"golang.org/x/perf/benchfmt"
)

// GoBenchResult is the Go benchmark section.
type GoBenchResult struct {
	Date    time.Time          `json:"date"`
	Bench   map[string]GoBench `json:"bench"`    // by benchmark name without -GOMAXPROCS
	NodeMBs map[string]Summary `json:"node_mbs"` // eventsource-parser MB/s by corpus: "64B", "1MiB"
	Raw     string             `json:"raw"`      // go test output, benchstat-friendly
	Node    string             `json:"node_version"`
	Count   string             `json:"count"`
}

// GoBench is one benchmark's metrics over its -count runs, by unit
// ("ns/op", "MB/s", "B/op", "allocs/op", custom units).
type GoBench struct {
	Metrics map[string]Summary `json:"metrics"`
}

// parser corpora, as sse/bench_test.go builds them: n events with an id
// and size bytes of data on one line.
var corpora = []struct {
	name     string
	bench    string // the Go benchmark parsing the same bytes
	n, size  int
	fileName string
}{
	{"64B", "BenchmarkParser64B", 1 << 16, 64, "corpus-64B.txt"},
	{"1MiB", "BenchmarkParser1MiB", 8, 1 << 20, "corpus-1MiB.txt"},
}

func runGoBench(ctx context.Context, cfg *config) (*GoBenchResult, error) {
	count, benchtime := "5", "1s"
	if cfg.quick {
		count, benchtime = "1", "200ms"
	}
	res := &GoBenchResult{Date: time.Now().UTC(), Bench: map[string]GoBench{}, NodeMBs: map[string]Summary{}, Count: count}
	cfg.prog.printf("go test -bench ./sse ./bench (count %s)", count)
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", ".", "-benchmem",
		"-count", count, "-benchtime", benchtime, "./sse/", "./bench/")
	cmd.Dir = cfg.root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	res.Raw = string(out)
	if werr := os.WriteFile(filepath.Join(cfg.out, "go-bench.txt"), out, 0o644); werr != nil {
		return res, werr
	}
	if err != nil {
		return res, fmt.Errorf("go test -bench: %v\n%s%s", err, out, stderr.Bytes())
	}
	parseGoBench(string(out), res.Bench)

	cfg.prog.printf("eventsource-parser in Node on the same corpora")
	res.Node = command(ctx, "", "node", "--version")
	args := []string{filepath.Join(cfg.bench, "node", "parser-bench.mjs")}
	if cfg.quick {
		args = append(args, "--reps", "1", "--min-ms", "200")
	}
	for _, c := range corpora {
		path := filepath.Join(cfg.out, c.fileName)
		if err := writeCorpus(path, c.n, c.size); err != nil {
			return res, err
		}
		args = append(args, fmt.Sprintf("%s=%s:%d", c.name, path, c.n))
	}
	node := exec.CommandContext(ctx, "node", args...)
	node.Dir = cfg.bench
	stderr.Reset()
	node.Stderr = &stderr
	nout, err := node.Output()
	if err != nil {
		return res, fmt.Errorf("node parser-bench: %v\n%s", err, stderr.Bytes())
	}
	sc := bufio.NewScanner(bytes.NewReader(nout))
	for sc.Scan() {
		var r struct {
			Name string
			MBps []float64
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return res, fmt.Errorf("node parser-bench output %q: %w", sc.Text(), err)
		}
		res.NodeMBs[r.Name] = summarize(r.MBps)
	}
	return res, nil
}

// writeCorpus writes the stream sse/bench_test.go's benchStream builds: n
// events, each with its index as id and size bytes of "x" as data.
func writeCorpus(path string, n, size int) error {
	var buf bytes.Buffer
	enc := sse.NewEncoder(&buf)
	data := strings.Repeat("x", size)
	for i := range n {
		if err := enc.Encode(sse.Event{ID: strconv.Itoa(i), Data: data}); err != nil {
			return err
		}
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// parseGoBench reads `go test -bench` output into by, with the parser
// benchstat uses: benchmarks by name without -GOMAXPROCS, metrics by the
// unit go test printed.
func parseGoBench(out string, by map[string]GoBench) {
	values := map[string]map[string][]float64{}
	r := benchfmt.NewReader(strings.NewReader(out), "go test -bench")
	for r.Scan() {
		res, ok := r.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		name := "Benchmark" + string(res.Name.Base()) // benchfmt drops the prefix
		if values[name] == nil {
			values[name] = map[string][]float64{}
		}
		for _, v := range res.Values {
			if v.OrigUnit != "" { // benchfmt tidied it ("ns/op" to "sec/op")
				v.Unit, v.Value = v.OrigUnit, v.OrigValue
			}
			values[name][v.Unit] = append(values[name][v.Unit], v.Value)
		}
	}
	for name, units := range values {
		gb := GoBench{Metrics: map[string]Summary{}}
		for u, vs := range units {
			gb.Metrics[u] = summarize(vs)
		}
		by[name] = gb
	}
}
