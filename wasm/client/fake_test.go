package client

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

// fakeTransport hands every request to the test, which answers it.
type fakeTransport struct {
	reqs chan *fakeRequest

	mu       sync.Mutex
	warnings []string
}

func newFakeTransport() *fakeTransport { return &fakeTransport{reqs: make(chan *fakeRequest)} }

func (*fakeTransport) resolve(rawURL string) (string, error) {
	if !strings.Contains(rawURL, "://") {
		return "", errors.New("not absolute")
	}
	return rawURL, nil
}

func (f *fakeTransport) warn(msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.warnings = append(f.warnings, msg)
}

func (f *fakeTransport) takeWarnings() []string { return drain(&f.mu, &f.warnings) }

// drain returns *list, guarded by mu, and clears it.
func drain[T any](mu *sync.Mutex, list *[]T) []T {
	mu.Lock()
	defer mu.Unlock()
	l := *list
	*list = nil
	return l
}

func (f *fakeTransport) roundTrip(ctx context.Context, req *request) (*response, error) {
	r := &fakeRequest{request: req, ctx: ctx, at: time.Now(), result: make(chan fakeResult, 1)}
	select {
	case f.reqs <- r:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case res := <-r.result:
		return res.resp, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// fakeRequest is one request seen by the fake transport.
type fakeRequest struct {
	*request
	ctx    context.Context
	at     time.Time
	result chan fakeResult
}

type fakeResult struct {
	resp *response
	err  error
}

// reply answers with a status and content type, and returns the body the
// test feeds.
func (r *fakeRequest) reply(status int, contentType string) *fakeBody {
	return r.respond(&response{status: status, contentType: contentType, url: r.url})
}

// replyRetryAfter answers status with a Retry-After header.
func (r *fakeRequest) replyRetryAfter(status int, retryAfter string) {
	r.respond(&response{status: status, retryAfter: retryAfter, url: r.url})
}

// open answers 200 text/event-stream.
func (r *fakeRequest) open() *fakeBody { return r.reply(200, "text/event-stream") }

// redirected answers with status and contentType as if fetch had followed
// redirects to url.
func (r *fakeRequest) redirected(url string, status int, contentType string) *fakeBody {
	return r.respond(&response{status: status, contentType: contentType, url: url})
}

// respond completes resp with its status text and a body the test feeds,
// and answers with it.
func (r *fakeRequest) respond(resp *response) *fakeBody {
	b := &fakeBody{ctx: r.ctx, chunks: make(chan fakeChunk)}
	resp.statusText, resp.body = statusText(resp.status), b
	r.result <- fakeResult{resp: resp}
	return b
}

func (r *fakeRequest) fail(err error) { r.result <- fakeResult{err: err} }

func (r *fakeRequest) header(name string) (string, bool) {
	v, ok := r.headers[name]
	return v, ok
}

func statusText(status int) string {
	switch status {
	case 200:
		return "OK"
	case 204:
		return "No Content"
	case 401:
		return "Unauthorized"
	case 500:
		return "Internal Server Error"
	case 503:
		return "Service Unavailable"
	}
	return ""
}

// fakeBody is a response body fed chunk by chunk by the test.
type fakeBody struct {
	ctx    context.Context
	chunks chan fakeChunk
	closed bool
}

type fakeChunk struct {
	b   []byte
	err error
}

func (b *fakeBody) next() ([]byte, error) {
	select {
	case c := <-b.chunks:
		return c.b, c.err
	case <-b.ctx.Done():
		return nil, errors.New("aborted")
	}
}

func (b *fakeBody) close() { b.closed = true }

// source makes the body pushable: the test pump (see pump_test.go) pulls
// it with next.
func (b *fakeBody) source() any { return b }

// send delivers one network chunk; it fails the test if the client has
// stopped reading.
func (b *fakeBody) send(t *testing.T, chunk string) {
	t.Helper()
	select {
	case b.chunks <- fakeChunk{b: []byte(chunk)}:
	case <-b.ctx.Done():
		t.Fatalf("sending %q: the request was aborted", chunk)
	}
}

func (b *fakeBody) end()           { b.chunks <- fakeChunk{err: io.EOF} }
func (b *fakeBody) lose(err error) { b.chunks <- fakeChunk{err: err} }

// recorder is a handler that logs what it is told.
type recorder struct {
	mu      sync.Mutex
	log     []string
	events  []sse.Event
	batches int
	errs    []*Error
	retries []Retry
	onEvent func(sse.Event)
}

func (r *recorder) Open(resp Response) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, "open")
}

func (r *recorder) Events(evs []sse.Event) {
	r.mu.Lock()
	r.batches++
	for _, ev := range evs {
		r.log = append(r.log, "event "+ev.Type+" "+ev.Data+" #"+ev.ID)
		r.events = append(r.events, ev)
	}
	f := r.onEvent
	r.mu.Unlock()
	if f != nil {
		for _, ev := range evs {
			f(ev)
		}
	}
}

func (r *recorder) Error(err *Error, state ReadyState) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, "error "+state.String())
	r.errs = append(r.errs, err)
}

func (r *recorder) Retrying(retry Retry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.retries = append(r.retries, retry)
}

// takeRetries returns the retries reported so far and clears them.
func (r *recorder) takeRetries() []Retry { return drain(&r.mu, &r.retries) }

// take returns the log so far and clears it.
func (r *recorder) take() []string { return drain(&r.mu, &r.log) }

func (r *recorder) lastErr() *Error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.errs) == 0 {
		return nil
	}
	return r.errs[len(r.errs)-1]
}

// harness runs a client on a fake transport inside a synctest bubble, where
// time is fake and advances only when every goroutine is blocked.
type harness struct {
	t      *testing.T
	ft     *fakeTransport
	rec    *recorder
	cancel context.CancelFunc
	done   chan error
}

const testURL = "https://example.test/events"

func start(t *testing.T, opts *Options) *harness {
	t.Helper()
	return startAt(t, testURL, opts)
}

// startAt is start for another URL: the cross-origin id tests need an
// origin of their own, as the client remembers origins page-wide.
func startAt(t *testing.T, url string, opts *Options) *harness {
	t.Helper()
	h := &harness{t: t, ft: newFakeTransport(), rec: &recorder{}, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	t.Cleanup(cancel)
	go func() { h.done <- run(ctx, h.ft, url, opts, h.rec) }()
	return h
}

// next returns the next request, failing if none comes within a (fake) day.
func (h *harness) next() *fakeRequest {
	h.t.Helper()
	select {
	case r := <-h.ft.reqs:
		return r
	case <-time.After(24 * time.Hour):
		h.t.Fatal("no request within a day")
		return nil
	}
}

// noRequest fails if a request arrives within a (fake) day.
func (h *harness) noRequest() {
	h.t.Helper()
	select {
	case r := <-h.ft.reqs:
		h.t.Fatalf("unexpected request %s %s", r.method, r.url)
	case <-time.After(24 * time.Hour):
	}
}

// expect waits for the client to settle and checks its log since the last
// call.
func (h *harness) expect(want ...string) {
	h.t.Helper()
	synctest.Wait()
	if got := h.rec.take(); !slices.Equal(got, want) {
		h.t.Fatalf("log = %q, want %q", got, want)
	}
}

// result waits for run to return.
func (h *harness) result() error {
	h.t.Helper()
	select {
	case err := <-h.done:
		return err
	case <-time.After(24 * time.Hour):
		h.t.Fatal("run did not return")
		return nil
	}
}
