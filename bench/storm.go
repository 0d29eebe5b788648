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
	u, err := url.Parse(*target)
	if err != nil || u.Scheme != "http" || !isLoopback(u.Hostname()) {
		fmt.Fprintln(os.Stderr, "storm: -url must be an http URL on a loopback address")
		return 2
	}
	streams := make([]*stormStream, *n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 128)
	opened := atomic.Int64{}
	for i := range streams {
		s := &stormStream{u: u}
		streams[i] = s
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if s.open() == nil {
				opened.Add(1)
			}
		}()
	}
	wg.Wait()
	enc := json.NewEncoder(os.Stdout)
	enc.Encode(stormReport{Opened: int(opened.Load())})

	in := bufio.NewScanner(os.Stdin)
	in.Scan() // "go"
	var failed atomic.Int64
	start := time.Now()
	for _, s := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range *reopens {
				s.close()
				if s.open() != nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
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
	conn, err := net.DialTimeout("tcp", s.u.Host, 10*time.Second)
	if err != nil {
		return err
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	req := "GET " + s.u.RequestURI() + " HTTP/1.1\r\nHost: " + s.u.Host + "\r\nAccept: text/event-stream\r\n"
	if last := s.lastID(); last > 0 {
		req += "Last-Event-ID: " + strconv.FormatInt(last, 10) + "\r\n"
	}
	if _, err := conn.Write([]byte(req + "\r\n")); err != nil {
		conn.Close()
		return err
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(conn, 2048), &http.Request{Method: http.MethodGet})
	if err != nil || resp.StatusCode != http.StatusOK {
		conn.Close()
		return fmt.Errorf("storm: open: %v", err)
	}
	conn.SetDeadline(time.Time{})
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
	p := sse.NewParser(64 << 10)
	buf := make([]byte, 1024)
	for {
		n, err := resp.Body.Read(buf)
		p.Feed(buf[:n], func(ev sse.Event) {
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
		if err != nil {
			return
		}
	}
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
	defer sp.stop()
	cmd := exec.CommandContext(ctx, exe, "storm", "-url", sp.url+"/topics/storm",
		"-n", strconv.Itoa(stormStreams), "-reopens", strconv.Itoa(stormReopens))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return fail(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fail(err)
	}
	if err := cmd.Start(); err != nil {
		return fail(err)
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	out := bufio.NewScanner(stdout)
	next := func() error {
		if !out.Scan() {
			return fmt.Errorf("storm: no report: %v", out.Err())
		}
		return json.Unmarshal(out.Bytes(), &run.stormReport)
	}
	if err := next(); err != nil {
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
			if id, err := publishTo(client, sp.url+"/topics/storm", "x"); err == nil {
				last = id
				run.Published++
			}
		}
	}()
	time.Sleep(200 * time.Millisecond) // events flowing before the storm
	fmt.Fprintln(stdin, "go")
	err = next()
	time.Sleep(200 * time.Millisecond) // and after it
	close(stop)
	last := <-lastID
	if err != nil {
		return fail(err)
	}
	fmt.Fprintln(stdin, "stop", last)
	if err := next(); err != nil {
		return fail(err)
	}
	return run
}

// publishTo posts data to a topic URL and returns the id it got.
func publishTo(client *http.Client, topicURL, data string) (string, error) {
	resp, err := client.Post(topicURL, "text/plain", strings.NewReader(data))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var r struct {
		ID any `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("publish: %s %v", resp.Status, err)
	}
	return fmt.Sprint(r.ID), nil
}
