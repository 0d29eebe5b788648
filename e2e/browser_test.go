package e2e

import (
	"context"
	"embed"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/e2e/browser"
)

//go:embed testdata/console-*.html
var consolePages embed.FS

// TestBrowserConsole proves, in every engine, that the browser package's
// collector sees console.error, uncaught exceptions, unhandled rejections
// and failed resource loads (where the engine reports them), and nothing
// from a clean page: the "no console
// errors" assertions rest on it. It also checks that Eval returns values.
func TestBrowserConsole(t *testing.T) {
	srv := httptest.NewServer(http.FileServerFS(consolePages))
	defer srv.Close()
	forEachEngine(t, func(t *testing.T, e browser.Engine) {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		p, err := browser.Open(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		t.Log(p.Version())
		if err := p.Navigate(ctx, srv.URL+"/testdata/console-clean.html"); err != nil {
			t.Fatal(err)
		}
		var v struct {
			Title string `json:"title"`
			Sum   int    `json:"sum"`
		}
		if err := p.Eval(ctx, `Promise.resolve({title: document.title, sum: 40 + 2})`, &v); err != nil {
			t.Fatal(err)
		}
		if v.Title != "ok" || v.Sum != 42 {
			t.Errorf("Eval = %+v, want title ok and sum 42", v)
		}
		if err := p.Eval(ctx, `Promise.reject(new Error("thrown-z"))`, nil); err == nil || !strings.Contains(err.Error(), "thrown-z") {
			t.Errorf("Eval of a rejected promise: error %v, want one naming thrown-z", err)
		}
		if errs, err := p.Errors(ctx); err != nil || len(errs) != 0 {
			t.Errorf("clean page: errors %q (%v)", errs, err)
		}

		if err := p.Navigate(ctx, srv.URL+"/testdata/console-dirty.html"); err != nil {
			t.Fatal(err)
		}
		if err := p.Eval(ctx, `boom()`, nil); err != nil {
			t.Fatal(err)
		}
		want := []string{"boom 42", "uncaught-x", "rejected-y", "missing.png"}
		if e == browser.Firefox {
			want = want[:3] // its BiDi log does not report failed loads
		}
		var got string
		for deadline := time.Now().Add(10 * time.Second); ; {
			errs, err := p.Errors(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var all []string
			for _, m := range errs {
				all = append(all, m.String())
			}
			got = strings.Join(all, "\n")
			missing := 0
			for _, w := range want {
				if !strings.Contains(got, w) {
					missing++
				}
			}
			if missing == 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("errors lack %q; got:\n%s", w, got)
			}
		}
	})
}
