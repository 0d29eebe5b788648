package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/eventsource-wasm/eventsource-wasm/e2e/browser"
)

// TestBrowserConsole proves that the browser package's collector sees
// console.error, uncaught exceptions and failed resource loads, and nothing
// from a clean page: the "no console errors" assertions rest on it.
func TestBrowserConsole(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/clean", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<!doctype html><link rel=icon href="data:,"><title>ok</title><script>console.log("hello")</script>`))
	})
	mux.HandleFunc("/dirty", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<!doctype html><title>bad</title><script>
console.error("boom", 42);
setTimeout(() => { throw new Error("uncaught-x") }, 0);
Promise.reject(new Error("rejected-y"));
</script><img src="/missing.png">`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	bctx, bcancel, err := browser.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer bcancel()
	console := browser.ConsoleOf(bctx)
	if console == nil {
		t.Fatal("ConsoleOf: nil")
	}

	if err := chromedp.Run(bctx, chromedp.Navigate(srv.URL+"/clean"), chromedp.Sleep(200*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if err := console.Err(); err != nil {
		t.Errorf("clean page: %v", err)
	}
	if len(console.Messages()) == 0 {
		t.Error("clean page: console.log was not collected")
	}
	console.Reset()

	if err := chromedp.Run(bctx, chromedp.Navigate(srv.URL+"/dirty"), chromedp.Sleep(500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, m := range console.Errors() {
		all = append(all, m.String())
	}
	got := strings.Join(all, "\n")
	for _, want := range []string{"console error: boom 42", "uncaught-x", "rejected-y", "missing.png"} {
		if !strings.Contains(got, want) {
			t.Errorf("errors lack %q; got:\n%s", want, got)
		}
	}
}
