// Package server is the HTTP side of eventsource-wasm: test and demo
// event streams (a ticker, a topic broker with replay, token-protected
// streams, a request echo and fault injection) plus the embedded web files.
// The README lists every endpoint and its query parameters.
package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/web"
)

// Defaults of Config.
const (
	DefaultHeartbeat       = 15 * time.Second
	DefaultWriteTimeout    = 10 * time.Second
	DefaultTokenTTL        = 60 * time.Second
	DefaultMaxPublishBytes = 1 << 20
	DefaultBodyReadTimeout = 10 * time.Second
)

// Config configures a Server. The zero value is usable: zero fields take
// the defaults named on each.
type Config struct {
	// Heartbeat is the interval of the comment every stream sends to keep
	// proxies and clients from timing out an idle connection
	// (DefaultHeartbeat).
	Heartbeat time.Duration
	// AllowOrigins lists the origins (scheme://host[:port]) that may read
	// responses cross-origin, with credentials. "*" also lets any other
	// origin read without credentials. Empty means same-origin only.
	AllowOrigins []string
	// MaxStreams bounds the open event streams; beyond it a stream request
	// gets 503 with Retry-After. Zero means no limit.
	MaxStreams int
	// WriteTimeout bounds the write of each event: a client that does not
	// read for that long is dropped (DefaultWriteTimeout).
	WriteTimeout time.Duration
	// TokenTTL is the lifetime of a login token and the most a login may ask
	// for (DefaultTokenTTL).
	TokenTTL time.Duration
	// CompressStreams gzips event streams for clients that accept it,
	// flushing the compressor after every event.
	CompressStreams bool
	// ReplaySize is the replay ring per topic of the in-memory broker made
	// when Broker is nil (DefaultReplaySize).
	ReplaySize int
	// MaxRetainedBytes bounds the bytes of retained messages, all topics
	// together, of the in-memory broker made when Broker is nil
	// (DefaultMaxBytes).
	MaxRetainedBytes int64
	// Broker carries topics. Nil means a new in-memory broker, which Close
	// closes; a broker passed in stays the caller's to close.
	Broker Broker
	// MaxPublishBytes bounds a publish request's body
	// (DefaultMaxPublishBytes).
	MaxPublishBytes int64
	// BodyReadTimeout bounds the read of a request body, so a client that
	// trickles one cannot hold a handler forever: the server has no
	// overall read timeout, as streams stay open (DefaultBodyReadTimeout).
	BodyReadTimeout time.Duration
	// Logger receives request logs and errors (slog.Default() when nil).
	Logger *slog.Logger
	// Static holds the files served under / (web.FS when nil).
	Static fs.FS
}

// Server serves the HTTP API. Make one with New.
type Server struct {
	cfg        Config
	log        *slog.Logger
	broker     Broker
	ownsBroker bool
	handler    http.Handler
	origins    map[string]bool
	anyOrigin  bool
	tokens     *tokenStore
	sessions   *sessionRegistry
	static     *staticFiles

	streams   atomic.Int64 // open event streams
	echoCount atomic.Int64 // /echo connections without a session

	closing   chan struct{} // closed by Close: every stream ends
	closeOnce sync.Once
	// detached counts the streams that took their connection over (see
	// stream.detach), which http.Server.Shutdown does not wait for: Close
	// does. detachMu orders their Add against Close's close of closing.
	detached sync.WaitGroup
	detachMu sync.Mutex
}

// New returns a Server for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = DefaultHeartbeat
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.MaxPublishBytes <= 0 {
		cfg.MaxPublishBytes = DefaultMaxPublishBytes
	}
	if cfg.BodyReadTimeout <= 0 {
		cfg.BodyReadTimeout = DefaultBodyReadTimeout
	}
	if cfg.MaxStreams < 0 {
		cfg.MaxStreams = 0
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Static == nil {
		cfg.Static = web.FS
	}
	origins, anyOrigin, err := parseOrigins(cfg.AllowOrigins)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:       cfg,
		log:       cfg.Logger,
		broker:    cfg.Broker,
		origins:   origins,
		anyOrigin: anyOrigin,
		tokens:    newTokenStore(),
		sessions:  newSessionRegistry(),
		static:    newStaticFiles(cfg.Static),
		closing:   make(chan struct{}),
	}
	if s.broker == nil {
		s.broker = NewMemoryBroker(MemoryBrokerConfig{ReplaySize: cfg.ReplaySize, MaxBytes: cfg.MaxRetainedBytes})
		s.ownsBroker = true
	}
	s.handler = s.routes()
	return s, nil
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Close ends every open stream (cleanly, so clients reconnect elsewhere)
// and makes new stream requests fail with 503, ahead of
// http.Server.Shutdown, which would otherwise wait for streams that never
// end. It closes the broker when New made it. It returns once the streams
// that took their connection over from net/http have ended (within the
// write timeout for a client that stopped reading); Shutdown waits for the
// others.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.detachMu.Lock()
		close(s.closing)
		s.detachMu.Unlock()
		if s.ownsBroker {
			err = s.broker.Close()
		}
		s.detached.Wait()
	})
	return err
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.HandleFunc("GET /event-stream", s.handleEventStream)
	mux.HandleFunc("GET /events", s.handleEvents)
	mux.HandleFunc("GET /topics/{name}", s.handleSubscribe)
	mux.HandleFunc("POST /topics/{name}", s.handlePublish)
	mux.HandleFunc("POST /auth/login", s.handleLogin)
	mux.HandleFunc("POST /auth/logout", s.handleLogout)
	mux.HandleFunc("GET /auth/events", s.authEvents(true))
	mux.HandleFunc("GET /auth/bearer-events", s.authEvents(false))
	mux.HandleFunc("GET /echo", s.handleEcho)
	mux.HandleFunc("POST /echo", s.handleEcho)
	mux.HandleFunc("GET /faults", s.handleFaults)
	mux.HandleFunc("GET /sessions/{id}", s.handleSessionInfo)
	mux.HandleFunc("POST /sessions/{id}/{action}", s.handleSessionAction)
	mux.Handle("GET /", s.static)
	return s.logRequests(s.cors(s.sessions.record(mux)))
}

func (s *Server) handleHealth(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "streams": s.streams.Load()})
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // an error means the client left
}

// apiError is the JSON body of every error answer.
type apiError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// readBody calls read, which consumes the request body, under a read
// deadline of BodyReadTimeout. When the deadline passed it has answered
// 408 and reports true; otherwise it lifts the deadline (the handler may go
// on streaming) and returns read's error for the caller to judge.
func (s *Server) readBody(w http.ResponseWriter, read func() error) (answered bool, err error) {
	ctrl := http.NewResponseController(w)
	// A writer without deadlines (a test recorder) reads unbounded.
	_ = ctrl.SetReadDeadline(time.Now().Add(s.cfg.BodyReadTimeout))
	err = read()
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// The deadline stays: net/http's drain of the rest of the body
		// fails at once, and the connection is closed after the answer.
		writeError(w, http.StatusRequestTimeout, "body_timeout",
			fmt.Sprintf("the request body did not arrive within %v", s.cfg.BodyReadTimeout))
		return true, err
	}
	_ = ctrl.SetReadDeadline(time.Time{})
	return false, err
}

// writeError answers status with {"error": code, "message": msg}.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, apiError{Error: code, Message: msg})
}
