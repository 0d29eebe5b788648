package server_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/server"
	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

type echo struct {
	Method           string   `json:"method"`
	Path             string   `json:"path"`
	LastEventID      *string  `json:"last_event_id"`
	LastEventIDQuery *string  `json:"last_event_id_query"`
	Authorization    *string  `json:"authorization"`
	Cookies          []string `json:"cookies"`
	Accept           string   `json:"accept"`
	CacheControl     string   `json:"cache_control"`
	Origin           *string  `json:"origin"`
	HeaderNames      []string `json:"header_names"`
	BodyBytes        int64    `json:"body_bytes"`
	Session          *string  `json:"session"`
	Connection       int64    `json:"connection"`
}

func readEcho(t *testing.T, resp *http.Response) (echo, []sse.Event) {
	t.Helper()
	checkStreamHeaders(t, resp)
	evs := parse(t, readAll(t, resp))
	if len(evs) == 0 || evs[0].Type != "echo" {
		t.Fatalf("first event %+v, want type echo", evs)
	}
	var e echo
	if err := json.Unmarshal([]byte(evs[0].Data), &e); err != nil {
		t.Fatal(err)
	}
	return e, evs[1:]
}

func TestEcho(t *testing.T) {
	ts := newServer(t, server.Config{})
	first, evs := readEcho(t, ts.get(t, "/echo?session=s1&retry=250",
		"Accept: text/event-stream", "Cache-Control: no-store", "Origin: http://example.test",
		"Authorization: Bearer top-secret", "Cookie: a=secret-a; b=secret-b"))
	if first.Method != "GET" || first.Path != "/echo" || first.LastEventID != nil || first.LastEventIDQuery != nil {
		t.Errorf("first echo %+v", first)
	}
	if first.Authorization == nil || *first.Authorization != "Bearer" || !reflect.DeepEqual(first.Cookies, []string{"a", "b"}) {
		t.Errorf("authorization %v, cookies %v", first.Authorization, first.Cookies)
	}
	if first.Accept != "text/event-stream" || first.CacheControl != "no-store" || first.Origin == nil || *first.Origin != "http://example.test" {
		t.Errorf("accept %q, cache_control %q, origin %v", first.Accept, first.CacheControl, first.Origin)
	}
	if first.Session == nil || *first.Session != "s1" || first.Connection != 1 {
		t.Errorf("session %v connection %d", first.Session, first.Connection)
	}
	if got := ids(evs); !reflect.DeepEqual(got, []string{"1", "2", "3"}) {
		t.Errorf("numbered ids %v", got)
	}
	// The reconnect shows the Last-Event-ID header, and numbering goes on.
	second, evs := readEcho(t, ts.get(t, "/echo?session=s1&n=2", "Last-Event-ID: 3"))
	if second.LastEventID == nil || *second.LastEventID != "3" || second.Connection != 2 {
		t.Errorf("second echo %+v", second)
	}
	if got := ids(evs); !reflect.DeepEqual(got, []string{"4", "5"}) {
		t.Errorf("numbered ids %v", got)
	}
	third, _ := readEcho(t, ts.get(t, "/echo?session=s1&n=0&lastEventId=5"))
	if third.LastEventID != nil || third.LastEventIDQuery == nil || *third.LastEventIDQuery != "5" {
		t.Errorf("third echo %+v", third)
	}
	// POST bodies are counted, never echoed.
	post, _ := readEcho(t, ts.do(t, http.MethodPost, "/echo?n=0", strings.NewReader("hello")))
	if post.Method != "POST" || post.BodyBytes != 5 || post.Session != nil {
		t.Errorf("post echo %+v", post)
	}
	if raw := readAll(t, ts.get(t, "/echo?n=0", "Authorization: Bearer top-secret", "Cookie: a=secret-a")); strings.Contains(raw, "secret") {
		t.Errorf("echo leaks a secret: %q", raw)
	}
}

func TestFaultStatus(t *testing.T) {
	ts := newServer(t, server.Config{})
	resp := ts.get(t, "/faults?status=503&retry_after=7")
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "7" {
		t.Errorf("status %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if resp := ts.get(t, "/faults?status=204"); resp.StatusCode != 204 {
		t.Errorf("status=204 gave %d", resp.StatusCode)
	}
	resp = ts.get(t, "/faults?content_type=text/plain")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("content_type: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if evs := parse(t, readAll(t, resp)); len(evs) != 3 {
		t.Errorf("%d events with the wrong content type, want 3", len(evs))
	}
	ts.Client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp = ts.get(t, "/faults?redirect=/events%3Fcount%3D1")
	if resp.StatusCode != http.StatusTemporaryRedirect || resp.Header.Get("Location") != "/events?count=1" {
		t.Errorf("redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, bad := range []string{"redirect=//evil.test", "redirect=http://evil.test", "newline=crcr", "body=nope", "status=99", "chunk=-1"} {
		if resp := ts.get(t, "/faults?"+bad); resp.StatusCode != 400 {
			t.Errorf("%s: status %d, want 400", bad, resp.StatusCode)
		}
	}
}

func TestFaultStream(t *testing.T) {
	ts := newServer(t, server.Config{})
	body := readAll(t, ts.get(t, "/faults?bom=1&retry=100&newline=crlf&event=tick"))
	want := "\uFEFFretry: 100\r\nid: 0\r\nevent: tick\r\ndata: fault événement 0 ✓ 🚀\r\n\r\n"
	if !strings.HasPrefix(body, want) {
		t.Fatalf("bytes %q, want a prefix %q", body, want)
	}
	if evs := parse(t, body); len(evs) != 3 || evs[2].ID != "2" || evs[2].Type != "tick" {
		t.Fatalf("events %+v", evs)
	}
	if cr := readAll(t, ts.get(t, "/faults?newline=cr&count=1")); strings.Contains(cr, "\n") || len(parse(t, cr)) != 1 {
		t.Fatalf("newline=cr: %q", cr)
	}
	resumed := parse(t, readAll(t, ts.get(t, "/faults?count=4", "Last-Event-ID: 1")))
	if got := ids(resumed); !reflect.DeepEqual(got, []string{"2", "3"}) {
		t.Fatalf("resumed ids %v", got)
	}
}

func TestFaultDropAfter(t *testing.T) {
	ts := newServer(t, server.Config{})
	er := readEvents(t, ts.get(t, "/faults?drop_after=2"))
	er.next(t)
	er.next(t)
	if err := er.end(t); err == nil || err.Error() == "EOF" {
		t.Fatalf("read ended with %v, want an abrupt failure (unexpected EOF)", err)
	}
}

func TestFaultStall(t *testing.T) {
	ts := newServer(t, server.Config{Heartbeat: 10 * time.Millisecond})
	er := readEvents(t, ts.get(t, "/faults?stall=1&interval=1ms"))
	if e := er.next(t); e.ID != "0" {
		t.Fatalf("first event %+v", e)
	}
	// Nothing more, not even a heartbeat, yet the connection stays open.
	time.Sleep(100 * time.Millisecond)
	for len(er.raw) > 1 {
		<-er.raw
	}
	select {
	case chunk := <-er.raw:
		if strings.Contains(chunk, "heartbeat") {
			t.Fatalf("a stalled stream wrote %q", chunk)
		}
	default:
	}
	select {
	case b := <-er.raw:
		t.Fatalf("a stalled stream wrote %q", b)
	case err := <-er.done:
		t.Fatalf("the stalled stream ended: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
}

// flushRecorder records the bytes between flushes.
type flushRecorder struct {
	header http.Header
	status int
	cur    []byte
	pieces []string
}

func (f *flushRecorder) Header() http.Header  { return f.header }
func (f *flushRecorder) WriteHeader(code int) { f.status = code }
func (f *flushRecorder) Write(b []byte) (int, error) {
	f.cur = append(f.cur, b...)
	return len(b), nil
}

func (f *flushRecorder) Flush() {
	if len(f.cur) > 0 {
		f.pieces = append(f.pieces, string(f.cur))
		f.cur = nil
	}
}

// chunk splits the bytes into flushed pieces of the asked size, which cut
// through CRLF pairs and UTF-8 sequences.
func TestFaultChunk(t *testing.T) {
	s, err := server.New(server.Config{Static: testFS, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, size := range []int{1, 3} {
		rec := &flushRecorder{header: http.Header{}}
		req, _ := http.NewRequest("GET", "/faults?newline=crlf&count=2&chunk_delay=0s&chunk="+string(rune('0'+size)), nil)
		s.Handler().ServeHTTP(rec, req)
		rec.Flush()
		whole := strings.Join(rec.pieces, "")
		if len(parse(t, whole)) != 2 {
			t.Fatalf("chunk=%d: bytes %q do not parse to 2 events", size, whole)
		}
		splitCRLF, splitRune := false, false
		for i, p := range rec.pieces {
			if len(p) > size {
				t.Fatalf("chunk=%d: a flushed piece of %d bytes: %q", size, len(p), p)
			}
			if i > 0 && strings.HasSuffix(rec.pieces[i-1], "\r") && strings.HasPrefix(p, "\n") {
				splitCRLF = true
			}
			if p[0]&0xC0 == 0x80 { // starts with a UTF-8 continuation byte
				splitRune = true
			}
		}
		if !splitCRLF || !splitRune {
			t.Errorf("chunk=%d: CRLF split %v, UTF-8 split %v; want both", size, splitCRLF, splitRune)
		}
	}
}

// Every preset parses to what a browser must dispatch.
func TestFaultPresets(t *testing.T) {
	ts := newServer(t, server.Config{})
	type ev = sse.Event
	cases := map[string][]ev{
		"comments":  {{Type: "message", Data: "after comments"}, {Type: "message", Data: "second"}},
		"multiline": {{Type: "message", Data: "line one\nline two\n\nline four"}, {Type: "message", Data: "[\n  {\"answer\": 42},\n  {\"question\": null}\n]"}},
		"bom":       {{Type: "message", Data: "the leading BOM is stripped"}, {Type: "message", Data: "last"}},
		"crlf":      {{ID: "1", Type: "message", Data: "crlf one\ncrlf two"}, {ID: "1", Type: "named", Data: "crlf named"}},
		"cr":        {{ID: "1", Type: "message", Data: "cr one\ncr two"}, {ID: "1", Type: "named", Data: "cr named"}},
		"mixed":     {{Type: "message", Data: "lf\ncr\ncrlf"}, {Type: "message", Data: "end"}},
		"idreset":   {{ID: "1", Type: "message", Data: "a"}, {ID: "", Type: "message", Data: "b"}, {ID: "3", Type: "message", Data: "c"}, {ID: "", Type: "message", Data: "d"}},
		"nul-id":    {{ID: "1", Type: "message", Data: "a"}, {ID: "1", Type: "message", Data: "b"}},
		"retry-bad": {{Type: "message", Data: "a"}, {Type: "message", Data: "b"}, {Type: "message", Data: "c"}, {Type: "message", Data: "d"}},
		"utf8-invalid": {{Type: "message", Data: "bad \uFFFD byte"}, {Type: "message", Data: "cut \uFFFD euro"},
			{Type: "message", Data: "surrogate \uFFFD\uFFFD\uFFFD"}, {Type: "message", Data: "good € 😀"}},
		"no-trailing-blank": {{Type: "message", Data: "dispatched"}},
		"named": {{Type: "deepThoughtOutput", Data: `{"step": 1, "thought": "thinking"}`}, {Type: "deepThoughtOutput", Data: `{"step": 2, "thought": "42"}`},
			{Type: "message", Data: "a plain message: the type resets after each dispatch"}, {Type: "done", Data: "done"}},
		"fields": {{Type: "message", Data: "no space"}, {Type: "message", Data: " two spaces"}, {Type: "message", Data: ""},
			{Type: "message", Data: "x"}, {Type: "message", Data: "a\n\nb"}},
		"empty":         {{Type: "message", Data: ""}, {Type: "message", Data: ""}},
		"retry-invalid": {{Type: "message", Data: "a"}, {Type: "message", Data: "b"}},
		"nonascii-id":   {{ID: "é🚀", Type: "message", Data: "a"}},
		"odd-data": {{Type: "message", Data: "empty event field"}, {Type: "message", Data: "line\u2028separator"},
			{Type: "message", Data: "nul\x00inside"}},
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			resp := ts.get(t, "/faults?body="+name)
			checkStreamHeaders(t, resp)
			if got := parse(t, readAll(t, resp)); !reflect.DeepEqual(got, want) {
				t.Fatalf("events\n%+q\nwant\n%+q", got, want)
			}
		})
	}
	t.Run("big", func(t *testing.T) {
		evs := parse(t, readAll(t, ts.get(t, "/faults?body=big&size=1048576&chunk=65536&chunk_delay=0s")))
		if len(evs) != 2 || len(evs[0].Data) != 1<<20 || evs[1].Data != "after big" {
			t.Fatalf("big: %d events", len(evs))
		}
	})
	t.Run("retry", func(t *testing.T) {
		p := sse.NewParser(0)
		p.Feed([]byte(readAll(t, ts.get(t, "/faults?body=retry-bad"))), func(sse.Event) {})
		if ms, ok := p.Retry(); !ok || ms != 2500 {
			t.Fatalf("retry %d %v, want 2500", ms, ok)
		}
		p = sse.NewParser(0)
		p.Feed([]byte(readAll(t, ts.get(t, "/faults?body=retry-invalid"))), func(sse.Event) {})
		if ms, ok := p.Retry(); ok {
			t.Fatalf("retry-invalid set the reconnection time to %d", ms)
		}
	})
}

// An Authorization header without a scheme (a bare token, or a tab after
// the scheme) is a secret as a whole: neither /echo nor a session shows it.
func TestEchoBareTokenNotShown(t *testing.T) {
	ts := newServer(t, server.Config{})
	for _, h := range []string{"Authorization: top-secret-token", "Authorization: Bearer\ttop-secret-token"} {
		first, _ := readEcho(t, ts.get(t, "/echo?n=0&session=bare", h))
		if first.Authorization == nil || strings.Contains(*first.Authorization, "secret") {
			t.Errorf("%s: echo shows authorization %v", h, first.Authorization)
		}
	}
	if raw := readAll(t, ts.get(t, "/sessions/bare")); strings.Contains(raw, "secret") {
		t.Errorf("the session shows the token: %s", raw)
	}
}
