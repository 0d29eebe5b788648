// A WebDriver BiDi client: JSON commands and events over one WebSocket.

package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// bidiConn is a WebDriver BiDi connection. Commands may be sent from any
// goroutine; events go to the handler given to dialBiDi, which runs on the
// reader goroutine and must not block.
type bidiConn struct {
	conn    net.Conn
	wmu     sync.Mutex // serialises frames written by commands and by pong replies
	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan bidiReply
	err     error // why the reader stopped; set once
	done    chan struct{}
	onEvent func(method string, params json.RawMessage)
}

type bidiReply struct {
	Type    string          `json:"type"` // "success" or "error"
	ID      *int64          `json:"id"`
	Method  string          `json:"method"` // for events
	Params  json.RawMessage `json:"params"`
	Result  json.RawMessage `json:"result"`
	Error   string          `json:"error"`
	Message string          `json:"message"`
}

// lockedWriter serialises writes to a connection.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func dialBiDi(ctx context.Context, url string, onEvent func(string, json.RawMessage)) (*bidiConn, error) {
	conn, br, _, err := ws.Dial(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("browser: BiDi dial %s: %w", url, err)
	}
	c := &bidiConn{conn: conn, pending: map[int64]chan bidiReply{}, done: make(chan struct{}), onEvent: onEvent}
	var r io.Reader = conn
	if br != nil {
		r = br
	}
	go c.read(struct {
		io.Reader
		io.Writer
	}{r, lockedWriter{&c.wmu, conn}})
	return c, nil
}

func (c *bidiConn) read(rw io.ReadWriter) {
	var err error
	for {
		var msg []byte
		msg, err = wsutil.ReadServerText(rw)
		if err != nil {
			break
		}
		var r bidiReply
		if err = json.Unmarshal(msg, &r); err != nil {
			err = fmt.Errorf("browser: BiDi message: %w", err)
			break
		}
		if r.ID == nil {
			if r.Type == "event" && c.onEvent != nil {
				c.onEvent(r.Method, r.Params)
			}
			continue
		}
		c.mu.Lock()
		ch := c.pending[*r.ID]
		delete(c.pending, *r.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- r
		}
	}
	c.mu.Lock()
	c.err = err
	c.mu.Unlock()
	close(c.done)
}

// call sends a command and decodes its result into out (which may be nil).
func (c *bidiConn) call(ctx context.Context, method string, params, out any) error {
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return fmt.Errorf("browser: BiDi %s: connection lost: %w", method, err)
	}
	c.nextID++
	id := c.nextID
	ch := make(chan bidiReply, 1)
	c.pending[id] = ch
	c.mu.Unlock()
	forget := func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}
	if params == nil {
		params = struct{}{}
	}
	msg, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		forget()
		return fmt.Errorf("browser: BiDi %s: %w", method, err)
	}
	c.wmu.Lock()
	err = wsutil.WriteClientText(c.conn, msg)
	c.wmu.Unlock()
	if err != nil {
		forget()
		return fmt.Errorf("browser: BiDi %s: %w", method, err)
	}
	select {
	case r := <-ch:
		if r.Type == "error" {
			return fmt.Errorf("browser: BiDi %s: %s: %s", method, r.Error, r.Message)
		}
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(r.Result, out); err != nil {
			return fmt.Errorf("browser: BiDi %s result: %w", method, err)
		}
		return nil
	case <-c.done:
		forget()
		return fmt.Errorf("browser: BiDi %s: connection closed", method)
	case <-ctx.Done():
		forget()
		return fmt.Errorf("browser: BiDi %s: %w", method, ctx.Err())
	}
}

func (c *bidiConn) close() error {
	err := c.conn.Close()
	<-c.done
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
