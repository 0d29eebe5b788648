// Package redisbroker is a broker.Broker on Redis Streams, for several
// server instances behind a load balancer: a client that reconnects to
// another instance resumes from its Last-Event-ID there.
//
// Each topic is a stream (key KeyPrefix+topic). Publish appends with
// XADD trimmed to MaxLen (by a script that records the newest trimmed id
// as the stream's max-deleted-entry-id, so a resume from exactly that id is
// known to have lost nothing), and the entry id Redis assigns ("<ms>-<seq>") is the
// SSE id, so any instance can resume from any id. Each instance runs one
// reader per topic that has local subscribers (a blocking XREAD on its own
// connection) and fans out to them in memory, dropping a subscriber that
// falls SubscriberBuffer messages behind, like the in-memory broker.
//
// Durability: an acknowledged Publish is an XADD Redis has answered. It
// survives a Redis restart only as far as Redis persists it: with
// appendonly yes and appendfsync always, Redis writes and fsyncs the entry
// before it answers, so nothing acknowledged is lost; with the default
// appendfsync everysec up to a second of entries can be lost on a crash (a
// clean shutdown loses nothing); with RDB snapshots only, everything since
// the last snapshot can be lost.
//
// Redis going away ends the subscriptions with an error wrapping
// broker.ErrUnavailable (clients reconnect and resume by id), and Publish
// and Subscribe fail fast with broker.ErrUnavailable until a background
// PING, retried with exponential backoff, reaches Redis again.
package redisbroker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/eventsource-wasm/eventsource-wasm/broker"
	"github.com/eventsource-wasm/eventsource-wasm/broker/internal/mailbox"
)

// Defaults of Options.
const (
	DefaultMaxLen     = 1000
	DefaultKeyPrefix  = "eventsource:topic:"
	DefaultMaxTopics  = 1000
	DefaultBlock      = time.Second
	DefaultMaxBackoff = 5 * time.Second
	DefaultIdleTTL    = 24 * time.Hour
)

const (
	// readCount bounds the entries one XREAD or replay step fetches.
	readCount = 500
	// minBackoff is the first wait before probing an unreachable Redis.
	minBackoff = 50 * time.Millisecond
	// probeTimeout bounds one PING of the prober.
	probeTimeout = time.Second
)

// Options tunes a Broker. Zero fields take the defaults named on each.
type Options struct {
	// MaxLen is how many of the newest messages each topic keeps for
	// replay (DefaultMaxLen).
	MaxLen int64
	// IdleTTL is how long a topic's stream outlives its last publish:
	// Redis then deletes it, and a resume from one of its ids gets
	// broker.ErrIDNotRetained (DefaultIdleTTL; negative: never).
	IdleTTL time.Duration
	// KeyPrefix is prepended to a topic's name to make its stream's key
	// (DefaultKeyPrefix). Instances that share topics must share it.
	KeyPrefix string
	// SubscriberBuffer is how many undelivered live messages a subscriber
	// may have before it is dropped as too slow
	// (broker.DefaultSubscriberBuffer).
	SubscriberBuffer int
	// MaxTopics bounds the topics with local subscribers, each of which
	// holds one Redis connection for its reader; beyond it Subscribe fails
	// with broker.ErrUnavailable (DefaultMaxTopics).
	MaxTopics int
	// Block is how long a reader's XREAD waits for new entries before it
	// checks whether its topic still has subscribers, so it also bounds how
	// long an idle reader outlives its last subscriber (DefaultBlock).
	Block time.Duration
	// MaxBackoff caps the wait between two attempts to reach Redis again
	// after it became unreachable (DefaultMaxBackoff).
	MaxBackoff time.Duration
	// Logger receives outage and recovery reports (slog.Default() when nil).
	Logger *slog.Logger
}

// Broker is a broker.Broker on Redis Streams. Make one with New.
type Broker struct {
	opts Options
	rdb  *redis.Client
	log  *slog.Logger
	addr string

	mu     sync.Mutex // guards topics and closed; taken before a topic's mu
	topics map[string]*topic
	closed bool

	down    atomic.Pointer[outage] // non-nil while Redis is unreachable
	closing chan struct{}          // closed by Close: stops the prober
	wg      sync.WaitGroup         // readers, replays and the prober
}

// outage records since when, and why, Redis is unreachable.
type outage struct {
	since time.Time
	err   error
}

var _ broker.Broker = (*Broker)(nil)

// New connects to the Redis server at rawURL ("redis://[user:password@]host:port/db",
// rediss:// for TLS; query options as redis.ParseURL accepts) and returns a
// Broker on it. It needs Redis 7.0 or newer (for XINFO STREAM's
// entries-added). It fails, wrapping broker.ErrUnavailable, when Redis
// does not answer within ctx, so a misconfigured address shows at start.
func New(ctx context.Context, rawURL string, opts Options) (*Broker, error) {
	ro, err := redis.ParseURL(rawURL)
	if err != nil {
		// A *url.Error quotes the URL, password included: keep only why.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("redisbroker: bad Redis URL: %w", err)
	}
	if opts.MaxLen <= 0 {
		opts.MaxLen = DefaultMaxLen
	}
	if opts.IdleTTL == 0 {
		opts.IdleTTL = DefaultIdleTTL
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = DefaultKeyPrefix
	}
	if opts.SubscriberBuffer <= 0 {
		opts.SubscriberBuffer = broker.DefaultSubscriberBuffer
	}
	if opts.MaxTopics <= 0 {
		opts.MaxTopics = DefaultMaxTopics
	}
	if opts.Block <= 0 {
		opts.Block = DefaultBlock
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	// A retried XADD whose first attempt reached Redis would publish twice,
	// so nothing is retried: the caller sees the error and decides.
	ro.MaxRetries = -1
	// The prober retries with backoff; a request during an outage should
	// get its 503 at once rather than after the client's dial retries.
	if ro.DialerRetries <= 0 {
		ro.DialerRetries = 1
	}
	ro.ContextTimeoutEnabled = true
	// Every reader holds a connection in a blocking XREAD: room for them
	// on top of the usual pool, so they never starve publishers. The pool
	// dials lazily, so a large size costs nothing until used.
	if ro.PoolSize <= 0 {
		ro.PoolSize = 10 * runtime.GOMAXPROCS(0)
	}
	ro.PoolSize += opts.MaxTopics
	rdb := redis.NewClient(ro)
	info, err := rdb.Info(ctx, "server").Result()
	if err != nil {
		rdb.Close()
		return nil, fmt.Errorf("%w: redis at %s: %w", broker.ErrUnavailable, ro.Addr, err)
	}
	version := serverVersion(info)
	major, _, _ := strings.Cut(version, ".")
	if n, err := strconv.Atoi(major); err == nil && n < 7 {
		rdb.Close()
		return nil, fmt.Errorf("redisbroker: redis at %s is version %s; 7.0 or newer is needed", ro.Addr, version)
	}
	return &Broker{
		opts:    opts,
		rdb:     rdb,
		log:     opts.Logger,
		addr:    ro.Addr,
		topics:  make(map[string]*topic),
		closing: make(chan struct{}),
	}, nil
}

// serverVersion returns the redis_version line of INFO server, or "".
func serverVersion(info string) string {
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
			return v
		}
	}
	return ""
}

// Stream fields of an entry.
const (
	fieldEvent = "event" // absent for the default type
	fieldData  = "data"
)

func (b *Broker) key(name string) string { return b.opts.KeyPrefix + name }

// publishScript appends an entry (KEYS[1] the stream, ARGV[1] its id or
// "*", ARGV[4...] its fields and values), trims the stream to ARGV[2]
// entries, recording the newest id it trimmed as max-deleted-entry-id (XADD's
// own MAXLEN does not), and sets the stream to expire ARGV[3] ms after this
// publish (0: never). It returns the new entry's id.
var publishScript = redis.NewScript(`
local id = redis.call('XADD', KEYS[1], ARGV[1], unpack(ARGV, 4))
local over = redis.call('XLEN', KEYS[1]) - tonumber(ARGV[2])
if over > 0 then
  local gone = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', over)
  redis.call('XTRIM', KEYS[1], 'MAXLEN', ARGV[2])
  redis.call('XSETID', KEYS[1], id, 'MAXDELETEDID', gone[#gone][1])
end
if tonumber(ARGV[3]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
else
  redis.call('PERSIST', KEYS[1])
end
return id
`)

// Publish implements broker.Broker: one script that appends, trims to
// MaxLen and sets the idle expiry.
func (b *Broker) Publish(ctx context.Context, name string, m broker.Message) (string, error) {
	id := "*"
	if m.ID != "" {
		v, err := parseID(m.ID)
		if err != nil {
			return "", err
		}
		if v.isZero() {
			return "", fmt.Errorf("%w: 0-0 precedes every id", broker.ErrIDNotIncreasing)
		}
		id = m.ID
	}
	if err := b.usable(); err != nil {
		return "", err
	}
	ttl := max(b.opts.IdleTTL.Milliseconds(), 0)
	args := make([]any, 0, 7)
	args = append(args, id, b.opts.MaxLen, ttl)
	if m.Type != "" {
		args = append(args, fieldEvent, m.Type)
	}
	args = append(args, fieldData, m.Data)
	got, err := publishScript.Run(ctx, b.rdb, []string{b.key(name)}, args...).Text()
	if err != nil {
		// Redis: "The ID specified in XADD is equal or smaller than the
		// target stream top item".
		var reply redis.Error
		if errors.As(err, &reply) && strings.Contains(reply.Error(), "equal or smaller") {
			return "", fmt.Errorf("%w: %s", broker.ErrIDNotIncreasing, m.ID)
		}
		return "", b.classify("publish", err)
	}
	return got, nil
}

// Subscribe implements broker.Broker.
//
// The handover from replay to live works on positions in the stream. The
// subscriber first registers with the topic's reader, which from then on
// hands it every entry it reads (held back while the replay runs). Then one
// atomic look at the stream (a Lua script) checks that after is retained
// and fetches the entries after it up to the stream's end at that moment,
// P. Everything the reader could have read before the registration is at
// most P, so every entry after P reaches the subscriber through the reader;
// at the handover the held-back entries up to P are dropped as duplicates
// and the rest follow in order. A long replay continues in steps on a
// goroutine, each step an atomic look that also checks the stream was not
// trimmed past the replay in the meantime.
func (b *Broker) Subscribe(ctx context.Context, name, after string) (broker.Subscription, error) {
	var from streamID
	if after != "" {
		v, err := parseID(after)
		if err != nil {
			return nil, err
		}
		from = v
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := b.usable(); err != nil {
		return nil, err
	}
	s := &subscription{done: make(chan struct{})}
	t, err := b.join(name, s)
	if err != nil {
		return nil, err
	}
	// The look must come after the reader chose its starting point, or
	// the reader could start past P and skip entries.
	select {
	case <-t.ready:
	case <-s.done:
		return nil, s.Err()
	case <-ctx.Done():
		s.end(nil)
		return nil, ctx.Err()
	}
	v, err := b.look(ctx, t.key, after != "", from)
	if err != nil {
		s.end(nil)
		return nil, err
	}
	t.mu.Lock()
	// No buffer for the whole allowed lag up front: the box grows only
	// while the reader lags.
	s.box = mailbox.New[broker.Message](&t.mu, b.opts.SubscriberBuffer)
	s.replayed = v.last
	t.mu.Unlock()
	s.stop = context.AfterFunc(ctx, func() { s.end(ctx.Err()) })
	switch {
	case len(v.msgs) == 0 && !v.more:
		s.handOver(v.last)
	case !b.spawn(func() { s.replay(ctx, v) }):
		s.end(broker.ErrBrokerClosed)
		s.handOver(v.last) // ended: only closes the channel
	}
	return s, nil
}

// join registers s with name's topic, starting the topic's reader when it
// has none.
func (b *Broker) join(name string, s *subscription) (*topic, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, broker.ErrBrokerClosed
	}
	t := b.topics[name]
	if t == nil {
		if len(b.topics) >= b.opts.MaxTopics {
			return nil, fmt.Errorf("%w: more than %d topics with subscribers on this instance",
				broker.ErrUnavailable, b.opts.MaxTopics)
		}
		t = &topic{
			b:     b,
			name:  name,
			key:   b.key(name),
			ready: make(chan struct{}),
			subs:  make(map[*subscription]struct{}),
		}
		b.topics[name] = t
		b.wg.Go(t.read)
	}
	t.mu.Lock()
	t.subs[s] = struct{}{}
	s.t = t
	t.mu.Unlock()
	return t, nil
}

// spawn runs fn on a goroutine Close waits for, unless b is closed.
func (b *Broker) spawn(fn func()) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	b.wg.Go(fn)
	return true
}

// usable fails fast while b is closed or Redis is known to be unreachable.
func (b *Broker) usable() error {
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return broker.ErrBrokerClosed
	}
	if o := b.down.Load(); o != nil {
		return fmt.Errorf("%w: redis at %s unreachable since %s: %w",
			broker.ErrUnavailable, b.addr, o.since.Format(time.RFC3339), o.err)
	}
	return nil
}

// classify wraps an error of a Redis call made for op. Connection trouble
// and Redis replies that mean "not now" (LOADING, BUSY, ...) become
// broker.ErrUnavailable and start the prober; other replies are returned
// as they are.
func (b *Broker) classify(op string, err error) error {
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	switch {
	case closed:
		return fmt.Errorf("redis %s: %w", op, broker.ErrBrokerClosed)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("redis %s: %w", op, err)
	case isReply(err) && !transientReply(err):
		return fmt.Errorf("redis %s: %w", op, err)
	}
	b.markDown(err)
	return fmt.Errorf("%w: redis %s: %w", broker.ErrUnavailable, op, err)
}

func isReply(err error) bool {
	var reply redis.Error
	return errors.As(err, &reply)
}

// transientReply reports Redis replies that mean the server cannot serve
// now but may soon (loading its data, a busy script, a failover).
func transientReply(err error) bool {
	return redis.IsLoadingError(err) || redis.IsReadOnlyError(err) ||
		redis.IsClusterDownError(err) || redis.IsTryAgainError(err) ||
		redis.IsMasterDownError(err) || redis.IsMaxClientsError(err) ||
		redis.IsNoReplicasError(err) || redis.HasErrorPrefix(err, "BUSY") ||
		redis.HasErrorPrefix(err, "MISCONF")
}

// markDown records that Redis is unreachable and starts the prober, once
// per outage.
func (b *Broker) markDown(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || !b.down.CompareAndSwap(nil, &outage{since: time.Now(), err: err}) {
		return
	}
	b.log.Warn("redis unreachable; subscriptions ended, publishing fails until it is back",
		"addr", b.addr, "err", err)
	b.wg.Go(b.probe)
}

// probe PINGs Redis with exponential backoff until it answers, then clears
// the outage.
func (b *Broker) probe() {
	delay := minBackoff
	timer := time.NewTimer(delay)
	defer timer.Stop()
	for {
		select {
		case <-b.closing:
			return
		case <-timer.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
		err := b.rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			if o := b.down.Swap(nil); o != nil {
				b.log.Info("redis reachable again", "addr", b.addr, "down_for", time.Since(o.since).Round(time.Millisecond))
			}
			return
		}
		delay = min(2*delay, b.opts.MaxBackoff)
		timer.Reset(delay)
	}
}

// Close implements broker.Broker. It ends every subscription with
// broker.ErrBrokerClosed, closes the Redis client and waits for the
// broker's goroutines.
func (b *Broker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	for _, t := range b.topics {
		t.mu.Lock()
		for s := range t.subs {
			s.finish(broker.ErrBrokerClosed)
		}
		t.mu.Unlock()
	}
	close(b.closing)
	b.mu.Unlock()
	// Closing the client closes its connections, which also ends the
	// readers' blocking XREADs at once.
	err := b.rdb.Close()
	b.wg.Wait()
	if err != nil {
		return fmt.Errorf("redisbroker: close: %w", err)
	}
	return nil
}
