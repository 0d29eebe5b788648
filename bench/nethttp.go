package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// nethttpMain is `bench serve-nethttp`: the load test's second baseline, a
// topic server written with bare net/http the way a Go tutorial does it:
// one goroutine per stream ranging over a channel of its own, a publish
// sending to each channel (dropping for a client whose 16 slots are full),
// fmt.Fprintf and Flush per event. Only what the load test uses: GET and
// POST /topics/{name}. It prints its URL and runs until stdin closes or it
// gets SIGTERM.
func nethttpMain(args []string) int {
	fs := flag.NewFlagSet("serve-nethttp", flag.ExitOnError)
	fs.Parse(args)
	ts := &tutorialTopics{clients: make(map[string]map[chan string]struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /topics/{name}", ts.subscribe)
	mux.HandleFunc("POST /topics/{name}", ts.publish)
	return serveProcess(func(ctx context.Context) (string, func(), error) { return serveOn(ctx, mux) })
}

type tutorialTopics struct {
	mu      sync.Mutex
	clients map[string]map[chan string]struct{}
	nextID  int
}

func (ts *tutorialTopics) subscribe(w http.ResponseWriter, r *http.Request) {
	flusher := w.(http.Flusher)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()
	topic, ch := r.PathValue("name"), make(chan string, 16)
	ts.mu.Lock()
	if ts.clients[topic] == nil {
		ts.clients[topic] = make(map[chan string]struct{})
	}
	ts.clients[topic][ch] = struct{}{}
	ts.mu.Unlock()
	defer func() {
		ts.mu.Lock()
		delete(ts.clients[topic], ch)
		ts.mu.Unlock()
	}()
	for {
		select {
		case <-r.Context().Done():
			return
		case msg := <-ch:
			fmt.Fprint(w, msg)
			flusher.Flush()
		}
	}
}

func (ts *tutorialTopics) publish(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	topic := r.PathValue("name")
	ts.mu.Lock()
	ts.nextID++
	id := strconv.Itoa(ts.nextID)
	msg := "id: " + id + "\ndata: " + string(body) + "\n\n"
	for ch := range ts.clients[topic] {
		select {
		case ch <- msg:
		default: // a client 16 events behind misses this one
		}
	}
	ts.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"topic":%q,"id":%q}`, topic, id)
}
