package server

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
)

// Defaults of MemoryBrokerConfig.
const (
	DefaultReplaySize       = 1000
	DefaultSubscriberBuffer = 256
	DefaultMaxTopics        = 10000
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
	// exhaust memory; beyond it calls fail with ErrUnavailable
	// (DefaultMaxTopics).
	MaxTopics int
}

// MemoryBroker is the in-process Broker: a bounded replay ring per topic and
// non-blocking fan-out. Its ids are decimal integers that increase within a
// topic, starting at 1; "0" means "before the first message".
type MemoryBroker struct {
	cfg MemoryBrokerConfig

	mu     sync.Mutex // guards topics and closed
	topics map[string]*memTopic
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
	return &MemoryBroker{cfg: cfg, topics: make(map[string]*memTopic)}
}

type memTopic struct {
	mu sync.Mutex
	// ring grows with the messages up to ReplaySize, oldest at head (0
	// until it is full): a ring allocated whole up front would make every
	// topic, even one with a single message, cost ReplaySize messages.
	ring    []Message
	head, n int
	ids     []uint64 // ids[i] is the numeric id of ring[i]
	last    uint64   // newest id, 0 before any message
	evicted uint64   // newest id pushed out of the ring, 0 if none
	subs    map[*memSub]struct{}
	dead    bool // removed from the broker's map; callers must look again
}

type memSub struct {
	t *memTopic
	// ch is small: a subscriber that keeps up never needs more, and a
	// buffer for the whole allowed lag, allocated up front, would cost every
	// idle stream kilobytes (12 KiB at 256 messages).
	ch chan Message
	// backlog holds, in order, what did not fit in ch; while it is not
	// empty a pump goroutine moves it into ch and Publish appends to it, so
	// the lag grows memory only while it lasts. The fields below are guarded
	// by t.mu.
	backlog []Message
	limit   int           // most undelivered messages (ch plus backlog) before a drop
	pumping bool          // a pump runs: it alone sends on ch, and closes it
	quit    chan struct{} // made with the pump, closed to end it
	err     error         // set before ch is closed
	end     bool          // finished
	// stop unregisters the context callback; nil without one.
	stop func() bool
}

// memSubChan is the capacity of a subscriber's channel (at most its limit).
const memSubChan = 8

// topic returns the live topic named name, creating it when asked.
func (b *MemoryBroker) topic(name string) (*memTopic, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrBrokerClosed
	}
	if t := b.topics[name]; t != nil {
		return t, nil
	}
	if len(b.topics) >= b.cfg.MaxTopics {
		return nil, fmt.Errorf("%w: more than %d topics", ErrUnavailable, b.cfg.MaxTopics)
	}
	t := &memTopic{subs: make(map[*memSub]struct{})}
	b.topics[name] = t
	return t, nil
}

// lockTopic returns name's topic, locked. A topic removed between lookup and
// lock is looked up again.
func (b *MemoryBroker) lockTopic(name string) (*memTopic, error) {
	for {
		t, err := b.topic(name)
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
	t, err := b.lockTopic(topic)
	if err != nil {
		return "", err
	}
	defer t.mu.Unlock()
	id := t.last + 1
	switch {
	case m.ID != "" && want <= t.last:
		return "", fmt.Errorf("%w: %d <= %d", ErrIDNotIncreasing, want, t.last)
	case m.ID != "":
		id = want
	case id == 0: // a publisher chose the largest id: nothing follows it
		return "", fmt.Errorf("%w: no id follows %d", ErrIDNotIncreasing, t.last)
	}
	m.ID = strconv.FormatUint(id, 10)
	t.last = id
	if t.n < b.cfg.ReplaySize {
		t.ring, t.ids = append(t.ring, m), append(t.ids, id)
		t.n++
	} else {
		// Full: the newest message takes the oldest one's place.
		t.evicted = t.ids[t.head]
		t.ring[t.head], t.ids[t.head] = m, id
		t.head = (t.head + 1) % t.n
	}
	for s := range t.subs {
		s.deliver(m)
	}
	return m.ID, nil
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
	t, err := b.lockTopic(topic)
	if err != nil {
		return nil, err
	}
	var replay []Message
	if after != "" {
		if from < t.evicted || from > t.last {
			t.mu.Unlock()
			b.forget(topic, t)
			return nil, fmt.Errorf("%w: %s (retained after %d up to %d)", ErrIDNotRetained, after, t.evicted, t.last)
		}
		size := len(t.ring)
		// The first retained message with an id above from.
		k := sort.Search(t.n, func(k int) bool { return t.ids[(t.head+k)%size] > from })
		for ; k < t.n; k++ {
			replay = append(replay, t.ring[(t.head+k)%size])
		}
	}
	// Replayed messages do not eat into the live allowance.
	limit := len(replay) + b.cfg.SubscriberBuffer
	s := &memSub{t: t, ch: make(chan Message, min(memSubChan, limit)), limit: limit}
	for _, m := range replay {
		s.deliver(m)
	}
	t.subs[s] = struct{}{}
	t.mu.Unlock()
	if ctx.Done() != nil {
		// A context that can never end (the server's streams subscribe
		// with one and Close) needs no callback, which would keep the
		// context alive.
		s.stop = context.AfterFunc(ctx, func() { s.close(ctx.Err(), b, topic) })
	}
	return &memSubscription{s: s, b: b, topic: topic}, nil
}

// forget removes topic when nothing makes it worth keeping: no retained
// message and no subscriber.
func (b *MemoryBroker) forget(name string, t *memTopic) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == 0 && len(t.subs) == 0 && !t.dead && b.topics[name] == t {
		t.dead = true
		delete(b.topics, name)
	}
}

// deliver queues m for s without ever waiting, and drops s when it has
// limit messages undelivered. The caller holds s.t.mu.
func (s *memSub) deliver(m Message) {
	if !s.pumping {
		select {
		case s.ch <- m:
			return
		default:
		}
	}
	if len(s.ch)+len(s.backlog) >= s.limit {
		s.finish(ErrSlowSubscriber)
		return
	}
	s.backlog = append(s.backlog, m)
	if !s.pumping {
		s.pumping = true
		s.quit = make(chan struct{})
		go s.pump()
	}
}

// pump moves the backlog into ch, in order, as the reader takes messages,
// and ends when the backlog is empty or s is finished; then it closes ch if
// s is finished, because finish cannot close a channel pump may send on.
func (s *memSub) pump() {
	t := s.t
	for {
		t.mu.Lock()
		if s.end || len(s.backlog) == 0 {
			s.pumping = false
			s.backlog = nil
			if s.end {
				close(s.ch)
			}
			t.mu.Unlock()
			return
		}
		m, quit := s.backlog[0], s.quit
		t.mu.Unlock()
		select {
		case s.ch <- m:
			t.mu.Lock()
			s.backlog[0] = Message{} // let the data go
			s.backlog = s.backlog[1:]
			t.mu.Unlock()
		case <-quit:
		}
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
	if s.pumping {
		close(s.quit) // the pump closes ch
	} else {
		close(s.ch)
	}
}

func (s *memSub) close(err error, b *MemoryBroker, topic string) {
	s.t.mu.Lock()
	s.finish(err)
	s.t.mu.Unlock()
	b.forget(topic, s.t)
}

type memSubscription struct {
	s     *memSub
	b     *MemoryBroker
	topic string
}

func (m *memSubscription) Messages() <-chan Message { return m.s.ch }

func (m *memSubscription) Err() error {
	m.s.t.mu.Lock()
	defer m.s.t.mu.Unlock()
	return m.s.err
}

func (m *memSubscription) Close() {
	if m.s.stop != nil {
		m.s.stop()
	}
	m.s.close(nil, m.b, m.topic)
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
