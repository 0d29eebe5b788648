package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/eventsource-wasm/eventsource-wasm/server/fixtures"
)

// TestDemoAuthTopics logs in on the Auth view with a token limited to the
// topic demo, the way a visitor does, and connects both clients to another
// topic: both get 403. Ours reports the status; native only fails, and the
// view explains both from the server's record (the token covers only demo,
// topic_not_covered), which each pane's request table shows too. On the
// covered topic both stream (native on the login cookie, ours on its
// header) and receive what is published.
func TestDemoAuthTopics(t *testing.T) {
	p := openDemo(t, fixtures.Config{}, "/#auth", 50*time.Second)

	p.set("auth-topics", "demo")
	p.click("#auth-login")
	if err := chromedp.Run(p.ctx, chromedp.Poll(`document.getElementById("auth-token").dataset.state === "valid"`, nil,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("log in: the token box never showed a valid token: %v", err)
	}
	var box string
	p.eval(`document.getElementById("auth-token").textContent`, &box)
	if !strings.Contains(box, "topics: only demo") {
		t.Errorf("the token box shows %q; want it to say the token covers only demo", box)
	}

	// A topic the token does not cover.
	p.click(`input[name="auth-ep"][value="topic"]`)
	p.set("auth-topic", "other")
	p.click("#auth-start")
	refused := func(pn demoPane) bool {
		return len(pn.Requests) > 0 && strings.HasPrefix(pn.Requests[len(pn.Requests)-1][5], "403 topic_not_covered")
	}
	v := p.waitView("auth", "both clients to fail with 403, explained", 20*time.Second, func(v demoView) bool {
		return v.Native.State == 2 && v.Wasm.State == 2 && refused(v.Native) && refused(v.Wasm) &&
			strings.Contains(v.VerdictText, "Native EventSource failed;") && strings.Contains(v.VerdictText, "WasmEventSource: HTTP 403")
	})
	if !strings.Contains(v.Wasm.Error, "403") {
		t.Errorf("the WASM pane's error %q does not show the 403", v.Wasm.Error)
	}
	if strings.Contains(v.Native.Error, "403") {
		t.Errorf("the native pane's error %q shows a status native EventSource cannot know", v.Native.Error)
	}
	const why = "HTTP 403 Forbidden: the token covers only demo, not topic other (server: topic_not_covered, “the token does not cover topic other"
	if v.Verdict != "agree" || !strings.Contains(v.VerdictText, "the server answered "+why) || !strings.Contains(v.VerdictText, "WasmEventSource: "+why) {
		t.Errorf("the verdict should explain the 403 for both clients:\n%s", dumpDemoView(v))
	}
	// What the server saw: native on the cookie, ours on the header.
	if reqs := p.ts.rec.session(v.Native.Session); len(reqs) != 1 || reqs[0].AuthScheme != "" {
		t.Errorf("native requests: %v; want one, without Authorization (the cookie)", reqs)
	}
	if reqs := p.ts.rec.session(v.Wasm.Session); len(reqs) != 1 || reqs[0].AuthScheme != "Bearer" {
		t.Errorf("WASM requests: %v; want one, with Authorization: Bearer", reqs)
	}

	// The covered topic: both open, and both receive a publish.
	p.set("auth-topic", "demo")
	p.click("#auth-start")
	p.waitView("auth", "both clients to open on the covered topic", 20*time.Second, func(v demoView) bool {
		return v.Native.State == 1 && v.Wasm.State == 1
	})
	resp, err := http.Post(p.ts.URL+"/topics/demo", "text/plain", strings.NewReader("covered"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("publish to demo: status %d", resp.StatusCode)
	}
	answered := func(pn demoPane) bool { return len(pn.Requests) == 1 && pn.Requests[0][5] == "200" }
	v = p.waitView("auth", "both clients to receive the publish, their tables to show the 200", 20*time.Second, func(v demoView) bool {
		return v.Native.Count >= 1 && v.Wasm.Count >= 1 && answered(v.Native) && answered(v.Wasm)
	})
	for _, pn := range []demoPane{v.Native, v.Wasm} {
		if len(pn.Events) != 1 || pn.Events[0][2] != "covered" {
			t.Errorf("%s received %q, want the published data once", pn.Side, pn.Events)
		}
	}
	if v.Verdict != "agree" || !strings.Contains(v.VerdictText, "the token covers topic demo") {
		t.Errorf("the verdict on the covered topic:\n%s", dumpDemoView(v))
	}
	p.consoleCleanExcept(403, "/topics/other")
}
