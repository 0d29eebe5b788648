// Package brokertest is the contract every broker.Broker must meet, as a
// test suite that any implementation runs against itself:
//
//	func TestContract(t *testing.T) {
//		brokertest.Run(t, func(t *testing.T) broker.Broker { return newBroker(t) })
//	}
//
// newBroker must return an empty broker (fresh topics) that retains at
// most 10,000 messages per topic (the eviction test publishes past that)
// and drops a subscriber that has more than 1,000 undelivered messages.
// Run closes the brokers it makes.
package brokertest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/broker"
)

// Bounds the contract assumes of an implementation (see the package doc).
const (
	maxRetained      = 10000
	maxSubscriberLag = 1000
	subscriberFanout = 10000
	// How long a delivery, a subscription's end or one Publish may take
	// before the test fails: only a bound for a broken broker, so generous
	// for the race detector with 10,000 Redis subscribers on a loaded
	// 2-core machine. A Publish that waited for a subscriber that never
	// reads would never return at all.
	deliveryTimeout = 30 * time.Second
	// publishBudget bounds a whole run of publishes with a stuck
	// subscriber, so a broker that waits a little on it every time fails
	// rather than running for hours. Only a bound: speed is make bench's.
	publishBudget     = 2 * time.Minute
	concurrentWriters = 4
)

// Run runs the contract suite; newBroker makes a fresh broker per subtest.
func Run(t *testing.T, newBroker func(t *testing.T) broker.Broker) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b broker.Broker)
	}{
		{"LiveOnlyWithoutID", testLiveOnly},
		{"FieldsPreserved", testFields},
		{"ResumeReplaysMissedOnce", testResume},
		{"ResumeFromEveryID", testResumeEveryID},
		{"MalformedID", testMalformed},
		{"EvictedIDNotRetained", testEvicted},
		{"PublisherIDs", testPublisherIDs},
		{"TopicsIndependent", testTopicsIndependent},
		{"ConcurrentPublishersOneOrder", testConcurrentOrder},
		{"SlowSubscriberDroppedAndResumes", testSlowSubscriber},
		{"PublishNeverBlocksAt10kSubscribers", testFanout10k},
		{"ContextEndsSubscription", testContextEnds},
		{"SubscriptionClose", testSubscriptionClose},
		{"CloseEndsEverything", testClose},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBroker(t)
			t.Cleanup(func() { b.Close() })
			tc.fn(t, b)
		})
	}
}

func ctx(t *testing.T) context.Context { return t.Context() }

// topic returns a topic name unique to the test, so a broker shared with
// other state (a Redis database) starts empty.
func topic(t *testing.T, suffix string) string {
	name := strings.NewReplacer("/", ".", " ", "_").Replace(t.Name())
	return fmt.Sprintf("%s.%d.%s", name, time.Now().UnixNano(), suffix)
}

func publish(t *testing.T, b broker.Broker, topic string, m broker.Message) string {
	t.Helper()
	id, err := b.Publish(ctx(t), topic, m)
	if err != nil {
		t.Fatalf("Publish(%q, %+v): %v", topic, m, err)
	}
	if id == "" {
		t.Fatalf("Publish(%q) returned an empty id", topic)
	}
	return id
}

// publishUnblocked publishes m like publish, failing the test when
// Publish has not returned within deliveryTimeout: with a subscriber that
// never reads, a Publish that waited for it would never return. It
// returns the time Publish took, for the log.
func publishUnblocked(t *testing.T, b broker.Broker, topic string, m broker.Message) (string, time.Duration) {
	t.Helper()
	type result struct {
		id  string
		err error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		id, err := b.Publish(ctx(t), topic, m)
		done <- result{id, err}
	}()
	timeout := time.NewTimer(deliveryTimeout)
	defer timeout.Stop()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("Publish(%q, %+v): %v", topic, m, r.err)
		}
		if r.id == "" {
			t.Fatalf("Publish(%q) returned an empty id", topic)
		}
		return r.id, time.Since(start)
	case <-timeout.C:
		t.Fatalf("Publish(%q) blocked: it did not return within %v while a subscriber does not read", topic, deliveryTimeout)
		return "", 0
	}
}

func publishN(t *testing.T, b broker.Broker, topic string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = publish(t, b, topic, broker.Message{Data: fmt.Sprint("m", i)})
	}
	return ids
}

func subscribe(t *testing.T, b broker.Broker, topic, after string) broker.Subscription {
	t.Helper()
	sub, err := b.Subscribe(ctx(t), topic, after)
	if err != nil {
		t.Fatalf("Subscribe(%q, %q): %v", topic, after, err)
	}
	t.Cleanup(sub.Close)
	return sub
}

// Receive returns the next n messages of sub, or fails the test when the
// subscription ends or they do not arrive in time.
func Receive(t *testing.T, sub broker.Subscription, n int) []broker.Message {
	t.Helper()
	out := make([]broker.Message, 0, n)
	timeout := time.After(deliveryTimeout)
	for len(out) < n {
		select {
		case m, ok := <-sub.Messages():
			if !ok {
				t.Fatalf("subscription ended after %d of %d messages: %v", len(out), n, sub.Err())
			}
			out = append(out, m)
		case <-timeout:
			t.Fatalf("received %d of %d messages in %v", len(out), n, deliveryTimeout)
		}
	}
	return out
}

// expectQuiet fails if a message arrives within d.
func expectQuiet(t *testing.T, sub broker.Subscription, d time.Duration) {
	t.Helper()
	select {
	case m, ok := <-sub.Messages():
		if ok {
			t.Fatalf("unexpected message %+v", m)
		}
		t.Fatalf("subscription ended unexpectedly: %v", sub.Err())
	case <-time.After(d):
	}
}

// expectEnd drains sub until it ends and returns the messages still
// delivered, failing if it does not end in time.
func expectEnd(t *testing.T, sub broker.Subscription) []broker.Message {
	t.Helper()
	var out []broker.Message
	timeout := time.After(deliveryTimeout)
	for {
		select {
		case m, ok := <-sub.Messages():
			if !ok {
				return out
			}
			out = append(out, m)
		case <-timeout:
			t.Fatalf("subscription did not end within %v", deliveryTimeout)
		}
	}
}

// minCounter reads the smallest of several counters.
type minCounter struct{ counts []atomic.Int64 }

func (m *minCounter) Load() int64 {
	low := m.counts[0].Load()
	for i := range m.counts[1:] {
		low = min(low, m.counts[i+1].Load())
	}
	return low
}

func ids(ms []broker.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func testLiveOnly(t *testing.T, b broker.Broker) {
	tp := topic(t, "a")
	publishN(t, b, tp, 3)
	sub := subscribe(t, b, tp, "")
	expectQuiet(t, sub, 50*time.Millisecond)
	want := publishN(t, b, tp, 2)
	if got := ids(Receive(t, sub, 2)); !equal(got, want) {
		t.Fatalf("live ids %v, want %v", got, want)
	}
}

func testFields(t *testing.T, b broker.Broker) {
	tp := topic(t, "a")
	sub := subscribe(t, b, tp, "")
	msgs := []broker.Message{
		{Type: "deepThoughtOutput", Data: "line one\nline two\n\nline four"},
		{Data: ""},
		{Type: "unicode", Data: "é ✓ 🚀 \u0000 nul"},
		{Data: strings.Repeat("x", 64<<10)},
	}
	for i := range msgs {
		msgs[i].ID = publish(t, b, tp, msgs[i])
	}
	for i, got := range Receive(t, sub, len(msgs)) {
		if got != msgs[i] {
			t.Errorf("message %d: got %+.80v, want %+.80v", i, got, msgs[i])
		}
	}
	if msgs[0].ID == msgs[1].ID {
		t.Errorf("two messages share id %q", msgs[0].ID)
	}
}

func testResume(t *testing.T, b broker.Broker) {
	tp := topic(t, "a")
	all := publishN(t, b, tp, 10)
	sub := subscribe(t, b, tp, all[3])
	got := Receive(t, sub, 6)
	if !equal(ids(got), all[4:]) {
		t.Fatalf("replay after %s: %v, want %v", all[3], ids(got), all[4:])
	}
	for i, m := range got {
		if want := fmt.Sprint("m", i+4); m.Data != want {
			t.Fatalf("replayed data %q, want %q", m.Data, want)
		}
	}
	// Live messages follow with no gap and no duplicate.
	more := publishN(t, b, tp, 3)
	if got := ids(Receive(t, sub, 3)); !equal(got, more) {
		t.Fatalf("live after replay: %v, want %v", got, more)
	}
	expectQuiet(t, sub, 50*time.Millisecond)
	// Resuming from the newest id replays nothing.
	last := subscribe(t, b, tp, more[2])
	expectQuiet(t, last, 50*time.Millisecond)
}

func testResumeEveryID(t *testing.T, b broker.Broker) {
	tp := topic(t, "a")
	all := publishN(t, b, tp, 20)
	for i, id := range all {
		sub := subscribe(t, b, tp, id)
		if got := ids(Receive(t, sub, len(all)-i-1)); !equal(got, all[i+1:]) {
			t.Fatalf("after %s: %v, want %v", id, got, all[i+1:])
		}
		sub.Close()
	}
}

func testMalformed(t *testing.T, b broker.Broker) {
	tp := topic(t, "a")
	publishN(t, b, tp, 2)
	for _, id := range []string{"not-an-id!", "12abc", " ", "-1", "1.5"} {
		sub, err := b.Subscribe(ctx(t), tp, id)
		if !errors.Is(err, broker.ErrMalformedID) {
			if sub != nil {
				sub.Close()
			}
			t.Errorf("Subscribe(after %q): err %v, want ErrMalformedID", id, err)
		}
	}
}

func testEvicted(t *testing.T, b broker.Broker) {
	tp := topic(t, "a")
	first := publish(t, b, tp, broker.Message{Data: "first"})
	second := publish(t, b, tp, broker.Message{Data: "second"})
	// Publish until the message after first is gone: resuming from first
	// must then say so rather than silently skip.
	for n := 0; ; n += 100 {
		if n > maxRetained+1000 {
			t.Fatalf("the oldest message is still retained after %d more; the suite needs at most %d retained", n, maxRetained)
		}
		sub, err := b.Subscribe(ctx(t), tp, first)
		if errors.Is(err, broker.ErrIDNotRetained) {
			break
		}
		if err != nil {
			t.Fatalf("Subscribe(after %s): %v", first, err)
		}
		m := Receive(t, sub, 1)[0]
		sub.Close()
		if m.ID != second {
			t.Fatalf("resume after %s gave %s first, want %s (a silent gap)", first, m.ID, second)
		}
		publishN(t, b, tp, 100)
	}
	// A retained id still works, and the newest id too.
	newest := publish(t, b, tp, broker.Message{Data: "newest"})
	sub := subscribe(t, b, tp, newest)
	expectQuiet(t, sub, 20*time.Millisecond)
}

func testPublisherIDs(t *testing.T, b broker.Broker) {
	tp := topic(t, "a")
	last := publish(t, b, tp, broker.Message{Data: "x"})
	if _, err := b.Publish(ctx(t), tp, broker.Message{ID: "not-an-id!", Data: "y"}); !errors.Is(err, broker.ErrMalformedID) {
		t.Errorf("Publish(id not-an-id!): %v, want ErrMalformedID", err)
	}
	if _, err := b.Publish(ctx(t), tp, broker.Message{ID: last, Data: "y"}); !errors.Is(err, broker.ErrIDNotIncreasing) {
		t.Errorf("Publish(id %s again): %v, want ErrIDNotIncreasing", last, err)
	}
}

func testTopicsIndependent(t *testing.T, b broker.Broker) {
	ta, tb := topic(t, "a"), topic(t, "b")
	subA := subscribe(t, b, ta, "")
	subB := subscribe(t, b, tb, "")
	want := publish(t, b, ta, broker.Message{Data: "for a"})
	if got := Receive(t, subA, 1)[0]; got.ID != want || got.Data != "for a" {
		t.Fatalf("topic a got %+v", got)
	}
	expectQuiet(t, subB, 50*time.Millisecond)
}

func testConcurrentOrder(t *testing.T, b broker.Broker) {
	tp := topic(t, "a")
	const perWriter = 100
	total := concurrentWriters * perWriter
	// Two subscribers read while the writers publish.
	var got [2][]string
	var readers sync.WaitGroup
	var counts [2]atomic.Int64
	for i := range got {
		sub := subscribe(t, b, tp, "")
		readers.Go(func() {
			timeout := time.After(deliveryTimeout)
			for len(got[i]) < total {
				select {
				case m, ok := <-sub.Messages():
					if !ok {
						t.Errorf("subscriber %d ended after %d of %d: %v", i, len(got[i]), total, sub.Err())
						return
					}
					got[i] = append(got[i], m.ID)
					counts[i].Add(1)
				case <-timeout:
					t.Errorf("subscriber %d got %d of %d", i, len(got[i]), total)
					return
				}
			}
		})
	}
	received := &minCounter{counts: counts[:]}
	var wg sync.WaitGroup
	seen := make(chan string, total)
	var published atomic.Int64
	for w := range concurrentWriters {
		wg.Go(func() {
			for i := range perWriter {
				// Keep the readers within reach, or they would (rightly) be
				// dropped as slow.
				for deadline := time.Now().Add(deliveryTimeout); published.Load()-received.Load() > 32 && time.Now().Before(deadline); {
					time.Sleep(100 * time.Microsecond)
				}
				published.Add(1)
				id, err := b.Publish(context.Background(), tp, broker.Message{Data: fmt.Sprint(w, "-", i)})
				if err != nil {
					t.Errorf("Publish: %v", err)
					return
				}
				seen <- id
			}
		})
	}
	wg.Wait()
	close(seen)
	unique := map[string]bool{}
	for id := range seen {
		if unique[id] {
			t.Fatalf("id %s issued twice", id)
		}
		unique[id] = true
	}
	readers.Wait()
	if t.Failed() {
		return
	}
	a := got[0]
	if !equal(a, got[1]) {
		t.Fatal("two subscribers saw different orders")
	}
	// The order is the id order: resuming from the k-th id gives the rest.
	r := subscribe(t, b, tp, a[len(a)/2])
	if got := ids(Receive(t, r, len(a)-len(a)/2-1)); !equal(got, a[len(a)/2+1:]) {
		t.Fatal("replay order differs from the live order")
	}
}

func testSlowSubscriber(t *testing.T, b broker.Broker) {
	tp := topic(t, "a")
	slow := subscribe(t, b, tp, "")
	fast := subscribe(t, b, tp, "")
	n := maxSubscriberLag + 500
	var fastGot []string
	var received atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		timeout := time.After(deliveryTimeout)
		for len(fastGot) < n {
			select {
			case m, ok := <-fast.Messages():
				if !ok {
					t.Errorf("the fast subscriber was dropped after %d of %d: %v", len(fastGot), n, fast.Err())
					return
				}
				fastGot = append(fastGot, m.ID)
				received.Add(1)
			case <-timeout:
				t.Errorf("the fast subscriber got %d of %d", len(fastGot), n)
				return
			}
		}
	}()
	start := time.Now()
	var all []string
	for i := 0; i < n; i++ {
		// Keep the fast reader within reach; the slow one never reads.
		for deadline := time.Now().Add(deliveryTimeout); int64(i)-received.Load() > 32 && time.Now().Before(deadline); {
			time.Sleep(100 * time.Microsecond)
		}
		id, _ := publishUnblocked(t, b, tp, broker.Message{Data: fmt.Sprint(i)})
		all = append(all, id)
	}
	if d := time.Since(start); d > publishBudget {
		t.Fatalf("publishing %d messages with a stuck subscriber took %v", n, d)
	}
	<-done
	if t.Failed() {
		return
	}
	if !equal(fastGot, all) {
		t.Fatalf("the fast subscriber missed messages (%d of %d)", len(fastGot), len(all))
	}
	// The slow one got a prefix, then its feed ended with ErrSlowSubscriber.
	got := ids(expectEnd(t, slow))
	if len(got) >= n || !equal(got, all[:len(got)]) {
		t.Fatalf("slow subscriber got %d messages, want a strict in-order prefix of %d", len(got), n)
	}
	if err := slow.Err(); !errors.Is(err, broker.ErrSlowSubscriber) {
		t.Fatalf("slow subscriber ended with %v, want ErrSlowSubscriber", err)
	}
	// It resumes from the last id it got, with nothing lost.
	after := ""
	if len(got) > 0 {
		after = got[len(got)-1]
	}
	if after == "" {
		t.Skip("the slow subscriber got nothing before its drop; resume not checked")
	}
	r, err := b.Subscribe(ctx(t), tp, after)
	if errors.Is(err, broker.ErrIDNotRetained) {
		// Fine when the broker retains fewer than the messages missed: the
		// gap is reported, not hidden.
		t.Logf("resume after %s: %v", after, err)
		return
	}
	if err != nil {
		t.Fatalf("resume after %s: %v", after, err)
	}
	defer r.Close()
	if rest := ids(Receive(t, r, n-len(got))); !equal(rest, all[len(got):]) {
		t.Fatal("resume after a drop lost or repeated messages")
	}
}

func testFanout10k(t *testing.T, b broker.Broker) {
	tp := topic(t, "a")
	subs := make([]broker.Subscription, subscriberFanout)
	for i := range subs {
		subs[i] = subscribe(t, b, tp, "")
	}
	// Nobody reads: every subscriber falls behind and must be dropped,
	// while each Publish returns (publishUnblocked). The times are logged,
	// not judged: the race detector on a loaded machine stretches them
	// tenfold, and make bench measures speed.
	start := time.Now()
	n := maxSubscriberLag + 10
	var slowest time.Duration
	for i := 0; i < n; i++ {
		_, took := publishUnblocked(t, b, tp, broker.Message{Data: "x"})
		slowest = max(slowest, took)
	}
	total := time.Since(start)
	t.Logf("%d publishes to %d stuck subscribers: %v total, slowest %v", n, subscriberFanout, total, slowest)
	if total > publishBudget {
		t.Fatalf("publishing %d messages to %d stuck subscribers took %v: Publish waits on them", n, subscriberFanout, total)
	}
	// A broker may fan out after Publish returns (the Redis one does, from
	// its reader), so each subscriber is left unread until it has ended:
	// draining it earlier would let it keep up after all.
	deadline := time.Now().Add(deliveryTimeout)
	for i, sub := range subs {
		for sub.Err() == nil {
			if time.Now().After(deadline) {
				t.Fatalf("subscriber %d was not dropped within %v", i, deliveryTimeout)
			}
			time.Sleep(5 * time.Millisecond)
		}
		expectEnd(t, sub)
		if err := sub.Err(); !errors.Is(err, broker.ErrSlowSubscriber) {
			t.Fatalf("subscriber %d ended with %v, want ErrSlowSubscriber", i, err)
		}
	}
}

func testContextEnds(t *testing.T, b broker.Broker) {
	tp := topic(t, "a")
	c, cancel := context.WithCancel(ctx(t))
	sub, err := b.Subscribe(c, tp, "")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	cancel()
	expectEnd(t, sub)
	if err := sub.Err(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Err after cancel: %v, want context.Canceled", err)
	}
	// Publishing still works for others.
	other := subscribe(t, b, tp, "")
	publish(t, b, tp, broker.Message{Data: "x"})
	Receive(t, other, 1)
}

func testSubscriptionClose(t *testing.T, b broker.Broker) {
	tp := topic(t, "a")
	sub := subscribe(t, b, tp, "")
	if err := sub.Err(); err != nil {
		t.Fatalf("Err while running: %v", err)
	}
	sub.Close()
	sub.Close() // idempotent
	expectEnd(t, sub)
	if err := sub.Err(); err != nil {
		t.Fatalf("Err after Close: %v, want nil", err)
	}
	publish(t, b, tp, broker.Message{Data: "after close"})
}

func testClose(t *testing.T, b broker.Broker) {
	tp := topic(t, "a")
	sub := subscribe(t, b, tp, "")
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	expectEnd(t, sub)
	if err := sub.Err(); !errors.Is(err, broker.ErrBrokerClosed) {
		t.Fatalf("Err after broker Close: %v, want ErrBrokerClosed", err)
	}
	if _, err := b.Publish(ctx(t), tp, broker.Message{Data: "x"}); !errors.Is(err, broker.ErrBrokerClosed) {
		t.Fatalf("Publish after Close: %v, want ErrBrokerClosed", err)
	}
	if _, err := b.Subscribe(ctx(t), tp, ""); !errors.Is(err, broker.ErrBrokerClosed) {
		t.Fatalf("Subscribe after Close: %v, want ErrBrokerClosed", err)
	}
}
