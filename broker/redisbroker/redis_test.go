package redisbroker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisServer is a redis-server process on a loopback port with its data
// in a directory of its own. It persists with appendonly and appendfsync
// always, so an entry Redis acknowledged survives a kill.
type redisServer struct {
	port int
	dir  string

	mu   sync.Mutex
	cmd  *exec.Cmd
	out  *bytes.Buffer
	exit chan struct{} // closed when cmd exited
}

// startRedis starts redis-server on a free port with dir for its data.
func startRedis(dir string) (*redisServer, error) {
	var lastErr error
	for range 3 { // the free port may be taken between the probe and the start
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		r := &redisServer{port: port, dir: dir}
		if lastErr = r.start(); lastErr == nil {
			return r, nil
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

// start runs redis-server and waits until it answers PING.
func (r *redisServer) start() error {
	out := new(bytes.Buffer)
	cmd := exec.Command("redis-server",
		"--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "yes", "--appendfsync", "always",
		"--dir", r.dir, "--daemonize", "no", "--logfile", "")
	cmd.Stdout, cmd.Stderr = out, out
	dieWithTest(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	exit := make(chan struct{})
	go func() { cmd.Wait(); close(exit) }()
	r.mu.Lock()
	r.cmd, r.out, r.exit = cmd, out, exit
	r.mu.Unlock()

	c := redis.NewClient(&redis.Options{Addr: r.addr(), MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
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
			return fmt.Errorf("redis-server exited: %s", out)
		default:
		}
		if time.Now().After(deadline) {
			r.kill()
			return fmt.Errorf("redis-server did not answer within 10s: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill ends redis-server with SIGKILL, the harshest way, and waits for it.
func (r *redisServer) kill() {
	r.mu.Lock()
	cmd, exit := r.cmd, r.exit
	r.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Kill()
	<-exit
}

func (r *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

func (r *redisServer) url() string { return "redis://" + r.addr() + "/0" }

// needRedis skips the test when redis-server is not installed, or fails it
// on CI, where `make redis` must have installed it.
func needRedis(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server not found on CI; `make redis` installs Debian's redis-server")
		}
		t.Skip("redis-server not found; run `make redis` (installs Debian's redis-server) to run this test")
	}
}

// ownRedis starts a redis-server for t alone, killed when t ends.
func ownRedis(t testing.TB) *redisServer {
	t.Helper()
	needRedis(t)
	r, err := startRedis(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.kill)
	return r
}

// shared is one redis-server for the tests that do not stop it; TestMain
// kills it. Tests keep apart by key prefix.
var shared struct {
	once sync.Once
	srv  *redisServer
	dir  string
	err  error
}

func sharedRedis(t testing.TB) *redisServer {
	t.Helper()
	needRedis(t)
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "redisbroker-test-")
		if shared.err == nil {
			shared.srv, shared.err = startRedis(shared.dir)
		}
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.srv
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.srv != nil {
		shared.srv.kill()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// prefix returns a key prefix unique to t, so tests sharing a Redis start
// from empty topics.
func prefix(t testing.TB) string {
	return fmt.Sprintf("test:%s:%d:", t.Name(), time.Now().UnixNano())
}

// testWriter sends a broker's log to the test's log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// newTestBroker connects a Broker to r with opts (a fresh key prefix when
// opts has none) and closes it when t ends.
func newTestBroker(t testing.TB, r *redisServer, opts Options) *Broker {
	t.Helper()
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = prefix(t)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, err := New(ctx, r.url(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil && !errors.Is(err, redis.ErrClosed) {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}
