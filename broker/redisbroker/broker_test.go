package redisbroker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/broker"
	"github.com/eventsource-wasm/eventsource-wasm/broker/brokertest"

	"github.com/eventsource-wasm/eventsource-wasm/broker/redisbroker/redistest"
)

func TestContract(t *testing.T) {
	r := sharedRedis(t)
	brokertest.Run(t, func(t *testing.T) broker.Broker {
		return newTestBroker(t, r, Options{MaxLen: 1000, SubscriberBuffer: 64})
	})
}

func TestParseID(t *testing.T) {
	good := map[string]streamID{
		"0-0":              {},
		"1-0":              {1, 0},
		"1718000000000-42": {1718000000000, 42},
		"18446744073709551615-18446744073709551615": maxID,
	}
	for s, want := range good {
		got, err := parseID(s)
		if err != nil || got != want {
			t.Errorf("parseID(%q) = %v, %v; want %v", s, got, err, want)
		}
		if got.String() != s {
			t.Errorf("%q round-trips as %q", s, got.String())
		}
	}
	for _, s := range []string{"", "1", "-", "+", "$", "*", "1-", "-1", "1-*", "01-0", "1-00", "+1-0", "1-+0",
		"1-0-0", " 1-0", "1-0 ", "1.5-0", "18446744073709551616-0", "0x1-0", "1_0-0"} {
		if _, err := parseID(s); !errors.Is(err, broker.ErrMalformedID) {
			t.Errorf("parseID(%q): %v, want ErrMalformedID", s, err)
		}
	}
	if !(streamID{1, 5}).less(streamID{2, 0}) || !(streamID{2, 0}).less(streamID{2, 1}) || (streamID{2, 1}).less(streamID{2, 1}) {
		t.Error("less does not order by (ms, seq)")
	}
}

// A replay longer than one step (readCount) while publishing goes on: the
// handover from the replay goroutine to the reader loses and repeats
// nothing.
func TestLongReplayDuringPublishing(t *testing.T) {
	r := sharedRedis(t)
	b := newTestBroker(t, r, Options{MaxLen: 10000, SubscriberBuffer: 2000})
	ctx := t.Context()
	var ids []string
	publish := func(n int) {
		for i := 0; i < n; i++ {
			id, err := b.Publish(ctx, "t", broker.Message{Data: fmt.Sprint(len(ids))})
			if err != nil {
				t.Error(err)
				return
			}
			ids = append(ids, id)
		}
	}
	publish(3*readCount + 7)
	// A live subscriber keeps the reader running, so the replaying one
	// joins a reader that is busy.
	live, err := b.Subscribe(ctx, "t", "")
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	const more = 800
	done := make(chan struct{})
	before := len(ids)
	go func() { defer close(done); publish(more) }()
	sub, err := b.Subscribe(ctx, "t", ids[2])
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	got := brokertest.Receive(t, sub, before+more-3)
	<-done
	for i, m := range got {
		if m.ID != ids[i+3] || m.Data != fmt.Sprint(i+3) {
			t.Fatalf("message %d: %s %q, want %s %q", i, m.ID, m.Data, ids[i+3], fmt.Sprint(i+3))
		}
	}
	select {
	case m, ok := <-sub.Messages():
		t.Fatalf("extra message %+v (open %v)", m, ok)
	case <-time.After(50 * time.Millisecond):
	}
	if got := brokertest.Receive(t, live, more); got[0].ID != ids[before] || got[more-1].ID != ids[len(ids)-1] {
		t.Fatalf("live subscriber got %s..%s, want %s..%s", got[0].ID, got[more-1].ID, ids[before], ids[len(ids)-1])
	}
}

// A replay that trimming overtakes ends with ErrSlowSubscriber after an
// in-order prefix, never with a silent gap.
func TestReplayOvertakenByTrimming(t *testing.T) {
	r := sharedRedis(t)
	b := newTestBroker(t, r, Options{MaxLen: 2 * readCount, SubscriberBuffer: 10})
	ctx := t.Context()
	var ids []string
	for i := 0; i < 2*readCount; i++ {
		id, err := b.Publish(ctx, "t", broker.Message{Data: "x"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	sub, err := b.Subscribe(ctx, "t", ids[0])
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	// Nobody reads while the topic moves on by far more than it keeps.
	for i := 0; i < 3*readCount; i++ {
		id, err := b.Publish(ctx, "t", broker.Message{Data: "x"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	var got []string
	timeout := time.After(10 * time.Second)
	for done := false; !done; {
		select {
		case m, ok := <-sub.Messages():
			if !ok {
				done = true
				break
			}
			got = append(got, m.ID)
		case <-timeout:
			t.Fatal("the subscription did not end")
		}
	}
	if !errors.Is(sub.Err(), broker.ErrSlowSubscriber) {
		t.Fatalf("ended with %v, want ErrSlowSubscriber", sub.Err())
	}
	for i, id := range got {
		if id != ids[i+1] {
			t.Fatalf("message %d is %s, want %s: not an in-order prefix", i, id, ids[i+1])
		}
	}
	t.Logf("got a prefix of %d messages, then: %v", len(got), sub.Err())
}

// A topic's reader stops soon after its last subscriber leaves, and Close
// leaves no goroutine behind.
func TestReadersStop(t *testing.T) {
	r := sharedRedis(t)
	base := runtime.NumGoroutine()
	b, err := New(t.Context(), r.URL(), Options{KeyPrefix: prefix(t), Block: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		sub, err := b.Subscribe(t.Context(), fmt.Sprint("t", i), "")
		if err != nil {
			t.Fatal(err)
		}
		sub.Close()
	}
	waitFor(t, "readers to stop", func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return len(b.topics) == 0
	})
	sub, err := b.Subscribe(t.Context(), "t", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-sub.Messages(); ok || !errors.Is(sub.Err(), broker.ErrBrokerClosed) {
		t.Fatalf("subscription after Close: %v", sub.Err())
	}
	waitFor(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= base })
}

// waitFor polls cond for up to 5s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// With Redis gone, subscriptions end with ErrUnavailable and calls fail
// fast with it; once Redis is back the broker works again and nothing it
// acknowledged is lost.
func TestRedisOutage(t *testing.T) {
	r := redistest.New(t)
	b := newTestBroker(t, r, Options{MaxBackoff: 200 * time.Millisecond})
	ctx := t.Context()
	first, err := b.Publish(ctx, "t", broker.Message{Data: "before"})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := b.Subscribe(ctx, "t", "")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	r.Kill()
	select {
	case _, ok := <-sub.Messages():
		if ok {
			t.Fatal("a message while Redis is down")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the subscription did not end when Redis went away")
	}
	if !errors.Is(sub.Err(), broker.ErrUnavailable) {
		t.Fatalf("subscription ended with %v, want ErrUnavailable", sub.Err())
	}
	if _, err := b.Publish(ctx, "t", broker.Message{Data: "lost"}); !errors.Is(err, broker.ErrUnavailable) {
		t.Fatalf("Publish while down: %v, want ErrUnavailable", err)
	}
	if _, err := b.Subscribe(ctx, "t", first); !errors.Is(err, broker.ErrUnavailable) {
		t.Fatalf("Subscribe while down: %v, want ErrUnavailable", err)
	}
	if err := r.Restart(); err != nil {
		t.Fatal(err)
	}
	var second string
	waitFor(t, "publishing to work again", func() bool {
		second, err = b.Publish(ctx, "t", broker.Message{Data: "after"})
		return err == nil
	})
	sub2, err := b.Subscribe(ctx, "t", "0-0")
	if err != nil {
		t.Fatal(err)
	}
	defer sub2.Close()
	got := brokertest.Receive(t, sub2, 2)
	if got[0].ID != first || got[0].Data != "before" || got[1].ID != second || got[1].Data != "after" {
		t.Fatalf("after the restart: %+v, want %s and %s", got, first, second)
	}
}

func TestNewFailsWithoutRedis(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there now
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	if _, err := New(ctx, fmt.Sprintf("redis://127.0.0.1:%d/0", port), Options{}); !errors.Is(err, broker.ErrUnavailable) {
		t.Fatalf("New with nothing listening: %v, want ErrUnavailable", err)
	}
	if _, err := New(ctx, "http://127.0.0.1/", Options{}); err == nil || errors.Is(err, broker.ErrUnavailable) {
		t.Fatalf("New with a bad URL: %v, want a URL error", err)
	}
}

func TestNewHidesPassword(t *testing.T) {
	_, err := New(t.Context(), "redis://user:s3cret@127.0.0.1:notaport/0", Options{})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("New with a bad URL: %v (must fail without quoting the password)", err)
	}
}
