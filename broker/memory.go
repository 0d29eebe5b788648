package broker

import (
	"container/list"
	"context"
	"fmt"
	"hash/maphash"
	"math"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/eventsource-wasm/eventsource-wasm/broker/internal/mailbox"
)

// Defaults of MemoryBrokerConfig.
const (
	DefaultReplaySize       = 1000
	DefaultSubscriberBuffer = 256
	DefaultMaxTopics        = 10000
	DefaultMaxBytes         = 256 << 20
)

// MemoryBrokerConfig sizes a MemoryBroker. Zero fields take the defaults.
type MemoryBrokerConfig struct {
	// ReplaySize is how many of the newest messages each topic keeps for
	// replay (DefaultReplaySize).
	ReplaySize int
	// SubscriberBuffer is how many undelivered live messages a subscriber
	// may have before it is dropped as too slow (DefaultSubscriberBuffer).
	SubscriberBuffer int
	// MaxTopics bounds the number of topics, so arbitrary names cannot
	// exhaust memory. A new topic beyond it evicts the idle topic (one
	// without subscribers) published to least recently; only when every
	// topic has subscribers do calls fail with ErrUnavailable
	// (DefaultMaxTopics).
	MaxTopics int
	// MaxBytes bounds the bytes of retained messages, all topics together
	// (DefaultMaxBytes). Past it a publish evicts the other idle topics,
	// least recently published first, then drops the oldest messages of
	// its own topic, then those of the others.
	MaxBytes int64
}

// MemoryBroker is the in-process Broker: a bounded replay log per topic and
// non-blocking fan-out. Its ids are decimal integers drawn from one counter
// for the whole broker, so they increase within a topic even across its
// eviction and re-creation; "0" means "before the first message".
type MemoryBroker struct {
	cfg MemoryBrokerConfig

	seq   atomic.Uint64 // the newest id the broker chose
	bytes atomic.Int64  // retained bytes, all topics

	mu     sync.Mutex // guards topics, lru, floors and closed
	topics map[string]*memTopic
	// lru orders the topics by their last publish, newest at the front.
	lru *list.List
	// floors remembers, per hash bucket of topic names, the newest id of
	// the topics evicted: a topic created again starts its retained range
	// there, so a Last-Event-ID from before its eviction gets
	// ErrIDNotRetained instead of a replay with a silent gap. Buckets keep
	// this bounded whatever the names, and confine a publisher-chosen id
	// of 2^64-1 to a bucket's names.
	floors [1024]uint64
	seed   maphash.Seed
	closed bool
}

// NewMemoryBroker returns an empty MemoryBroker.
func NewMemoryBroker(cfg MemoryBrokerConfig) *MemoryBroker {
	if cfg.ReplaySize <= 0 {
		cfg.ReplaySize = DefaultReplaySize
	}
	if cfg.SubscriberBuffer <= 0 {
		cfg.SubscriberBuffer = DefaultSubscriberBuffer
	}
	if cfg.MaxTopics <= 0 {
		cfg.MaxTopics = DefaultMaxTopics
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	return &MemoryBroker{cfg: cfg, topics: make(map[string]*memTopic), lru: list.New(), seed: maphash.MakeSeed()}
}

type memTopic struct {
	name string
	elem *list.Element // in the broker's lru; guarded by the broker's mu

	mu sync.Mutex
	// log holds the retained messages, oldest first, at most ReplaySize.
	// It grows with the messages: a ring allocated whole up front would
	// make every topic, even one with a single message, cost ReplaySize
	// messages.
	log     []memEntry
	bytes   int64  // retained bytes of log
	last    uint64 // newest id, or the topic's floor before any message
	evicted uint64 // newest id no longer retained (at least the floor)
	subs    map[*memSub]struct{}
	dead    bool // removed from the broker's map; callers must look again
}

type memEntry struct {
	id   uint64
	size int64 // what the message counts against MaxBytes
	m    Message
}

// memEntryOverhead is what a retained message costs besides its strings.
const memEntryOverhead = 64

// dropOldest discards t's oldest retained message. The caller holds t.mu.
func (t *memTopic) dropOldest(b *MemoryBroker) {
	e := t.log[0]
	t.log[0] = memEntry{} // let the data go
	t.log = t.log[1:]
	t.evicted = e.id
	t.bytes -= e.size
	b.bytes.Add(-e.size)
}

type memSub struct {
	t *memTopic
	// box holds what the reader has not taken yet: small while it keeps
	// up. It and the fields below are guarded by t.mu.
	box *mailbox.Box[Message]
	err error // set before box is closed
	end bool  // finished
	// stop unregisters the context callback; nil without one.
	stop func() bool
}

// topic returns the live topic named name, creating it if needed, and
// marks it as just published to when publish is set.
func (b *MemoryBroker) topic(name string, publish bool) (*memTopic, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrBrokerClosed
	}
	if t := b.topics[name]; t != nil {
		if publish {
			b.lru.MoveToFront(t.elem)
		}
		return t, nil
	}
	if len(b.topics) >= b.cfg.MaxTopics && !b.evictIdle() {
		return nil, fmt.Errorf("%w: %d topics, all with subscribers", ErrUnavailable, b.cfg.MaxTopics)
	}
	floor := b.floors[b.bucket(name)]
	t := &memTopic{name: name, last: floor, evicted: floor, subs: make(map[*memSub]struct{})}
	t.elem = b.lru.PushFront(t)
	b.topics[name] = t
	return t, nil
}

func (b *MemoryBroker) bucket(name string) uint64 {
	return maphash.String(b.seed, name) % uint64(len(b.floors))
}

// evictIdle removes the topic without subscribers published to least
// recently, and reports whether there was one. Topics with subscribers it
// passes move to the front, so the next search does not pass them again.
// The caller holds b.mu.
func (b *MemoryBroker) evictIdle() bool {
	e := b.lru.Back()
	for range b.lru.Len() {
		prev := e.Prev()
		t := e.Value.(*memTopic)
		t.mu.Lock()
		idle := len(t.subs) == 0
		if idle {
			b.remove(t)
		}
		t.mu.Unlock()
		if idle {
			return true
		}
		b.lru.MoveToFront(e)
		e = prev
	}
	return false
}

// remove takes t out of the broker and releases its messages, remembering
// its newest id as the floor of the topic that may take its name. The
// caller holds b.mu and t.mu.
func (b *MemoryBroker) remove(t *memTopic) {
	t.dead = true
	delete(b.topics, t.name)
	b.lru.Remove(t.elem)
	if f := &b.floors[b.bucket(t.name)]; t.last > *f {
		*f = t.last
	}
	b.bytes.Add(-t.bytes)
	t.log, t.bytes = nil, 0
}

// reclaim brings the retained bytes back within MaxBytes after a publish
// to pub. Idle topics go first, least recently published first: a topic
// that nobody follows nor feeds is the least likely to be resumed. Then
// the oldest messages go, pub's first (its newest stays), then the
// others', least recently published first.
func (b *MemoryBroker) reclaim(pub *memTopic) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for e := b.lru.Back(); e != nil && b.overBudget(); {
		prev := e.Prev()
		if t := e.Value.(*memTopic); t != pub {
			t.mu.Lock()
			if len(t.subs) == 0 {
				b.remove(t)
			}
			t.mu.Unlock()
		}
		e = prev
	}
	b.trim(pub, 1)
	for e := b.lru.Back(); e != nil && b.overBudget(); e = e.Prev() {
		b.trim(e.Value.(*memTopic), 0)
	}
}

func (b *MemoryBroker) overBudget() bool { return b.bytes.Load() > b.cfg.MaxBytes }

// trim drops t's oldest messages while the broker is over budget, keeping
// at least keep.
func (b *MemoryBroker) trim(t *memTopic, keep int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for len(t.log) > keep && b.overBudget() {
		t.dropOldest(b)
	}
}

// lockTopic returns name's topic, locked. A topic removed between lookup and
// lock is looked up again.
func (b *MemoryBroker) lockTopic(name string, publish bool) (*memTopic, error) {
	for {
		t, err := b.topic(name, publish)
		if err != nil {
			return nil, err
		}
		t.mu.Lock()
		if !t.dead {
			return t, nil
		}
		t.mu.Unlock()
	}
}

// parseMemID parses a canonical decimal id ("0", "17"; no sign, no leading
// zero), so every id has exactly one spelling.
func parseMemID(s string) (uint64, error) {
	if s == "" || len(s) > 1 && s[0] == '0' {
		return 0, fmt.Errorf("%w: %q", ErrMalformedID, s)
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", ErrMalformedID, s)
	}
	return n, nil
}

// Publish implements Broker.
func (b *MemoryBroker) Publish(_ context.Context, topic string, m Message) (string, error) {
	var want uint64
	if m.ID != "" {
		n, err := parseMemID(m.ID)
		if err != nil {
			return "", err
		}
		want = n
	}
	t, err := b.lockTopic(topic, true)
	if err != nil {
		return "", err
	}
	id, err := b.nextID(t, m.ID != "", want)
	if err != nil {
		t.mu.Unlock()
		return "", err
	}
	m.ID = strconv.FormatUint(id, 10)
	t.last = id
	size := int64(len(m.ID)+len(m.Type)+len(m.Data)) + memEntryOverhead
	t.log = append(t.log, memEntry{id: id, size: size, m: m})
	t.bytes += size
	b.bytes.Add(size)
	if len(t.log) > b.cfg.ReplaySize {
		t.dropOldest(b)
	}
	for s := range t.subs {
		s.deliver(m)
	}
	t.mu.Unlock()
	// After the unlock: reclaim takes the broker's lock, which comes first.
	if b.overBudget() {
		b.reclaim(t)
	}
	return m.ID, nil
}

// nextID returns the id of t's next message: want when chosen is set,
// else the broker's next. The caller holds t.mu.
func (b *MemoryBroker) nextID(t *memTopic, chosen bool, want uint64) (uint64, error) {
	if chosen {
		if want <= t.last {
			return 0, fmt.Errorf("%w: %d <= %d", ErrIDNotIncreasing, want, t.last)
		}
		return want, nil
	}
	// A publisher-chosen id may be ahead of the counter; the counter is
	// not moved past it, so one topic's huge id cannot exhaust the ids of
	// all the others.
	id := b.seq.Add(1)
	if id <= t.last {
		if t.last == math.MaxUint64 { // nothing follows the largest id
			return 0, fmt.Errorf("%w: no id follows %d", ErrIDNotIncreasing, t.last)
		}
		id = t.last + 1
	}
	return id, nil
}

// Subscribe implements Broker.
func (b *MemoryBroker) Subscribe(ctx context.Context, topic, after string) (Subscription, error) {
	var from uint64
	if after != "" {
		n, err := parseMemID(after)
		if err != nil {
			return nil, err
		}
		from = n
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t, err := b.lockTopic(topic, false)
	if err != nil {
		return nil, err
	}
	var replay []Message
	if after != "" {
		if from < t.evicted || from > t.last {
			t.mu.Unlock()
			b.forget(t)
			return nil, fmt.Errorf("%w: %s (retained after %d up to %d)", ErrIDNotRetained, after, t.evicted, t.last)
		}
		// The first retained message with an id above from.
		k := sort.Search(len(t.log), func(k int) bool { return t.log[k].id > from })
		for _, e := range t.log[k:] {
			replay = append(replay, e.m)
		}
	}
	// Replayed messages do not eat into the live allowance.
	limit := len(replay) + b.cfg.SubscriberBuffer
	s := &memSub{t: t, box: mailbox.New[Message](&t.mu, limit)}
	for _, m := range replay {
		s.deliver(m)
	}
	t.subs[s] = struct{}{}
	t.mu.Unlock()
	if ctx.Done() != nil {
		// A context that can never end (the server's streams subscribe
		// with one and Close) needs no callback, which would keep the
		// context alive.
		s.stop = context.AfterFunc(ctx, func() { s.close(ctx.Err(), b) })
	}
	return &memSubscription{s: s, b: b}, nil
}

// forget removes t when nothing makes it worth keeping: no retained
// message and no subscriber.
func (b *MemoryBroker) forget(t *memTopic) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.log) == 0 && len(t.subs) == 0 && !t.dead {
		b.remove(t)
	}
}

// deliver queues m for s without ever waiting, and drops s when it has
// its limit of messages undelivered. The caller holds s.t.mu.
func (s *memSub) deliver(m Message) {
	if !s.box.Put(m) {
		s.finish(ErrSlowSubscriber)
	}
}

// finish ends s with err. The caller holds s.t.mu.
func (s *memSub) finish(err error) {
	if s.end {
		return
	}
	s.end = true
	s.err = err
	delete(s.t.subs, s)
	s.box.Close()
}

func (s *memSub) close(err error, b *MemoryBroker) {
	s.t.mu.Lock()
	s.finish(err)
	s.t.mu.Unlock()
	b.forget(s.t)
}

// memSubscription is a MemoryBroker subscription; it implements Poller.
type memSubscription struct {
	s *memSub
	b *MemoryBroker
}

func (m *memSubscription) Messages() <-chan Message { return m.s.box.C() }

// Notify implements Poller.
func (m *memSubscription) Notify(f func()) {
	m.s.t.mu.Lock()
	defer m.s.t.mu.Unlock()
	m.s.box.Notify(f)
}

// Poll implements Poller.
func (m *memSubscription) Poll(buf []Message) ([]Message, bool) {
	m.s.t.mu.Lock()
	defer m.s.t.mu.Unlock()
	return m.s.box.Poll(buf)
}

func (m *memSubscription) Err() error {
	m.s.t.mu.Lock()
	defer m.s.t.mu.Unlock()
	return m.s.err
}

func (m *memSubscription) Close() {
	if m.s.stop != nil {
		m.s.stop()
	}
	m.s.close(nil, m.b)
}

// Close implements Broker.
func (b *MemoryBroker) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	for _, t := range b.topics {
		t.mu.Lock()
		for s := range t.subs {
			s.finish(ErrBrokerClosed)
		}
		t.mu.Unlock()
	}
	return nil
}
