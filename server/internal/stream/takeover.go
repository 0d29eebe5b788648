package stream

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/broker"
	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

// Why a stream takes its HTTP/1.1 connection over: a handler parked for
// the life of a stream keeps net/http's whole per-connection state: 10 KiB
// of bufio buffers, the request, and the serve goroutine's stack, which the
// first flush grows to 8 KiB (it goes through chunkWriter.writeHeader's
// 2.8 KiB frame) and which cannot shrink while the handler's frames use
// more than a quarter of it. That was two thirds of an idle stream's
// 28 KiB. Taken over, a stream costs two small goroutines (its own, and one
// blocked reading to notice the client leave), the connection and the
// broker's subscription. The stream then writes the chunked framing itself
// and logs its request when it ends.

// Source is what Handoff sends: a subscription read by polling.
type Source interface {
	broker.Poller
	Close()
}

// takeover is the state of a stream that took its connection over.
type takeover struct {
	conn    net.Conn
	aborted bool // end the connection without ending the body
}

// errAborted is the failure of a detached stream that Abort ended.
var errAborted = errors.New("server: stream aborted")

// Detach takes the connection over from net/http and runs serve, which
// must defer st.End(), on a new goroutine. When it reports true the handler
// must return at once, without touching w or r again; when it reports
// false nothing changed and the handler runs serve itself.
//
// Only a stream started with Options.TakeOver by an Engine with
// Config.TakeOver is detached, and only when detachable; writers without
// Hijack (recorders) and an engine that is closing keep the handler's
// goroutine.
func (st *Stream) Detach(w http.ResponseWriter, r *http.Request, serve func()) bool {
	conn, ok := st.hijack(w, r)
	if !ok {
		return false
	}
	st.runDetached(conn, serve)
	return true
}

// hijack takes the connection over when the stream is detachable and the
// engine not closing; the caller must then end the stream on its own.
func (st *Stream) hijack(w http.ResponseWriter, r *http.Request) (net.Conn, bool) {
	if st.failed != nil || !st.detachable(r) {
		return nil, false
	}
	e := st.e
	e.detachMu.Lock()
	select {
	case <-e.closing: // Close may be waiting already: Add must not race it
		e.detachMu.Unlock()
		return nil, false
	default:
	}
	e.detached.Add(1)
	e.detachMu.Unlock()
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		e.detached.Done()
		return nil, false
	}
	out := &chunkedConn{Conn: conn}
	if st.rec != nil {
		out.bytes = &st.rec.Bytes
		st.rec.ResponseWriter = nil // let net/http's connection state go
		st.rec.Detached = true
	}
	st.takeover = &takeover{conn: conn}
	st.out, st.ctrl, st.enc = out, out, sse.NewEncoder(out)
	st.armed = time.Time{} // Hijack cleared the connection's deadlines
	return conn, true
}

// runDetached serves a hijacked stream on its own goroutine, with one more
// blocked reading to notice the client leave.
func (st *Stream) runDetached(conn net.Conn, serve func()) {
	gone := make(chan struct{})
	st.gone = gone
	go func() {
		// Anything the client sends is ignored; its end (or the stream's
		// Close) ends the read.
		defer close(gone)
		buf := make([]byte, 64)
		for {
			if _, err := conn.Read(buf); err != nil {
				return
			}
		}
	}()
	go serve()
}

// detachable reports whether the stream's response is one Detach can take
// over: a GET over HTTP/1.1, whose body is therefore chunked, not
// compressed, from an engine that allows it. HTTP/2, HEAD and HTTP/1.0
// keep net/http's connection.
func (st *Stream) detachable(r *http.Request) bool {
	return st.e.cfg.TakeOver && st.gz == nil && r.Method == http.MethodGet &&
		r.ProtoMajor == 1 && r.ProtoMinor >= 1
}

// endTakeover ends the chunked body (unless aborted or failed), closes the
// connection and logs the request.
func (st *Stream) endTakeover() {
	if st.failed == nil {
		st.deadline()
		_, err := io.WriteString(st.takeover.conn, "0\r\n\r\n") // the end of the chunked body
		st.fail(err)
	}
	st.takeover.conn.Close()
	if st.rec != nil {
		st.rec.Log(context.Background(), st.takeover.aborted)
	}
}

// chunkedConn writes a detached stream's body straight to its connection,
// one HTTP/1.1 chunk and one write per Write call (the sse.Encoder makes
// one Write per event), so nothing waits in a buffer and Flush has nothing
// to do.
type chunkedConn struct {
	net.Conn
	bytes *int64 // counts the body bytes for the request log; nil without one
}

// chunkBufs holds the scratch buffers chunkedConn frames chunks in, so an
// idle stream holds none.
var chunkBufs = sync.Pool{New: func() any { return new([]byte) }}

func (c *chunkedConn) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil // an empty chunk would end the body
	}
	bp := chunkBufs.Get().(*[]byte)
	b := strconv.AppendInt((*bp)[:0], int64(len(p)), 16)
	b = append(append(append(b, "\r\n"...), p...), "\r\n"...)
	_, err := c.Conn.Write(b)
	if cap(b) <= 64<<10 { // big events' buffers go to the collector
		*bp = b
		chunkBufs.Put(bp)
	}
	if err != nil {
		return 0, err
	}
	if c.bytes != nil {
		*c.bytes += int64(len(p))
	}
	return len(p), nil
}

func (c *chunkedConn) Flush() error { return nil }
