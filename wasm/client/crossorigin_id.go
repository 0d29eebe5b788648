package client

import (
	"strings"
	"sync"
)

// Native EventSource sends Last-Event-ID to another origin without a CORS
// preflight; fetch must ask for one, as Last-Event-ID is not a safelisted
// request header. Many servers built for native clients set
// Access-Control-Allow-Origin on their stream and nothing else: they answer
// no OPTIONS request, or answer it without allowing Last-Event-ID. Against
// such a server every reconnection that carries an id would be refused.
//
// So when a cross-origin request that carries the client's own
// Last-Event-ID is refused (the server answered the probe, see
// errCORSRefused), the client retries at once without the header, with the
// id in the query parameter lastEventId (or the one Options.LastEventIDQuery
// names) instead. Once that request opens a stream, the client remembers
// the origin, for this credentials mode, for the life of the page: every
// later request there carries the id in the query only, without a
// preflight, and the console gets one warning. Headers the caller set are
// the caller's choice and are never dropped: if the server refuses them,
// the connection fails as before.

// defaultIDQuery is the query parameter that carries the last event ID to
// origins that refuse the header, unless Options.LastEventIDQuery names one.
const defaultIDQuery = "lastEventId"

// idRoutes remembers the origins (per credentials mode) that refused the
// Last-Event-ID header. It is safe for concurrent use.
type idRoutes struct {
	mu    sync.Mutex
	query map[string]bool
}

// queryOnly is the page-wide memory: like the browser's own CORS preflight
// cache, it is shared by every connection of the page.
var queryOnly idRoutes

// has reports whether the origin of key refused the header.
func (r *idRoutes) has(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.query[key]
}

// add remembers key and reports whether it is new.
func (r *idRoutes) add(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.query[key] {
		return false
	}
	if r.query == nil {
		r.query = make(map[string]bool)
	}
	r.query[key] = true
	return true
}

// routeKey is what idRoutes keys on: the origin of absURL and whether
// credentials are sent, since a server may answer the two preflights
// differently.
func routeKey(absURL string, credentials bool) string {
	if credentials {
		return originOf(absURL) + " credentials"
	}
	return originOf(absURL)
}

// originOf returns the scheme://host[:port] of an absolute URL as the
// transport resolves it (host in lower case, default port left out): the
// text up to the path, without any user information. It stands in for
// net/url, which would weigh on the wasm module.
func originOf(absURL string) string {
	scheme, rest, ok := strings.Cut(absURL, "://")
	if !ok {
		return absURL
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	return scheme + "://" + rest
}

// idQueryWarning is the console warning for an origin that refused the
// header.
func idQueryWarning(key, name string) string {
	return "eventsource-wasm: " + key + " did not allow the Last-Event-ID request header (CORS preflight); " +
		"the last event ID goes to it in the query parameter " + name + " instead"
}
