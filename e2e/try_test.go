package e2e

import (
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/eventsource-wasm/eventsource-wasm/e2e/browser"
	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
)

// The Try view tests point the demo at a SECOND origin: the project's
// server on another port, started as `-allow-origin <the demo's origin>`
// starts it (server.Config.AllowOrigins), and recording into the same
// recorder as the demo's own server.

//go:embed testdata/try_snippet.js
var trySnippetJS string

//go:embed testdata/try_form.js
var tryFormJS string

//go:embed testdata/try_clear.js
var tryClearJS string

// startOrigin starts the server on another port, allowing the origins in
// allow, recording into ts's recorder; the test's cleanup stops it.
func startOrigin(t *testing.T, ts *testServer, allow []string) string {
	t.Helper()
	hs := httptest.NewUnstartedServer(nil)
	t.Cleanup(hs.Close)
	cfg := fixtures.Config{AllowOrigins: allow, Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))}
	hs.Config.Handler = ts.rec.wrap(newServer(t, cfg).Handler())
	hs.Start()
	return hs.URL
}

// tryForm is the Try view's form and boxes, read from the page.
type tryForm struct {
	URL           string `json:"url"`
	Method        string `json:"method"`
	LastEventID   string `json:"lastEventId"`
	Credentials   bool   `json:"credentials"`
	RetryOnStatus string `json:"retryOnStatus"`
	Headers       []struct {
		Name   string `json:"name"`
		Value  string `json:"value"`
		Secret bool   `json:"secret"`
		Masked bool   `json:"masked"`
	} `json:"headers"`
	Explanation string `json:"explanation"`
	Preflight   string `json:"preflight"`
	Response    string `json:"response"`
	ShareLink   string `json:"shareLink"`
	JS          string `json:"js"`
}

func (p *demoPage) tryForm() tryForm {
	p.t.Helper()
	var f tryForm
	p.eval("("+tryFormJS+")()", &f)
	return f
}

// waitTry polls the form until cond holds.
func (p *demoPage) waitTry(what string, timeout time.Duration, cond func(tryForm) bool) tryForm {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		f := p.tryForm()
		if cond(f) {
			return f
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("timed out after %v waiting for %s; the form shows %+v\nview:\n%s", timeout, what, f, dumpDemoView(p.view("try")))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// typeInto replaces the text of a field by typing, as a visitor does (key
// events, input events).
func (p *demoPage) typeInto(sel, text string) {
	p.t.Helper()
	p.eval("("+tryClearJS+")("+strconv.Quote(sel)+")", nil)
	if err := chromedp.Run(p.ctx, chromedp.SendKeys(sel, text, chromedp.ByQuery)); err != nil {
		p.t.Fatalf("type into %s: %v", sel, err)
	}
}

// navigate loads url in the page (a new document: a reload when only the
// fragment differs) and waits until the JavaScript condition ready holds.
func (p *demoPage) navigate(url, ready string) {
	p.t.Helper()
	if err := chromedp.Run(p.ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(url)); err != nil {
		p.t.Fatalf("navigate to %s: %v", url, err)
	}
	p.waitFor(ready, 20*time.Second)
}

// login gets a bearer token from a server's /auth/login.
func login(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.PostForm(base+"/auth/login", url.Values{"ttl": {"120"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Token == "" {
		t.Fatalf("login: %v (status %d)", err, resp.StatusCode)
	}
	return out.Token
}

// sharedSetup decodes the setup JSON of a share link.
func sharedSetup(t *testing.T, link string) string {
	t.Helper()
	_, frag, ok := strings.Cut(link, "#try:")
	if !ok {
		t.Fatalf("the share link %q has no #try: fragment", link)
	}
	b, err := base64.RawURLEncoding.DecodeString(frag)
	if err != nil {
		t.Fatalf("the share link's setup is not base64url: %v", err)
	}
	return string(b)
}

// TestDemoTryBearer points the Try view at a bearer-only stream on a second
// origin: without a token the explanation quotes the WWW-Authenticate
// challenge; with the header typed in the editor, WasmEventSource streams
// (native, which cannot send it, fails); after the server drops the
// connection the client resumes with Last-Event-ID.
func TestDemoTryBearer(t *testing.T) {
	p := openDemo(t, fixtures.Config{}, "/#try", 60*time.Second)
	second := startOrigin(t, p.ts, []string{p.ts.URL})
	session := "try-bearer-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	stream := second + "/auth/bearer-events?interval=200ms&retry=300&session=" + session

	// No token yet: 401, explained with the server's challenge.
	p.set("try-preset", "bearer")
	p.typeInto("#try-url", stream)
	p.click("#try-start")
	f := p.waitTry("the 401 to be explained with its challenge", 15*time.Second, func(f tryForm) bool {
		return strings.Contains(f.Explanation, "WWW-Authenticate: Bearer")
	})
	if !strings.Contains(f.Explanation, "401") || !strings.Contains(f.Explanation, `realm="eventsource-wasm"`) {
		t.Errorf("the 401 explanation: %q", f.Explanation)
	}

	// The token typed into the editor's value field.
	token := login(t, second)
	if f.Headers[0].Name != "Authorization" || !f.Headers[0].Masked {
		t.Fatalf("the bearer preset's header row: %+v", f.Headers)
	}
	p.typeInto("#try-headers .header-row .h-value", "Bearer "+token)
	p.click("#try-start")
	v := p.waitView("try", "WASM to stream and native to fail", 20*time.Second, func(v demoView) bool {
		return v.Wasm.Count >= 3 && v.Native.State == 2
	})
	if v.Native.Count != 0 {
		t.Errorf("native got %d events on a bearer-only stream", v.Native.Count)
	}
	// The open event carries the response's status and the headers the page
	// may read (cross-origin: the CORS-safelisted ones, Content-Type among them).
	if f := p.tryForm(); f.Explanation != "" || !strings.Contains(f.Response, "HTTP 200") || !strings.Contains(f.Response, "text/event-stream") {
		t.Errorf("after a good start: explanation %q (want none), response box %q (want HTTP 200 and the Content-Type)", f.Explanation, f.Response)
	}

	// The server drops the stream; the client resumes with Last-Event-ID.
	resp, err := http.Post(second+"/sessions/"+session+"/drop", "", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("drop: %v %v", err, resp)
	}
	resp.Body.Close()
	var resume recorded
	v = p.waitView("try", "a resume with Last-Event-ID and 3 more events", 20*time.Second, func(v demoView) bool {
		for _, r := range p.ts.rec.session(session) {
			if r.HasLEID && r.AuthScheme == "Bearer" {
				resume = r
				n, err := strconv.Atoi(r.LastEventID)
				return err == nil && v.Wasm.Count >= n+1+3
			}
		}
		return false
	})
	for i, e := range v.Wasm.Events {
		if e[1] != strconv.Itoa(i) {
			t.Fatalf("WASM event %d has id %q: the ids must continue without gap or repeat across the drop: %q", i, e[1], v.Wasm.Events)
		}
	}
	if n, _ := strconv.Atoi(resume.LastEventID); n < 2 {
		t.Errorf("the resume sent Last-Event-ID %q, want the id of an event received before the drop", resume.LastEventID)
	}
	var native []recorded
	for _, r := range p.ts.rec.session(session) {
		if r.Method == "GET" && r.Accept == "text/event-stream" && r.AuthScheme == "" {
			native = append(native, r)
		}
	}
	if len(native) != 2 { // the first try (no token: both clients), then native again
		t.Errorf("requests without Authorization: %v; want one from each of the two native clients", native)
	}
}

// TestDemoTrySnippet checks that the "This setup in JavaScript" snippet,
// run in a fresh page, gets the events the WASM pane got.
func TestDemoTrySnippet(t *testing.T) {
	p := openDemo(t, fixtures.Config{}, "/#try", 60*time.Second)
	second := startOrigin(t, p.ts, []string{p.ts.URL})
	p.set("try-preset", "ticker")
	p.typeInto("#try-url", second+"/events?interval=100ms&count=6&retry=300")
	p.typeInto("#try-last-id", "1")
	p.typeInto("#try-max-retries", "3")
	p.click("#try-start")
	v := p.waitView("try", "WASM to read the stream and stop", 20*time.Second, func(v demoView) bool {
		return v.Wasm.State == 2 && v.Wasm.Count >= 4
	})
	snippet := p.tryForm().JS
	for _, want := range []string{`lastEventId: "1"`, "maxRetries: 3", second + "/events"} {
		if !strings.Contains(snippet, want) {
			t.Errorf("the snippet lacks %s:\n%s", want, snippet)
		}
	}

	// A fresh tab on the demo's origin runs the snippet as it is.
	tab, cancel := chromedp.NewContext(p.ctx)
	defer cancel()
	var got [][]string
	err := chromedp.Run(tab,
		chromedp.Navigate(p.ts.URL+"/healthz"),
		chromedp.Evaluate("("+trySnippetJS+")("+strconv.Quote(snippet)+")", &got, func(ep *runtime.EvaluateParams) *runtime.EvaluateParams {
			return ep.WithAwaitPromise(true)
		}),
	)
	if err != nil {
		t.Fatalf("running the snippet: %v", err)
	}
	var want [][]string
	for _, e := range v.Wasm.Events {
		want = append(want, []string{e[1], e[2]})
	}
	if len(got) != len(want) || len(got) == 0 || !equalRows(got, want) {
		t.Errorf("the snippet got %q; the WASM pane got %q", got, want)
	}
}

func equalRows(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i], "\x00") != strings.Join(b[i], "\x00") {
			return false
		}
	}
	return true
}

// TestDemoTryCORS points the view at a second origin that allows no other
// origin: the explanation names the header the server must send. Then the
// preflight check against an origin that allows the demo names the header
// of ours its OPTIONS answer does not allow.
func TestDemoTryCORS(t *testing.T) {
	p := openDemo(t, fixtures.Config{}, "/#try", 60*time.Second)
	p.set("try-preset", "ticker")
	p.typeInto("#try-url", p.ts.XDenied+"/events?interval=200ms&count=5")
	p.click("#try-start")
	want := "Access-Control-Allow-Origin: " + p.ts.URL
	f := p.waitTry("the CORS refusal to be explained", 20*time.Second, func(f tryForm) bool {
		return strings.Contains(f.Explanation, "does not allow this origin")
	})
	if !strings.Contains(f.Explanation, want) {
		t.Errorf("the explanation does not name %q: %q", want, f.Explanation)
	}
	p.click("#try-preflight")
	f = p.waitTry("the preflight check's findings", 20*time.Second, func(f tryForm) bool {
		return strings.Contains(f.Preflight, "Preflight check for")
	})
	if !strings.Contains(f.Preflight, want) {
		t.Errorf("the preflight check does not name %q: %q", want, f.Preflight)
	}

	// An origin that allows the demo, and a header its preflight refuses.
	second := startOrigin(t, p.ts, []string{p.ts.URL})
	p.set("try-preset", "echo") // one header row: X-Demo
	p.typeInto("#try-url", second+"/echo?n=2")
	p.click("#try-preflight")
	f = p.waitTry("the preflight check on the allowing origin", 20*time.Second, func(f tryForm) bool {
		return strings.Contains(f.Preflight, "Preflight check for "+second)
	})
	for _, w := range []string{"allows this origin", "allows: Last-Event-ID", "does not allow: X-Demo", "Access-Control-Allow-Headers must list X-Demo"} {
		if !strings.Contains(f.Preflight, w) {
			t.Errorf("the preflight findings lack %q: %q", w, f.Preflight)
		}
	}
}

// TestDemoTryShare checks that a share link reopens the setup in a fresh
// page and carries a header value only when "include values" is ticked,
// and that "keep header values in this tab" keeps them across a reload.
func TestDemoTryShare(t *testing.T) {
	p := openDemo(t, fixtures.Config{}, "/#try", 60*time.Second)
	p.set("try-preset", "bearer")
	p.typeInto("#try-headers .header-row .h-value", "Bearer sekrit-123")
	p.typeInto("#try-last-id", "7")
	p.typeInto("#try-retry-status", "429, 503")
	p.click("#try-share")
	f := p.waitTry("a share link", 5*time.Second, func(f tryForm) bool { return f.ShareLink != "" })
	link := f.ShareLink
	if setup := sharedSetup(t, link); strings.Contains(link, "sekrit") || strings.Contains(setup, "sekrit") || !strings.Contains(setup, "Authorization") {
		t.Errorf("the link without values: %s (setup %s)", link, setup)
	}
	p.click("#try-share-values")
	p.click("#try-share")
	f = p.waitTry("a share link with values", 5*time.Second, func(f tryForm) bool { return f.ShareLink != "" && f.ShareLink != link })
	if setup := sharedSetup(t, f.ShareLink); !strings.Contains(setup, "Bearer sekrit-123") {
		t.Errorf("the link with values lacks the value: %s", setup)
	}

	// The first link, opened in a fresh page.
	tab, cancel, err := browser.NewTab(p.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	fresh := &demoPage{page: tabPage(t, tab), ts: p.ts}
	fresh.navigate(link, `document.body.dataset.demo === "ready" && document.body.dataset.view === "try"`)
	f = fresh.tryForm()
	if f.URL != p.ts.URL+"/auth/bearer-events?interval=500ms&retry=1000" || f.LastEventID != "7" || f.RetryOnStatus != "429, 503" {
		t.Errorf("the shared setup reopened as url %q, lastEventId %q, retryOnStatus %q", f.URL, f.LastEventID, f.RetryOnStatus)
	}
	if len(f.Headers) != 1 || f.Headers[0].Name != "Authorization" || f.Headers[0].Value != "" || !f.Headers[0].Secret || !f.Headers[0].Masked {
		t.Errorf("the shared header rows: %+v; want Authorization, secret and masked, without its value", f.Headers)
	}

	// Kept in this tab's sessionStorage on request: a reload keeps the value.
	fresh.typeInto("#try-headers .header-row .h-value", "Bearer kept-456")
	fresh.click("#try-remember")
	fresh.navigate(p.ts.URL+"/#try", `document.body.dataset.demo === "ready"`)
	if f = fresh.tryForm(); len(f.Headers) != 1 || f.Headers[0].Value != "Bearer kept-456" {
		t.Errorf("after a reload with the values kept: %+v", f.Headers)
	}
	p.consoleClean(false)
	fresh.consoleClean(false)
}

// TestDemoTryFaults checks two more explanations in the browser: a 200
// answer with the wrong Content-Type, and a network error (a port nothing
// listens on).
func TestDemoTryFaults(t *testing.T) {
	p := openDemo(t, fixtures.Config{}, "/#try", 60*time.Second)
	p.set("try-preset", "badtype")
	p.click("#try-start")
	f := p.waitTry("the wrong Content-Type to be explained", 15*time.Second, func(f tryForm) bool { return f.Explanation != "" })
	for _, w := range []string{"text/plain", "Content-Type: text/event-stream"} {
		if !strings.Contains(f.Explanation, w) {
			t.Errorf("the Content-Type explanation lacks %q: %q", w, f.Explanation)
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	p.set("try-preset", "ticker")
	p.typeInto("#try-url", closed+"/events")
	p.typeInto("#try-max-retries", "0")
	p.click("#try-start")
	f = p.waitTry("the network error to be explained", 15*time.Second, func(f tryForm) bool {
		return strings.HasPrefix(f.Explanation, "Network error")
	})
	if strings.Contains(f.Explanation, "CORS") {
		t.Errorf("a network error explained as CORS: %q", f.Explanation)
	}
}
