package endpoint

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Header is one row of the headers editor.
type Header struct {
	Name  string `json:"n"`
	Value string `json:"v,omitempty"`
	// Secret values are masked on the page, replaced by placeholders in
	// code, and left out of share links unless asked.
	Secret bool `json:"s,omitempty"`
}

// Backoff is WasmEventSource's backoff option; times in milliseconds, 0
// for the client's default.
type Backoff struct {
	Initial int     `json:"i,omitempty"`
	Max     int     `json:"x,omitempty"`
	Factor  float64 `json:"f,omitempty"`
}

// Setup is the request the view sends and the client options around it.
type Setup struct {
	URL             string   `json:"u"`
	Method          string   `json:"m,omitempty"` // "" means GET
	Body            string   `json:"b,omitempty"`
	WithCredentials bool     `json:"c,omitempty"`
	Headers         []Header `json:"h,omitempty"`
	// LastEventID is the last event ID to start from ("" for none).
	LastEventID string `json:"l,omitempty"`
	// LastEventIDQuery names the query parameter that also carries the
	// last event ID; "" sends only the header.
	LastEventIDQuery string   `json:"q,omitempty"`
	Backoff          *Backoff `json:"bo,omitempty"`
	// MaxRetries limits consecutive reconnection attempts; nil means no
	// limit and 0 never reconnects (WasmEventSource's maxRetries).
	MaxRetries       *int  `json:"r,omitempty"`
	RetryOnStatus    []int `json:"rs,omitempty"`
	HeartbeatTimeout int   `json:"hb,omitempty"` // ms; 0 is off
	// EventTypes are named event types to listen for besides "message".
	EventTypes []string `json:"t,omitempty"`
}

// method returns the request method, GET when none is set.
func (s *Setup) method() string {
	if s.Method == "" {
		return "GET"
	}
	return strings.ToUpper(s.Method)
}

// Check reports what is wrong with the setup, one problem per error,
// joined; nil when it can be sent.
func (s *Setup) Check() error {
	var errs []error
	if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, errors.New("the URL must be absolute: http://host/path or https://host/path"))
	}
	if !isToken(s.method()) {
		errs = append(errs, errors.New("the method "+strconv.Quote(s.Method)+" is not a valid HTTP method"))
	}
	if s.Body != "" && (s.method() == "GET" || s.method() == "HEAD") {
		errs = append(errs, errors.New("a "+s.method()+" request cannot have a body: choose POST, or empty the body"))
	}
	for i, h := range s.Headers {
		row := "header row " + strconv.Itoa(i+1)
		switch {
		case h.Name == "" && h.Value == "":
		case !isToken(h.Name):
			errs = append(errs, errors.New(row+": "+strconv.Quote(h.Name)+" is not a valid header name"))
		case strings.ContainsAny(h.Value, "\r\n\x00"):
			errs = append(errs, errors.New(row+": a header value cannot contain a line break"))
		case !latin1(h.Value):
			errs = append(errs, errors.New(row+": fetch sends header values as bytes 0–255; "+h.Name+" has a character beyond them"))
		}
	}
	if s.MaxRetries != nil && *s.MaxRetries < 0 {
		errs = append(errs, errors.New("maxRetries cannot be negative"))
	}
	for _, st := range s.RetryOnStatus {
		if st < 100 || st > 599 {
			errs = append(errs, errors.New("retryOnStatus: "+strconv.Itoa(st)+" is not an HTTP status"))
		}
	}
	if s.HeartbeatTimeout < 0 {
		errs = append(errs, errors.New("heartbeatTimeout cannot be negative"))
	}
	if b := s.Backoff; b != nil && (b.Initial < 0 || b.Max < 0 || b.Factor < 0) {
		errs = append(errs, errors.New("backoff times and factor cannot be negative"))
	}
	return errors.Join(errs...)
}

// headers returns the rows that have a name.
func (s *Setup) headers() []Header {
	var out []Header
	for _, h := range s.Headers {
		if h.Name != "" {
			out = append(out, h)
		}
	}
	return out
}

// WasmInit returns WasmEventSource's init dictionary for the setup; a
// non-empty resume replaces the starting lastEventId (a reopen after
// close).
func (s *Setup) WasmInit(resume string) map[string]any {
	init := map[string]any{}
	if hs := s.headers(); len(hs) > 0 {
		m := map[string]any{}
		for _, h := range hs {
			m[h.Name] = h.Value
		}
		init["headers"] = m
	}
	if s.WithCredentials {
		init["withCredentials"] = true
	}
	if m := s.method(); m != "GET" {
		init["method"] = m
	}
	if s.Body != "" {
		init["body"] = s.Body
	}
	if id := cmpOr(resume, s.LastEventID); id != "" {
		init["lastEventId"] = id
	}
	switch s.LastEventIDQuery {
	case "":
	case "lastEventId":
		init["lastEventIdQuery"] = true
	default:
		init["lastEventIdQuery"] = s.LastEventIDQuery
	}
	if b := s.Backoff; b != nil {
		init["backoff"] = b.init()
	}
	if s.MaxRetries != nil {
		init["maxRetries"] = *s.MaxRetries
	}
	if len(s.RetryOnStatus) > 0 {
		list := make([]any, len(s.RetryOnStatus))
		for i, st := range s.RetryOnStatus {
			list[i] = st
		}
		init["retryOnStatus"] = list
	}
	if s.HeartbeatTimeout > 0 {
		init["heartbeatTimeout"] = s.HeartbeatTimeout
	}
	return init
}

// init is the backoff option: true for the defaults, else an object with
// the fields set.
func (b *Backoff) init() any {
	if *b == (Backoff{}) {
		return true
	}
	m := map[string]any{}
	if b.Initial > 0 {
		m["initial"] = b.Initial
	}
	if b.Max > 0 {
		m["max"] = b.Max
	}
	if b.Factor > 0 {
		m["factor"] = b.Factor
	}
	return m
}

// NativeInit returns native EventSource's init dictionary: credentials are
// all it takes.
func (s *Setup) NativeInit() map[string]any {
	if s.WithCredentials {
		return map[string]any{"withCredentials": true}
	}
	return nil
}

// NativeCannot lists what of the setup native EventSource cannot send, in
// words; empty when native sends the same request.
func (s *Setup) NativeCannot() []string {
	var out []string
	if hs := s.headers(); len(hs) > 0 {
		names := make([]string, len(hs))
		for i, h := range hs {
			names[i] = h.Name
		}
		out = append(out, "headers ("+strings.Join(names, ", ")+")")
	}
	if m := s.method(); m != "GET" {
		out = append(out, "method "+m)
	}
	if s.Body != "" {
		out = append(out, "a body")
	}
	if s.LastEventID != "" {
		out = append(out, "a starting lastEventId")
	}
	if s.Backoff != nil || s.MaxRetries != nil || len(s.RetryOnStatus) > 0 || s.HeartbeatTimeout > 0 {
		out = append(out, "retry options")
	}
	return out
}

// cmpOr returns the first non-empty string.
func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// isToken reports whether s is an RFC 9110 token (a header name or method).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || c <= ' ' || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 || c == 0x7f {
			return false
		}
	}
	return true
}

// latin1 reports whether every character of s is at most U+00FF, what
// fetch can send as a header byte.
func latin1(s string) bool {
	return !slices.ContainsFunc([]rune(s), func(r rune) bool { return r > 0xff })
}
