package main

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/pprof/profile"
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
	File    string  `json:"file"`
	Seconds float64 `json:"seconds,omitempty"` // CPU profiles: how long it sampled
	Top     []Share `json:"top"`               // bytes or CPU seconds by function
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
	// Scheduled is the events due, one per 100 ms: the publisher sends
	// each on time whether the server has answered the previous one or not.
	Scheduled  int     `json:"scheduled"`
	Delivered  int64   `json:"delivered"`
	Expected   int64   `json:"expected"`
	P50Ms      float64 `json:"p50_ms"`
	P99Ms      float64 `json:"p99_ms"`
	MaxMs      float64 `json:"max_ms"`
	CPUPct     float64 `json:"cpu_pct"` // server CPU during the broadcast, % of one core
	OpenCPUPct float64 `json:"open_cpu_pct"`
	// LoadgenCPUPct is the load generators' CPU during the broadcast: on
	// two cores, what they take the server cannot have.
	LoadgenCPUPct float64 `json:"loadgen_cpu_pct"`
	// MachineBusyPct is every core's busy time during the broadcast, in %
	// of the whole machine: near 100 means the figures are CPU-bound.
	MachineBusyPct float64 `json:"machine_busy_pct"`
	// LoadAvg is the 1-minute load average as the broadcast starts: other
	// work on the machine shows there.
	LoadAvg float64 `json:"load_avg"`
}

// loadServers are the servers under load: ours, ours again with the
// streams over HTTP/2 (cleartext, prior knowledge: Go's client multiplexes
// them on a few connections), and the two baselines.
var loadServers = []string{"go", "go-h2", "nethttp", "express"}

// http1Servers are the servers of the 20k run and the reconnect storm,
// whose clients open one HTTP/1.1 connection per stream.
var http1Servers = []string{"go", "nethttp", "express"}

// publishConns is how many publishes may be in flight at once.
const publishConns = 4

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
		for _, s := range http1Servers {
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
	for _, kind := range http1Servers {
		if ctx.Err() != nil {
			break
		}
		cfg.prog.printf("reconnect storm: %s server, %d streams × %d reopens", kind, stormStreams, stormReopens)
		res.Storms = append(res.Storms, runStorm(ctx, cfg, exe, kind))
	}
	return res, ctx.Err()
}

// serverProc is a server under test, as its own process.
type serverProc struct {
	*helper
	url string
	pid int
}

// startServerProc starts a server and waits for the URL it prints.
func startServerProc(ctx context.Context, cfg *config, exe, kind string) (*serverProc, error) {
	var cmd *exec.Cmd
	switch kind {
	case "go", "go-h2":
		cmd = exec.CommandContext(ctx, exe, "serve", "-bench", cfg.bench)
	case "nethttp":
		cmd = exec.CommandContext(ctx, exe, "serve-nethttp")
	case "express":
		// Node keeps the soft open-files limit it is given: raise it first.
		cmd = exec.CommandContext(ctx, "bash", "-c", `ulimit -Sn "$(ulimit -Hn)" && exec node express/server.js`)
		cmd.Dir = cfg.bench
		cmd.Env = append(os.Environ(), "PORT=0", "KEEPALIVE_MS=600000")
	}
	h, err := startHelper(cmd)
	if err != nil {
		return nil, err
	}
	url := make(chan string, 1)
	go func() {
		if h.out.Scan() {
			url <- h.out.Text()
		}
		close(url)
		for h.out.Scan() { // nothing more is expected; keep the pipe flowing
		}
	}()
	select {
	case u, ok := <-url:
		if ok {
			return &serverProc{helper: h, url: u, pid: cmd.Process.Pid}, nil
		}
		err = fmt.Errorf("%s server exited before printing its address", kind)
	case <-time.After(20 * time.Second):
		err = fmt.Errorf("%s server did not print its address", kind)
	}
	h.close()
	return nil, err
}

// loadOnce starts the server, opens n streams from load-generator
// processes, measures, broadcasts every 100 ms for d, and measures again.
func loadOnce(ctx context.Context, cfg *config, exe, kind string, n int, d time.Duration, profile bool, res *LoadResult) (LoadRun, error) {
	run := LoadRun{Server: kind, Streams: n}
	sp, err := startServerProc(ctx, cfg, exe, kind)
	if err != nil {
		return run, err
	}
	defer sp.close()
	// The publisher's keep-alive connections are made before the streams
	// open: a server at its open-files limit could not accept them later.
	// There are several, so that a publish that the server answers late
	// does not delay the next one: every server gets the same schedule.
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: publishConns, MaxConnsPerHost: publishConns}}
	defer client.CloseIdleConnections()
	topic := sp.url + "/topics/load"
	var warm firstError
	for range publishConns {
		warm.Go(func() error { _, err := publish(client, topic, "warm-up"); return err })
	}
	if err := warm.Wait(); err != nil {
		return run, err
	}
	time.Sleep(300 * time.Millisecond)
	run.BaseRSSMB = rssMB(sp.pid)
	run.FileLimit = processFileLimit(sp.pid)

	// Load generators, each with its share of the streams.
	procs := (n + perProcess - 1) / perProcess
	gens := make([]*helper, 0, procs)
	defer func() {
		for _, g := range gens {
			g.close()
		}
	}()
	cpu0 := cpuSeconds(sp.pid)
	t0 := time.Now()
	for i := range procs {
		share := n / procs
		if i < n%procs {
			share++
		}
		args := []string{"loadgen", "-url", topic, "-n", strconv.Itoa(share)}
		if kind == "go-h2" {
			args = append(args, "-h2")
		}
		g, err := startHelper(exec.CommandContext(ctx, exe, args...))
		if err != nil {
			return run, err
		}
		gens = append(gens, g)
	}
	for _, g := range gens {
		var opened loadgenOpened
		if err := g.next(&opened); err != nil {
			return run, err
		}
		run.Opened += opened.Opened
		run.OpenMs = max(run.OpenMs, opened.OpenMs)
		if opened.FirstErr != "" && run.OpenErr == "" {
			run.OpenErr = fmt.Sprintf("%d failed, first: %s", opened.Failed, opened.FirstErr)
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
	if _, err := publish(client, topic, "warm-up"); err != nil {
		return run, err
	}
	time.Sleep(300 * time.Millisecond)

	// Broadcast every 100 ms; the data is the publish time.
	cpu1 := cpuSeconds(sp.pid)
	busy1, total1 := machineBusy()
	run.LoadAvg = loadAvg()
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
	var pubs firstError
	var published atomic.Int64
	tick := time.NewTicker(100 * time.Millisecond)
	for end := time.Now().Add(d); time.Now().Before(end); <-tick.C {
		data := strconv.FormatInt(time.Now().UnixNano(), 10)
		run.Scheduled++
		pubs.Go(func() error {
			_, err := publish(client, topic, data)
			if err == nil {
				published.Add(1)
			}
			return err
		})
	}
	tick.Stop()
	err = pubs.Wait()
	run.Published = int(published.Load())
	if err != nil {
		return run, err
	}
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
		g.send("stop")
		var rep loadgenReport
		if err := g.next(&rep); err != nil {
			return run, err
		}
		run.Delivered += rep.Received
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

// serverProfile fetches one of the Go server's pprof profiles (path under
// /debug/pprof/), saves it as bench/out/name and returns its top functions
// by flat value (the frame on top of the stack, inlined ones included as
// `go tool pprof -top` counts them): in-use bytes for heap profiles, CPU
// seconds for CPU profiles.
func serverProfile(ctx context.Context, cfg *config, base, path, name string) (*PprofTop, error) {
	b, err := httpGet(ctx, base+"/debug/pprof/"+path)
	if err != nil {
		return nil, fmt.Errorf("pprof %s: %w", path, err)
	}
	file := filepath.Join(cfg.out, name)
	if err := os.WriteFile(file, b, 0o644); err != nil {
		return nil, err
	}
	prof, err := profile.ParseData(b)
	if err != nil {
		return nil, fmt.Errorf("pprof %s: %w", name, err)
	}
	// The value to rank by, and its scale to bytes or seconds.
	index, unit := len(prof.SampleType)-1, 1e-9 // CPU: nanoseconds, the last sample type
	if strings.HasPrefix(path, "heap") {
		index, unit = slices.IndexFunc(prof.SampleType, func(t *profile.ValueType) bool { return t.Type == "inuse_space" }), 1
		if index < 0 {
			return nil, fmt.Errorf("pprof %s: no inuse_space", name)
		}
	}
	flat := map[string]float64{}
	for _, sm := range prof.Sample {
		if len(sm.Location) > 0 && len(sm.Location[0].Line) > 0 {
			flat[sm.Location[0].Line[0].Function.Name] += float64(sm.Value[index]) * unit
		}
	}
	return &PprofTop{File: relPath(cfg.root, file), Top: topN(flat, 15)}, nil
}

// firstError runs functions on goroutines and keeps the first error.
type firstError struct {
	wg  sync.WaitGroup
	mu  sync.Mutex
	err error
}

func (f *firstError) Go(fn func() error) {
	f.wg.Go(func() {
		if err := fn(); err != nil {
			f.mu.Lock()
			f.err = cmp.Or(f.err, err)
			f.mu.Unlock()
		}
	})
}

// Wait waits for every function and returns the first error.
func (f *firstError) Wait() error {
	f.wg.Wait()
	return f.err
}
