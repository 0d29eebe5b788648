package client

import (
	"context"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

// Response describes a response the client accepted.
type Response struct {
	Status     int
	StatusText string
	// URL is the response's URL after redirects; its origin is the origin
	// of the events that follow.
	URL string
	// Header holds the response headers a page may read (under CORS, the
	// exposed ones), names in lower case, repeated headers joined by ", "
	// as fetch joins them.
	Header map[string]string
}

// handler receives what a connection does, in order, on the goroutine that
// runs it: [Conn] is built on it. The stream waits while a method runs, so a
// slow handler slows the stream down instead of buffering without bound.
type handler interface {
	reporter
	// Events is called with the events parsed from one network chunk, in
	// stream order. The slice is reused once Events returns.
	Events([]sse.Event)
}

// ByteHandler receives what a connection started by [RunBytes] does, in
// order, on the goroutine that runs it. It is for code that copies events
// out of Go at once, such as a bridge to JavaScript: it takes each event as
// bytes, not yet UTF-8 decoded, so no Go string is made per event. The
// stream waits while a method runs, so a slow ByteHandler slows the stream
// down instead of buffering without bound.
type ByteHandler interface {
	// Open is called when a response is accepted; the state is Open.
	Open(Response)
	// BeginChunk is called before the events of each network chunk with
	// the chunk itself, which stays unchanged until EndChunk returns.
	BeginChunk(chunk []byte)
	// EventBytes is called for each event of a network chunk, in stream
	// order, with the arguments of [sse.Parser.FeedBytes]: the slices are
	// valid only until it returns, except those that lie in the chunk
	// (as single-line data does), valid until EndChunk returns.
	EventBytes(typ, data, id []byte)
	// EndChunk is called after the events of each network chunk.
	EndChunk()
	// Error is called when a connection attempt fails or a stream ends.
	// state is Connecting when the client will reconnect, Closed when the
	// connection failed for good (RunBytes then returns err). Closing the
	// connection (cancelling the context) never calls Error.
	Error(err *Error, state ReadyState)
	// Retrying is called before each reconnect: after Error with state
	// Connecting, and again when a [Control] cuts the wait short.
	Retrying(Retry)
}

// RunBytes connects to rawURL and reports to h until ctx is cancelled,
// when it returns nil, or until the connection fails, when it returns the
// *Error it also reported to h. A relative rawURL is resolved against the
// document's base URL; an invalid one returns an error at once.
func RunBytes(ctx context.Context, rawURL string, opts *Options, h ByteHandler) error {
	u, err := resolve(defaultTransport, rawURL)
	if err != nil {
		return err
	}
	return runBytes(ctx, defaultTransport, u, opts, h)
}

func runBytes(ctx context.Context, t transport, absURL string, opts *Options, h ByteHandler) error {
	emit := h.EventBytes
	return runFeeding(ctx, t, absURL, opts, h, func(p *sse.Parser, chunk []byte) error {
		h.BeginChunk(chunk)
		err := p.FeedBytes(chunk, emit)
		h.EndChunk()
		return err
	})
}

func resolve(t transport, rawURL string) (string, error) {
	u, err := t.resolve(rawURL)
	if err != nil {
		return "", &Error{Message: "invalid URL " + quote(rawURL), Err: err}
	}
	return u, nil
}

// maxRetryMillis caps a retry field so that it fits a time.Duration.
const maxRetryMillis = math.MaxInt64 / int64(time.Millisecond)

// minStatusRetryDelay is the least wait before retrying a status listed in
// Options.RetryOnStatus, whatever Retry-After says: "Retry-After: 0" must
// not make the client hammer a server that is shedding load.
const minStatusRetryDelay = time.Second

// errHeartbeat is the cause of a connection dropped by the liveness timer.
var errHeartbeat = errors.New("heartbeat timeout")

// stream is the state that outlives a single connection attempt.
type stream struct {
	t      transport
	url    string
	opts   Options
	h      reporter
	ctl    *Control
	feed   func(*sse.Parser, []byte) error // parses a chunk and hands its events over
	parser *sse.Parser

	delay       time.Duration // reconnection time
	serverDelay bool          // the server set delay with a retry field
	attempts    int           // reconnection attempts since the last open
	authRetried bool          // a 401 was retried since the last open
	corsRetried bool          // a suspected CORS refusal was retried since the last open

	// The last event ID's route; see crossorigin_id.go.
	idInQuery  bool   // the server refused the header: the id goes in the query only
	idHeader   bool   // the last request carried the client's Last-Event-ID header
	idQuery    string // the query parameter that carried the id in the last request, if any
	idRouteKey string // the last request's routeKey

	// seen is when the current attempt last showed life, in Unix
	// nanoseconds: its start, its response, its latest bytes. The Control
	// judges a stream by it from another goroutine.
	seen atomic.Int64

	// The server's heartbeat interval, learned from the comment lines of
	// the current connection (see Options.HeartbeatTimeout).
	comments int64         // the parser's comment count after the last chunk
	lastBeat time.Time     // when the last chunk with a comment arrived
	lastGap  time.Duration // the gap before it, 0 when not known
	interval atomic.Int64  // the learned interval, 0 until learned
}

// outcome is how a connection attempt ended (unless ctx was cancelled).
type outcome struct {
	err     *Error
	cause   Cause
	fatal   bool          // fail the connection
	now     bool          // reconnect at once, without reporting
	wait    time.Duration // with waitSet: the delay, instead of the reconnection time
	waitSet bool
	status  bool // a RetryOnStatus response: wait at least minStatusRetryDelay
	forced  bool // asked for by the caller: not limited by MaxRetries
	suspend bool // dropped for the back/forward cache: report nothing until restored
}

// reporter is what handler and ByteHandler have in common.
type reporter interface {
	// Open is called when a response is accepted; the state is Open.
	Open(Response)
	// Error is called when a connection attempt fails or a stream ends.
	// state is Connecting when the client will reconnect, Closed when the
	// connection failed for good. Closing the connection (cancelling the
	// context) never calls Error.
	Error(err *Error, state ReadyState)
	// Retrying is called before each reconnect: after Error with state
	// Connecting, and again when a [Control] cuts the wait short.
	Retrying(Retry)
}

// run runs a connection for a handler: each chunk's events go to h.Events
// in one slice.
func run(ctx context.Context, t transport, absURL string, opts *Options, h handler) error {
	var batch []sse.Event
	emit := func(ev sse.Event) { batch = append(batch, ev) }
	return runFeeding(ctx, t, absURL, opts, h, func(p *sse.Parser, chunk []byte) error {
		batch = batch[:0]
		err := p.Feed(chunk, emit)
		if len(batch) > 0 {
			h.Events(batch)
			clear(batch) // do not keep the events' strings alive
		}
		return err
	})
}

// runFeeding runs the connection and reconnection loop, passing every
// network chunk to feed.
func runFeeding(ctx context.Context, t transport, absURL string, opts *Options, h reporter, feed func(*sse.Parser, []byte) error) error {
	s := &stream{t: t, url: absURL, h: h, feed: feed, delay: DefaultRetryDelay}
	if opts != nil {
		s.opts = *opts
	}
	s.ctl = s.opts.Control
	s.parser = sse.NewParser(s.opts.MaxEventSize)
	s.parser.SetLastEventID(s.opts.LastEventID)
	if scheme, ok := streamable(absURL); !ok {
		err := &Error{Message: "a " + scheme + ": URL cannot be streamed"}
		h.Error(err, Closed)
		return err
	}

	for {
		o := s.connect(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if o.now {
			continue
		}
		if o.suspend {
			// Nothing is reported while the page sits in the cache: its
			// scripts do not run. The usual error and retrying follow on
			// restore.
			cause, ok := s.suspended(ctx)
			if !ok {
				return nil
			}
			o = lifecycleOutcome(cause, 0)
		}
		if !o.fatal && !o.forced && s.opts.MaxRetries != 0 && s.attempts >= s.opts.MaxRetries {
			o.fatal = true
			if s.opts.MaxRetries > 0 {
				o.err.Message += "; gave up after " + strconv.Itoa(s.attempts) + " reconnection attempts"
			}
		}
		if o.fatal {
			h.Error(o.err, Closed)
			return o.err
		}
		wait := s.wait(o)
		s.attempts++
		h.Error(o.err, Connecting)
		h.Retrying(Retry{Attempt: s.attempts, Delay: wait, Cause: o.cause, Err: o.err})
		for wait > 0 {
			cut, ok := s.sleep(ctx, wait)
			if !ok {
				return nil
			}
			if cut == "" {
				break
			}
			wait = 0
			h.Retrying(Retry{Attempt: s.attempts, Cause: cut, Err: lifecycleError(cut, 0)})
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// wait is the delay before reconnecting after o.
func (s *stream) wait(o outcome) time.Duration {
	switch {
	case o.status:
		// The server's Retry-After is a least wait; backoff still grows.
		return max(o.wait, s.nextDelay(), minStatusRetryDelay)
	case o.waitSet:
		return o.wait
	}
	return s.nextDelay()
}

// nextDelay is the wait before the next reconnection attempt.
func (s *stream) nextDelay() time.Duration {
	if s.opts.Backoff != nil {
		return s.opts.Backoff.delay(s.attempts, s.delay, s.serverDelay)
	}
	return s.delay
}

// sleep waits d before a reconnect. A Control may cut the wait short (it
// returns the cause) or suspend it until the page is restored. ok is false
// when ctx is done.
func (s *stream) sleep(ctx context.Context, d time.Duration) (cut Cause, ok bool) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return "", false
		case <-timer.C:
			return "", true
		case <-s.ctl.wake():
			cmds, _ := s.ctl.take()
			switch {
			case slices.Contains(cmds, cmdSuspend):
				return s.suspended(ctx)
			case slices.Contains(cmds, cmdReconnect):
				return CauseReconnect, true
			case slices.Contains(cmds, cmdOnline):
				return CauseOnline, true
			}
		}
	}
}

// suspended waits, while the page is in the back/forward cache, for it to
// be restored (or for an explicit reconnect).
func (s *stream) suspended(ctx context.Context) (Cause, bool) {
	for {
		select {
		case <-ctx.Done():
			return "", false
		case <-s.ctl.wake():
			cmds, _ := s.ctl.take()
			switch {
			case slices.Contains(cmds, cmdReconnect):
				return CauseReconnect, true
			case slices.Contains(cmds, cmdRestore):
				return CauseRestore, true
			}
		}
	}
}

// connect makes one connection attempt and reads its stream to the end.
// A Control, watching meanwhile, may cut it short.
func (s *stream) connect(ctx context.Context) outcome {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	s.alive()
	stop := s.supervise(ctx, cancel)
	o := s.attempt(ctx, cancel)
	stop()
	if d, ok := context.Cause(ctx).(*drop); ok && !o.fatal && !o.now {
		return d.outcome
	}
	return o
}

// alive records that the connection showed life now.
func (s *stream) alive() { s.seen.Store(time.Now().UnixNano()) }

// silence is how long the connection has shown no life.
func (s *stream) silence() time.Duration { return time.Duration(time.Now().UnixNano() - s.seen.Load()) }

// drop is the cancellation cause of an attempt that a Control cut short.
type drop struct{ outcome }

func (*drop) Error() string { return "dropped by the page lifecycle" }

// supervise applies the Control's commands to the attempt running in ctx
// until stop is called. Once stop returns, no command is taken any more:
// those that arrive later are for the wait that follows.
func (s *stream) supervise(ctx context.Context, cancel context.CancelCauseFunc) (stop func()) {
	if s.ctl == nil {
		return func() {}
	}
	var mu sync.Mutex
	stopped := false
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-done:
				return
			case <-s.ctl.wake():
			}
			mu.Lock()
			if stopped {
				// The attempt ended meanwhile: leave the signal for the
				// wait that follows.
				s.ctl.resignal()
				mu.Unlock()
				return
			}
			if d := s.judge(s.ctl.take()); d != nil {
				cancel(d)
			}
			mu.Unlock()
		}
	}()
	return func() {
		mu.Lock()
		stopped = true
		mu.Unlock()
		close(done)
	}
}

// judge decides what Control commands do to a running attempt: nil to let
// it run.
func (s *stream) judge(cmds []command, offlineSince time.Time) *drop {
	var d *drop
	for _, cmd := range cmds {
		switch cmd {
		case cmdSuspend:
			return &drop{outcome{suspend: true}}
		case cmdReconnect:
			d = &drop{lifecycleOutcome(CauseReconnect, 0)}
		case cmdOnline:
			if d == nil && !offlineSince.IsZero() && s.seen.Load() < offlineSince.UnixNano() {
				d = &drop{lifecycleOutcome(CauseOnline, 0)}
			}
		case cmdResume, cmdVisible:
			cause := CauseResume
			if cmd == cmdVisible {
				cause = CauseVisible
			}
			if w, quiet := s.window(), s.silence(); d == nil && w > 0 && quiet > w {
				d = &drop{lifecycleOutcome(cause, quiet)}
			}
		}
	}
	return d
}

// heartbeatMultiple times the learned heartbeat interval is the liveness
// window: room for a heartbeat or two held up on the way.
const heartbeatMultiple = 3

// minHeartbeatInterval is the shortest gap between comments taken for a
// heartbeat interval: comments closer together are not heartbeats.
const minHeartbeatInterval = 250 * time.Millisecond

// window is the liveness window: how long a stream may stay silent before
// the client drops it; 0 for no limit.
func (s *stream) window() time.Duration {
	if w := s.opts.HeartbeatTimeout; w != 0 {
		return max(w, 0)
	}
	return heartbeatMultiple * time.Duration(s.interval.Load())
}

// learn notes a chunk that carried a comment line, at now. Two gaps in a
// row that agree within a quarter make the heartbeat interval.
func (s *stream) learn(now time.Time) {
	if !s.lastBeat.IsZero() {
		gap := now.Sub(s.lastBeat)
		if prev := s.lastGap; gap >= minHeartbeatInterval && prev > 0 && (gap-prev).Abs() <= max(gap, prev)/4 {
			s.interval.Store(int64(max(gap, prev)))
		}
		s.lastGap = gap
	}
	s.lastBeat = now
}

// lifecycleOutcome is a reconnect at once that a Control caused.
func lifecycleOutcome(cause Cause, silence time.Duration) outcome {
	return outcome{err: lifecycleError(cause, silence), cause: cause, waitSet: true, forced: true}
}

// lifecycleError says in words why a Control reconnected.
func lifecycleError(cause Cause, silence time.Duration) *Error {
	msg := "reconnecting: "
	switch cause {
	case CauseReconnect:
		msg += "asked to"
	case CauseOnline:
		msg += "back online"
	case CauseRestore:
		msg += "the page was restored from the back/forward cache"
	default: // resume, visible
		msg += "the page came back after the stream was silent for " +
			strconv.FormatInt(silence.Milliseconds(), 10) + " ms"
	}
	return &Error{Message: msg}
}

// attempt does the work of connect.
func (s *stream) attempt(ctx context.Context, cancel context.CancelCauseFunc) outcome {
	req, err := s.request(ctx)
	if err != nil {
		// Type assertions, not errors.As: its reflection would weigh on
		// the wasm module. The errors come unwrapped.
		if invalid, ok := err.(*invalidRequestError); ok {
			return failed(&Error{Message: "the header function returned invalid headers", Err: invalid.err})
		}
		o := retry(&Error{Message: "could not get the request headers", Err: err})
		o.cause = CauseHeaders
		return o
	}
	// The liveness timer runs from the request on: anything that arrives,
	// response headers or bytes, restarts it.
	r := &reading{s: s, ctx: ctx, cancel: cancel}
	defer r.stop()
	r.alive()
	s.lastBeat, s.lastGap = time.Time{}, 0

	resp, err := s.t.roundTrip(ctx, req)
	if err != nil {
		if invalid, ok := err.(*invalidRequestError); ok {
			return failed(&Error{Message: "invalid request", Err: invalid.err})
		}
		if err == errCORSRefused {
			if s.idHeader && !s.idInQuery {
				// The refusal may be of our Last-Event-ID header alone.
				s.idInQuery, s.corsRetried = true, true
				return outcome{now: true}
			}
			if !s.corsRetried {
				// A refusal repeats; a request lost on the way while the
				// server still answers the probe does not. Native would
				// reconnect after such a loss: try again at once, and
				// fail only when the same request is refused again.
				s.corsRetried = true
				return outcome{now: true}
			}
			return failed(&Error{Message: errCORSRefused.Error()})
		}
		return s.dropped(ctx, &Error{Message: "network error", Err: err})
	}
	defer resp.body.close()
	r.alive()
	if o, ok := s.check(resp); !ok {
		return o
	}
	s.attempts, s.authRetried, s.corsRetried = 0, false, false
	if s.idInQuery && queryOnly.add(s.idRouteKey) {
		s.t.warn(idQueryWarning(s.idRouteKey, s.idQuery))
	}
	if resp.url != "" && resp.url != req.url {
		// Redirected: like Chromium's EventSource, reconnect to where the
		// stream came from, not through the redirect again. The id query
		// parameter, if any, is the client's to set per request.
		s.url = resp.url
		for _, q := range [...]string{s.opts.LastEventIDQuery, s.idQuery} {
			if q != "" {
				s.url = withoutQuery(s.url, q)
			}
		}
	}
	s.h.Open(Response{Status: resp.status, StatusText: resp.statusText, URL: resp.url, Header: resp.header})
	s.parser.Reset()

	err = pump(resp.body, s.opts.Pump, r.chunk)
	switch {
	case r.tooLarge != nil:
		return failed(&Error{Message: "an event is too large", Err: r.tooLarge})
	case r.stopped:
		// Closed from inside the handler (runFeeding sees that), or the
		// heartbeat timer struck while the handler held the chunk.
		err = context.Cause(ctx)
	case err == nil:
		o := retry(&Error{Message: "the server ended the stream"})
		o.cause = CauseEnd
		return o
	}
	return s.dropped(ctx, &Error{Message: "connection lost", Err: err})
}

// pump passes a body's chunks to feed until the body ends (nil), a read
// fails (the error) or feed wants no more (nil): pushed by p when there is
// one and the body can be pushed, else pulled.
func pump(b body, p BodyPump, feed func(chunk []byte) (more, wake bool)) error {
	if src := b.source(); p != nil && src != nil {
		return p(src, feed)
	}
	for {
		chunk, err := b.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if more, _ := feed(chunk); !more {
			return nil
		}
	}
}

// reading is the state of one attempt's reading: the liveness timer, and
// how the reading of the body ended, when the client ended it.
type reading struct {
	s      *stream
	ctx    context.Context
	cancel context.CancelCauseFunc

	// The liveness timer cancels the attempt once the stream has shown no
	// life for the window. It starts once there is a window, which may be
	// learned on the way.
	timer  *time.Timer
	window time.Duration // the timer's

	stopped  bool  // the client ended the reading: the event was too large, or ctx is done
	tooLarge error // the parser's error
}

// chunk does the work of one network chunk, pulled or pushed: it passes
// the chunk's events on and learns what the chunk tells about the stream.
// more is false once the client ends the reading. wake reports that the
// liveness timer may strike earlier than before (see BodyPump).
func (r *reading) chunk(chunk []byte) (more, wake bool) {
	if r.stopped {
		return false, false
	}
	s := r.s
	wake = r.alive()
	r.tooLarge = s.feed(s.parser, chunk)
	if n := s.parser.Comments(); n != s.comments {
		s.comments = n
		s.learn(time.Now())
		wake = r.alive() || wake // the window may have changed
	}
	if ms, ok := s.parser.Retry(); ok {
		s.delay, s.serverDelay = time.Duration(min(ms, maxRetryMillis))*time.Millisecond, true
	}
	r.stopped = r.tooLarge != nil || r.ctx.Err() != nil
	return !r.stopped, wake
}

// alive records that the stream showed life now and restarts the liveness
// timer. It reports whether the timer may now strike earlier than before:
// it was started, or the window shrank.
func (r *reading) alive() (sooner bool) {
	r.s.alive()
	w := r.s.window()
	if w <= 0 {
		return false
	}
	sooner = r.timer == nil || w < r.window
	if r.timer == nil {
		r.timer = time.AfterFunc(w, func() { r.cancel(errHeartbeat) })
	} else {
		r.timer.Reset(w)
	}
	r.window = w
	return sooner
}

func (r *reading) stop() {
	if r.timer != nil {
		r.timer.Stop()
	}
}

func retry(err *Error) outcome { return outcome{err: err, cause: CauseNetwork} }

func failed(err *Error) outcome { return outcome{err: err, fatal: true} }

// dropped reports a failed request or body read, naming the heartbeat
// timeout when it was the cause.
func (s *stream) dropped(ctx context.Context, e *Error) outcome {
	if errors.Is(context.Cause(ctx), errHeartbeat) {
		e.Message = "no data arrived within the heartbeat timeout of " +
			strconv.FormatInt(s.window().Milliseconds(), 10) + " ms"
		if s.opts.HeartbeatTimeout == 0 {
			e.Message += " (" + strconv.Itoa(heartbeatMultiple) + "× the server's heartbeat interval)"
		}
		e.Err = nil
		o := retry(e)
		o.cause = CauseTimeout
		return o
	}
	return retry(e)
}

// check decides whether resp starts a stream (ok) or what to do instead.
func (s *stream) check(resp *response) (o outcome, ok bool) {
	e := &Error{Status: resp.status, StatusText: resp.statusText}
	switch {
	case resp.status == 200 && isEventStream(resp.contentType):
		return outcome{}, true
	case resp.status == 200:
		e.Message = "the response's content type is " + quote(resp.contentType) + ", not text/event-stream"
		return failed(e), false
	}
	e.Message = "the server answered " + strconv.Itoa(resp.status)
	if resp.statusText != "" {
		e.Message += " " + resp.statusText
	}
	if resp.status == 401 && s.opts.HeaderFunc != nil && !s.authRetried {
		s.authRetried = true
		return outcome{now: true}, false
	}
	if slices.Contains(s.opts.RetryOnStatus, resp.status) {
		o = outcome{err: e, cause: CauseStatus, status: true}
		o.wait, _ = parseRetryAfter(resp.retryAfter, time.Now())
		return o, false
	}
	return failed(e), false
}

// request builds the next connection attempt's request.
func (s *stream) request(ctx context.Context) (*request, error) {
	h := make(map[string]string, len(s.opts.Headers)+2)
	for k, v := range s.opts.Headers {
		setHeader(h, k, v)
	}
	if s.opts.HeaderFunc != nil {
		extra, err := s.opts.HeaderFunc(ctx)
		if err != nil {
			return nil, err
		}
		for k, v := range extra {
			setHeader(h, k, v)
		}
	}
	setHeader(h, "Accept", "text/event-stream")
	u := s.url
	s.idHeader, s.idQuery, s.idRouteKey = false, "", routeKey(u, s.opts.WithCredentials)
	if id := s.parser.LastEventID(); id != "" {
		name := s.opts.LastEventIDQuery
		if s.idInQuery || queryOnly.has(s.idRouteKey) {
			if name == "" {
				name = defaultIDQuery
			}
		} else {
			setHeader(h, "Last-Event-ID", id)
			s.idHeader = true
		}
		if name != "" {
			u = withQuery(u, name, id)
			s.idQuery = name
		}
	}
	method := s.opts.Method
	if method == "" {
		method = "GET"
	}
	return &request{url: u, method: method, headers: h, body: s.opts.Body, credentials: s.opts.WithCredentials, fetch: s.opts.Fetch}, nil
}

// setHeader sets h[name] = value, replacing a key that differs only in
// case: header names are case-insensitive, and fetch would join both.
func setHeader(h map[string]string, name, value string) {
	for k := range h {
		if strings.EqualFold(k, name) {
			delete(h, k)
		}
	}
	h[name] = value
}

// isEventStream reports whether a Content-Type's MIME type essence is
// text/event-stream; parameters such as charset do not matter.
func isEventStream(contentType string) bool {
	essence, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(essence), "text/event-stream")
}
