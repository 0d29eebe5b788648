package redisbroker

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/broker"
)

// BenchmarkFanout1000 measures the fan-out delay of both brokers side by
// side: per op, one Publish to a topic with 1,000 subscribers, each reading
// on its own goroutine, and a wait until all have it. The delay of one
// delivery is from just before Publish to the subscriber's receipt; p50-ns
// and p99-ns are over all deliveries, ns/op is about the slowest one.
//
//	go test -run '^$' -bench Fanout1000 -benchtime 2000x ./broker/redisbroker/
func BenchmarkFanout1000(b *testing.B) {
	b.Run("memory", func(b *testing.B) {
		br := broker.NewMemoryBroker(broker.MemoryBrokerConfig{SubscriberBuffer: 1024})
		defer br.Close()
		benchFanout(b, br)
	})
	b.Run("redis", func(b *testing.B) {
		benchFanout(b, newTestBroker(b, sharedRedis(b), Options{SubscriberBuffer: 1024}))
	})
}

func benchFanout(b *testing.B, br broker.Broker) {
	const subscribers = 1000
	ctx := b.Context()
	var (
		sent     atomic.Int64 // UnixNano just before the current Publish
		arrived  = make(chan struct{}, subscribers)
		delays   = make([][]time.Duration, subscribers)
		readers  sync.WaitGroup
		failures atomic.Int64
	)
	for i := range subscribers {
		sub, err := br.Subscribe(ctx, "fanout", "")
		if err != nil {
			b.Fatal(err)
		}
		defer sub.Close()
		readers.Go(func() {
			for range sub.Messages() {
				delays[i] = append(delays[i], time.Duration(time.Now().UnixNano()-sent.Load()))
				arrived <- struct{}{}
			}
			if sub.Err() != nil {
				failures.Add(1)
				arrived <- struct{}{} // do not leave the publisher waiting
			}
		})
	}
	b.ResetTimer()
	for b.Loop() {
		sent.Store(time.Now().UnixNano())
		if _, err := br.Publish(ctx, "fanout", broker.Message{Data: "x"}); err != nil {
			b.Fatal(err)
		}
		for range subscribers {
			<-arrived
		}
		if n := failures.Load(); n > 0 {
			b.Fatalf("%d subscribers were dropped", n)
		}
	}
	b.StopTimer()
	var all []time.Duration
	for _, d := range delays {
		all = append(all, d...)
	}
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	b.ReportMetric(float64(all[len(all)/2]), "p50-ns")
	b.ReportMetric(float64(all[len(all)*99/100]), "p99-ns")
}
