package endpoint

import (
	"encoding/base64"
	"reflect"
	"strings"
	"testing"
)

const page = "http://127.0.0.1:8080"

func full() Setup {
	zero := 0
	return Setup{
		URL: "https://api.example/stream?x=1", Method: "post", Body: "{}", WithCredentials: true,
		Headers: []Header{
			{Name: "Authorization", Value: "Bearer s3cret-token", Secret: true},
			{Name: "X-Trace", Value: "abc"},
			{Name: "", Value: ""}, // an empty editor row
		},
		LastEventID: "41", LastEventIDQuery: "lastEventId",
		Backoff: &Backoff{Initial: 500, Factor: 1.5}, MaxRetries: &zero,
		RetryOnStatus: []int{429, 503}, HeartbeatTimeout: 15000,
		EventTypes: []string{"tick"},
	}
}

func TestCheck(t *testing.T) {
	s := full()
	if err := s.Check(); err != nil {
		t.Fatalf("a valid setup: %v", err)
	}
	neg := -1
	bad := Setup{
		URL: "/relative", Method: "GET", Body: "x",
		Headers:       []Header{{Name: "Bad Name", Value: "v"}, {Name: "X", Value: "a\nb"}, {Name: "Y", Value: "€"}},
		MaxRetries:    &neg,
		RetryOnStatus: []int{42},
	}
	err := bad.Check()
	if err == nil {
		t.Fatal("an invalid setup passed")
	}
	for _, want := range []string{"absolute", "cannot have a body", `"Bad Name"`, "line break", "beyond", "maxRetries", "42"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the errors do not mention %q:\n%v", want, err)
		}
	}
}

func TestWasmInit(t *testing.T) {
	s := full()
	got := s.WasmInit("")
	want := map[string]any{
		"headers":          map[string]any{"Authorization": "Bearer s3cret-token", "X-Trace": "abc"},
		"withCredentials":  true,
		"method":           "POST",
		"body":             "{}",
		"lastEventId":      "41",
		"lastEventIdQuery": true,
		"backoff":          map[string]any{"initial": 500, "factor": 1.5},
		"maxRetries":       0,
		"retryOnStatus":    []any{429, 503},
		"heartbeatTimeout": 15000,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("WasmInit:\n got %v\nwant %v", got, want)
	}
	if id := s.WasmInit("77")["lastEventId"]; id != "77" {
		t.Errorf("a resume replaces lastEventId: %v", id)
	}
	s.Backoff, s.LastEventIDQuery = &Backoff{}, "since"
	if got := s.WasmInit(""); got["backoff"] != true || got["lastEventIdQuery"] != "since" {
		t.Errorf("default backoff and named query: %v %v", got["backoff"], got["lastEventIdQuery"])
	}
	if got := (&Setup{URL: "http://x/"}).WasmInit(""); len(got) != 0 {
		t.Errorf("an empty setup: %v", got)
	}
}

func TestNative(t *testing.T) {
	s := full()
	if got := s.NativeInit(); !reflect.DeepEqual(got, map[string]any{"withCredentials": true}) {
		t.Errorf("NativeInit = %v", got)
	}
	got := strings.Join(s.NativeCannot(), "; ")
	for _, want := range []string{"Authorization, X-Trace", "POST", "body", "lastEventId", "retry"} {
		if !strings.Contains(got, want) {
			t.Errorf("NativeCannot %q lacks %q", got, want)
		}
	}
	if n := (&Setup{URL: "http://x/"}).NativeCannot(); len(n) != 0 {
		t.Errorf("plain GET: %v", n)
	}
}

func TestOrigins(t *testing.T) {
	s := Setup{URL: "http://127.0.0.1:9000/events"}
	if !s.CrossOrigin(page) || (&Setup{URL: "HTTP://127.0.0.1:8080/x"}).CrossOrigin(page) {
		t.Error("CrossOrigin")
	}
	for _, tc := range []struct {
		url, page string
		mixed     bool
	}{
		{"http://api.example/s", "https://demo.example", true},
		{"http://localhost:8080/s", "https://demo.example", false},
		{"http://127.0.0.2/s", "https://demo.example", false},
		{"https://api.example/s", "https://demo.example", false},
		{"http://api.example/s", "http://demo.example", false},
	} {
		if got := (&Setup{URL: tc.url}).MixedContent(tc.page); got != tc.mixed {
			t.Errorf("MixedContent(%s from %s) = %v", tc.url, tc.page, got)
		}
	}
}

func TestPreflightHeaders(t *testing.T) {
	s := Setup{Headers: []Header{
		{Name: "Authorization", Value: "x"}, {Name: "Accept-Language", Value: "fr"},
		{Name: "Content-Type", Value: "text/plain; charset=utf-8"}, {Name: "X-Key", Value: "k"}, {Name: "x-key", Value: "again"},
	}}
	if got, want := s.PreflightHeaders(), []string{"Authorization", "X-Key", "Last-Event-ID"}; !reflect.DeepEqual(got, want) {
		t.Errorf("PreflightHeaders = %v, want %v", got, want)
	}
	s.Headers = append(s.Headers, Header{Name: "Content-Type", Value: "application/json"})
	if got := s.PreflightHeaders(); len(got) != 4 || got[2] != "Content-Type" {
		t.Errorf("a JSON Content-Type needs a preflight: %v", got)
	}
}

func TestProbeReport(t *testing.T) {
	s := full()
	refused := (&Probe{Reachable: true}).Report(&s, page)
	if len(refused) != 1 || !strings.Contains(refused[0], "Access-Control-Allow-Origin: "+page) || !strings.Contains(refused[0], "Allow-Credentials: true") {
		t.Errorf("origin refused: %q", refused)
	}
	creds := (&Probe{Reachable: true, WithoutCredentials: true}).Report(&s, page)
	if !strings.Contains(creds[0], "not *") {
		t.Errorf("credentials refused: %q", creds)
	}
	p := Probe{Reachable: true, Origin: true, Method: true, Allowed: []string{"Authorization", "Last-Event-ID"}, Refused: []string{"X-Trace"}}
	got := strings.Join(p.Report(&s, page), "\n")
	for _, want := range []string{"allows this origin", "allows: Authorization, Last-Event-ID", "does not allow: X-Trace", "Access-Control-Allow-Headers must list X-Trace"} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if got := (&Probe{}).Report(&s, page); !strings.Contains(got[0], "not CORS") {
		t.Errorf("unreachable: %q", got)
	}
}

func TestExplain(t *testing.T) {
	s := Setup{URL: "http://127.0.0.1:9000/auth/bearer-events"}
	for _, tc := range []struct {
		f    Failure
		kind Kind
		want []string
	}{
		{Failure{Message: "CORS: the server did not allow this origin"}, KindCORS,
			[]string{"Access-Control-Allow-Origin: " + page, "Access-Control-Allow-Headers: Last-Event-ID"}},
		{Failure{Status: 401, StatusText: "Unauthorized", Message: "the server answered 401 Unauthorized", Challenge: `Bearer realm="x"`}, KindAuth,
			[]string{"401 Unauthorized", `WWW-Authenticate: Bearer realm="x"`, "no Authorization header"}},
		{Failure{Status: 403, Message: "the server answered 403", ChallengeHidden: true}, KindAuth,
			[]string{"refuses access", "Access-Control-Expose-Headers: WWW-Authenticate"}},
		{Failure{Status: 200, Message: `the response's content type is "text/html", not text/event-stream`}, KindContentType,
			[]string{"text/html", "Content-Type: text/event-stream"}},
		{Failure{Message: "network error"}, KindNetwork, []string{"Network error", "reconnects"}},
		{Failure{Status: 200, Message: "the server ended the stream"}, KindEnded, []string{"reconnects", "Last-Event-ID"}},
		{Failure{Status: 503, StatusText: "Service Unavailable", Message: "the server answered 503"}, KindStatus, []string{"503 Service Unavailable", "retryOnStatus"}},
		{Failure{Message: "no data arrived within the heartbeat timeout of 5000 ms"}, KindStalled, []string{"silent", "comment"}},
	} {
		if k := tc.f.Classify(); k != tc.kind {
			t.Errorf("%+v: kind %d, want %d", tc.f, k, tc.kind)
		}
		got := s.Explain(tc.f, page)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("Explain(%+v) = %q, lacks %q", tc.f, got, w)
			}
		}
	}
	withProbe := s.Explain(Failure{Message: "CORS: refused", Probe: &Probe{Reachable: true}}, page)
	if !strings.Contains(withProbe, "does not allow this origin") {
		t.Errorf("with a probe: %q", withProbe)
	}
	if !strings.Contains(MixedContentWarning("https://demo.example"), "mixed content") {
		t.Error("MixedContentWarning")
	}
}

func TestShare(t *testing.T) {
	s := full()
	frag := s.ShareFragment(false)
	raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(frag, "try:"))
	if strings.Contains(frag, "s3cret") || strings.Contains(string(raw), "s3cret") || strings.Contains(string(raw), "abc") {
		t.Errorf("a share link without values carries one: %s", raw)
	}
	back, err := ParseShare("#" + frag)
	if err != nil {
		t.Fatal(err)
	}
	want := full()
	want.Headers = []Header{{Name: "Authorization", Secret: true}, {Name: "X-Trace"}}
	if !reflect.DeepEqual(back, want) {
		t.Errorf("round trip without values:\n got %+v\nwant %+v", back, want)
	}
	back, _ = ParseShare(s.ShareFragment(true))
	if back.Headers[0].Value != "Bearer s3cret-token" {
		t.Errorf("with values: %+v", back.Headers)
	}
	for _, bad := range []string{"compare", "try:!!!", "try:" + base64.RawURLEncoding.EncodeToString([]byte("{"))} {
		if _, err := ParseShare(bad); err == nil {
			t.Errorf("ParseShare(%q) accepted it", bad)
		}
	}
}

func TestJSSnippet(t *testing.T) {
	s := full()
	js := s.JS("http://127.0.0.1:8080/eventsource-wasm.js")
	if strings.Contains(js, "s3cret") {
		t.Errorf("the snippet carries the secret:\n%s", js)
	}
	for _, want := range []string{
		`import { WasmEventSource } from "http://127.0.0.1:8080/eventsource-wasm.js";`,
		`const AUTHORIZATION = "<your Authorization value>";`,
		`new WasmEventSource("https://api.example/stream?x=1", {`,
		`headers: { "Authorization": AUTHORIZATION, "X-Trace": "abc" },`,
		`es.addEventListener("tick", (e) =>`,
		`backoff: { factor: 1.5, initial: 500 },`, `maxRetries: 0,`, `retryOnStatus: [429, 503],`, `lastEventIdQuery: true,`,
	} {
		if !strings.Contains(js, want) {
			t.Errorf("the snippet lacks %s:\n%s", want, js)
		}
	}
	plain := (&Setup{URL: "http://x/e"}).JS("/m.js")
	if !strings.Contains(plain, `new WasmEventSource("http://x/e");`) {
		t.Errorf("no options:\n%s", plain)
	}
}

func TestPresets(t *testing.T) {
	for _, p := range Presets {
		s := p.Setup(page)
		if err := s.Check(); err != nil {
			t.Errorf("preset %s: %v", p.Name, err)
		}
		if s.CrossOrigin(page) {
			t.Errorf("preset %s is not on this server: %s", p.Name, s.URL)
		}
		if got, ok := PresetByName(p.Name); !ok || got.Label != p.Label {
			t.Errorf("PresetByName(%s)", p.Name)
		}
	}
}
