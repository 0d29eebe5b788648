package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

// What the load generator and the reconnect storm share: event streams on
// raw HTTP/1.1 connections (one connection per stream, as a browser's
// EventSource has, and no client-side pooling to measure), opened many at
// once, and the topic publisher.

// streamURL reads a helper process's -url flag: an http URL on a loopback
// address (the helpers open thousands of connections to it).
func streamURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "http" || !isLoopback(u.Hostname()) {
		return nil, errors.New("-url must be an http URL on a loopback address")
	}
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// dialStream opens an event stream to u, sending lastID as Last-Event-ID
// when it is not "". The stream counts as open once its 200 and
// event-stream headers have arrived before deadline.
func dialStream(u *url.URL, lastID string, deadline time.Time) (net.Conn, *http.Response, error) {
	conn, err := net.DialTimeout("tcp", u.Host, time.Until(deadline))
	if err != nil {
		return nil, nil, fmt.Errorf("dial: %w", err)
	}
	conn.SetDeadline(deadline)
	req := "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\nAccept: text/event-stream\r\nCache-Control: no-store\r\n"
	if lastID != "" {
		req += "Last-Event-ID: " + lastID + "\r\n"
	}
	if _, err := conn.Write([]byte(req + "\r\n")); err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("write request: %w", err)
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(conn, 2048), &http.Request{Method: http.MethodGet})
	if err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("read response: %w", err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		conn.Close()
		return nil, nil, fmt.Errorf("got %s %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	conn.SetDeadline(time.Time{})
	return conn, resp, nil
}

// readEvents parses body until it ends, calling emit for each event.
func readEvents(body io.Reader, emit func(sse.Event)) error {
	p := sse.NewParser(64 << 10)
	buf := make([]byte, 1024)
	for {
		n, err := body.Read(buf)
		if n > 0 {
			if ferr := p.Feed(buf[:n], emit); ferr != nil {
				return ferr
			}
		}
		if err != nil {
			return err
		}
	}
}

// openAll runs open(0) to open(n-1), at most parallel at once, and waits
// for them.
func openAll(n, parallel int, open func(i int)) {
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			open(i)
		})
	}
	wg.Wait()
}

// publish posts data to a topic URL and returns the id the server gave
// the event. Every server under test answers {"id": …}.
func publish(client *http.Client, topicURL, data string) (string, error) {
	resp, err := client.Post(topicURL, "text/plain", strings.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("publish: %w", err)
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

// helper is a child process of the run: a server under test, a load
// generator (`bench loadgen`) or the storm (`bench storm`). It takes
// commands as lines on stdin and answers with lines on stdout: a server
// its URL, the others JSON reports.
type helper struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Scanner
}

func startHelper(cmd *exec.Cmd) (*helper, error) {
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Args, err)
	}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 256<<20) // a load generator's report holds every delay
	return &helper{cmd: cmd, stdin: stdin, out: sc}, nil
}

// next reads the helper's next JSON line into v.
func (h *helper) next(v any) error {
	if !h.out.Scan() {
		return fmt.Errorf("%s ended without its report: %v", h.cmd.Args[1], h.out.Err())
	}
	return json.Unmarshal(h.out.Bytes(), v)
}

// send writes a command line to the helper.
func (h *helper) send(args ...any) { fmt.Fprintln(h.stdin, args...) }

// close ends the helper: its stdin closes (`bench serve` and the load
// generators end on that), then SIGTERM, then after 10 s SIGKILL.
func (h *helper) close() {
	h.stdin.Close()
	h.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		h.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		h.cmd.Process.Kill()
		<-done
	}
}
