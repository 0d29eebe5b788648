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

// Handler receives what a connection does, in order, on the goroutine that
// runs it. The stream waits while a method runs, so a slow Handler slows
// the stream down instead of buffering without bound.
type Handler interface {
	// Open is called when a response is accepted; the state is Open.
	Open(Response)
	// Events is called with the events parsed from one network chunk, in
	// stream order. The slice is reused once Events returns.
	Events([]sse.Event)
	// Error is called when a connection attempt fails or a stream ends.
	// state is Connecting when the client will reconnect, Closed when the
	// connection failed for good (Run then returns err). Closing the
	// connection (cancelling the context) never calls Error.
	Error(err *Error, state ReadyState)
}

// ByteHandler is a [Handler] for code that copies events out of Go at once,
// such as a bridge to JavaScript: it takes each event as bytes, not yet
// UTF-8 decoded, so no Go string is made per event.
type ByteHandler interface {
	// Open is as for Handler.
	Open(Response)
	// EventBytes is called for each event of a network chunk, in stream
	// order, with the arguments of [sse.Parser.FeedBytes]: the slices are
	// valid only until it returns.
	EventBytes(typ, data, id []byte)
	// EndChunk is called after the events of each network chunk.
	EndChunk()
	// Error is as for Handler.
	Error(err *Error, state ReadyState)
}

// Run connects to rawURL and reports to h until ctx is cancelled, when it
// returns nil, or until the connection fails, when it returns the *Error
// it also reported to h. A relative rawURL is resolved against the
// document's base URL; an invalid one returns an error at once.
func Run(ctx context.Context, rawURL string, opts *Options, h Handler) error {
	u, err := resolve(defaultTransport, rawURL)
	if err != nil {
		return err
	}
	return run(ctx, defaultTransport, u, opts, h)
}

// RunBytes is [Run] for a [ByteHandler].
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
}

// outcome is how a connection attempt ended (unless ctx was cancelled).
type outcome struct {
	err     *Error
	fatal   bool          // fail the connection
	now     bool          // reconnect at once, without reporting
	wait    time.Duration // with waitSet: the server's Retry-After
	waitSet bool
}

// reporter is what Handler and ByteHandler have in common.
type reporter interface {
	Open(Response)
	Error(err *Error, state ReadyState)
}

// run runs a connection for a Handler: each chunk's events go to h.Events
// in one slice.
func run(ctx context.Context, t transport, absURL string, opts *Options, h Handler) error {
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
	if resp.url != "" && resp.url != req.url {
		// Redirected: like Chromium's EventSource, reconnect to where the
		// stream came from, not through the redirect again. The id query
		// parameter, if any, is the client's to set per request.
		s.url = resp.url
		if q := s.opts.LastEventIDQuery; q != "" {
			s.url = withoutQuery(s.url, q)
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
	if id := s.parser.LastEventID(); id != "" {
		setHeader(h, "Last-Event-ID", id)
		if q := s.opts.LastEventIDQuery; q != "" {
			u = withQuery(u, q, id)
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

// parseRetryAfter reads a Retry-After value: delay seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if secs, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(secs) * time.Second, true
	}
	if t, ok := parseHTTPDate(v); ok {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// parseHTTPDate parses the preferred HTTP date format (IMF-fixdate), such
// as "Sun, 06 Nov 1994 08:49:37 GMT". It stands in for time.Parse, whose
// layout machinery and time zone loading would weigh on the wasm module.
func parseHTTPDate(v string) (time.Time, bool) {
	const months = "JanFebMarAprMayJunJulAugSepOctNovDec"
	if len(v) != 29 || v[3] != ',' || v[4] != ' ' || v[7] != ' ' || v[11] != ' ' ||
		v[16] != ' ' || v[19] != ':' || v[22] != ':' || v[25:] != " GMT" {
		return time.Time{}, false
	}
	month := strings.Index(months, v[8:11])
	if month < 0 || month%3 != 0 {
		return time.Time{}, false
	}
	var n [5]int // day, year, hour, minute, second
	for i, f := range [...]string{v[5:7], v[12:16], v[17:19], v[20:22], v[23:25]} {
		x, err := strconv.ParseUint(f, 10, 16)
		if err != nil {
			return time.Time{}, false
		}
		n[i] = int(x)
	}
	return time.Date(n[1], time.Month(month/3+1), n[0], n[2], n[3], n[4], 0, time.UTC), true
}

// withQuery returns rawURL with the query parameter name set to value,
// replacing any earlier one.
func withQuery(rawURL, name, value string) string {
	return editQuery(rawURL, name, value, true)
}

// withoutQuery returns rawURL without the query parameter name.
func withoutQuery(rawURL, name string) string {
	return editQuery(rawURL, name, "", false)
}

// editQuery drops the query parameter name from rawURL and, if set, appends
// it with value.
func editQuery(rawURL, name, value string, set bool) string {
	rest, fragment, hasFragment := strings.Cut(rawURL, "#")
	path, query, _ := strings.Cut(rest, "?")
	key := queryEscape(name)
	var b strings.Builder
	b.WriteString(path)
	sep := byte('?')
	for part := range strings.SplitSeq(query, "&") {
		if k, _, _ := strings.Cut(part, "="); part == "" || k == key || k == name {
			continue
		}
		b.WriteByte(sep)
		b.WriteString(part)
		sep = '&'
	}
	if set {
		b.WriteByte(sep)
		b.WriteString(key)
		b.WriteByte('=')
		b.WriteString(queryEscape(value))
	}
	if hasFragment {
		b.WriteByte('#')
		b.WriteString(fragment)
	}
	return b.String()
}

// queryEscape percent-encodes every byte but the URL unreserved ones. It
// stands in for net/url, which would weigh on the wasm module.
func queryEscape(s string) string {
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s))
	for i := range len(s) {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b = append(b, c)
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return string(b)
}
