package main

import (
	"fmt"
	"os"
	"sync"
	"time"
)

// progress shows what is running: one line rewritten in place on a
// terminal, plain lines (at most one every few seconds) otherwise.
type progress struct {
	mu      sync.Mutex
	tty     bool
	sect    string
	last    time.Time
	lastMsg string
}

func newProgress() *progress {
	fi, err := os.Stderr.Stat()
	return &progress{tty: err == nil && fi.Mode()&os.ModeCharDevice != 0}
}

func (p *progress) section(name string) {
	p.mu.Lock()
	p.sect = name
	p.mu.Unlock()
	p.printf("starting")
}

// printf shows the current step.
func (p *progress) printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	msg := fmt.Sprintf("[%s] %s", p.sect, fmt.Sprintf(format, args...))
	if p.tty {
		fmt.Fprintf(os.Stderr, "\r\033[K%s", msg)
		return
	}
	if time.Since(p.last) < 3*time.Second || msg == p.lastMsg {
		return
	}
	p.last, p.lastMsg = time.Now(), msg
	fmt.Fprintln(os.Stderr, msg)
}

// done ends the current step with a line that stays.
func (p *progress) done(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprint(os.Stderr, "\r\033[K")
	}
	fmt.Fprintf(os.Stderr, "[%s] %s\n", p.sect, msg)
	p.last = time.Time{}
}
