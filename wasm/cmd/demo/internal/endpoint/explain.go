package endpoint

import (
	"strconv"
	"strings"
)

// Failure is what the page knows about an error of WasmEventSource.
type Failure struct {
	// Status, StatusText and Message are the error event's fields.
	Status     int
	StatusText string
	Message    string
	// Challenge is the WWW-Authenticate header of a 401 or 403, read by a
	// second request; ChallengeHidden says the answer had none readable
	// (a cross-origin server must expose it).
	Challenge       string
	ChallengeHidden bool
	// Probe is the preflight check's result after a CORS refusal, if run.
	Probe *Probe
}

// Kind classifies a failure for the view.
type Kind int

const (
	KindOther       Kind = iota
	KindCORS             // the browser refused to show a cross-origin answer
	KindAuth             // 401 or 403
	KindContentType      // 200 with another Content-Type
	KindNetwork          // no answer, or the connection broke
	KindStatus           // another status than 200
	KindStalled          // the heartbeat timeout fired
	KindEnded            // the server ended the response: a reconnect follows
)

// Classify returns the failure's kind.
func (f Failure) Classify() Kind {
	m := strings.ToLower(f.Message)
	switch {
	case strings.Contains(m, "cors"):
		return KindCORS
	case f.Status == 401 || f.Status == 403:
		return KindAuth
	case strings.Contains(m, "content type"):
		return KindContentType
	case strings.Contains(m, "heartbeat"):
		return KindStalled
	case f.Status != 0 && (f.Status < 200 || f.Status > 299):
		return KindStatus
	case strings.Contains(m, "ended the stream"):
		return KindEnded
	case strings.Contains(m, "network") || strings.Contains(m, "connection lost"):
		return KindNetwork
	}
	return KindOther
}

// Explain says in words what went wrong and what would fix it.
func (s *Setup) Explain(f Failure, pageOrigin string) string {
	switch f.Classify() {
	case KindCORS:
		if f.Probe != nil {
			return "The browser refused the answer (CORS). " + strings.Join(f.Probe.Report(s, pageOrigin), " ")
		}
		return "The browser refused the answer (CORS): the server did not allow this origin. It must send " +
			s.corsHeaders(pageOrigin) + "."
	case KindAuth:
		what := "The server refused the credentials (" + statusLine(f) + ")."
		if f.Status == 403 {
			what = "The server knows who you are but refuses access (" + statusLine(f) + ")."
		}
		switch {
		case f.Challenge != "":
			what += " Its challenge: WWW-Authenticate: " + f.Challenge + "."
		case f.ChallengeHidden:
			what += " Its WWW-Authenticate challenge is not readable here: a cross-origin server must send Access-Control-Expose-Headers: WWW-Authenticate."
		}
		if !s.hasHeader("Authorization") && f.Status == 401 {
			what += " This setup sends no Authorization header: add one in the headers editor."
		} else {
			what += " Check the Authorization row (an expired or mistyped token?)."
		}
		return what
	case KindContentType:
		return "The server answered 200, but " + f.Message + ". An event stream must be served as Content-Type: text/event-stream: is the URL the stream, not a page or a JSON API?"
	case KindNetwork:
		return "Network error: " + f.Message + ". The request got no answer, or the connection broke (server down, wrong host or port, a proxy closing idle connections). The client reconnects after the retry delay."
	case KindEnded:
		return "The server ended the response. For an event stream that asks for a reconnect: the client reconnects after the retry delay, sending Last-Event-ID so that the server can resume after the last event received."
	case KindStalled:
		return "The stream went silent: " + f.Message + ". The client dropped it and reconnects; a server should send a comment line now and then to keep it alive."
	case KindStatus:
		return "The server answered " + statusLine(f) + "; only 200 starts a stream, so the client stopped. To reconnect on this status instead, add " +
			strconv.Itoa(f.Status) + " to retryOnStatus."
	}
	if f.Message != "" {
		return "The connection failed: " + f.Message + "."
	}
	return "The connection failed."
}

// corsHeaders lists the CORS response headers the setup needs.
func (s *Setup) corsHeaders(pageOrigin string) string {
	parts := []string{"Access-Control-Allow-Origin: " + pageOrigin}
	if s.WithCredentials {
		parts = append(parts, "Access-Control-Allow-Credentials: true")
	}
	parts = append(parts, "and, on its OPTIONS answer, Access-Control-Allow-Headers: "+strings.Join(s.PreflightHeaders(), ", "))
	if !s.SimpleMethod() {
		parts = append(parts, "Access-Control-Allow-Methods: "+s.method())
	}
	return strings.Join(parts, ", ")
}

// MixedContentWarning is the explanation for a URL the page cannot fetch.
func MixedContentWarning(pageOrigin string) string {
	return "This page is served over https (" + pageOrigin + ") and the URL is plain http: the browser blocks the request as mixed content before it leaves. Use an https URL (or run the demo over http)."
}

func (s *Setup) hasHeader(name string) bool {
	for _, h := range s.headers() {
		if strings.EqualFold(h.Name, name) && h.Value != "" {
			return true
		}
	}
	return false
}

func statusLine(f Failure) string {
	if f.StatusText != "" {
		return strconv.Itoa(f.Status) + " " + f.StatusText
	}
	return strconv.Itoa(f.Status)
}
