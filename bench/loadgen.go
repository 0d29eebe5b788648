package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
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
	h2 := fs.Bool("h2", false, "open the streams over HTTP/2 (cleartext, prior knowledge), many to a connection, instead of one HTTP/1.1 connection each")
	fs.Parse(args)
	u, err := streamURL(*target)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		return 2
	}

	g := &loadgen{u: u}
	if *h2 {
		var p http.Protocols
		p.SetUnencryptedHTTP2(true)
		g.h2 = &http.Client{Transport: &http.Transport{Protocols: &p}}
	}
	start := time.Now()
	openAll(*n, *parallel, func(int) {
		if c, err := g.open(time.Now().Add(*timeout)); err != nil {
			g.failed(err)
		} else {
			go g.read(c)
		}
	})
	g.mu.Lock()
	opened := loadgenOpened{Opened: len(g.conns), Failed: g.nFailed, OpenMs: float64(g.lastOpen.Sub(start).Microseconds()) / 1e3}
	if g.firstErr != nil {
		opened.FirstErr = g.firstErr.Error()
	}
	g.mu.Unlock()
	enc := json.NewEncoder(os.Stdout)
	enc.Encode(opened)

	bufio.NewReader(os.Stdin).ReadString('\n') // "stop", or EOF
	g.mu.Lock()
	for _, c := range g.conns {
		if c.conn != nil {
			c.conn.Close()
		} else {
			c.resp.Body.Close()
		}
	}
	g.mu.Unlock()
	g.readers.Wait()
	rep := loadgenReport{Received: g.received.Load()}
	for _, c := range g.conns {
		rep.DelaysUs = append(rep.DelaysUs, c.delays...)
	}
	enc.Encode(rep)
	return 0
}

type loadgen struct {
	u  *url.URL
	h2 *http.Client // set for streams over HTTP/2

	mu       sync.Mutex
	conns    []*lgConn
	lastOpen time.Time // when the latest stream opened
	nFailed  int
	firstErr error

	readers  sync.WaitGroup
	received atomic.Int64
}

type lgConn struct {
	conn   net.Conn // nil over HTTP/2
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

func (g *loadgen) open(deadline time.Time) (*lgConn, error) {
	var conn net.Conn
	var resp *http.Response
	var err error
	if g.h2 != nil {
		resp, err = g.openH2(deadline)
	} else {
		conn, resp, err = dialStream(g.u, "", deadline)
	}
	if err != nil {
		return nil, err
	}
	c := &lgConn{conn: conn, resp: resp}
	g.mu.Lock()
	g.conns = append(g.conns, c)
	g.lastOpen = time.Now()
	g.readers.Add(1)
	g.mu.Unlock()
	return c, nil
}

// openH2 opens a stream over HTTP/2; the response head must arrive before
// deadline.
func (g *loadgen) openH2(deadline time.Time) (*http.Response, error) {
	// Cancelled only if the head is late: the context also governs the body.
	ctx, cancel := context.WithCancel(context.Background())
	t := time.AfterFunc(time.Until(deadline), cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := g.h2.Do(req)
	if !t.Stop() {
		err = errors.Join(err, errors.New("no response head in time"))
	}
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return nil, fmt.Errorf("h2: %w", err)
	}
	if resp.StatusCode != http.StatusOK || resp.ProtoMajor != 2 {
		resp.Body.Close()
		return nil, fmt.Errorf("h2: got %s over %s", resp.Status, resp.Proto)
	}
	return resp, nil
}

// read parses the stream and records the delay of each event.
func (g *loadgen) read(c *lgConn) {
	defer g.readers.Done()
	readEvents(c.resp.Body, func(ev sse.Event) {
		sent, err := strconv.ParseInt(ev.Data, 10, 64)
		if err != nil {
			return
		}
		d := time.Now().UnixNano() - sent
		c.delays = append(c.delays, int32(min(d/1e3, 1<<31-1)))
		g.received.Add(1)
	})
}
