package sse_test

import (
	"bytes"
	"fmt"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

func Example() {
	var stream bytes.Buffer
	enc := sse.NewEncoder(&stream)
	enc.Retry(1500)
	enc.Encode(sse.Event{ID: "7", Type: "deepThoughtOutput", Data: "[\n  42\n]"})
	enc.Comment("heartbeat")
	enc.Encode(sse.Event{Data: "plain message"})

	p := sse.NewParser(0)
	// Feed the stream in two pieces split mid-line: the events are the same.
	b := stream.Bytes()
	for _, chunk := range [][]byte{b[:20], b[20:]} {
		p.Feed(chunk, func(ev sse.Event) {
			fmt.Printf("type=%s id=%s data=%q\n", ev.Type, ev.ID, ev.Data)
		})
	}
	ms, _ := p.Retry()
	fmt.Println("retry:", ms)
	// Output:
	// type=deepThoughtOutput id=7 data="[\n  42\n]"
	// type=message id=7 data="plain message"
	// retry: 1500
}
