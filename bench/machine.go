package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
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
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var kb float64
			if n, _ := fmt.Sscanf(sc.Text(), "MemTotal: %f kB", &kb); n == 1 {
				m.MemoryGB = kb / (1 << 20)
				break
			}
		}
		f.Close()
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

// loadAvg reads the 1-minute load average.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	var l float64
	fmt.Sscanf(string(b), "%f", &l)
	return l
}

// machineBusy reads the CPU time all cores have spent busy and in all,
// in clock ticks, from /proc/stat; the busy share between two readings is
// how loaded the machine was.
func machineBusy() (busy, total float64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	for i, v := range f[1:] {
		x, _ := strconv.ParseFloat(v, 64)
		total += x
		if i != 3 && i != 4 { // idle, iowait
			busy += x
		}
	}
	return busy, total
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
