// Command eventsource-server serves the eventsource-wasm demo page, the
// WebAssembly EventSource client and the test event streams described in
// the README.
//
// Every flag also reads an environment variable (the flag's name in upper
// case with "-" as "_", e.g. -allow-origin and ALLOW_ORIGIN); a flag on the
// command line wins.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/broker"
	"github.com/eventsource-wasm/eventsource-wasm/broker/redisbroker"
	"github.com/eventsource-wasm/eventsource-wasm/server"
	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
	"github.com/eventsource-wasm/eventsource-wasm/web"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stderr, nil))
}

// options are the command's settings.
type options struct {
	addr            string
	heartbeat       time.Duration
	allowOrigin     string
	maxStreams      int
	writeTimeout    time.Duration
	tokenTTL        time.Duration
	publishToken    string
	tlsCert         string
	tlsKey          string
	tlsSelfSigned   bool
	trustProxy      bool
	subscribeLogin  bool
	compressStreams bool
	replaySize      int
	replayBytes     int64
	broker          string
	topicIdleTTL    time.Duration
	logLevel        slog.Level
	shutdownTimeout time.Duration
}

// parseOptions reads the environment, then the command line. An invalid
// value in either is an error.
func parseOptions(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("eventsource-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen `address` (host:port)")
	fs.DurationVar(&o.heartbeat, "heartbeat", server.DefaultHeartbeat, "interval of the heartbeat comment on every stream")
	fs.StringVar(&o.allowOrigin, "allow-origin", "", "comma-separated `origins` allowed cross-origin with credentials; * lets any origin read without credentials")
	fs.IntVar(&o.maxStreams, "max-streams", defaultMaxStreams(), "most open event streams, topic and test streams together (one limit across every stream served), beyond which new ones get 503 with Retry-After; 0 for no limit (default: the open-files limit less a reserve)")
	fs.DurationVar(&o.writeTimeout, "write-timeout", server.DefaultWriteTimeout, "deadline of each event write; a client that stops reading is dropped")
	fs.DurationVar(&o.tokenTTL, "token-ttl", fixtures.DefaultTokenTTL, "lifetime of a /auth/login token, and the most a login may ask for")
	fs.StringVar(&o.publishToken, "publish-token", "", "bearer `token` that publishing to a topic needs (better from the environment: PUBLISH_TOKEN); empty lets anyone publish")
	fs.BoolVar(&o.subscribeLogin, "subscribe-login", false, "subscribing to a topic needs a token from /auth/login (which may limit it to topics) or the publish token")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "TLS certificate `file` (PEM, with its chain); with -tls-key the server speaks HTTPS and HTTP/2")
	fs.StringVar(&o.tlsKey, "tls-key", "", "TLS private key `file` (PEM)")
	fs.BoolVar(&o.tlsSelfSigned, "tls-self-signed", false, "HTTPS and HTTP/2 with a certificate made in memory at startup, for local use (its SHA-256 fingerprint is logged)")
	fs.BoolVar(&o.trustProxy, "trust-proxy", false, "trust X-Forwarded-Proto from a TLS-terminating proxy: https there marks the login cookie Secure")
	fs.BoolVar(&o.compressStreams, "compress-streams", false, "gzip event streams for clients that accept it (flushed after every event)")
	fs.IntVar(&o.replaySize, "replay-size", broker.DefaultReplaySize, "events kept per topic for replay (approximately, with redis)")
	fs.Int64Var(&o.replayBytes, "replay-bytes", broker.DefaultMaxBytes, "bytes of events the in-memory broker keeps for replay, all topics together; past it the oldest go first, idle topics before busy ones")
	fs.StringVar(&o.broker, "broker", "memory", "topic broker: memory, or redis://[user:password@]host:port/db (Redis Streams, shared by several instances)")
	fs.DurationVar(&o.topicIdleTTL, "topic-idle-ttl", redisbroker.DefaultIdleTTL, "with redis: how long a topic outlives its last publish before Redis deletes it; negative for never")
	fs.TextVar(&o.logLevel, "log-level", slog.LevelInfo, "log `level`: debug, info, warn or error")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 10*time.Second, "how long a graceful shutdown waits for requests to finish")
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		env := strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(env); v != "" && err == nil {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("environment %s=%q: %w", env, v, e)
			}
		}
	})
	if err != nil {
		return o, err
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	case o.heartbeat <= 0:
		return o, errors.New("-heartbeat must be positive")
	case o.writeTimeout <= 0:
		return o, errors.New("-write-timeout must be positive")
	case o.tokenTTL < time.Second:
		return o, errors.New("-token-ttl must be at least 1s")
	case o.maxStreams < 0:
		return o, errors.New("-max-streams must not be negative")
	case o.replaySize < 1:
		return o, errors.New("-replay-size must be at least 1")
	case o.replayBytes < 1:
		return o, errors.New("-replay-bytes must be at least 1")
	case o.shutdownTimeout <= 0:
		return o, errors.New("-shutdown-timeout must be positive")
	}
	return o, nil
}

const (
	// fileReserve is the number of file descriptors kept free of streams.
	fileReserve = 64
	// fallbackMaxStreams is -max-streams where the open-files limit is not
	// known.
	fallbackMaxStreams = 20000
)

// openBroker returns the broker spec names and a function that closes it.
// A nil broker lets the server make its in-memory one.
func openBroker(ctx context.Context, spec string, replaySize int, idleTTL time.Duration, log *slog.Logger) (broker.Broker, func() error, error) {
	switch {
	case spec == "memory":
		return nil, func() error { return nil }, nil
	case strings.HasPrefix(spec, "redis://"), strings.HasPrefix(spec, "rediss://"):
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		b, err := redisbroker.New(ctx, spec, redisbroker.Options{MaxLen: int64(replaySize), IdleTTL: idleTTL, Logger: log})
		if err != nil {
			return nil, nil, fmt.Errorf("-broker: %w", err) // New's errors never quote the URL (no password)
		}
		return b, b.Close, nil
	default:
		return nil, nil, fmt.Errorf("-broker %q: want memory or redis://host:port/db", redactURL(spec))
	}
}

// redactURL hides a password in a broker URL, for logs and errors.
func redactURL(spec string) string {
	if u, err := url.Parse(spec); err == nil && u.User != nil {
		return u.Redacted()
	}
	return spec
}

// run serves until ctx is done and returns the exit code. onListen, when
// not nil, learns the listening address.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, onListen func(net.Addr)) int {
	o, err := parseOptions(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "eventsource-server:", err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: o.logLevel}))
	br, closeBroker, err := openBroker(ctx, o.broker, o.replaySize, o.topicIdleTTL, log)
	if err != nil {
		fmt.Fprintln(stderr, "eventsource-server:", err)
		return 2
	}
	defer func() {
		if err := closeBroker(); err != nil {
			log.Error("close broker", "err", err)
		}
	}()
	var origins []string
	for origin := range strings.SplitSeq(o.allowOrigin, ",") {
		if origin = strings.TrimSpace(origin); origin != "" {
			origins = append(origins, origin)
		}
	}
	srv, err := fixtures.New(fixtures.Config{
		Static:              web.FS,
		Heartbeat:           o.heartbeat,
		AllowOrigins:        origins,
		MaxStreams:          o.maxStreams,
		WriteTimeout:        o.writeTimeout,
		TokenTTL:            o.tokenTTL,
		PublishToken:        o.publishToken,
		SubscribeNeedsLogin: o.subscribeLogin,
		TrustProxy:          o.trustProxy,
		CompressStreams:     o.compressStreams,
		ReplaySize:          o.replaySize,
		MaxRetainedBytes:    o.replayBytes,
		Broker:              br,
		Logger:              log,
	})
	if err != nil {
		fmt.Fprintln(stderr, "eventsource-server:", err)
		return 2
	}
	tlsCfg, fp, err := tlsConfig(o)
	if err != nil {
		fmt.Fprintln(stderr, "eventsource-server:", err)
		return 2
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		log.Error("listen", "addr", o.addr, "err", err)
		return 1
	}
	hs := &http.Server{
		Handler: srv.Handler(),
		// Headers must arrive quickly; bodies and streams have their own
		// bounds (publish size, per-event write deadline).
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		TLSConfig:         tlsCfg,
		ConnState:         srv.ConnState,
	}
	scheme := "http"
	if tlsCfg != nil {
		scheme = "https"
		if o.tlsSelfSigned {
			log.Info("self-signed certificate", "sha256", fp)
		}
	}
	log.Info("listening", "url", scheme+"://"+ln.Addr().String()+"/", "broker", redactURL(o.broker))
	if onListen != nil {
		onListen(ln.Addr())
	}
	served := make(chan error, 1)
	go func() {
		if tlsCfg != nil {
			served <- hs.ServeTLS(ln, "", "") // the certificate is in TLSConfig
			return
		}
		served <- hs.Serve(ln)
	}()
	select {
	case err := <-served:
		log.Error("serve", "err", err)
		return 1
	case <-ctx.Done():
	}
	log.Info("shutting down")
	srv.Close() // end the streams, or Shutdown would wait for them
	sctx, cancel := context.WithTimeout(context.Background(), o.shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		log.Warn("shutdown", "err", err)
		hs.Close()
	}
	<-served
	return 0
}
