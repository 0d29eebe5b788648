package server_test

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/eventsource-wasm/eventsource-wasm/broker"
	"github.com/eventsource-wasm/eventsource-wasm/broker/redisbroker"
	"github.com/eventsource-wasm/eventsource-wasm/server"
)

// Mount the topic handlers on your own mux, next to your other routes,
// with the in-memory broker.
func Example() {
	b := broker.NewMemoryBroker(broker.MemoryBrokerConfig{})
	defer b.Close()
	topics, err := server.New(server.Config{Broker: b})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /topics/{topic}", topics.Subscribe)
	mux.HandleFunc("POST /topics/{topic}", topics.Publish)
	hs := httptest.NewServer(mux) // in production: http.ListenAndServe
	defer hs.Close()
	defer topics.Close() // first: ends the streams hs.Close waits for

	resp, err := http.Post(hs.URL+"/topics/news?event=headline", "text/plain", strings.NewReader("hello"))
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()

	// A client that reconnects after id 0 gets what it missed, then live
	// events.
	req, _ := http.NewRequest(http.MethodGet, hs.URL+"/topics/news", nil)
	req.Header.Set("Last-Event-ID", "0")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		line := lines.Text()
		if line == "" || strings.HasPrefix(line, ":") {
			continue // a blank line, or the stream's opening comment
		}
		fmt.Println(line)
		if strings.HasPrefix(line, "data:") {
			break
		}
	}
	// Output:
	// id: 1
	// event: headline
	// data: hello
}

// With Redis Streams as the broker, several instances serve the same topics:
// a client resumes by id on any of them.
func Example_redis() {
	b, err := redisbroker.New(context.Background(), "redis://127.0.0.1:6379/0", redisbroker.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	topics, err := server.New(server.Config{Broker: b})
	if err != nil {
		log.Fatal(err)
	}
	defer topics.Close()
	mux := http.NewServeMux()
	mux.Handle("/topics/{topic}", topics) // GET subscribes, POST publishes
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", mux))
}

// Two Servers (here one per broker) share one StreamLimit: together they
// hold at most 10,000 streams, however their clients split.
func ExampleStreamLimit() {
	limit := server.NewStreamLimit(10000)
	local := broker.NewMemoryBroker(broker.MemoryBrokerConfig{})
	defer local.Close()
	audit := broker.NewMemoryBroker(broker.MemoryBrokerConfig{})
	defer audit.Close()
	mux := http.NewServeMux()
	for prefix, b := range map[string]broker.Broker{"/topics/": local, "/audit/": audit} {
		topics, err := server.New(server.Config{Broker: b, StreamLimit: limit})
		if err != nil {
			log.Fatal(err)
		}
		defer topics.Close()
		mux.Handle(prefix+"{topic}", topics)
	}
	// Streams of your own count against the same limit.
	if limit.Acquire() {
		defer limit.Release()
	}
	fmt.Println(limit.Open(), "of", limit.Max())
	// Output: 1 of 10000
}
