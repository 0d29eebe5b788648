package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

// stormReport is what `bench storm` prints: once its streams are open, and
// at the end.
type stormReport struct {
	Opened  int     `json:"opened"`
	Reopens int64   `json:"reopens,omitempty"`
	StormMs float64 `json:"storm_ms,omitempty"` // go → the last reopen's response head
	Failed  int64   `json:"failed,omitempty"`   // reopens that got no stream
	Missed  int64   `json:"missed,omitempty"`   // ids never received, all streams together
	Dupes   int64   `json:"dupes,omitempty"`    // ids received twice
}

// stormMain is `bench storm -url U -n N -reopens R`: it opens N streams to
// U, prints a stormReport line, and on a "go" line on stdin has every
// stream close and reopen R times at once, resuming with Last-Event-ID from
// the last id it got, and prints the time that took. Then on "stop <id>"
// (the last id published) it waits for every stream to reach that id and
// prints what was missed or received twice: a server that replays from
// Last-Event-ID misses nothing.
func stormMain(args []string) int {
	fs := flag.NewFlagSet("storm", flag.ExitOnError)
	target := fs.String("url", "", "stream URL (http://127.0.0.1:PORT/topics/NAME)")
	n := fs.Int("n", 1000, "streams")
	reopens := fs.Int("reopens", 10, "reopens per stream")
	fs.Parse(args)
	u, err := streamURL(*target)
	if err != nil {
		fmt.Fprintln(os.Stderr, "storm:", err)
		return 2
	}
	streams := make([]*stormStream, *n)
	for i := range streams {
		streams[i] = &stormStream{u: u}
	}
	var opened atomic.Int64
	openAll(*n, 128, func(i int) {
		if streams[i].open() == nil {
			opened.Add(1)
		}
	})
	enc := json.NewEncoder(os.Stdout)
	enc.Encode(stormReport{Opened: int(opened.Load())})

	in := bufio.NewScanner(os.Stdin)
	in.Scan() // "go"
	var failed atomic.Int64
	start := time.Now()
	openAll(*n, *n, func(i int) { // every stream at once
		for range *reopens {
			streams[i].close()
			if streams[i].open() != nil {
				failed.Add(1)
			}
		}
	})
	rep := stormReport{Opened: int(opened.Load()), Reopens: int64(*n * *reopens), StormMs: float64(time.Since(start).Microseconds()) / 1e3, Failed: failed.Load()}
	enc.Encode(rep)

	in.Scan() // "stop <last id>"
	last, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(in.Text(), "stop")), 10, 64)
	deadline := time.Now().Add(10 * time.Second)
	for _, s := range streams {
		for s.lastID() < last && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		s.close()
		s.mu.Lock()
		rep.Missed += s.missed + max(0, last-s.last)
		rep.Dupes += s.dupes
		s.mu.Unlock()
	}
	enc.Encode(rep)
	return 0
}

// stormStream is one stream that reconnects, and what it received.
type stormStream struct {
	u *url.URL

	mu     sync.Mutex
	conn   net.Conn
	done   chan struct{} // closed when conn's reader has ended
	last   int64         // the newest id received; 0 before any
	missed int64
	dupes  int64
}

func (s *stormStream) lastID() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// open connects, resuming after the last id, and reads on a goroutine.
func (s *stormStream) open() error {
	last := ""
	if id := s.lastID(); id > 0 {
		last = strconv.FormatInt(id, 10)
	}
	conn, resp, err := dialStream(s.u, last, time.Now().Add(10*time.Second))
	if err != nil {
		return err
	}
	done := make(chan struct{})
	s.mu.Lock()
	s.conn, s.done = conn, done
	s.mu.Unlock()
	go func() {
		defer close(done)
		s.read(resp)
	}()
	return nil
}

// close closes the connection and waits until its reader has counted
// everything it had buffered, so the next Last-Event-ID is the true last.
func (s *stormStream) close() {
	s.mu.Lock()
	conn, done := s.conn, s.done
	s.conn = nil
	s.mu.Unlock()
	if conn != nil {
		conn.Close()
		<-done
	}
}

// read records the ids of one connection's events until it closes.
func (s *stormStream) read(resp *http.Response) {
	readEvents(resp.Body, func(ev sse.Event) {
		id, err := strconv.ParseInt(ev.ID, 10, 64)
		if err != nil {
			return
		}
		s.mu.Lock()
		switch {
		case id <= s.last:
			s.dupes++
		case s.last > 0 && id > s.last+1:
			s.missed += id - s.last - 1
		}
		s.last = max(s.last, id)
		s.mu.Unlock()
	})
}

// StormRun is one reconnect storm against one server.
type StormRun struct {
	Server  string `json:"server"`
	Streams int    `json:"streams"`
	stormReport
	Published int    `json:"published"`
	Err       string `json:"err,omitempty"`
}

// stormStreams and stormReopens size the storm: every stream reopens
// stormReopens times, all at once.
const (
	stormStreams = 1000
	stormReopens = 10
)

// runStorm starts the server, opens the streams, publishes every 2 ms while
// they all reopen, then checks what each received.
func runStorm(ctx context.Context, cfg *config, exe, kind string) StormRun {
	run := StormRun{Server: kind, Streams: stormStreams}
	fail := func(err error) StormRun { run.Err = err.Error(); return run }
	sp, err := startServerProc(ctx, cfg, exe, kind)
	if err != nil {
		return fail(err)
	}
	defer sp.close()
	h, err := startHelper(exec.CommandContext(ctx, exe, "storm", "-url", sp.url+"/topics/storm",
		"-n", strconv.Itoa(stormStreams), "-reopens", strconv.Itoa(stormReopens)))
	if err != nil {
		return fail(err)
	}
	defer h.close()
	if err := h.next(&run.stormReport); err != nil {
		return fail(err)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	stop := make(chan struct{})
	lastID := make(chan string, 1)
	go func() { // the publisher
		last := ""
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				lastID <- last
				return
			case <-tick.C:
			}
			if id, err := publish(client, sp.url+"/topics/storm", "x"); err == nil {
				last = id
				run.Published++
			}
		}
	}()
	time.Sleep(200 * time.Millisecond) // events flowing before the storm
	h.send("go")
	err = h.next(&run.stormReport)
	time.Sleep(200 * time.Millisecond) // and after it
	close(stop)
	last := <-lastID
	if err != nil {
		return fail(err)
	}
	h.send("stop", last)
	if err := h.next(&run.stormReport); err != nil {
		return fail(err)
	}
	return run
}
