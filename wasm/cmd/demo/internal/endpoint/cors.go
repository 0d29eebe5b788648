package endpoint

import (
	"net/url"
	"slices"
	"strings"
)

// Origin returns the origin (scheme://host[:port]) of an absolute URL, or
// "" when raw is not one.
func Origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
}

// CrossOrigin reports whether the setup's URL is on another origin than
// the page's: the server must then allow the page's origin (CORS).
func (s *Setup) CrossOrigin(pageOrigin string) bool {
	o := Origin(s.URL)
	return o != "" && o != strings.ToLower(pageOrigin)
}

// MixedContent reports whether a page on pageOrigin may not fetch the URL
// at all: an https page cannot fetch plain http, except from the loopback
// addresses, which browsers treat as secure.
func (s *Setup) MixedContent(pageOrigin string) bool {
	u, err := url.Parse(s.URL)
	if err != nil || !strings.HasPrefix(strings.ToLower(pageOrigin), "https:") || u.Scheme != "http" {
		return false
	}
	switch h := u.Hostname(); {
	case h == "localhost", h == "::1", strings.HasPrefix(h, "127."), strings.HasSuffix(h, ".localhost"):
		return false
	}
	return true
}

// safelisted are the request headers a cross-origin request may carry
// without a preflight (with CORS-safelisted values; Content-Type only as
// form or plain text).
var safelisted = []string{"accept", "accept-language", "content-language"}

var simpleContentTypes = []string{"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}

// PreflightHeaders lists the request headers of the setup that a
// cross-origin server must name in Access-Control-Allow-Headers: the
// header rows that are not CORS-safelisted, and Last-Event-ID, which the
// client sends to resume.
func (s *Setup) PreflightHeaders() []string {
	var out []string
	for _, h := range s.headers() {
		name := strings.ToLower(h.Name)
		if slices.Contains(safelisted, name) {
			continue
		}
		if name == "content-type" {
			mt, _, _ := strings.Cut(strings.ToLower(h.Value), ";")
			if slices.Contains(simpleContentTypes, strings.TrimSpace(mt)) {
				continue
			}
		}
		if !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, h.Name) }) {
			out = append(out, h.Name)
		}
	}
	if !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, "Last-Event-ID") }) {
		out = append(out, "Last-Event-ID")
	}
	return out
}

// SimpleMethod reports whether the method needs no
// Access-Control-Allow-Methods (GET, HEAD and POST).
func (s *Setup) SimpleMethod() bool {
	m := s.method()
	return m == "GET" || m == "HEAD" || m == "POST"
}

// Probe is what the page's preflight check found about a cross-origin
// URL. Browsers never show a page the OPTIONS answer itself, so the check
// sends requests and sees which ones the browser lets through: one
// without extra headers, then one per header of ours.
type Probe struct {
	// Reachable is false when not even an opaque (no-cors) request got an
	// answer: a network error, not CORS.
	Reachable bool
	// Origin is true when a request with no extra headers (and the setup's
	// credentials) passed the CORS check.
	Origin bool
	// WithoutCredentials is true when, the setup asking for credentials and
	// Origin being false, the same request without credentials passed.
	WithoutCredentials bool
	// Method is false when a non-simple method was refused.
	Method bool
	// Allowed and Refused split PreflightHeaders by the preflight's answer.
	Allowed, Refused []string
}

// Report says what the probe found, one finding per line, naming the
// response headers the server must send where something is refused.
func (p *Probe) Report(s *Setup, pageOrigin string) []string {
	if !p.Reachable {
		return []string{"The server did not answer at all (a network error: wrong host or port, server down, TLS problem). This is not CORS."}
	}
	var out []string
	switch {
	case p.Origin:
		line := "The server allows this origin (" + pageOrigin + ")"
		if s.WithCredentials {
			line += ", with credentials"
		}
		out = append(out, line+".")
	case s.WithCredentials && p.WithoutCredentials:
		out = append(out, "The server allows this origin only without credentials. With withCredentials it must answer "+
			"Access-Control-Allow-Origin: "+pageOrigin+" (the origin itself, not *) and Access-Control-Allow-Credentials: true.")
	default:
		line := "The server does not allow this origin: its answer must carry Access-Control-Allow-Origin: " + pageOrigin
		if s.WithCredentials {
			line += " and Access-Control-Allow-Credentials: true"
		}
		return append(out, line+". Without it the browser hides the whole response, so headers could not be checked.")
	}
	if !s.SimpleMethod() && !p.Method {
		out = append(out, "Its OPTIONS answer does not allow the method "+s.method()+": Access-Control-Allow-Methods must include it.")
	}
	if len(p.Allowed) > 0 {
		out = append(out, "Its OPTIONS answer allows: "+strings.Join(p.Allowed, ", ")+".")
	}
	if len(p.Refused) > 0 {
		out = append(out, "Its OPTIONS answer does not allow: "+strings.Join(p.Refused, ", ")+
			". Access-Control-Allow-Headers must list "+strings.Join(p.Refused, ", ")+".")
	} else if p.Origin {
		out = append(out, "Every header of this setup passes the preflight.")
	}
	return out
}
