package client

import (
	"context"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
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
	// EventBytes is called for each event of a network chunk, in stream
	// order, with the arguments of [sse.Parser.FeedBytes]: the slices are
	// valid only until it returns.
	EventBytes(typ, data, id []byte)
	// EndChunk is called after the events of each network chunk.
	EndChunk()
	// Error is called when a connection attempt fails or a stream ends.
	// state is Connecting when the client will reconnect, Closed when the
	// connection failed for good (RunBytes then returns err). Closing the
	// connection (cancelling the context) never calls Error.
	Error(err *Error, state ReadyState)
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
		err := p.FeedBytes(chunk, emit)
		h.EndChunk()
		return err
	})
}

func resolve(t transport, rawURL string) (string, error) {
	u, err := t.resolve(rawURL)
	if err != nil {
		return "", &Error{Message: "invalid URL " + strconv.Quote(rawURL), Err: err}
	}
	return u, nil
}

// maxRetryMillis caps a retry field so that it fits a time.Duration.
const maxRetryMillis = math.MaxInt64 / int64(time.Millisecond)

// errHeartbeat is the cause of a connection dropped by the heartbeat timer.
var errHeartbeat = errors.New("heartbeat timeout")

// stream is the state that outlives a single connection attempt.
type stream struct {
	t      transport
	url    string
	opts   Options
	h      reporter
	feed   func(*sse.Parser, []byte) error // parses a chunk and hands its events over
	parser *sse.Parser

	delay       time.Duration // reconnection time
	serverDelay bool          // the server set delay with a retry field
	attempts    int           // reconnection attempts since the last open
	authRetried bool          // a 401 was retried since the last open

	// The last event ID's route; see crossorigin_id.go.
	idInQuery  bool   // the server refused the header: the id goes in the query only
	idHeader   bool   // the last request carried the client's Last-Event-ID header
	idQuery    string // the query parameter that carried the id in the last request, if any
	idRouteKey string // the last request's routeKey
}

// outcome is how a connection attempt ended (unless ctx was cancelled).
type outcome struct {
	err     *Error
	fatal   bool          // fail the connection
	now     bool          // reconnect at once, without reporting
	wait    time.Duration // with waitSet: the server's Retry-After
	waitSet bool
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
		if !o.fatal && s.opts.MaxRetries != 0 && s.attempts >= s.opts.MaxRetries {
			o.fatal = true
			if s.opts.MaxRetries > 0 {
				o.err.Message += "; gave up after " + strconv.Itoa(s.attempts) + " reconnection attempts"
			}
		}
		if o.fatal {
			h.Error(o.err, Closed)
			return o.err
		}
		wait := o.wait
		if !o.waitSet {
			wait = s.nextDelay()
		}
		s.attempts++
		h.Error(o.err, Connecting)
		if ctx.Err() != nil {
			return nil
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		}
	}
}

// nextDelay is the wait before the next reconnection attempt.
func (s *stream) nextDelay() time.Duration {
	if s.opts.Backoff != nil {
		return s.opts.Backoff.delay(s.attempts, s.delay, s.serverDelay)
	}
	return s.delay
}

// connect makes one connection attempt and reads its stream to the end.
func (s *stream) connect(ctx context.Context) outcome {
	req, err := s.request(ctx)
	if err != nil {
		// Type assertions, not errors.As: its reflection would weigh on
		// the wasm module. The errors come unwrapped.
		if invalid, ok := err.(*invalidRequestError); ok {
			return failed(&Error{Message: "the header function returned invalid headers", Err: invalid.err})
		}
		return retry(&Error{Message: "could not get the request headers", Err: err})
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// The heartbeat timer runs from the request on: anything that arrives,
	// response headers or bytes, restarts it.
	heartbeat := s.opts.HeartbeatTimeout
	alive := func() {}
	if heartbeat > 0 {
		timer := time.AfterFunc(heartbeat, func() { cancel(errHeartbeat) })
		defer timer.Stop()
		alive = func() { timer.Reset(heartbeat) }
	}

	resp, err := s.t.roundTrip(ctx, req)
	if err != nil {
		if invalid, ok := err.(*invalidRequestError); ok {
			return failed(&Error{Message: "invalid request", Err: invalid.err})
		}
		if err == errCORSRefused {
			if s.idHeader && !s.idInQuery {
				// The refusal may be of our Last-Event-ID header alone.
				s.idInQuery = true
				return outcome{now: true}
			}
			return failed(&Error{Message: errCORSRefused.Error()})
		}
		return s.dropped(ctx, &Error{Message: "network error", Err: err})
	}
	defer resp.body.close()
	alive()
	if o, ok := s.check(resp); !ok {
		return o
	}
	s.attempts, s.authRetried = 0, false
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
	s.h.Open(Response{Status: resp.status, StatusText: resp.statusText, URL: resp.url})
	s.parser.Reset()

	for {
		chunk, err := resp.body.next()
		if err == io.EOF {
			return retry(&Error{Message: "the server ended the stream"})
		}
		if err != nil {
			return s.dropped(ctx, &Error{Message: "connection lost", Err: err})
		}
		alive()
		ferr := s.feed(s.parser, chunk)
		if ms, ok := s.parser.Retry(); ok {
			s.delay, s.serverDelay = time.Duration(min(ms, maxRetryMillis))*time.Millisecond, true
		}
		if ferr != nil {
			return failed(&Error{Message: "an event is too large", Err: ferr})
		}
		if ctx.Err() != nil {
			// Closed from inside the handler (runFeeding sees that), or
			// the heartbeat timer struck while the handler held the chunk.
			return s.dropped(ctx, &Error{Message: "connection lost", Err: context.Cause(ctx)})
		}
	}
}

func retry(err *Error) outcome { return outcome{err: err} }

func failed(err *Error) outcome { return outcome{err: err, fatal: true} }

// dropped reports a failed request or body read, naming the heartbeat
// timeout when it was the cause.
func (s *stream) dropped(ctx context.Context, e *Error) outcome {
	if errors.Is(context.Cause(ctx), errHeartbeat) {
		e.Message = "no data arrived within the heartbeat timeout of " +
			strconv.FormatInt(s.opts.HeartbeatTimeout.Milliseconds(), 10) + " ms"
		e.Err = nil
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
		e.Message = "the response's content type is " + strconv.Quote(resp.contentType) + ", not text/event-stream"
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
		o = retry(e)
		o.wait, o.waitSet = parseRetryAfter(resp.retryAfter, time.Now())
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
	return &request{url: u, method: method, headers: h, body: s.opts.Body, credentials: s.opts.WithCredentials}, nil
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
