package main

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/eventsource-wasm/eventsource-wasm/broker"
)

// benchmarkFanout measures the in-memory broker's fan-out: one op is one
// Publish until every one of n subscribers (each a goroutine reading its
// subscription, as a stream handler does) has received the message.
func benchmarkFanout(b *testing.B, n int) {
	br := broker.NewMemoryBroker(broker.MemoryBrokerConfig{})
	defer br.Close()
	ctx := context.Background()
	var pending atomic.Int64
	delivered := make(chan struct{}, 1)
	for range n {
		sub, err := br.Subscribe(ctx, "fanout", "")
		if err != nil {
			b.Fatal(err)
		}
		defer sub.Close()
		go func() {
			for range sub.Messages() {
				if pending.Add(-1) == 0 {
					delivered <- struct{}{}
				}
			}
		}()
	}
	msg := broker.Message{Data: `{"price":42.5,"symbol":"EVT"}`}
	for b.Loop() {
		pending.Store(int64(n))
		if _, err := br.Publish(ctx, "fanout", msg); err != nil {
			b.Fatal(err)
		}
		<-delivered
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/delivery")
}

func BenchmarkFanout1k(b *testing.B)  { benchmarkFanout(b, 1000) }
func BenchmarkFanout10k(b *testing.B) { benchmarkFanout(b, 10000) }
