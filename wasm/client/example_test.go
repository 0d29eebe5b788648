package client_test

import (
	"context"
	"fmt"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
	"github.com/eventsource-wasm/eventsource-wasm/wasm/client"
)

// currentToken stands for the application's token store.
func currentToken(ctx context.Context) (string, error) { return "token", nil }

// A Go-WASM page subscribes to a protected stream. The header function runs
// before every connection, so a reconnection after the token expired sends
// a fresh one, together with the Last-Event-ID of the last event received.
func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // closes the connection: no request or event follows

	conn, err := client.Connect(ctx, "/auth/events", &client.Options{
		HeaderFunc: func(ctx context.Context) (map[string]string, error) {
			tok, err := currentToken(ctx)
			if err != nil {
				return nil, err
			}
			return map[string]string{"Authorization": "Bearer " + tok}, nil
		},
		Backoff:       &client.Backoff{Initial: time.Second, Max: 30 * time.Second},
		RetryOnStatus: []int{429, 503},
	})
	if err != nil {
		fmt.Println(err) // an invalid URL
		return
	}
	for ev, err := range conn.Events() {
		if err != nil {
			fmt.Println("stream failed:", err) // e.g. a 403, or the retries ran out
			return
		}
		fmt.Println(ev.Type, ev.ID, ev.Data)
	}
}

// progress is a Handler that shows what a connection does.
type progress struct{}

func (progress) Open(r client.Response) { fmt.Println("open", r.URL) }

func (progress) Events(evs []sse.Event) { fmt.Println(len(evs), "events in this chunk") }

func (progress) Error(err *client.Error, state client.ReadyState) {
	fmt.Println(state, err.Status, err.Message)
}

// Run reports every open, error and per-chunk batch of events, for code
// that mirrors native EventSource events, such as a JavaScript binding.
func ExampleRun() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := client.Run(ctx, "/events?count=100", nil, progress{}); err != nil {
		fmt.Println("failed for good:", err)
	}
}
