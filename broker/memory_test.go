package broker_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/eventsource-wasm/eventsource-wasm/broker"
	"github.com/eventsource-wasm/eventsource-wasm/broker/brokertest"
)

func TestMemoryBrokerContract(t *testing.T) {
	brokertest.Run(t, func(t *testing.T) broker.Broker {
		return broker.NewMemoryBroker(broker.MemoryBrokerConfig{ReplaySize: 5000, SubscriberBuffer: 64})
	})
}

// BenchmarkMemoryBrokerFanout measures one publish delivered to every
// subscriber of a topic: the time from Publish to the last delivery.
func BenchmarkMemoryBrokerFanout(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			br := broker.NewMemoryBroker(broker.MemoryBrokerConfig{})
			defer br.Close()
			ctx := context.Background()
			subs := make([]broker.Subscription, n)
			for i := range subs {
				s, err := br.Subscribe(ctx, "t", "")
				if err != nil {
					b.Fatal(err)
				}
				subs[i] = s
			}
			for b.Loop() {
				if _, err := br.Publish(ctx, "t", broker.Message{Data: "x"}); err != nil {
					b.Fatal(err)
				}
				for _, s := range subs {
					<-s.Messages()
				}
			}
		})
	}
}

// A topic's replay ring grows with its messages: publishing one small
// message to each of many topics must not cost a whole ring per topic
// (ReplaySize messages and ids, 56 KB at the default size).
func TestMemoryBrokerRingGrowsOnDemand(t *testing.T) {
	const topics = 2000
	b := broker.NewMemoryBroker(broker.MemoryBrokerConfig{})
	defer b.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range topics {
		if _, err := b.Publish(context.Background(), fmt.Sprint("t", i), broker.Message{Data: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(b)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 16<<20 {
		t.Fatalf("%d one-message topics take %d MiB", topics, grew>>20)
	}
}

// After a publisher-chosen id of 2^64-1 no id can follow: a broker-chosen
// id must not wrap around to 0, which would break the order replay needs.
func TestMemoryBrokerIDsDoNotWrap(t *testing.T) {
	b := broker.NewMemoryBroker(broker.MemoryBrokerConfig{})
	defer b.Close()
	ctx := context.Background()
	if _, err := b.Publish(ctx, "t", broker.Message{ID: "18446744073709551615"}); err != nil {
		t.Fatal(err)
	}
	id, err := b.Publish(ctx, "t", broker.Message{Data: "next"})
	if !errors.Is(err, broker.ErrIDNotIncreasing) {
		t.Fatalf("publish after the largest id: id %q, err %v; want ErrIDNotIncreasing", id, err)
	}
}

func publishOK(t *testing.T, b broker.Broker, topic string, m broker.Message) string {
	t.Helper()
	id, err := b.Publish(context.Background(), topic, m)
	if err != nil {
		t.Fatalf("Publish(%q): %v", topic, err)
	}
	return id
}

func expectNotRetained(t *testing.T, b broker.Broker, topic, after string) {
	t.Helper()
	sub, err := b.Subscribe(context.Background(), topic, after)
	if err == nil {
		sub.Close()
	}
	if !errors.Is(err, broker.ErrIDNotRetained) {
		t.Fatalf("Subscribe(%q after %s): %v, want ErrIDNotRetained", topic, after, err)
	}
}

// replayAfter returns the ids a subscription resuming after after replays
// (all of them: nothing is published meanwhile).
func replayAfter(t *testing.T, b broker.Broker, topic, after string, n int) []string {
	t.Helper()
	sub, err := b.Subscribe(context.Background(), topic, after)
	if err != nil {
		t.Fatalf("Subscribe(%q after %s): %v", topic, after, err)
	}
	defer sub.Close()
	var got []string
	for _, m := range brokertest.Receive(t, sub, n) {
		got = append(got, m.ID)
	}
	select {
	case m := <-sub.Messages():
		t.Fatalf("replay after %s: unexpected extra message %s", after, m.ID)
	default:
	}
	return got
}

// At MaxTopics a new topic evicts the idle topic published to least
// recently instead of failing; topics with subscribers stay.
func TestMemoryBrokerEvictsIdleTopics(t *testing.T) {
	b := broker.NewMemoryBroker(broker.MemoryBrokerConfig{MaxTopics: 3})
	defer b.Close()
	ctx := context.Background()
	a := publishOK(t, b, "a", broker.Message{Data: "a"})
	s := publishOK(t, b, "s", broker.Message{Data: "s"})
	sub, err := b.Subscribe(ctx, "s", "")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	c := publishOK(t, b, "c", broker.Message{Data: "c"})
	publishOK(t, b, "c", broker.Message{Data: "c2"})
	publishOK(t, b, "a", broker.Message{Data: "a2"}) // a is now newer than c
	for i := range 5 {
		publishOK(t, b, fmt.Sprint("new", i), broker.Message{Data: "x"})
	}
	// c, a and the older new topics went, oldest first; s, subscribed,
	// stayed. (Resuming after the newest id of an evicted topic would be
	// fine: nothing was missed.)
	expectNotRetained(t, b, "c", c)
	expectNotRetained(t, b, "a", a)
	if got := replayAfter(t, b, "s", "0", 1); got[0] != s {
		t.Fatalf("subscribed topic s replays %v, want [%s]", got, s)
	}
	// Once every topic has subscribers, a new one is refused.
	for _, name := range []string{"x1", "x2"} {
		sub, err := b.Subscribe(ctx, name, "")
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
	}
	if _, err := b.Publish(ctx, "another", broker.Message{Data: "x"}); !errors.Is(err, broker.ErrUnavailable) {
		t.Fatalf("publish with all topics subscribed: %v, want ErrUnavailable", err)
	}
}

// A topic evicted and created again never reuses or goes back on an id, so
// a Last-Event-ID from before the eviction cannot replay the wrong events.
func TestMemoryBrokerIDsIncreaseAcrossEviction(t *testing.T) {
	b := broker.NewMemoryBroker(broker.MemoryBrokerConfig{MaxTopics: 1})
	defer b.Close()
	old := make([]string, 3)
	for i := range old {
		old[i] = publishOK(t, b, "a", broker.Message{Data: "old"})
	}
	publishOK(t, b, "b", broker.Message{Data: "evicts a"})
	next := publishOK(t, b, "a", broker.Message{Data: "new"}) // evicts b
	if n, o := parseID(t, next), parseID(t, old[2]); n <= o {
		t.Fatalf("id %d after re-creation does not follow the old %d", n, o)
	}
	expectNotRetained(t, b, "a", old[0])
	// The newest id before the eviction missed exactly the new message.
	if got := replayAfter(t, b, "a", old[2], 1); got[0] != next {
		t.Fatalf("resume after %s: %v, want [%s]", old[2], got, next)
	}

	// The same with publisher-chosen ids far ahead of the broker's.
	publishOK(t, b, "p", broker.Message{ID: "1000", Data: "x"})
	publishOK(t, b, "q", broker.Message{Data: "evicts p"})
	publishOK(t, b, "p", broker.Message{ID: "2000", Data: "y"})
	expectNotRetained(t, b, "p", "500")
}

func parseID(t *testing.T, id string) uint64 {
	t.Helper()
	var n uint64
	if _, err := fmt.Sscan(id, &n); err != nil {
		t.Fatalf("id %q: %v", id, err)
	}
	return n
}

// Retained bytes stay within MaxBytes: idle topics go first, least
// recently published first, then a topic's oldest messages.
func TestMemoryBrokerByteBudget(t *testing.T) {
	const kib = 1 << 10
	data := strings.Repeat("x", kib)
	b := broker.NewMemoryBroker(broker.MemoryBrokerConfig{MaxBytes: 32 * kib})
	defer b.Close()
	var all []string
	for range 200 {
		all = append(all, publishOK(t, b, "a", broker.Message{Data: data}))
	}
	last := len(all) - 1
	expectNotRetained(t, b, "a", all[last-32])
	replayAfter(t, b, "a", all[last-20], 20)

	// Other topics publishing push idle topics out, oldest first, and
	// leave a subscribed topic's history alone.
	sub, err := b.Subscribe(context.Background(), "s", "")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var kept []string
	for range 10 {
		kept = append(kept, publishOK(t, b, "s", broker.Message{Data: data}))
	}
	var first []string
	for i := range 100 {
		first = append(first, publishOK(t, b, fmt.Sprint("t", i), broker.Message{Data: data}))
	}
	expectNotRetained(t, b, "a", all[last-1])
	expectNotRetained(t, b, "t0", "0")
	if got := replayAfter(t, b, "s", kept[0], 9); !slices.Equal(got, kept[1:]) {
		t.Fatalf("subscribed topic replays %v, want %v", got, kept[1:])
	}
	// Ids come from one counter: t98's id is just before t99's.
	if got := replayAfter(t, b, "t99", first[98], 1); got[0] != first[99] {
		t.Fatalf("t99 replays %v, want [%s]", got, first[99])
	}
}

// The default budget holds in memory: 1,000 topics of 64 KiB messages
// (64 MiB published) with an 8 MiB budget keep about 8 MiB.
func TestMemoryBrokerByteBudgetHeap(t *testing.T) {
	const budget = 8 << 20
	b := broker.NewMemoryBroker(broker.MemoryBrokerConfig{MaxBytes: budget})
	defer b.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range 1000 {
		publishOK(t, b, fmt.Sprint("t", i), broker.Message{Data: strings.Repeat("x", 64<<10)})
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(b)
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("64 MiB published with an 8 MiB budget: heap grew %.1f MiB", float64(grew)/(1<<20))
	if grew > 2*budget {
		t.Fatalf("heap grew %d MiB with an 8 MiB budget", grew>>20)
	}
}

// A subscription read through broker.Poller gets the replay, then live
// messages, each once and in order, is told when there is something to
// read, and ends as too slow past its buffer, like one read from Messages.
func TestMemoryBrokerPoller(t *testing.T) {
	b := broker.NewMemoryBroker(broker.MemoryBrokerConfig{SubscriberBuffer: 4})
	defer b.Close()
	ctx := t.Context()
	for i := range 3 {
		if _, err := b.Publish(ctx, "p", broker.Message{Data: fmt.Sprint("old", i)}); err != nil {
			t.Fatal(err)
		}
	}
	sub, err := b.Subscribe(ctx, "p", "1")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	p, ok := sub.(broker.Poller)
	if !ok {
		t.Fatal("MemoryBroker's subscription does not implement broker.Poller")
	}
	notified := 0
	p.Notify(func() { notified++ }) // called under the broker's lock: no race on notified
	if notified != 1 {
		t.Fatalf("Notify with a replay waiting called f %d times, want 1", notified)
	}
	data := func(ms []broker.Message) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Data)
		}
		return out
	}
	got, open := p.Poll(nil)
	if !open || !slices.Equal(data(got), []string{"old1", "old2"}) {
		t.Fatalf("replay: %v, %v", data(got), open)
	}
	for i := range 4 {
		if _, err := b.Publish(ctx, "p", broker.Message{Data: fmt.Sprint("live", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if notified != 2 {
		t.Fatalf("4 live messages after a Poll called f %d more times, want 1", notified-1)
	}
	got, open = p.Poll(nil)
	if !open || !slices.Equal(data(got), []string{"live0", "live1", "live2", "live3"}) {
		t.Fatalf("live: %v, %v", data(got), open)
	}
	for i := range 7 { // past the buffer and the replay's allowance, unread
		b.Publish(ctx, "p", broker.Message{Data: fmt.Sprint("lag", i)})
	}
	got, open = p.Poll(nil)
	if open || !errors.Is(sub.Err(), broker.ErrSlowSubscriber) {
		t.Fatalf("past the buffer: Poll = %v, %v; Err = %v; want the end with ErrSlowSubscriber", data(got), open, sub.Err())
	}
}
