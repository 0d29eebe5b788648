package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
	"github.com/eventsource-wasm/eventsource-wasm/sse"
	"github.com/eventsource-wasm/eventsource-wasm/web"
)

// benchHandler is the project's real server plus what the benchmark adds:
// the bench page under /bench/page/, the npm libraries under
// /bench/node_modules/ and Go's profiling endpoints under /debug/pprof/.
// When wasmOverride is set, /eventsource.wasm is that file instead of the
// embedded module (a build with symbol names, for CPU profiles).
func benchHandler(srv *fixtures.App, benchDir, wasmOverride string) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /bench/page/", http.StripPrefix("/bench/page/", cacheControl("no-store", http.FileServer(http.Dir(filepath.Join(benchDir, "page"))))))
	mux.Handle("GET /bench/node_modules/", http.StripPrefix("/bench/node_modules/", cacheControl("no-cache", moduleFiles(filepath.Join(benchDir, "node_modules")))))
	mux.Handle("GET /bench/stream", &preencoded{cache: map[[2]int][]byte{}})
	// The content-hashed (immutable) URL of eventsource.wasm, for the
	// returning-visitor figure.
	mux.HandleFunc("GET /bench/wasm-url", func(w http.ResponseWriter, r *http.Request) {
		p, err := srv.HashedPath("/eventsource.wasm")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		io.WriteString(w, p)
	})
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	if wasmOverride != "" {
		mux.HandleFunc("GET /eventsource.wasm", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/wasm")
			w.Header().Set("Cache-Control", "no-store")
			http.ServeFile(w, r, wasmOverride)
		})
	}
	mux.Handle("/", srv.Handler())
	return mux
}

// preencoded serves GET /bench/stream?count=N&size=S: the same events as
// the project's /events?interval=0&count=N&size=S&done=1 (ids 0..N-1, data
// padded to S bytes, then `event: done`), encoded once and written in
// 64 KiB flushed pieces. Serving costs next to nothing, so the browser,
// not the server, bounds the throughput: it isolates the clients.
type preencoded struct {
	mu    sync.Mutex
	cache map[[2]int][]byte
}

func (p *preencoded) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	count, err1 := strconv.Atoi(r.URL.Query().Get("count"))
	size, err2 := strconv.Atoi(r.URL.Query().Get("size"))
	if err1 != nil || err2 != nil || count < 1 || count > 1e6 || size < 1 || size > 1<<20 || count*size > 256<<20 {
		http.Error(w, "want count (1..1e6) and size (1..1 MiB), at most 256 MiB in all", http.StatusBadRequest)
		return
	}
	body := p.stream(count, size)
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache, no-transform")
	rc := http.NewResponseController(w)
	for off := 0; off < len(body); off += 64 << 10 {
		if _, err := w.Write(body[off:min(off+64<<10, len(body))]); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

func (p *preencoded) stream(count, size int) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	if b, ok := p.cache[[2]int{count, size}]; ok {
		return b
	}
	var buf bytes.Buffer
	enc := sse.NewEncoder(&buf)
	for i := range count {
		// {"n":N,"pad":"xxx…"} of size bytes, like /events' data.
		head := `{"n":` + strconv.Itoa(i) + `,"pad":"`
		data := head + strings.Repeat("x", max(0, size-len(head)-2)) + `"}`
		enc.Encode(sse.Event{ID: strconv.Itoa(i), Data: data}) // a bytes.Buffer cannot fail
	}
	enc.Encode(sse.Event{Type: "done", Data: "done"})
	p.cache[[2]int{count, size}] = buf.Bytes()
	return buf.Bytes()
}

// cacheControl sets Cache-Control on h's responses. The bench page is
// no-store, so every cold load fetches it. The JS libraries are no-cache:
// the browser keeps them and asks whether they changed (304), as it does
// for our module, so a returning visitor's cache holds every contender
// alike. (Cold loads use a new browser context, whose cache is empty.)
func cacheControl(value string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", value)
		h.ServeHTTP(w, r)
	})
}

// moduleFiles serves dir, resolving the extensionless relative imports of
// some npm ES modules (@microsoft/fetch-event-source's `from './parse'`) to
// the .js file the way a bundler would. That is the only shim the libraries
// need to load unbundled in the browser.
func moduleFiles(dir string) http.Handler {
	fs := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := filepath.Join(dir, filepath.FromSlash(filepathClean(r.URL.Path)))
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			if _, err := os.Stat(p + ".js"); err == nil {
				r.URL.Path += ".js"
			}
		}
		if strings.HasSuffix(r.URL.Path, ".js") || strings.HasSuffix(r.URL.Path, ".mjs") {
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		}
		fs.ServeHTTP(w, r)
	})
}

// filepathClean cleans a URL path so it cannot climb out of its root.
func filepathClean(p string) string {
	return strings.TrimPrefix(filepath.ToSlash(filepath.Clean("/"+p)), "/")
}

// quietLogger drops the server's per-request logs, which would otherwise
// cost more than the benchmarked work; warnings and errors still show.
func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// startServer serves the bench handler on a free loopback port and returns
// its base URL and the function that stops it.
func startServer(ctx context.Context, benchDir, wasmOverride string) (string, func(), error) {
	srv, err := fixtures.New(fixtures.Config{Static: web.FS, Logger: quietLogger(), WriteTimeout: time.Minute})
	if err != nil {
		return "", nil, fmt.Errorf("bench server: %w", err)
	}
	url, stop, err := serveOn(ctx, benchHandler(srv, benchDir, wasmOverride))
	if err != nil {
		srv.Close()
		return "", nil, err
	}
	return url, func() {
		srv.Close()
		stop()
	}, nil
}

// serveOn serves h on a free loopback port and returns its base URL and
// the function that shuts it down.
func serveOn(ctx context.Context, h http.Handler) (string, func(), error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("bench server: %w", err)
	}
	// HTTP/2 without TLS too (prior knowledge): the load test's streams
	// over HTTP/2 (loadgen -h2) use it.
	var protos http.Protocols
	protos.SetHTTP1(true)
	protos.SetUnencryptedHTTP2(true)
	hs := &http.Server{
		Handler:           h,
		Protocols:         &protos,
		ReadHeaderTimeout: 10 * time.Second,
		// Accept errors at the open-files limit are expected in the 20k
		// run and would flood the progress output.
		ErrorLog: slog.NewLogLogger(quietLogger().Handler(), slog.LevelDebug),
	}
	go hs.Serve(ln)
	return "http://" + ln.Addr().String(), func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
	}, nil
}

// serveMain is `bench serve`: the server of the load test, as its own
// process so its RSS and CPU time are its own.
func serveMain(args []string) int {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	benchDir := fs.String("bench", "bench", "the bench directory")
	fs.Parse(args)
	return serveProcess(func(ctx context.Context) (string, func(), error) {
		return startServer(ctx, *benchDir, "")
	})
}

// serveProcess runs a server process of the load test (`bench serve`,
// `bench serve-nethttp`): it starts the server, prints its URL on stdout
// and runs until stdin closes (the run ends it that way) or it gets
// SIGTERM.
func serveProcess(start func(context.Context) (string, func(), error)) int {
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()
	go func() {
		io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	url, stop, err := start(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(url)
	<-ctx.Done()
	stop()
	return 0
}
