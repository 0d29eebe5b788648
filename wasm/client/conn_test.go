package client

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

func TestConnEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := newFakeTransport()
		c, err := connect(context.Background(), ft, testURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.URL() != testURL || c.ReadyState() != Connecting {
			t.Errorf("URL %q state %v", c.URL(), c.ReadyState())
		}
		checked := make(chan struct{})
		go func() {
			r := <-ft.reqs
			b := r.open()
			b.send(t, "id: 1\ndata: a\n\nevent: named\ndata: b\n\n")
			<-checked
			b.end()
			(<-ft.reqs).reply(500, "text/plain")
		}()
		var got []sse.Event
		var final error
		for ev, err := range c.Events() {
			if err != nil {
				final = err
				continue
			}
			got = append(got, ev)
			if len(got) == 1 {
				if c.ReadyState() != Open {
					t.Errorf("state %v while events arrive", c.ReadyState())
				}
				close(checked)
			}
		}
		want := []sse.Event{{Type: "message", Data: "a", ID: "1"}, {Type: "named", Data: "b", ID: "1"}}
		if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("events %+v, want %+v", got, want)
		}
		var e *Error
		if !errors.As(final, &e) || e.Status != 500 {
			t.Errorf("final error %v, want the 500", final)
		}
		if c.ReadyState() != Closed {
			t.Errorf("state %v after failure", c.ReadyState())
		}
	})
}

func TestConnBreakCloses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := newFakeTransport()
		c, err := connect(context.Background(), ft, testURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		r := <-ft.reqs
		go func() {
			b := r.open()
			b.send(t, "data: a\n\ndata: b\n\n")
		}()
		for ev, err := range c.Events() {
			if err != nil || ev.Data != "a" {
				t.Fatalf("first: %+v, %v", ev, err)
			}
			break
		}
		synctest.Wait()
		if c.ReadyState() != Closed || r.ctx.Err() == nil {
			t.Errorf("after break: state %v, request aborted: %v", c.ReadyState(), r.ctx.Err() != nil)
		}
		select {
		case r := <-ft.reqs:
			t.Fatalf("request after close: %s", r.url)
		default:
		}
	})
}

func TestConnCloseEndsIteration(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := newFakeTransport()
		c, err := connect(context.Background(), ft, testURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			b := (<-ft.reqs).open()
			b.send(t, "data: a\n\n")
		}()
		n := 0
		for _, err := range c.Events() {
			if err != nil {
				t.Fatal(err)
			}
			n++
			c.Close()
		}
		if n != 1 {
			t.Errorf("%d events, want 1", n)
		}
	})
}

func TestConnectInvalidURL(t *testing.T) {
	_, err := connect(context.Background(), newFakeTransport(), "/relative", nil)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want an *Error", err)
	}
}
