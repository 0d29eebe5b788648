// Package redistest runs throwaway redis-server processes for tests, on
// free loopback ports with their data in directories of their own.
package redistest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a redis-server process. It persists with appendonly and
// appendfsync always, so an entry Redis acknowledged survives a Kill.
type Server struct {
	port int
	dir  string

	mu   sync.Mutex
	cmd  *exec.Cmd
	out  *bytes.Buffer
	exit chan struct{} // closed when cmd exited
}

// Start starts redis-server on a free port with dir for its data.
func Start(dir string) (*Server, error) {
	var lastErr error
	for range 3 { // the free port may be taken between the probe and the start
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s := &Server{port: port, dir: dir}
		if lastErr = s.Restart(); lastErr == nil {
			return s, nil
		}
	}
	return nil, lastErr
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Restart runs redis-server (again, after Kill: same port, same data) and
// waits until it answers PING.
func (s *Server) Restart() error {
	out := new(bytes.Buffer)
	cmd := exec.Command("redis-server",
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "yes", "--appendfsync", "always",
		"--dir", s.dir, "--daemonize", "no", "--logfile", "")
	cmd.Stdout, cmd.Stderr = out, out
	dieWithTest(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("redistest: start redis-server: %w", err)
	}
	exit := make(chan struct{})
	go func() { cmd.Wait(); close(exit) }()
	s.mu.Lock()
	s.cmd, s.out, s.exit = cmd, out, exit
	s.mu.Unlock()

	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exit:
			return fmt.Errorf("redistest: redis-server exited: %s", out)
		default:
		}
		if time.Now().After(deadline) {
			s.Kill()
			return fmt.Errorf("redistest: redis-server did not answer within 10s: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Kill ends redis-server with SIGKILL, the harshest way, and waits for it.
func (s *Server) Kill() {
	s.mu.Lock()
	cmd, exit := s.cmd, s.exit
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Kill()
	<-exit
}

// Addr returns the server's host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// URL returns the server's redis:// URL, database 0.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Need skips the test when redis-server is not installed, or fails it on
// CI (CI set), where `make redis` must have installed it.
func Need(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server not found on CI; `make redis` installs Debian's redis-server")
		}
		t.Skip("redis-server not found; run `make redis` (installs Debian's redis-server) to run this test")
	}
}

// New starts a redis-server for t alone, killed when t ends.
func New(t testing.TB) *Server {
	t.Helper()
	Need(t)
	s, err := Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Kill)
	return s
}
