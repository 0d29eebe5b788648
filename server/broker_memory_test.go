package server_test

import (
	"context"
	"fmt"
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
