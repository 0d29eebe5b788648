package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

// loadgenOpened is what a load generator prints once every stream is open
// (or failed).
type loadgenOpened struct {
	Opened   int     `json:"opened"`
	Failed   int     `json:"failed"`
	FirstErr string  `json:"first_err,omitempty"`
	OpenMs   float64 `json:"open_ms"` // start to the last stream that opened (failures waited for are not counted)
}

// loadgenReport is what it prints when told to stop: the delay of every
// event it received, publish time to receipt, in microseconds.
type loadgenReport struct {
	DelaysUs []int32 `json:"delays_us"`
	Received int64   `json:"received"`
	Broken   int64   `json:"broken"` // streams that ended before the stop
}

// loadgenMain is `bench loadgen -url U -n N`: it opens N event streams to U
// (raw HTTP/1.1 connections, one goroutine each, parsed by the sse
// package), prints a loadgenOpened line, then records the delay of every
// event whose data is a publish time in Unix nanoseconds until a line
// arrives on stdin (or it closes), and prints a loadgenReport line.
func loadgenMain(args []string) int {
	fs := flag.NewFlagSet("loadgen", flag.ExitOnError)
	target := fs.String("url", "", "stream URL (http://127.0.0.1:PORT/topics/NAME)")
	n := fs.Int("n", 1000, "streams to open")
	parallel := fs.Int("parallel", 128, "connections being opened at once")
	timeout := fs.Duration("timeout", 20*time.Second, "give up on a stream whose response head has not arrived after this long")
	fs.Parse(args)
	u, err := url.Parse(*target)
	if err != nil || u.Scheme != "http" || !isLoopback(u.Hostname()) {
		fmt.Fprintln(os.Stderr, "loadgen: -url must be an http URL on a loopback address")
		return 2
	}

	g := &loadgen{u: u, stop: make(chan struct{})}
	start := time.Now()
	sem := make(chan struct{}, *parallel)
	var opening sync.WaitGroup
	for range *n {
		sem <- struct{}{}
		opening.Add(1)
		go func() {
			c, err := g.open(time.Now().Add(*timeout))
			<-sem
			opening.Done()
			if err != nil {
				g.failed(err)
				return
			}
			g.read(c)
		}()
	}
	opening.Wait()
	g.mu.Lock()
	opened := loadgenOpened{Opened: len(g.conns), Failed: g.nFailed, OpenMs: float64(g.lastOpen.Sub(start).Microseconds()) / 1e3}
	if g.firstErr != nil {
		opened.FirstErr = g.firstErr.Error()
	}
	g.mu.Unlock()
	enc := json.NewEncoder(os.Stdout)
	enc.Encode(opened)

	bufio.NewReader(os.Stdin).ReadString('\n') // "stop", or EOF
	close(g.stop)
	g.mu.Lock()
	for _, c := range g.conns {
		c.conn.Close()
	}
	g.mu.Unlock()
	g.readers.Wait()
	rep := loadgenReport{Received: g.received.Load(), Broken: g.broken.Load()}
	for _, c := range g.conns {
		rep.DelaysUs = append(rep.DelaysUs, c.delays...)
	}
	enc.Encode(rep)
	return 0
}

type loadgen struct {
	u    *url.URL
	stop chan struct{}

	mu       sync.Mutex
	conns    []*lgConn
	lastOpen time.Time // when the latest stream opened
	nFailed  int
	firstErr error

	readers  sync.WaitGroup
	received atomic.Int64
	broken   atomic.Int64
}

type lgConn struct {
	conn   net.Conn
	resp   *http.Response
	delays []int32
}

func (g *loadgen) failed(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.nFailed++
	if g.firstErr == nil {
		g.firstErr = err
	}
}

// open connects and reads the response head: a stream counts as open when
// its 200 and event-stream headers have arrived.
func (g *loadgen) open(deadline time.Time) (*lgConn, error) {
	conn, err := net.DialTimeout("tcp", g.u.Host, time.Until(deadline))
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	conn.SetDeadline(deadline)
	req := "GET " + g.u.RequestURI() + " HTTP/1.1\r\nHost: " + g.u.Host +
		"\r\nAccept: text/event-stream\r\nCache-Control: no-store\r\n\r\n"
	if _, err := conn.Write([]byte(req)); err != nil {
		conn.Close()
		return nil, fmt.Errorf("write request: %w", err)
	}
	br := bufio.NewReaderSize(conn, 2048)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("read response: %w", err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		conn.Close()
		return nil, fmt.Errorf("got %s %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	conn.SetDeadline(time.Time{})
	c := &lgConn{conn: conn, resp: resp}
	g.mu.Lock()
	g.conns = append(g.conns, c)
	g.lastOpen = time.Now()
	g.readers.Add(1)
	g.mu.Unlock()
	return c, nil
}

// read parses the stream and records the delay of each event.
func (g *loadgen) read(c *lgConn) {
	defer g.readers.Done()
	p := sse.NewParser(64 << 10)
	buf := make([]byte, 1024)
	emit := func(ev sse.Event) {
		sent, err := strconv.ParseInt(ev.Data, 10, 64)
		if err != nil {
			return
		}
		d := time.Now().UnixNano() - sent
		c.delays = append(c.delays, int32(min(d/1e3, 1<<31-1)))
		g.received.Add(1)
	}
	for {
		n, err := c.resp.Body.Read(buf)
		if n > 0 {
			if ferr := p.Feed(buf[:n], emit); ferr != nil {
				err = ferr
			}
		}
		if err != nil {
			select {
			case <-g.stop:
			default:
				if !errors.Is(err, net.ErrClosed) {
					g.broken.Add(1)
				}
			}
			return
		}
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
