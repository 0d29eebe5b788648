// Package server serves the topics of a broker.Broker as event streams:
// GET subscribes (replaying what a reconnecting client missed after its
// Last-Event-ID, then live messages, with heartbeats, per-event flushes and
// slow clients dropped), POST publishes. Mount a Server's Subscribe and
// Publish, or the Server itself, on any http.ServeMux under a pattern with
// a {topic} wildcard.
//
// Package fixtures builds the demo and test server around it (test
// streams, request echo, fault injection, sessions, a demo login and the
// web files); the README lists every endpoint.
package server

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/broker"
	"github.com/eventsource-wasm/eventsource-wasm/server/internal/stream"
)

// Defaults of Config.
const (
	DefaultHeartbeat       = 15 * time.Second
	DefaultWriteTimeout    = 10 * time.Second
	DefaultMaxPublishBytes = 1 << 20
	DefaultBodyReadTimeout = 10 * time.Second
)

// Config configures a Server. Broker is required; zero fields take the
// defaults named on each.
type Config struct {
	// Broker carries the topics. It stays the caller's to close, after
	// the Server.
	Broker broker.Broker
	// Heartbeat is the interval of the comment every stream sends to keep
	// proxies and clients from timing out an idle connection
	// (DefaultHeartbeat).
	Heartbeat time.Duration
	// WriteTimeout bounds the write of each event: a client that does not
	// read for that long is dropped (DefaultWriteTimeout).
	WriteTimeout time.Duration
	// MaxStreams bounds the open event streams; beyond it a subscription
	// gets 503 with Retry-After. Zero means no limit. StreamLimit, when
	// set, bounds them instead.
	MaxStreams int
	// StreamLimit, when set, bounds this Server's streams together with
	// those of everything else sharing it (other Servers, the caller's own
	// streams), in place of MaxStreams.
	StreamLimit *StreamLimit
	// CompressStreams gzips event streams for clients that accept it,
	// flushing the compressor after every event.
	CompressStreams bool
	// TakeOverHTTP1 lets an HTTP/1.1 subscription take its connection
	// over from net/http (http.Hijacker), which frees net/http's
	// per-connection buffers and goroutine stack. On Linux, when the
	// broker's subscriptions implement broker.Poller (MemoryBroker's do),
	// such a stream then has no goroutine at all: a few fan-out workers,
	// one per core, write every stream's events with non-blocking writes,
	// a stream gets a goroutine only while its socket is full, and one
	// epoll set notices clients that hang up. An idle stream then holds
	// about 3.5 KiB instead of 28. Middleware sees the handler return
	// while the stream goes on; the stream ends its connection when it
	// ends. HTTP/2 streams, and HTTP/1.1 over TLS, never take over.
	TakeOverHTTP1 bool
	// MaxPublishBytes bounds a publish request's body
	// (DefaultMaxPublishBytes).
	MaxPublishBytes int64
	// BodyReadTimeout bounds the read of a publish request's body, so a
	// client that trickles one cannot hold a handler forever
	// (DefaultBodyReadTimeout).
	BodyReadTimeout time.Duration
	// Authorizer, when set, decides who may subscribe and publish (see
	// Authorizer); nil lets everyone do both.
	Authorizer Authorizer
	// Topic returns a request's topic name; the default reads the path
	// wildcard {topic}. Names that are not 1-128 letters, digits or ._~-
	// get 400.
	Topic func(*http.Request) string
	// Logger receives broker errors, and the request log lines of streams
	// that took their connection over (slog.Default() when nil).
	Logger *slog.Logger
}

// Server serves the topics of a broker. Make one with New.
type Server struct {
	cfg     Config
	log     *slog.Logger
	streams *stream.Engine
}

// New returns a Server for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Broker == nil {
		return nil, errors.New("server: Config.Broker is nil")
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = DefaultHeartbeat
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.MaxPublishBytes <= 0 {
		cfg.MaxPublishBytes = DefaultMaxPublishBytes
	}
	if cfg.BodyReadTimeout <= 0 {
		cfg.BodyReadTimeout = DefaultBodyReadTimeout
	}
	if cfg.StreamLimit == nil {
		cfg.StreamLimit = NewStreamLimit(cfg.MaxStreams)
	}
	if cfg.Topic == nil {
		cfg.Topic = func(r *http.Request) string { return r.PathValue("topic") }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Server{cfg: cfg, log: cfg.Logger, streams: stream.New(stream.Config{
		Heartbeat:    cfg.Heartbeat,
		WriteTimeout: cfg.WriteTimeout,
		Limit:        cfg.StreamLimit,
		Compress:     cfg.CompressStreams,
		TakeOver:     cfg.TakeOverHTTP1,
		Log:          cfg.Logger,
	})}, nil
}

// ServeHTTP subscribes on GET and publishes on POST; other methods get 405.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		s.Subscribe(w, r)
	case http.MethodPost:
		s.Publish(w, r)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// Streams returns the number of open event streams.
func (s *Server) Streams() int64 { return s.streams.Open() }

// FanoutStreams returns how many of the open event streams the fan-out
// workers serve, with no goroutine of their own (see Config.TakeOverHTTP1):
// a Streams figure well above it shows streams on the costlier path.
func (s *Server) FanoutStreams() int64 { return s.streams.Fanout() }

// Close ends every open stream (cleanly, so clients reconnect elsewhere)
// and makes new subscriptions fail with 503, ahead of
// http.Server.Shutdown, which would otherwise wait for streams that never
// end. It returns once the streams that took their connection over have
// ended (within the write timeout for a client that stopped reading);
// Shutdown waits for the others. It does not close the broker.
func (s *Server) Close() error {
	s.streams.Close()
	return nil
}
