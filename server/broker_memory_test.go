package server_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"

	"github.com/eventsource-wasm/eventsource-wasm/server"
	"github.com/eventsource-wasm/eventsource-wasm/server/brokertest"
)

func TestMemoryBrokerContract(t *testing.T) {
	brokertest.Run(t, func(t *testing.T) server.Broker {
		return server.NewMemoryBroker(server.MemoryBrokerConfig{ReplaySize: 5000, SubscriberBuffer: 64})
	})
}

// BenchmarkMemoryBrokerFanout measures one publish delivered to every
// subscriber of a topic: the time from Publish to the last delivery.
func BenchmarkMemoryBrokerFanout(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			br := server.NewMemoryBroker(server.MemoryBrokerConfig{})
			defer br.Close()
			ctx := context.Background()
			subs := make([]server.Subscription, n)
			for i := range subs {
				s, err := br.Subscribe(ctx, "t", "")
				if err != nil {
					b.Fatal(err)
				}
				subs[i] = s
			}
			for b.Loop() {
				if _, err := br.Publish(ctx, "t", server.Message{Data: "x"}); err != nil {
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
	b := server.NewMemoryBroker(server.MemoryBrokerConfig{})
	defer b.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range topics {
		if _, err := b.Publish(context.Background(), fmt.Sprint("t", i), server.Message{Data: "x"}); err != nil {
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
	b := server.NewMemoryBroker(server.MemoryBrokerConfig{})
	defer b.Close()
	ctx := context.Background()
	if _, err := b.Publish(ctx, "t", server.Message{ID: "18446744073709551615"}); err != nil {
		t.Fatal(err)
	}
	id, err := b.Publish(ctx, "t", server.Message{Data: "next"})
	if !errors.Is(err, server.ErrIDNotIncreasing) {
		t.Fatalf("publish after the largest id: id %q, err %v; want ErrIDNotIncreasing", id, err)
	}
}
