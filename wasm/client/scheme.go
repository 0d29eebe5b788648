package client

import "strings"

// streamable reports whether fetch can give a response that streams
// events for an absolute URL, and returns its scheme. Only http and https
// reach a server; data and blob URLs are read by fetch as bodies, whose
// events are dispatched (then reconnected to, as any stream that ended), as
// the standard says and Chromium does (Firefox's EventSource refuses both,
// WebKit's data URLs). Every other scheme (ftp, mailto, javascript, about,
// file, ws…) is a network error that retrying cannot cure, or, for
// about:blank, an HTML page: browsers fail the connection at once, with one
// error event, and so does the client, instead of retrying forever.
func streamable(absURL string) (scheme string, ok bool) {
	scheme, _, _ = strings.Cut(absURL, ":")
	scheme = strings.ToLower(scheme)
	switch scheme {
	case "http", "https", "data", "blob":
		return scheme, true
	}
	return scheme, false
}
