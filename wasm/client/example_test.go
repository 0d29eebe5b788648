package client_test

import (
	"context"
	"fmt"
	"time"

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
