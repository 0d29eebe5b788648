package redisbroker

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/eventsource-wasm/eventsource-wasm/broker"
	"github.com/eventsource-wasm/eventsource-wasm/broker/brokertest"
)

// A resume from exactly the newest trimmed id has lost nothing: it gets a
// replay, not broker.ErrIDNotRetained. One id older does get it.
func TestResumeAtNewestTrimmedID(t *testing.T) {
	b := newTestBroker(t, sharedRedis(t), Options{MaxLen: 5})
	ctx := t.Context()
	var ids []string
	for i := range 8 {
		id, err := b.Publish(ctx, "t", broker.Message{Data: strconv.Itoa(i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	// Retained: ids[3:]; the newest trimmed is ids[2].
	sub, err := b.Subscribe(ctx, "t", ids[2])
	if err != nil {
		t.Fatalf("resume after the newest trimmed id: %v", err)
	}
	defer sub.Close()
	got := brokertest.Receive(t, sub, 5)
	for i, m := range got {
		if m.ID != ids[3+i] {
			t.Fatalf("replay %d: %s, want %s", i, m.ID, ids[3+i])
		}
	}
	if _, err := b.Subscribe(ctx, "t", ids[1]); !errors.Is(err, broker.ErrIDNotRetained) {
		t.Fatalf("resume after a trimmed id: %v, want ErrIDNotRetained", err)
	}
}

// A topic no one publishes to for IdleTTL is deleted; its ids are then
// unknown.
func TestIdleTopicExpires(t *testing.T) {
	r := sharedRedis(t)
	b := newTestBroker(t, r, Options{IdleTTL: 200 * time.Millisecond})
	ctx := t.Context()
	id, err := b.Publish(ctx, "idle", broker.Message{Data: "x"})
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(&redis.Options{Addr: r.Addr()})
	defer c.Close()
	if ttl := c.PTTL(ctx, b.key("idle")).Val(); ttl <= 0 || ttl > 200*time.Millisecond {
		t.Fatalf("the stream's TTL is %v, want at most 200ms", ttl)
	}
	for deadline := time.Now().Add(10 * time.Second); c.Exists(ctx, b.key("idle")).Val() == 1; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the idle stream was not deleted")
		}
	}
	if _, err := b.Subscribe(ctx, "idle", id); !errors.Is(err, broker.ErrIDNotRetained) {
		t.Fatalf("resume on an expired topic: %v, want ErrIDNotRetained", err)
	}
	never := newTestBroker(t, r, Options{IdleTTL: -1})
	if _, err := never.Publish(ctx, "kept", broker.Message{Data: "x"}); err != nil {
		t.Fatal(err)
	}
	if ttl := c.PTTL(ctx, never.key("kept")).Val(); ttl != -1 {
		t.Fatalf("with a negative IdleTTL the stream's TTL is %v, want none (-1)", ttl)
	}
}

// A subscription allocates nothing for the lag it may have: its queue
// grows only while its reader lags.
func TestSubscriptionCostsLittle(t *testing.T) {
	b := newTestBroker(t, sharedRedis(t), Options{SubscriberBuffer: 1000})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	if _, err := b.Publish(ctx, "cheap", broker.Message{Data: "x"}); err != nil {
		t.Fatal(err)
	}
	const n = 2000
	subs := make([]broker.Subscription, 0, n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range n {
		s, err := b.Subscribe(ctx, "cheap", "")
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, s)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / n
	for _, s := range subs {
		s.Close()
	}
	// A buffer for SubscriberBuffer messages up front was 48 KB each.
	if per > 2048 {
		t.Fatalf("%.0f bytes of heap per subscription, want at most 2 KiB", per)
	}
	t.Logf("%.0f bytes of heap per subscription", per)
}
