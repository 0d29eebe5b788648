package client

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"
)

// idRoute says how a request carried the last event ID: "header=ID",
// "query NAME=…" in its URL, both, or "none".
func idRoute(r *fakeRequest) string {
	var parts []string
	if v, ok := r.header("Last-Event-ID"); ok {
		parts = append(parts, "header="+v)
	}
	if _, q, ok := strings.Cut(r.url, "?"); ok {
		parts = append(parts, "query "+q)
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

func expectRoute(t *testing.T, r *fakeRequest, want string) {
	t.Helper()
	if got := idRoute(r); got != want {
		t.Fatalf("request %s carried the id as %q, want %q", r.url, got, want)
	}
}

// A cross-origin server that refuses the Last-Event-ID header (no
// preflight answer) gets the id in the query instead, at once and without
// an error event; the origin is remembered, with one warning.
func TestNativeCrossOriginIDFallsBackToQuery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const url = "https://nopreflight.test/events"
		h := startAt(t, url, nil)
		r := h.next()
		expectRoute(t, r, "none")
		b := r.open()
		b.send(t, "id: 1\ndata: a\n\n")
		b.end()
		h.expect("open", "event message a #1", "error CONNECTING")

		r = h.next()
		expectRoute(t, r, "header=1")
		r.fail(errCORSRefused)
		retried := h.next()
		if d := retried.at.Sub(r.at); d != 0 {
			t.Errorf("retried after %v, want at once", d)
		}
		expectRoute(t, retried, "query lastEventId=1")
		h.expect() // no error event for the refused attempt
		if w := h.ft.takeWarnings(); len(w) != 0 {
			t.Errorf("warned before the query worked: %q", w)
		}
		b = retried.open()
		b.send(t, "id: 2\ndata: b\n\n")
		b.end()
		h.expect("open", "event message b #2", "error CONNECTING")
		w := h.ft.takeWarnings()
		if len(w) != 1 || !strings.Contains(w[0], "https://nopreflight.test") || !strings.Contains(w[0], "lastEventId") {
			t.Errorf("warnings %q, want one naming the origin and the parameter", w)
		}

		r = h.next() // the stream keeps the query, with no preflight to fail
		expectRoute(t, r, "query lastEventId=2")
		r.open().end()
		h.expect("open", "error CONNECTING")
		h.cancel()

		// Another connection to that origin starts with the query; with
		// credentials, the origin is asked again.
		for _, tc := range []struct {
			opts Options
			want string
		}{
			{Options{LastEventID: "9"}, "query a=b&lastEventId=9"},
			{Options{LastEventID: "9", WithCredentials: true}, "header=9 query a=b"},
		} {
			h := startAt(t, url+"?a=b", &tc.opts)
			expectRoute(t, h.next(), tc.want)
			h.cancel()
			if w := h.ft.takeWarnings(); len(w) != 0 {
				t.Errorf("warned again: %q", w)
			}
		}
	})
}

// With lastEventIdQuery set, the fallback uses that parameter, and the
// caller's own headers are kept: they are the caller's choice. Refused
// again, the connection fails as for any CORS refusal.
func TestNativeCrossOriginIDFallbackKeepsCallerHeaders(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startAt(t, "https://strict.test/events", &Options{
			LastEventID: "7", LastEventIDQuery: "since", Headers: map[string]string{"Authorization": "Bearer x"},
		})
		r := h.next()
		expectRoute(t, r, "header=7 query since=7")
		r.fail(errCORSRefused)
		r = h.next()
		expectRoute(t, r, "query since=7")
		if v, _ := r.header("Authorization"); v != "Bearer x" {
			t.Errorf("the fallback dropped the caller's Authorization: %q", v)
		}
		r.fail(errCORSRefused)
		h.expect("error CLOSED")
		var e *Error
		if err := h.result(); !errors.As(err, &e) || !strings.HasPrefix(e.Message, "CORS") {
			t.Errorf("run = %v, want the CORS refusal", err)
		}
		h.noRequest()
		if w := h.ft.takeWarnings(); len(w) != 0 {
			t.Errorf("warned although the query did not work either: %q", w)
		}
	})
}

// Only a refusal triggers the fallback: a network error reconnects after
// the reconnection time with the header, as before.
func TestNativeCrossOriginIDNetworkErrorKeepsHeader(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startAt(t, "https://flaky.test/events", &Options{LastEventID: "3"})
		r := h.next()
		expectRoute(t, r, "header=3")
		r.fail(errors.New("TypeError: Failed to fetch"))
		h.expect("error CONNECTING")
		next := h.next()
		if d := next.at.Sub(r.at); d != DefaultRetryDelay {
			t.Errorf("reconnected after %v, want %v", d, DefaultRetryDelay)
		}
		expectRoute(t, next, "header=3")
	})
}

// A redirect target is stored without the parameter the fallback added:
// after the id is reset, no stale id travels.
func TestNativeCrossOriginIDRedirectDropsQuery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startAt(t, "https://redirecting.test/events", &Options{LastEventID: "4"})
		h.next().fail(errCORSRefused)
		r := h.next()
		expectRoute(t, r, "query lastEventId=4")
		b := r.redirected("https://redirecting.test/moved?x=1&lastEventId=4", 200, "text/event-stream")
		b.send(t, "id\ndata: reset\n\n")
		b.end()
		h.expect("open", "event message reset #", "error CONNECTING")
		h.ft.takeWarnings()
		if r = h.next(); r.url != "https://redirecting.test/moved?x=1" {
			t.Errorf("reconnected to %s", r.url)
		}
	})
}

func TestOriginOf(t *testing.T) {
	for in, want := range map[string]string{
		"https://h.test/p?q#f":           "https://h.test",
		"http://127.0.0.1:8080":          "http://127.0.0.1:8080",
		"http://u:p@h.test:81/x":         "http://h.test:81",
		"https://h.test?x=a@b":           "https://h.test",
		"data:text/plain,a":              "data:text/plain,a",
		"https://h.test#frag/with/slash": "https://h.test",
	} {
		if got := originOf(in); got != want {
			t.Errorf("originOf(%q) = %q, want %q", in, got, want)
		}
	}
	if routeKey("https://h.test/a", true) == routeKey("https://h.test/b", false) {
		t.Error("the credentials modes share a key")
	}
}
