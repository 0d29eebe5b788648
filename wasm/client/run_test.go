package client

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
	"unicode/utf8"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

func TestNativeRequestAndReconnect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, nil)
		r := h.next()
		if r.method != "GET" || r.url != testURL || r.credentials || r.body != nil {
			t.Errorf("request %s %s credentials=%v body=%q", r.method, r.url, r.credentials, r.body)
		}
		if v, _ := r.header("Accept"); v != "text/event-stream" {
			t.Errorf("Accept = %q", v)
		}
		if _, ok := r.header("Last-Event-ID"); ok {
			t.Error("first request sent Last-Event-ID")
		}
		b := r.reply(200, "Text/Event-Stream ; charset=utf-8")
		h.expect("open")
		b.send(t, "id: 7\ndata: a\n\ndata: b\n\n: comment\n")
		h.expect("event message a #7", "event message b #7")
		b.end()
		h.expect("error CONNECTING")
		ended := time.Now()

		// The default reconnection time, then the last event ID as a header.
		r = h.next()
		if d := r.at.Sub(ended); d != DefaultRetryDelay {
			t.Errorf("reconnected after %v, want %v", d, DefaultRetryDelay)
		}
		if v, _ := r.header("Last-Event-ID"); v != "7" {
			t.Errorf("Last-Event-ID = %q, want 7", v)
		}
		b = r.open()
		b.send(t, "retry: 1500\ndata: c\n\n")
		h.expect("open", "event message c #7")
		b.lose(errors.New("connection reset"))
		h.expect("error CONNECTING")
		if e := h.rec.lastErr(); e.Status != 0 || !strings.Contains(e.Error(), "connection reset") {
			t.Errorf("error = %v (status %d)", e, e.Status)
		}
		lost := time.Now()
		if r = h.next(); r.at.Sub(lost) != 1500*time.Millisecond {
			t.Errorf("reconnected after %v, want the server's 1.5s", r.at.Sub(lost))
		}
		// A network error before any response also reconnects, with the
		// server's reconnection time kept.
		r.fail(errors.New("connection refused"))
		h.expect("error CONNECTING")
		failed := time.Now()
		if r = h.next(); r.at.Sub(failed) != 1500*time.Millisecond {
			t.Errorf("reconnected after %v", r.at.Sub(failed))
		}
		h.cancel()
		if err := h.result(); err != nil {
			t.Errorf("run = %v after cancel, want nil", err)
		}
		h.expect()
	})
}

func TestNativeFailTheConnection(t *testing.T) {
	for _, tc := range []struct {
		name        string
		status      int
		contentType string
	}{
		{"500", 500, "text/event-stream"},
		{"204", 204, ""},
		{"201", 201, "text/event-stream"},
		{"401 without a header function", 401, "application/json"},
		{"wrong content type", 200, "text/plain"},
		{"no content type", 200, ""},
		{"event-stream prefix", 200, "text/event-streams"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := start(t, &Options{HeartbeatTimeout: time.Minute, MaxRetries: 5})
				h.next().reply(tc.status, tc.contentType)
				h.expect("error CLOSED")
				err := h.result()
				var e *Error
				if !errors.As(err, &e) || e.Status != tc.status || e != h.rec.lastErr() {
					t.Fatalf("run = %v, want the reported *Error with status %d", err, tc.status)
				}
				if tc.status != 200 && !strings.Contains(e.Message, strconv.Itoa(tc.status)) {
					t.Errorf("message %q does not give the status", e.Message)
				}
				h.noRequest()
			})
		})
	}
}

func TestNativeCloseStopsEverything(t *testing.T) {
	t.Run("while waiting to reconnect", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := start(t, nil)
			h.next().fail(errors.New("refused"))
			h.expect("error CONNECTING")
			time.Sleep(time.Second)
			h.cancel()
			if err := h.result(); err != nil {
				t.Fatal(err)
			}
			h.noRequest()
			h.expect()
		})
	})
	t.Run("while getting headers", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			block := make(chan struct{})
			opts := &Options{HeaderFunc: func(ctx context.Context) (map[string]string, error) {
				select {
				case <-block:
				case <-ctx.Done():
				}
				return nil, ctx.Err()
			}}
			h := start(t, opts)
			synctest.Wait()
			h.cancel()
			if err := h.result(); err != nil {
				t.Fatal(err)
			}
			h.noRequest()
			h.expect()
		})
	})
}

func TestNativeOneBatchPerChunk(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, nil)
		b := h.next().open()
		b.send(t, "data: 1\n\ndata: 2\n\ndata: 3\n\nda")
		b.send(t, "ta: 4\n")
		b.send(t, "\n")
		synctest.Wait()
		if h.rec.batches != 2 || len(h.rec.events) != 4 {
			t.Errorf("%d batches of %d events, want 2 batches of 4", h.rec.batches, len(h.rec.events))
		}
	})
}

// byteRecorder is a ByteHandler that keeps copies of the bytes it is given.
type byteRecorder struct {
	mu     sync.Mutex
	events []string
	chunks int
}

func (r *byteRecorder) Open(Response) {}
func (r *byteRecorder) EventBytes(typ, data, id []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, string(typ)+"|"+string(data)+"|"+string(id))
}
func (r *byteRecorder) BeginChunk([]byte) {}
func (r *byteRecorder) EndChunk() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.chunks++
}
func (r *byteRecorder) Retrying(Retry)           {}
func (r *byteRecorder) Error(*Error, ReadyState) {}

// A ByteHandler gets the stream's bytes undecoded (invalid UTF-8 included,
// for the JavaScript decoder) and one EndChunk per network chunk.
func TestNativeBytesPerChunk(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft, rec := newFakeTransport(), &byteRecorder{}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go runBytes(ctx, ft, testURL, nil, rec)
		b := (<-ft.reqs).open()
		b.send(t, "id: 7\ndata: \xff1\n\nevent: named\nda")
		b.send(t, "ta: 2\n\n")
		b.send(t, ": just a comment\n")
		synctest.Wait()
		rec.mu.Lock()
		defer rec.mu.Unlock()
		want := []string{"|\xff1|7", "named|2|7"}
		if !slices.Equal(rec.events, want) || rec.chunks != 3 {
			t.Errorf("events %q after %d chunks, want %q after 3", rec.events, rec.chunks, want)
		}
	})
}

func TestNativeHeaderFunc(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		opts := &Options{
			Headers: map[string]string{"X-Static": "s", "authorization": "Bearer stale", "accept": "text/html"},
			HeaderFunc: func(context.Context) (map[string]string, error) {
				calls++
				return map[string]string{"Authorization": "Bearer t" + strconv.Itoa(calls)}, nil
			},
			LastEventID: "41",
		}
		h := start(t, opts)
		for i := 1; i <= 3; i++ {
			r := h.next()
			want := map[string]string{"X-Static": "s", "Authorization": "Bearer t" + strconv.Itoa(i),
				"Accept": "text/event-stream", "Last-Event-ID": strconv.Itoa(40 + i)}
			if len(r.headers) != len(want) {
				t.Errorf("request %d headers %v, want %v", i, r.headers, want)
			}
			for k, v := range want {
				if got, _ := r.header(k); got != v {
					t.Errorf("request %d: %s = %q, want %q (all: %v)", i, k, got, v, r.headers)
				}
			}
			b := r.open()
			b.send(t, "id: "+strconv.Itoa(41+i)+"\ndata: x\n\n")
			b.end()
		}
	})
}

func TestNativeHeaderFuncError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fail := true
		h := start(t, &Options{HeaderFunc: func(context.Context) (map[string]string, error) {
			if fail {
				fail = false
				return nil, errors.New("token service down")
			}
			return nil, nil
		}})
		h.expect("error CONNECTING")
		if e := h.rec.lastErr(); !strings.Contains(e.Error(), "token service down") {
			t.Errorf("error = %v", e)
		}
		h.next().open()
		h.expect("open")
	})
}

func TestNative401RetriesOnceWithFreshHeaders(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		h := start(t, &Options{HeaderFunc: func(context.Context) (map[string]string, error) {
			calls++
			return map[string]string{"Authorization": "Bearer t" + strconv.Itoa(calls)}, nil
		}})
		r := h.next()
		b := r.open()
		b.send(t, "id: 5\ndata: x\n\n")
		b.end()
		h.expect("open", "event message x #5", "error CONNECTING")

		// The token expired: 401, then at once a retry with a new token
		// and the same Last-Event-ID, without an error event.
		r = h.next()
		r.reply(401, "application/json")
		first := r.at
		r = h.next()
		if r.at != first {
			t.Errorf("the 401 retry waited %v", r.at.Sub(first))
		}
		if v, _ := r.header("Authorization"); v != "Bearer t3" {
			t.Errorf("retry Authorization = %q, want Bearer t3", v)
		}
		if v, _ := r.header("Last-Event-ID"); v != "5" {
			t.Errorf("retry Last-Event-ID = %q, want 5", v)
		}
		h.expect()

		// Only once: a second 401 in a row fails the connection.
		r.reply(401, "application/json")
		h.expect("error CLOSED")
		var e *Error
		if err := h.result(); !errors.As(err, &e) || e.Status != 401 || e.StatusText != "Unauthorized" {
			t.Fatalf("run = %v, want a 401 *Error", err)
		}
		h.noRequest()
	})
}

func TestNativeRetryOnStatus(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, &Options{RetryOnStatus: []int{429, 503}})
		r := h.next()
		for _, tc := range []struct {
			retryAfter string
			want       time.Duration
		}{
			{"7", 7 * time.Second},
			{"date", 42 * time.Second},
			{"", DefaultRetryDelay},
			{"soon", DefaultRetryDelay},
		} {
			if tc.retryAfter == "date" {
				tc.retryAfter = time.Now().Add(tc.want).UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")
			}
			r.replyRetryAfter(503, tc.retryAfter)
			h.expect("error CONNECTING")
			if e := h.rec.lastErr(); e.Status != 503 || e.StatusText != "Service Unavailable" {
				t.Errorf("error = %+v", e)
			}
			at := time.Now()
			if r = h.next(); r.at.Sub(at) != tc.want {
				t.Errorf("Retry-After %q: waited %v, want %v", tc.retryAfter, r.at.Sub(at), tc.want)
			}
		}
		// 429 is listed too; other statuses still fail.
		r.replyRetryAfter(429, "")
		h.expect("error CONNECTING")
		h.next().replyRetryAfter(500, "1")
		h.expect("error CLOSED")
	})
}

func TestNativeMaxRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, &Options{MaxRetries: 2})
		h.next().fail(errors.New("refused"))
		h.expect("error CONNECTING")
		h.next().fail(errors.New("refused"))
		h.expect("error CONNECTING")
		// A successful connection starts the count over.
		b := h.next().open()
		b.end()
		h.expect("open", "error CONNECTING")
		h.next().fail(errors.New("refused"))
		h.expect("error CONNECTING")
		h.next().fail(errors.New("refused"))
		h.expect("error CLOSED")
		if err := h.result(); err == nil || !strings.Contains(err.Error(), "gave up after 2") {
			t.Errorf("run = %v", err)
		}
		h.noRequest()
	})
	t.Run("never", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := start(t, &Options{MaxRetries: -1})
			h.next().open().end()
			h.expect("open", "error CLOSED")
			h.noRequest()
		})
	})
}

func TestNativeBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bo := &Backoff{Initial: 100 * time.Millisecond, Max: time.Second, Factor: 2}
		h := start(t, &Options{Backoff: bo})
		limit := bo.Initial
		r := h.next()
		for range 8 {
			r.fail(errors.New("refused"))
			h.expect("error CONNECTING")
			at := time.Now()
			if r = h.next(); r.at.Sub(at) > limit {
				t.Errorf("waited %v, want at most %v", r.at.Sub(at), limit)
			}
			limit = min(2*limit, bo.Max)
		}
		// A successful connection starts over at the initial delay.
		r.open().end()
		h.expect("open", "error CONNECTING")
		at := time.Now()
		if r = h.next(); r.at.Sub(at) > bo.Initial {
			t.Errorf("after a success: waited %v, want at most %v", r.at.Sub(at), bo.Initial)
		}
	})
}

func TestBackoffDelay(t *testing.T) {
	b := &Backoff{Initial: time.Second, Max: 10 * time.Second}
	for n, limit := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second} {
		var top time.Duration
		for range 2000 {
			d := b.delay(n, 0, false)
			if d < 0 || d > limit {
				t.Fatalf("attempt %d: delay %v outside [0, %v]", n, d, limit)
			}
			top = max(top, d)
		}
		if top < limit*9/10 {
			t.Errorf("attempt %d: largest of 2000 delays %v, want near %v (full jitter)", n, top, limit)
		}
	}
	if d := b.delay(0, 50*time.Millisecond, true); d > 50*time.Millisecond {
		t.Errorf("with a server retry of 50ms: delay %v", d)
	}
	if d := (&Backoff{}).delay(1000, 0, false); d < 0 {
		t.Errorf("huge attempt without a cap: %v", d)
	}
}

func TestNativeHeartbeatTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, &Options{HeartbeatTimeout: 5 * time.Second})
		r := h.next()
		b := r.open()
		h.expect("open")
		time.Sleep(4 * time.Second)
		b.send(t, ": keep-alive\n") // a comment counts as data
		time.Sleep(4 * time.Second)
		h.expect()
		if r.ctx.Err() != nil {
			t.Fatal("aborted although data arrived within the timeout")
		}
		time.Sleep(time.Second + time.Millisecond)
		h.expect("error CONNECTING")
		if r.ctx.Err() == nil {
			t.Error("the stalled request was not aborted")
		}
		if e := h.rec.lastErr(); !strings.Contains(e.Message, "heartbeat") {
			t.Errorf("error = %v", e)
		}
		// It also covers a server that never answers.
		r = h.next()
		h.expect()
		time.Sleep(5 * time.Second)
		h.expect("error CONNECTING")
		if r.ctx.Err() == nil {
			t.Error("the unanswered request was not aborted")
		}
	})
}

func TestNativeRequestOptions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, &Options{Method: "POST", Body: []byte(`{"q":1}`), WithCredentials: true,
			LastEventID: "a b", LastEventIDQuery: "lastEventId"})
		r := h.next()
		if r.method != "POST" || string(r.body) != `{"q":1}` || !r.credentials {
			t.Errorf("request %s body=%q credentials=%v", r.method, r.body, r.credentials)
		}
		if want := testURL + "?lastEventId=a%20b"; r.url != want {
			t.Errorf("URL %q, want %q", r.url, want)
		}
		b := r.open()
		b.send(t, "id\ndata: the id is reset\n\n") // empty id: no header, no query
		b.end()
		r = h.next()
		if _, ok := r.header("Last-Event-ID"); ok || r.url != testURL {
			t.Errorf("after an id reset: %s %v", r.url, r.headers)
		}
	})
}

func TestNativeHeartbeatRestartsOnResponse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, &Options{HeartbeatTimeout: 5 * time.Second})
		r := h.next()
		time.Sleep(4 * time.Second)
		b := r.open() // headers after 4s restart the timer
		time.Sleep(4 * time.Second)
		b.send(t, "data: a\n\n")
		h.expect("open", "event message a #")
		if r.ctx.Err() != nil {
			t.Fatal("aborted although the response and data came in time")
		}
	})
}

func TestNativeRedirectReconnectsToTarget(t *testing.T) {
	const target = "https://other.test/stream?x=1"
	synctest.Test(t, func(t *testing.T) {
		h := start(t, &Options{RetryOnStatus: []int{503}})
		// A redirect that did not open a stream changes nothing.
		h.next().redirected(target, 503, "")
		h.expect("error CONNECTING")
		r := h.next()
		if r.url != testURL {
			t.Fatalf("after a failed redirect: reconnected to %s, want %s", r.url, testURL)
		}
		b := r.redirected(target, 200, "text/event-stream")
		b.send(t, "id: 1\ndata: a\n\n")
		b.end()
		h.expect("open", "event message a #1", "error CONNECTING")
		r = h.next()
		if v, _ := r.header("Last-Event-ID"); r.url != target || v != "1" {
			t.Fatalf("reconnected to %s with Last-Event-ID %q, want %s with 1", r.url, v, target)
		}
		// It stays there, across reconnections that are not redirected.
		r.open().end()
		h.expect("open", "error CONNECTING")
		if r = h.next(); r.url != target {
			t.Errorf("second reconnection to %s, want %s", r.url, target)
		}
	})
}

func TestNativeRedirectKeepsIDQueryOwn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, &Options{LastEventID: "1", LastEventIDQuery: "lastEventId"})
		r := h.next()
		// The target kept the id parameter of the redirected request.
		b := r.redirected("https://other.test/s?lastEventId=1&a=b", 200, "text/event-stream")
		b.send(t, "id: 2\ndata: x\n\nid\ndata: reset\n\n")
		b.end()
		h.expect("open", "event message x #2", "event message reset #", "error CONNECTING")
		// The id was reset: no stale parameter from the redirect.
		if r = h.next(); r.url != "https://other.test/s?a=b" {
			t.Errorf("reconnected to %s, want https://other.test/s?a=b", r.url)
		}
	})
}

func TestNativeRequestRefusedFails(t *testing.T) {
	for _, tc := range []struct {
		name, message string
		err           error
	}{
		{"CORS", "CORS: the server did not allow this origin", errCORSRefused},
		{"invalid request", "invalid request: TypeError: bad header",
			&invalidRequestError{errors.New("TypeError: bad header")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := start(t, &Options{Backoff: &Backoff{}})
				if tc.err == errCORSRefused {
					// A refusal is tried twice: the second time tells.
					h.next().fail(tc.err)
					h.expect()
				}
				h.next().fail(tc.err)
				h.expect("error CLOSED")
				var e *Error
				if err := h.result(); !errors.As(err, &e) || e.Message+suffix(e.Err) != tc.message {
					t.Errorf("run = %v, want the message %q", err, tc.message)
				}
				h.noRequest()
			})
		})
	}
}

// A cross-origin request lost on the way while the server still answers
// the probe looks like a refusal once; the retry at once carries on.
func TestNativeSuspectedRefusalRetriedOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, nil)
		h.next().fail(errCORSRefused)
		now := time.Now()
		r := h.next()
		if r.at != now {
			t.Errorf("retried after %v, want at once", r.at.Sub(now))
		}
		b := r.open()
		b.send(t, "id: 1\ndata: a\n\n")
		b.end()
		h.expect("open", "event message a #1", "error CONNECTING")
		// Open reset the count: one suspect failure is retried again.
		h.next().fail(errCORSRefused)
		h.next().fail(errCORSRefused)
		h.expect("error CLOSED")
	})
}

// suffix renders an *Error's cause as Error does.
func suffix(err error) string {
	if err == nil {
		return ""
	}
	return ": " + err.Error()
}

func TestNativeHeaderFuncInvalidHeadersFail(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		h := start(t, &Options{HeaderFunc: func(context.Context) (map[string]string, error) {
			calls++
			return nil, &invalidRequestError{errors.New("TypeError: String contains non ISO-8859-1 code point")}
		}})
		h.expect("error CLOSED")
		err := h.result()
		if err == nil || !strings.Contains(err.Error(), "the header function returned invalid headers: TypeError") {
			t.Errorf("run = %v", err)
		}
		h.noRequest()
		if calls != 1 {
			t.Errorf("the header function was called %d times, want 1", calls)
		}
	})
}

func TestByteString(t *testing.T) {
	for _, s := range []string{"", "ascii 7", "é🚀", "\xe9", "\xff\x00\x80", "a\xc3"} {
		js := byteString(s)
		if n := utf8.RuneCountInString(js); n != len(s) {
			t.Errorf("byteString(%q) = %q: %d characters, want one per byte (%d)", s, js, n, len(s))
		}
		for i, r := range []rune(js) {
			if r != rune(s[i]) {
				t.Errorf("byteString(%q)[%d] = %U, want %U", s, i, r, rune(s[i]))
			}
		}
		if back, ok := fromByteString(js); !ok || back != s {
			t.Errorf("fromByteString(byteString(%q)) = %q, %v", s, back, ok)
		}
	}
	if _, ok := fromByteString("🚀"); ok {
		t.Error("fromByteString accepted a character above U+00FF")
	}
	if got, _ := fromByteString("é"); got != "\xe9" {
		t.Errorf(`fromByteString("é") = %q, want "\xe9"`, got)
	}
}

// A heartbeat timeout that strikes while the handler holds a chunk (a slow
// consumer) drops the connection like any other: the handler gets an
// *Error naming the timeout, and with MaxRetries < 0 the connection fails
// instead of panicking on a missing error.
func TestNativeHeartbeatDuringSlowHandler(t *testing.T) {
	for _, maxRetries := range []int{0, -1} {
		synctest.Test(t, func(t *testing.T) {
			h := start(t, &Options{HeartbeatTimeout: time.Second, MaxRetries: maxRetries})
			h.rec.onEvent = func(sse.Event) { time.Sleep(2 * time.Second) }
			b := h.next().open()
			b.send(t, "data: slow\n\n")
			time.Sleep(3 * time.Second)
			want := "error CONNECTING"
			if maxRetries < 0 {
				want = "error CLOSED"
			}
			h.expect("open", "event message slow #", want)
			if e := h.rec.lastErr(); e == nil || !strings.Contains(e.Message, "heartbeat") {
				t.Errorf("maxRetries %d: error = %v, want the heartbeat timeout", maxRetries, e)
			}
		})
	}
}
