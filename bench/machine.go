package main

import (
	"github.com/prometheus/procfs"

	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Machine identifies where and with what the benchmarks ran.
type Machine struct {
	Date     time.Time         `json:"date"`
	CPU      string            `json:"cpu"`
	Cores    int               `json:"cores"`
	MemoryGB float64           `json:"memory_gb"`
	Kernel   string            `json:"kernel"`
	Go       string            `json:"go"`
	Node     string            `json:"node"`
	Chromium string            `json:"chromium"`
	Commit   string            `json:"commit"`
	Packages map[string]string `json:"packages"` // npm package -> version
	// LoadAvg is the 1-minute load average when the run started: above
	// ~0.5 something else was running and the figures are less reliable.
	LoadAvg float64 `json:"load_avg"`
}

// npmPackages are the benchmark's npm dependencies, reported with their
// installed versions.
var npmPackages = []string{"event-source-polyfill", "eventsource", "@microsoft/fetch-event-source", "eventsource-parser", "express"}

func readMachine(ctx context.Context, cfg *config) Machine {
	m := Machine{
		Date:     time.Now().UTC(),
		Cores:    runtime.NumCPU(),
		Go:       runtime.Version(),
		Node:     command(ctx, "", "node", "--version"),
		Chromium: command(ctx, "", "chromium", "--version"),
		Kernel:   command(ctx, "", "uname", "-srm"),
		Packages: map[string]string{},
	}
	commit := command(ctx, cfg.root, "git", "rev-parse", "--short", "HEAD")
	if command(ctx, cfg.root, "git", "status", "--porcelain") != "" {
		commit += " (with uncommitted changes)"
	}
	m.Commit = commit
	m.LoadAvg = loadAvg()
	if ci, err := proc.CPUInfo(); err == nil && len(ci) > 0 {
		m.CPU = ci[0].ModelName
	}
	if mi, err := proc.Meminfo(); err == nil && mi.MemTotalBytes != nil {
		m.MemoryGB = float64(*mi.MemTotalBytes) / (1 << 30)
	}
	for _, p := range npmPackages {
		var pj struct{ Version string }
		b, err := os.ReadFile(filepath.Join(cfg.bench, "node_modules", filepath.FromSlash(p), "package.json"))
		if err == nil && json.Unmarshal(b, &pj) == nil {
			m.Packages[p] = pj.Version
		}
	}
	return m
}

// proc reads the kernel's figures in /proc, for the machine table and the
// load test; without /proc every figure reads as 0.
var proc, _ = procfs.NewDefaultFS()

// loadAvg reads the 1-minute load average.
func loadAvg() float64 {
	l, err := proc.LoadAvg()
	if err != nil {
		return 0
	}
	return l.Load1
}

// machineBusy reads the CPU time all cores have spent busy and in all, in
// seconds; the busy share between two readings is how loaded the machine
// was.
func machineBusy() (busy, total float64) {
	st, err := proc.Stat()
	if err != nil {
		return 0, 0
	}
	c := st.CPUTotal
	busy = c.User + c.Nice + c.System + c.IRQ + c.SoftIRQ + c.Steal
	return busy, busy + c.Idle + c.Iowait
}

// rssMB reads a process's resident set, in MiB.
func rssMB(pid int) float64 {
	if st, err := procStat(pid); err == nil {
		return float64(st.ResidentMemory()) / (1 << 20)
	}
	return 0
}

// cpuSeconds reads a process's user + system CPU time.
func cpuSeconds(pid int) float64 {
	if st, err := procStat(pid); err == nil {
		return st.CPUTime()
	}
	return 0
}

func procStat(pid int) (procfs.ProcStat, error) {
	p, err := proc.Proc(pid)
	if err != nil {
		return procfs.ProcStat{}, err
	}
	return p.Stat()
}

// processFileLimit reads a process's soft open-files limit.
func processFileLimit(pid int) int {
	p, err := proc.Proc(pid)
	if err != nil {
		return 0
	}
	l, err := p.Limits()
	if err != nil {
		return 0
	}
	return int(l.OpenFiles)
}

// command runs name and returns its trimmed output, or "unknown".
func command(ctx context.Context, dir, name string, args ...string) string {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}
