package redisbroker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/eventsource-wasm/eventsource-wasm/broker/redisbroker/redistest"
)

// shared is one redis-server for the tests that do not stop it; TestMain
// kills it. Tests keep apart by key prefix.
var shared struct {
	once sync.Once
	srv  *redistest.Server
	dir  string
	err  error
}

// sharedRedis returns the shared redis-server, started by the first call.
func sharedRedis(t testing.TB) *redistest.Server {
	t.Helper()
	redistest.Need(t)
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "redisbroker-test-")
		if shared.err == nil {
			shared.srv, shared.err = redistest.Start(shared.dir)
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
		shared.srv.Kill()
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
func newTestBroker(t testing.TB, r *redistest.Server, opts Options) *Broker {
	t.Helper()
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = prefix(t)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, err := New(ctx, r.URL(), opts)
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
