package client

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

// piecePump is a BodyPump for the tests. Like the JavaScript pump of the
// wasm module, it feeds each chunk in pieces (of pieceSize bytes here, to
// cut the chunks differently from the pull loop, whose reading of the
// fake body it borrows), stops at once when feed says so, and records the
// wakes feed reports.
type piecePump struct {
	mu    sync.Mutex
	feeds int // pieces fed
	wakes int // pieces after which feed asked for a wake
	late  int // pieces fed after feed said stop
}

const pieceSize = 5

func (p *piecePump) pump(body any, feed func(chunk []byte) (more, wake bool)) error {
	return pump(body.(*fakeBody), nil, func(chunk []byte) (more, wake bool) {
		for len(chunk) > 0 {
			n := min(len(chunk), pieceSize)
			more, wake := feed(chunk[:n])
			chunk = chunk[n:]
			p.mu.Lock()
			p.feeds++
			if wake {
				p.wakes++
			}
			p.mu.Unlock()
			if !more {
				p.checkStopped(feed, chunk)
				return false, false
			}
		}
		return true, false
	})
}

// checkStopped feeds the rest of a chunk after feed said stop, which the
// client must ignore.
func (p *piecePump) checkStopped(feed func([]byte) (bool, bool), rest []byte) {
	if more, wake := feed(append(rest, "data: late\n\n"...)); more || wake {
		p.mu.Lock()
		p.late++
		p.mu.Unlock()
	}
}

func (p *piecePump) counts() (feeds, wakes, late int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.feeds, p.wakes, p.late
}

// A pushed body (Options.Pump) ends an attempt exactly as a pulled one:
// each case runs in both modes and checks the same log and outcome. In
// push mode it also checks the wakes feed reports: one each time the
// liveness timer is started or brought forward inside feed, none else.
func TestNativePushedBody(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  Options
		wakes int
		run   func(t *testing.T, h *harness)
	}{{
		name: "end of the body",
		run: func(t *testing.T, h *harness) {
			b := h.next().open()
			b.send(t, "id: 1\ndata: a\n\ndata: b\n")
			b.send(t, "\n: no event\n")
			b.end()
			h.expect("open", "event message a #1", "event message b #1", "error CONNECTING")
			h.wantErr("the server ended the stream")
			h.wantRetries(Retry{Attempt: 1, Delay: DefaultRetryDelay, Cause: CauseEnd, Err: h.rec.lastErr()})
			if r := h.next(); r.headers["Last-Event-ID"] != "1" {
				t.Errorf("reconnected with Last-Event-ID %q, want 1", r.headers["Last-Event-ID"])
			}
		},
	}, {
		name: "read error",
		run: func(t *testing.T, h *harness) {
			b := h.next().open()
			b.send(t, "data: a\n\n")
			b.lose(errors.New("connection reset"))
			h.expect("open", "event message a #", "error CONNECTING")
			h.wantErr("connection lost: connection reset")
		},
	}, {
		name: "event too large after others",
		opts: Options{MaxEventSize: 16},
		run: func(t *testing.T, h *harness) {
			r := h.next()
			b := r.open()
			b.send(t, "data: small\n\ndata: 0123456789abcdefg\n\ndata: after\n\n")
			h.expect("open", "event message small #", "error CLOSED")
			if err := h.result(); !errors.Is(err, sse.ErrEventTooLarge) {
				t.Fatalf("run = %v, want ErrEventTooLarge", err)
			}
			if !b.closed || r.ctx.Err() == nil {
				t.Error("the body was not closed and aborted")
			}
			h.noRequest()
		},
	}, {
		name: "closed between chunks",
		run: func(t *testing.T, h *harness) {
			r := h.next()
			b := r.open()
			b.send(t, "data: a\n\n")
			h.expect("open", "event message a #")
			h.cancel()
			if err := h.result(); err != nil {
				t.Fatal(err)
			}
			if !b.closed || r.ctx.Err() == nil {
				t.Error("the body was not closed and aborted")
			}
			h.noRequest()
			h.expect()
		},
	}, {
		name: "closed by the handler",
		run: func(t *testing.T, h *harness) {
			h.rec.onEvent = func(sse.Event) { h.cancel() }
			b := h.next().open()
			b.send(t, "data: a\n\n")
			if err := h.result(); err != nil {
				t.Fatal(err)
			}
			h.expect("open", "event message a #")
			h.noRequest()
		},
	}, {
		name: "retry field",
		run: func(t *testing.T, h *harness) {
			b := h.next().open()
			b.send(t, "retry: 1500\ndata: c\n\n")
			b.end()
			h.expect("open", "event message c #", "error CONNECTING")
			ended := time.Now()
			if r := h.next(); r.at.Sub(ended) != 1500*time.Millisecond {
				t.Errorf("reconnected after %v, want the server's 1.5s", r.at.Sub(ended))
			}
		},
	}, {
		name:  "learned heartbeat window, then a shorter one",
		wakes: 2,
		run: func(t *testing.T, h *harness) {
			b := h.next().open()
			h.expect("open")
			// 2 s apart twice: the window is 6 s, which starts the timer.
			// Then 1 s apart twice (the first gap disagrees with 2 s): the
			// window shrinks to 3 s, which brings the timer forward.
			for _, gap := range []time.Duration{2 * time.Second, 2 * time.Second, time.Second, time.Second} {
				b.send(t, ": heartbeat\n")
				time.Sleep(gap)
			}
			b.send(t, ": heartbeat\n")
			stalled := time.Now()
			time.Sleep(3*time.Second - time.Millisecond)
			h.expect()
			time.Sleep(time.Millisecond)
			h.expect("error CONNECTING")
			if d := time.Since(stalled); d != 3*time.Second {
				t.Errorf("dropped %v after the last heartbeat, want 3×1s", d)
			}
			h.wantErr("no data arrived within the heartbeat timeout of 3000 ms (3× the server's heartbeat interval)")
		},
	}, {
		name: "fixed heartbeat timeout",
		opts: Options{HeartbeatTimeout: 5 * time.Second},
		run: func(t *testing.T, h *harness) {
			b := h.next().open()
			time.Sleep(4 * time.Second)
			b.send(t, ": keep-alive\n")
			time.Sleep(5*time.Second - time.Millisecond)
			h.expect("open")
			time.Sleep(time.Millisecond)
			h.expect("error CONNECTING")
			h.wantErr("no data arrived within the heartbeat timeout of 5000 ms")
		},
	}} {
		for _, push := range []bool{false, true} {
			name := tc.name + "/pulled"
			if push {
				name = tc.name + "/pushed"
			}
			t.Run(name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					opts := tc.opts
					p := &piecePump{}
					if push {
						opts.Pump = p.pump
					}
					h := start(t, &opts)
					tc.run(t, h)
					h.cancel()
					synctest.Wait()
					feeds, wakes, late := p.counts()
					if push && feeds == 0 {
						t.Error("the pump was not used")
					}
					if push && wakes != tc.wakes {
						t.Errorf("feed asked for %d wakes, want %d", wakes, tc.wakes)
					}
					if late != 0 {
						t.Errorf("feed took %d pieces after it said stop", late)
					}
				})
			})
		}
	}
}

// wantErr checks the message of the last error reported.
func (h *harness) wantErr(msg string) {
	h.t.Helper()
	if e := h.rec.lastErr(); e == nil || strings.TrimPrefix(e.Error(), "eventsource: ") != msg {
		h.t.Errorf("error %v, want %q", e, msg)
	}
}
