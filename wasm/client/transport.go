package client

import (
	"context"
	"errors"
)

// transport opens HTTP requests. It is the only part of the client that
// needs a platform: fetch under js/wasm, fakes in tests.
type transport interface {
	// resolve returns rawURL made absolute, as EventSource's constructor
	// does (against the document's base URL in a browser).
	resolve(rawURL string) (string, error)
	// roundTrip sends req and returns once the response headers arrived.
	// Cancelling ctx aborts the request and its body.
	roundTrip(ctx context.Context, req *request) (*response, error)
	// warn shows a warning to the developer: on the console in a browser.
	warn(msg string)
}

// request is one connection attempt.
type request struct {
	url         string
	method      string
	headers     map[string]string
	body        []byte
	credentials bool // send credentials to other origins too
	fetch       FetchFunc
}

// response is what the client needs of a response.
type response struct {
	status      int
	statusText  string
	contentType string
	retryAfter  string
	url         string // after redirects
	header      map[string]string
	body        body
}

// body yields a response body chunk by chunk, as the network delivers it.
type body interface {
	// next returns the next chunk, valid until the following call, or an
	// error: io.EOF at the end of the body.
	next() ([]byte, error)
	// source returns what a [BodyPump] reads, or nil when the body can
	// only be pulled with next.
	source() any
	// close releases the body; cancelling the request's context also does.
	close()
}

// errCORSRefused is a transport's error for a cross-origin request that
// failed although the server is reachable: the server did not allow the
// page's origin. Native EventSource fails the connection then, so the
// client does not reconnect.
var errCORSRefused = errors.New("CORS: the server did not allow this origin")

// invalidRequestError is a request that cannot be sent as it is, such as
// one with a header fetch cannot encode or a body on a GET. Trying again
// would fail the same way, so the connection fails instead of retrying
// forever. The client reports err, the cause.
type invalidRequestError struct{ err error }

func (e *invalidRequestError) Error() string { return e.err.Error() }
