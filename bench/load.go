package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// LoadResult is the server-under-load section.
type LoadResult struct {
	Date      time.Time `json:"date"`
	Broadcast string    `json:"broadcast"` // every 100 ms for this long
	Runs      []LoadRun `json:"runs"`
	Errors    []string  `json:"errors,omitempty"`
	// Profiles of the Go server with 10k streams, first round: its in-use
	// heap when idle, and its CPU during the broadcast.
	Heap *PprofTop `json:"heap,omitempty"`
	CPU  *PprofTop `json:"cpu,omitempty"`
	// Storms: every stream of stormStreams reopens stormReopens times at
	// once while events flow, resuming from its Last-Event-ID.
	Storms []StormRun `json:"storms,omitempty"`
}

// PprofTop is the top of a pprof profile.
type PprofTop struct {
	File    string      `json:"file"`
	Seconds float64     `json:"seconds,omitempty"` // CPU profiles: how long it sampled
	Top     []NamedSize `json:"top"`
}

// NamedSize is one line of a profile's top: bytes or CPU seconds.
type NamedSize struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

// LoadRun is one server with N streams.
type LoadRun struct {
	Server  string `json:"server"` // one of loadServers
	Streams int    `json:"streams"`
	Round   int    `json:"round"`
	Opened  int    `json:"opened"`
	// FileLimit is the server process's open-files limit: every stream is
	// a descriptor, so it caps the streams one process can hold.
	FileLimit    int     `json:"file_limit"`
	OpenErr      string  `json:"open_err,omitempty"`
	OpenMs       float64 `json:"open_ms"`
	BaseRSSMB    float64 `json:"base_rss_mb"`
	IdleRSSMB    float64 `json:"idle_rss_mb"`
	RSSPerConnKB float64 `json:"rss_per_conn_kib"`
	Published    int     `json:"published"`
	Delivered    int64   `json:"delivered"`
	Expected     int64   `json:"expected"`
	Broken       int64   `json:"broken"`
	P50Ms        float64 `json:"p50_ms"`
	P99Ms        float64 `json:"p99_ms"`
	MaxMs        float64 `json:"max_ms"`
	CPUPct       float64 `json:"cpu_pct"` // server CPU during the broadcast, % of one core
	OpenCPUPct   float64 `json:"open_cpu_pct"`
	// LoadgenCPUPct is the load generators' CPU during the broadcast: on
	// two cores, what they take the server cannot have.
	LoadgenCPUPct float64 `json:"loadgen_cpu_pct"`
	// MachineBusyPct is every core's busy time during the broadcast, in %
	// of the whole machine: near 100 means the figures are CPU-bound.
	MachineBusyPct float64 `json:"machine_busy_pct"`
}

// loadServers are the servers under load: ours, and the two baselines.
var loadServers = []string{"go", "nethttp", "express"}

// perProcess is the most streams one load generator opens: the hard limit
// of open files is 20,000 per process here.
const perProcess = 7000

func runLoad(ctx context.Context, cfg *config) (*LoadResult, error) {
	if _, err := os.Stat(filepath.Join(cfg.bench, "node_modules", "express")); err != nil {
		return nil, fmt.Errorf("express missing: run `npm ci --prefix bench` (%w)", err)
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	broadcast := 5 * time.Second
	if cfg.quick {
		broadcast = time.Second
	}
	sizes, big := cfg.streams, cfg.tryStreams
	res := &LoadResult{Date: time.Now().UTC(), Broadcast: broadcast.String()}
	type plan struct {
		server string
		n      int
		round  int
	}
	var plans []plan
	for round := range cfg.rounds {
		order := slices.Clone(loadServers)
		if round%2 == 1 {
			slices.Reverse(order)
		}
		for _, n := range sizes {
			for _, s := range order {
				plans = append(plans, plan{s, n, round})
			}
		}
	}
	if big > 0 {
		for _, s := range loadServers {
			plans = append(plans, plan{s, big, 0})
		}
	}
	for i, p := range plans {
		if ctx.Err() != nil {
			break
		}
		cfg.prog.printf("run %d/%d: %s server, %d streams", i+1, len(plans), p.server, p.n)
		profile := p.server == "go" && p.n == 10000 && p.round == 0
		run, err := loadOnce(ctx, cfg, exe, p.server, p.n, broadcast, profile, res)
		run.Round = p.round
		if err != nil {
			res.Errors = append(res.Errors, fmt.Sprintf("%s %d streams: %v", p.server, p.n, err))
		}
		res.Runs = append(res.Runs, run)
	}
	for _, kind := range loadServers {
		if ctx.Err() != nil {
			break
		}
		cfg.prog.printf("reconnect storm: %s server, %d streams × %d reopens", kind, stormStreams, stormReopens)
		res.Storms = append(res.Storms, runStorm(ctx, cfg, exe, kind))
	}
	return res, ctx.Err()
}

// serverProc is a server under test.
type serverProc struct {
	cmd   *exec.Cmd
	stdin io.Closer
	url   string
	pid   int
	done  chan error
}

func startServerProc(ctx context.Context, cfg *config, exe, kind string) (*serverProc, error) {
	var cmd *exec.Cmd
	switch kind {
	case "go":
		cmd = exec.Command(exe, "serve", "-bench", cfg.bench)
	case "nethttp":
		cmd = exec.Command(exe, "serve-nethttp")
	case "express":
		// Node keeps the soft open-files limit it is given: raise it first.
		cmd = exec.Command("bash", "-c", `ulimit -Sn "$(ulimit -Hn)" && exec node express/server.js`)
		cmd.Dir = cfg.bench
		cmd.Env = append(os.Environ(), "PORT=0", "KEEPALIVE_MS=600000")
	}
	stdin, err := cmd.StdinPipe() // `bench serve` also exits when it closes
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s server: %w", kind, err)
	}
	sp := &serverProc{cmd: cmd, stdin: stdin, pid: cmd.Process.Pid, done: make(chan error, 1)}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() { sp.done <- cmd.Wait() }()
	select {
	case sp.url = <-lines:
	case err := <-sp.done:
		return nil, fmt.Errorf("%s server exited: %v", kind, err)
	case <-time.After(20 * time.Second):
		sp.stop()
		return nil, fmt.Errorf("%s server did not print its address", kind)
	case <-ctx.Done():
		sp.stop()
		return nil, ctx.Err()
	}
	return sp, nil
}

func (sp *serverProc) stop() {
	sp.stdin.Close()
	sp.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-sp.done:
	case <-time.After(10 * time.Second):
		sp.cmd.Process.Kill()
		<-sp.done
	}
}

// loadOnce starts the server, opens n streams from load-generator
// processes, measures, broadcasts every 100 ms for d, and measures again.
func loadOnce(ctx context.Context, cfg *config, exe, kind string, n int, d time.Duration, profile bool, res *LoadResult) (LoadRun, error) {
	run := LoadRun{Server: kind, Streams: n}
	sp, err := startServerProc(ctx, cfg, exe, kind)
	if err != nil {
		return run, err
	}
	defer sp.stop()
	// The publisher's one keep-alive connection is made before the streams
	// open: a server at its open-files limit could not accept it later.
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	defer client.CloseIdleConnections()
	if err := publish(client, sp.url, "warm-up"); err != nil {
		return run, err
	}
	time.Sleep(300 * time.Millisecond)
	run.BaseRSSMB = rssMB(sp.pid)
	run.FileLimit = processFileLimit(sp.pid)

	// Load generators, each with its share of the streams.
	procs := (n + perProcess - 1) / perProcess
	type gen struct {
		cmd    *exec.Cmd
		stdin  io.WriteCloser
		out    *bufio.Scanner
		opened loadgenOpened
	}
	gens := make([]*gen, procs)
	cpu0 := cpuSeconds(sp.pid)
	t0 := time.Now()
	for i := range gens {
		share := n / procs
		if i < n%procs {
			share++
		}
		cmd := exec.CommandContext(ctx, exe, "loadgen", "-url", sp.url+"/topics/load", "-n", strconv.Itoa(share))
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return run, err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return run, err
		}
		if err := cmd.Start(); err != nil {
			return run, fmt.Errorf("start loadgen: %w", err)
		}
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 256<<20)
		gens[i] = &gen{cmd: cmd, stdin: stdin, out: sc}
	}
	defer func() {
		for _, g := range gens {
			g.stdin.Close()
			g.cmd.Wait()
		}
	}()
	for _, g := range gens {
		if !g.out.Scan() {
			return run, fmt.Errorf("loadgen ended before opening its streams: %v", g.out.Err())
		}
		if err := json.Unmarshal(g.out.Bytes(), &g.opened); err != nil {
			return run, fmt.Errorf("loadgen: %w", err)
		}
		run.Opened += g.opened.Opened
		run.OpenMs = max(run.OpenMs, g.opened.OpenMs)
		if g.opened.FirstErr != "" && run.OpenErr == "" {
			run.OpenErr = fmt.Sprintf("%d failed, first: %s", g.opened.Failed, g.opened.FirstErr)
		}
	}
	run.OpenCPUPct = 100 * (cpuSeconds(sp.pid) - cpu0) / time.Since(t0).Seconds()
	cfg.prog.printf("%s server: %d of %d streams open in %.0f ms", kind, run.Opened, n, run.OpenMs)

	time.Sleep(time.Second) // let the server settle before reading its memory
	run.IdleRSSMB = rssMB(sp.pid)
	if run.Opened > 0 {
		run.RSSPerConnKB = (run.IdleRSSMB - run.BaseRSSMB) * (1 << 10) / float64(run.Opened)
	}
	if profile {
		if res.Heap, err = serverProfile(ctx, cfg, sp.url, "heap?gc=1", "server-heap-10k.pprof"); err != nil {
			res.Errors = append(res.Errors, err.Error())
		}
	}

	// One unmeasured broadcast first (its data is no timestamp, so the
	// generators skip it), so neither server pays its first-publish costs
	// (JIT, buffers) inside the measurement.
	if err := publish(client, sp.url, "warm-up"); err != nil {
		return run, err
	}
	time.Sleep(300 * time.Millisecond)

	// Broadcast every 100 ms; the data is the publish time.
	cpu1 := cpuSeconds(sp.pid)
	busy1, total1 := machineBusy()
	gcpu1 := 0.0
	for _, g := range gens {
		gcpu1 += cpuSeconds(g.cmd.Process.Pid)
	}
	t1 := time.Now()
	var cpuProf chan *PprofTop
	if profile {
		secs := max(1, int(d.Seconds())-1)
		cpuProf = make(chan *PprofTop, 1)
		go func() {
			top, err := serverProfile(ctx, cfg, sp.url, fmt.Sprintf("profile?seconds=%d", secs), "server-cpu-10k.pprof")
			if err != nil {
				top = &PprofTop{File: err.Error()}
			}
			top.Seconds = float64(secs)
			cpuProf <- top
		}()
	}
	tick := time.NewTicker(100 * time.Millisecond)
	for end := time.Now().Add(d); time.Now().Before(end); <-tick.C {
		if err := publish(client, sp.url, strconv.FormatInt(time.Now().UnixNano(), 10)); err != nil {
			tick.Stop()
			return run, err
		}
		run.Published++
	}
	tick.Stop()
	// Wait for the last event to reach every stream (bounded).
	time.Sleep(500 * time.Millisecond)
	run.CPUPct = 100 * (cpuSeconds(sp.pid) - cpu1) / time.Since(t1).Seconds()
	gcpu := 0.0
	for _, g := range gens {
		gcpu += cpuSeconds(g.cmd.Process.Pid)
	}
	run.LoadgenCPUPct = 100 * (gcpu - gcpu1) / time.Since(t1).Seconds()
	if cpuProf != nil {
		res.CPU = <-cpuProf
	}
	if busy2, total2 := machineBusy(); total2 > total1 {
		run.MachineBusyPct = 100 * (busy2 - busy1) / (total2 - total1)
	}

	var delays []float64
	for _, g := range gens {
		fmt.Fprintln(g.stdin, "stop")
		if !g.out.Scan() {
			return run, errors.New("loadgen ended without its report")
		}
		var rep loadgenReport
		if err := json.Unmarshal(g.out.Bytes(), &rep); err != nil {
			return run, fmt.Errorf("loadgen report: %w", err)
		}
		run.Delivered += rep.Received
		run.Broken += rep.Broken
		for _, us := range rep.DelaysUs {
			delays = append(delays, float64(us)/1e3)
		}
	}
	run.Expected = int64(run.Opened) * int64(run.Published)
	if len(delays) > 0 {
		slices.Sort(delays)
		run.P50Ms = quantileSorted(delays, 0.5)
		run.P99Ms = quantileSorted(delays, 0.99)
		run.MaxMs = delays[len(delays)-1]
	}
	return run, nil
}

// publish posts data to the load test's topic.
func publish(client *http.Client, base, data string) error {
	resp, err := client.Post(base+"/topics/load", "text/plain", strings.NewReader(data))
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("publish: %s", resp.Status)
	}
	return nil
}

// rssMB reads a process's resident set from /proc, in MiB.
func rssMB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// processFileLimit reads a process's soft open-files limit from /proc.
func processFileLimit(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "Max open files"); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				n, _ := strconv.Atoi(f[0])
				return n
			}
		}
	}
	return 0
}

// cpuSeconds reads a process's user + system CPU time from /proc.
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may
	// contain spaces: state is field 3, utime 14, stime 15.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	const ticks = 100 // USER_HZ on Linux
	return (ut + st) / ticks
}

// serverProfile fetches one of the Go server's pprof profiles (path under
// /debug/pprof/), saves it as bench/out/name and returns its top entries
// by flat value: bytes for heap profiles, seconds for CPU profiles.
func serverProfile(ctx context.Context, cfg *config, base, path, name string) (*PprofTop, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/debug/pprof/"+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("pprof %s: %w", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("pprof %s: %w", path, err)
	}
	file := filepath.Join(cfg.out, name)
	if err := os.WriteFile(file, b, 0o644); err != nil {
		return nil, err
	}
	args := []string{"tool", "pprof", "-top", "-nodecount=15"}
	if strings.HasPrefix(path, "heap") {
		args = append(args, "-sample_index=inuse_space")
	}
	cmd := exec.CommandContext(ctx, "go", append(args, file)...)
	cmd.Dir = cfg.root
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go tool pprof %s: %w", name, err)
	}
	top := &PprofTop{File: relPath(cfg.root, file)}
	// Lines: flat flat% sum% cum cum% name
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) < 6 || !strings.HasSuffix(f[1], "%") {
			continue
		}
		if v, ok := parseQuantity(f[0]); ok {
			top.Top = append(top.Top, NamedSize{Name: strings.Join(f[5:], " "), Value: v})
		}
	}
	return top, nil
}

// parseQuantity reads pprof's values such as "12.50MB", "512kB", "1.20s"
// or "350ms", in bytes or seconds.
func parseQuantity(s string) (float64, bool) {
	for _, u := range []struct {
		suffix string
		mult   float64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"kB", 1 << 10}, {"B", 1}, {"ms", 1e-3}, {"us", 1e-6}, {"µs", 1e-6}, {"s", 1}} {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			f, err := strconv.ParseFloat(v, 64)
			return f * u.mult, err == nil
		}
	}
	return 0, false
}
