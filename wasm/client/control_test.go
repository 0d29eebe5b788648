package client

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// startControlled starts a client with a Control in opts.
func startControlled(t *testing.T, opts *Options) (*harness, *Control) {
	t.Helper()
	if opts == nil {
		opts = &Options{}
	}
	opts.Control = NewControl()
	return start(t, opts), opts.Control
}

// wantRetries checks the Retrying reports since the last call.
func (h *harness) wantRetries(want ...Retry) {
	h.t.Helper()
	got := h.rec.takeRetries()
	same := len(got) == len(want)
	for i := 0; same && i < len(got); i++ {
		same = got[i].Attempt == want[i].Attempt && got[i].Delay == want[i].Delay && got[i].Cause == want[i].Cause && got[i].Err != nil
	}
	if !same {
		h.t.Errorf("retries = %+v, want %+v", got, want)
	}
}

// atOnce fails unless r was sent at from.
func atOnce(t *testing.T, r *fakeRequest, from time.Time) {
	t.Helper()
	if d := r.at.Sub(from); d != 0 {
		t.Errorf("reconnected after %v, want at once", d)
	}
}

func TestNativeRetryingReportsEachReconnect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, &Options{RetryOnStatus: []int{503}, HeaderFunc: failingHeadersOnce()})
		// The header function fails: cause headers.
		h.expect("error CONNECTING")
		h.wantRetries(Retry{Attempt: 1, Delay: DefaultRetryDelay, Cause: CauseHeaders})
		h.next().fail(errors.New("connection refused"))
		h.expect("error CONNECTING")
		h.wantRetries(Retry{Attempt: 2, Delay: DefaultRetryDelay, Cause: CauseNetwork})
		h.next().replyRetryAfter(503, "5")
		h.expect("error CONNECTING")
		h.wantRetries(Retry{Attempt: 3, Delay: 5 * time.Second, Cause: CauseStatus})
		b := h.next().open()
		b.send(t, "retry: 1000\ndata: x\n\n")
		b.end()
		h.expect("open", "event message x #", "error CONNECTING")
		// The count starts over after an open.
		h.wantRetries(Retry{Attempt: 1, Delay: time.Second, Cause: CauseEnd})
		h.next().reply(500, "")
		h.expect("error CLOSED")
		h.wantRetries()
	})
}

// failingHeadersOnce is a header function that fails the first time.
func failingHeadersOnce() HeaderFunc {
	calls := 0
	return func(context.Context) (map[string]string, error) {
		calls++
		if calls == 1 {
			return nil, errors.New("token service down")
		}
		return nil, nil
	}
}

// A Retry-After of 0 does not make a tight loop: the client waits at least
// a second, and at least the reconnection time or what backoff says.
func TestNativeRetryAfterZeroHasAFloor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, &Options{RetryOnStatus: []int{503}})
		r := h.next()
		for range 3 {
			r.replyRetryAfter(503, "0")
			h.expect("error CONNECTING")
			at := time.Now()
			if r = h.next(); r.at.Sub(at) != DefaultRetryDelay {
				t.Errorf("Retry-After 0: waited %v, want the reconnection time %v", r.at.Sub(at), DefaultRetryDelay)
			}
		}
		// A server that asked for retry: 0 before still gets the floor.
		b := r.open()
		b.send(t, "retry: 0\n\n")
		b.end()
		h.expect("open", "error CONNECTING")
		r = h.next()
		r.replyRetryAfter(503, "0")
		h.expect("error CONNECTING")
		at := time.Now()
		if r = h.next(); r.at.Sub(at) != minStatusRetryDelay {
			t.Errorf("after retry: 0, Retry-After 0: waited %v, want the floor %v", r.at.Sub(at), minStatusRetryDelay)
		}
	})
	// With backoff the waits grow, whatever Retry-After says.
	synctest.Test(t, func(t *testing.T) {
		h := start(t, &Options{RetryOnStatus: []int{503}, Backoff: &Backoff{Initial: 2 * time.Second}})
		r := h.next()
		var longest time.Duration
		for range 8 {
			r.replyRetryAfter(503, "0")
			h.expect("error CONNECTING")
			at := time.Now()
			r = h.next()
			d := r.at.Sub(at)
			if d < minStatusRetryDelay {
				t.Errorf("waited %v, below the floor", d)
			}
			longest = max(longest, d)
		}
		// The 8th attempt's limit is 2s×2^7; all eight under 4s would mean
		// backoff did not apply (odds against: about one in a million).
		if longest < 4*time.Second {
			t.Errorf("longest wait %v over 8 attempts: backoff does not grow", longest)
		}
	})
}

func TestNativeControlReconnect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, ctl := startControlled(t, &Options{MaxRetries: -1})
		r := h.next()
		b := r.open()
		b.send(t, "id: 4\ndata: a\n\n")
		h.expect("open", "event message a #4")
		// While open: dropped, reported, and reconnected at once, even
		// though MaxRetries forbids reconnects of its own.
		ctl.Reconnect()
		h.expect("error CONNECTING")
		if r.ctx.Err() == nil {
			t.Error("the open request was not aborted")
		}
		if e := h.rec.lastErr(); e == nil || !strings.Contains(e.Message, "reconnecting") {
			t.Errorf("error = %v", e)
		}
		h.wantRetries(Retry{Attempt: 1, Cause: CauseReconnect})
		now := time.Now()
		r = h.next()
		atOnce(t, r, now)
		if v, _ := r.header("Last-Event-ID"); v != "4" {
			t.Errorf("Last-Event-ID = %q, want 4", v)
		}
		// While connecting: the pending request is given up for a new one.
		ctl.Reconnect()
		h.expect("error CONNECTING")
		h.wantRetries(Retry{Attempt: 2, Cause: CauseReconnect})
		h.next().open()
		h.expect("open")
	})
	synctest.Test(t, func(t *testing.T) {
		h, ctl := startControlled(t, nil)
		h.next().open().end()
		h.expect("open", "error CONNECTING")
		h.wantRetries(Retry{Attempt: 1, Delay: DefaultRetryDelay, Cause: CauseEnd})
		time.Sleep(time.Second)
		ctl.Reconnect()
		now := time.Now()
		r := h.next()
		atOnce(t, r, now)
		h.expect() // the error was reported when the stream ended
		h.wantRetries(Retry{Attempt: 1, Cause: CauseReconnect})
	})
}

func TestNativeControlOnline(t *testing.T) {
	// Waiting to reconnect: going back online cuts the wait short.
	synctest.Test(t, func(t *testing.T) {
		h, ctl := startControlled(t, nil)
		r := h.next()
		ctl.Offline()
		r.fail(errors.New("ERR_INTERNET_DISCONNECTED"))
		h.expect("error CONNECTING")
		h.wantRetries(Retry{Attempt: 1, Delay: DefaultRetryDelay, Cause: CauseNetwork})
		time.Sleep(time.Second)
		ctl.Online()
		now := time.Now()
		atOnce(t, h.next(), now)
		h.wantRetries(Retry{Attempt: 1, Cause: CauseOnline})
	})
	// Open, and deaf since going offline: restarted. Open and hearing
	// from the server since: left alone.
	synctest.Test(t, func(t *testing.T) {
		h, ctl := startControlled(t, nil)
		r := h.next()
		b := r.open()
		b.send(t, "id: 1\ndata: a\n\n")
		h.expect("open", "event message a #1")
		time.Sleep(time.Second)
		ctl.Offline()
		time.Sleep(time.Second)
		b.send(t, ": still here\n")
		synctest.Wait()
		ctl.Online()
		h.expect()
		if r.ctx.Err() != nil {
			t.Fatal("a stream that received data after going offline was restarted")
		}
		h.noRequest()
		ctl.Offline()
		time.Sleep(10 * time.Second)
		ctl.Online()
		h.expect("error CONNECTING")
		h.wantRetries(Retry{Attempt: 1, Cause: CauseOnline})
		now := time.Now()
		r = h.next()
		atOnce(t, r, now)
		if v, _ := r.header("Last-Event-ID"); v != "1" {
			t.Errorf("Last-Event-ID = %q, want 1", v)
		}
	})
}

func TestNativeControlSuspendRestore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, ctl := startControlled(t, &Options{HeartbeatTimeout: 5 * time.Second})
		r := h.next()
		b := r.open()
		b.send(t, "id: 9\ndata: a\n\n")
		h.expect("open", "event message a #9")
		// Into the cache: the request ends, nothing is reported, nothing
		// is retried, however long the page stays there.
		ctl.Suspend()
		synctest.Wait()
		if r.ctx.Err() == nil {
			t.Fatal("the request was not aborted on Suspend")
		}
		h.noRequest()
		h.expect()
		h.wantRetries()
		// Out of it: error, retrying, then a request at once with the id.
		ctl.Restore()
		now := time.Now()
		r = h.next()
		atOnce(t, r, now)
		h.expect("error CONNECTING")
		h.wantRetries(Retry{Attempt: 1, Cause: CauseRestore})
		if v, _ := r.header("Last-Event-ID"); v != "9" {
			t.Errorf("Last-Event-ID = %q, want 9", v)
		}
		// Suspended while waiting to reconnect: no request until restored.
		r.fail(errors.New("reset"))
		h.expect("error CONNECTING")
		h.rec.takeRetries()
		ctl.Suspend()
		h.noRequest()
		ctl.Restore()
		now = time.Now()
		atOnce(t, h.next(), now)
		h.expect()
		h.wantRetries(Retry{Attempt: 2, Cause: CauseRestore})
	})
}

// Resume and Visible reconnect a stream that was silent longer than its
// liveness window, and only such a stream. (In a browser, a frozen page's
// timers do not run, so the check on resume comes before the liveness
// timer; here the timer is exact, so judge is tested directly.)
func TestJudgeResume(t *testing.T) {
	s := &stream{opts: Options{HeartbeatTimeout: 5 * time.Second}}
	s.seen.Store(time.Now().Add(-4 * time.Second).UnixNano())
	if d := s.judge([]command{cmdResume, cmdVisible}, time.Time{}); d != nil {
		t.Errorf("silent 4s, window 5s: dropped (%+v)", d.outcome)
	}
	s.seen.Store(time.Now().Add(-6 * time.Second).UnixNano())
	for _, tc := range []struct {
		cmd  command
		want Cause
	}{{cmdResume, CauseResume}, {cmdVisible, CauseVisible}} {
		d := s.judge([]command{tc.cmd}, time.Time{})
		if d == nil || d.cause != tc.want || !d.forced || d.err == nil || !strings.Contains(d.err.Message, "silent") {
			t.Errorf("silent 6s, window 5s, %v: got %+v, want a drop for %s", tc.cmd, d, tc.want)
		}
	}
	s.opts.HeartbeatTimeout = -1
	if d := s.judge([]command{cmdResume}, time.Time{}); d != nil {
		t.Error("no window: dropped")
	}
	// Suspend wins over anything else taken with it.
	if d := s.judge([]command{cmdReconnect, cmdSuspend}, time.Time{}); d == nil || !d.suspend {
		t.Errorf("reconnect+suspend: %+v", d)
	}
}

// The liveness window is learned from steady comment heartbeats: a server
// that stalls then is dropped within three intervals.
func TestNativeLearnedHeartbeat(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, nil)
		b := h.next().open()
		h.expect("open")
		for range 3 {
			b.send(t, ": heartbeat\n")
			time.Sleep(2 * time.Second)
		}
		stalled := time.Now()
		h.expect()
		time.Sleep(6*time.Second - 2*time.Second - time.Millisecond)
		h.expect()
		time.Sleep(time.Millisecond)
		h.expect("error CONNECTING")
		if d := time.Since(stalled) + 2*time.Second; d != 6*time.Second {
			t.Errorf("dropped %v after the last heartbeat, want 3×2s", d)
		}
		if e := h.rec.lastErr(); !strings.Contains(e.Message, "heartbeat interval") {
			t.Errorf("error = %v", e)
		}
		h.wantRetries(Retry{Attempt: 1, Delay: DefaultRetryDelay, Cause: CauseTimeout})
	})
	// Irregular comments, comments too close together, or a negative
	// HeartbeatTimeout: nothing is learned, and silence is not an error.
	for name, tc := range map[string]struct {
		gaps []time.Duration
		opts *Options
	}{
		"irregular": {[]time.Duration{time.Second, 3 * time.Second, 9 * time.Second}, nil},
		"too close": {[]time.Duration{100 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond}, nil},
		"off":       {[]time.Duration{2 * time.Second, 2 * time.Second, 2 * time.Second}, &Options{HeartbeatTimeout: -1}},
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := start(t, tc.opts)
				b := h.next().open()
				b.send(t, ": first\n")
				for _, gap := range tc.gaps {
					time.Sleep(gap)
					b.send(t, ": again\n")
				}
				h.noRequest()
				h.expect("open")
			})
		})
	}
}

// The window learned on one connection carries over to the next one,
// where it also covers a request that gets no answer.
func TestNativeLearnedHeartbeatCarriesOver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, nil)
		b := h.next().open()
		for range 3 {
			b.send(t, ": hb\n")
			time.Sleep(time.Second)
		}
		b.end()
		h.expect("open", "error CONNECTING")
		r := h.next()
		sent := time.Now()
		h.expect()
		time.Sleep(3 * time.Second)
		h.expect("error CONNECTING")
		if r.ctx.Err() == nil || time.Since(sent) != 3*time.Second {
			t.Errorf("the unanswered request was not aborted after 3×1s")
		}
		if got := h.rec.takeRetries(); !slices.ContainsFunc(got, func(r Retry) bool { return r.Cause == CauseTimeout }) {
			t.Errorf("retries %+v, want a timeout", got)
		}
	})
}
