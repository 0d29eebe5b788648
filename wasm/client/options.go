package client

import (
	"context"
	"math"
	"math/rand/v2"
	"time"
)

// DefaultRetryDelay is the reconnection time used until the server sends a
// retry field, as in browsers.
const DefaultRetryDelay = 3 * time.Second

// HeaderFunc returns request headers for the next connection attempt. It
// is called before the first connection and before every reconnection, so
// it can return a fresh access token. An error counts as a failed attempt:
// the client reconnects after the reconnection time. Headers fetch refuses
// fail the connection, as for [Options.Headers].
type HeaderFunc func(ctx context.Context) (map[string]string, error)

// Options configures a connection. The zero value behaves like native
// EventSource without credentials.
type Options struct {
	// Method is the request method; empty means GET.
	Method string
	// Headers are sent with every request. Accept and Last-Event-ID are
	// set by the client and cannot be overridden. A value is sent as its
	// bytes (UTF-8 for Go text; [HeadersFromJS] gives the bytes fetch
	// would send for a JavaScript value); one that fetch refuses, such as
	// a value with a line break, fails the connection.
	Headers map[string]string
	// HeaderFunc, when set, is called before every connection attempt; its
	// headers are added to Headers, replacing those of the same name. When
	// a response is 401 Unauthorized, the client calls it again and retries
	// once at once before failing the connection.
	HeaderFunc HeaderFunc
	// Body is the request body, for methods that take one.
	Body []byte
	// WithCredentials sends cookies and HTTP authentication to other
	// origins too (fetch's credentials "include" instead of "same-origin").
	WithCredentials bool
	// LastEventID is the last event ID to start from, as if an earlier
	// connection had received it: the first request sends it.
	LastEventID string
	// LastEventIDQuery, when not empty, is the name of a query parameter
	// that also carries the last event ID (when not empty), for servers
	// behind proxies that drop the Last-Event-ID header.
	//
	// A cross-origin server that refuses the Last-Event-ID header in its
	// answer to the CORS preflight (or answers none) gets the id in this
	// query parameter (lastEventId when empty) instead of the header: the
	// client retries a refused request that way at once, and remembers the
	// origin, per credentials mode, for every later connection of the page.
	LastEventIDQuery string
	// Backoff, when set, replaces the fixed reconnection time with
	// exponential backoff and full jitter.
	Backoff *Backoff
	// MaxRetries limits consecutive reconnection attempts without a
	// successful connection: 0 means no limit, a negative value means the
	// client never reconnects. When the limit is reached the connection
	// fails.
	MaxRetries int
	// RetryOnStatus lists response statuses (such as 429 and 503) that
	// reconnect instead of failing the connection. A Retry-After header on
	// such a response sets the delay.
	RetryOnStatus []int
	// HeartbeatTimeout is the liveness window: how long the client waits
	// for any bytes (an event or a comment) before it drops the connection
	// and reconnects, and how long a stream may have been silent when a
	// frozen or hidden page comes back before it reconnects at once (see
	// [Control]). When it is 0, the client learns the window from the
	// server: once comment lines (heartbeats) arrive at a steady interval,
	// twice in a row, the window is three times that interval. A negative
	// value means no window at all.
	HeartbeatTimeout time.Duration
	// Control, when set, lets the caller reconnect at will and tell the
	// client about the page lifecycle; see [Control].
	Control *Control
	// Fetch replaces the platform's fetch for every request the client
	// makes (see [JSFetch]); the zero value uses globalThis.fetch.
	Fetch FetchFunc
	// MaxEventSize limits the size of a line or of an event's data in
	// bytes; a larger one fails the connection. A value <= 0 means
	// sse.DefaultMaxEventSize.
	MaxEventSize int
	// Pump, when set, pushes each response body into the client instead
	// of the client reading it; see [BodyPump].
	Pump BodyPump
}

// BodyPump pushes a response body into the client: it reads body until
// the end, passing each chunk to feed in order, and returns nil at the end
// of the body or once feed returned more false (the client wants no more),
// else the read error. Cancelling the connection aborts the request, which
// makes a pending read fail: the pump must then return.
//
// Under js/wasm, body is the fetch Response's ReadableStreamDefaultReader
// as a syscall/js Value. The client calls the pump on the goroutine of the
// connection, once per response; feed may be called from elsewhere while
// the pump waits, such as from a wasmexport function that JavaScript
// calls per chunk, which spares the goroutine a wake-up per chunk. Code
// run that way does not pass through the Go scheduler: a timer it starts
// gets no JavaScript timeout until Go is next resumed. feed reports wake
// when a chunk started the client's liveness timer or brought it forward,
// and the host must then resume Go (by calling any js.FuncOf) so that the
// timer is scheduled. Bytes fed after more was false are ignored.
type BodyPump func(body any, feed func(chunk []byte) (more, wake bool)) error

// FetchFunc is a function with the signature of JavaScript's fetch, made
// by [JSFetch]: for interceptors, tracing and test doubles. The client
// calls it with one argument, a Request.
type FetchFunc struct {
	fn any //lint:ignore U1000 read by the js/wasm transport
}

// Backoff is an exponential reconnection policy with full jitter: before
// the n-th consecutive attempt (n from 0) the client waits a random time
// between 0 and min(Max, base × Factor^n), where base is the server's
// retry field when it sent one, else Initial. A successful connection
// starts over at n = 0.
type Backoff struct {
	// Initial is the base delay; <= 0 means DefaultRetryDelay.
	Initial time.Duration
	// Max caps the delay; <= 0 means no cap.
	Max time.Duration
	// Factor multiplies the delay after each attempt; values < 1 mean 2.
	Factor float64
}

// delay returns the wait before attempt n, given the server's reconnection
// time (serverSet reports whether the server sent one).
func (b *Backoff) delay(n int, server time.Duration, serverSet bool) time.Duration {
	base := b.Initial
	if serverSet {
		base = server
	} else if base <= 0 {
		base = DefaultRetryDelay
	}
	factor := b.Factor
	if factor < 1 {
		factor = 2
	}
	limit := float64(base) * math.Pow(factor, float64(n))
	if b.Max > 0 {
		limit = min(limit, float64(b.Max))
	}
	const ceiling = math.MaxInt64 / 2
	if !(limit < ceiling) { // also catches +Inf
		limit = ceiling
	}
	if limit < 1 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(limit) + 1))
}
