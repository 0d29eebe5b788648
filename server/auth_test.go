package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/eventsource-wasm/eventsource-wasm/server"
)

type login struct {
	Token     string `json:"token"`
	TokenType string `json:"token_type"`
	ExpiresIn int64  `json:"expires_in"`
	cookie    *http.Cookie
}

func (ts *testServer) login(t *testing.T, query string) login {
	t.Helper()
	resp := ts.do(t, http.MethodPost, "/auth/login"+query, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login: status %d", resp.StatusCode)
	}
	var l login
	decodeJSON(t, resp, &l)
	if l.Token == "" || l.TokenType != "Bearer" {
		t.Fatalf("login answer %+v", l)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "es_token" {
			l.cookie = c
		}
	}
	if l.cookie == nil {
		t.Fatal("login set no cookie")
	}
	return l
}

func check401(t *testing.T, resp *http.Response, invalidToken bool) {
	t.Helper()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", resp.StatusCode)
	}
	wa := resp.Header.Get("WWW-Authenticate")
	if !strings.HasPrefix(wa, "Bearer") || strings.Contains(wa, `error="invalid_token"`) != invalidToken {
		t.Fatalf("WWW-Authenticate %q (invalid_token expected: %v)", wa, invalidToken)
	}
	var e struct{ Error, Message string }
	decodeJSON(t, resp, &e)
	if e.Error == "" || e.Message == "" {
		t.Fatalf("401 body %+v", e)
	}
}

func TestAuthLoginCookie(t *testing.T) {
	ts := newServer(t, server.Config{TokenTTL: 30 * time.Second})
	l := ts.login(t, "")
	if l.ExpiresIn != 30 {
		t.Errorf("expires_in %d, want 30", l.ExpiresIn)
	}
	c := l.cookie
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Value != l.Token || c.MaxAge != 30 {
		t.Errorf("cookie %+v: want HttpOnly, SameSite=Strict, the token, Max-Age 30", c)
	}
	// ttl is clamped to [1, TokenTTL].
	if l := ts.login(t, "?ttl=5"); l.ExpiresIn != 5 {
		t.Errorf("ttl=5: expires_in %d", l.ExpiresIn)
	}
	if l := ts.login(t, "?ttl=999"); l.ExpiresIn != 30 {
		t.Errorf("ttl=999: expires_in %d, want 30", l.ExpiresIn)
	}
	if l := ts.login(t, "?ttl=0"); l.ExpiresIn != 1 {
		t.Errorf("ttl=0: expires_in %d, want 1", l.ExpiresIn)
	}
	form := ts.do(t, http.MethodPost, "/auth/login", strings.NewReader(url.Values{"ttl": {"7"}}.Encode()),
		"Content-Type: application/x-www-form-urlencoded")
	var fl login
	decodeJSON(t, form, &fl)
	if fl.ExpiresIn != 7 {
		t.Errorf("form ttl=7: expires_in %d", fl.ExpiresIn)
	}
	if resp := ts.do(t, http.MethodPost, "/auth/login?ttl=soon", nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("ttl=soon: status %d, want 400", resp.StatusCode)
	}
}

func TestAuthEvents(t *testing.T) {
	ts := newServer(t, server.Config{})
	l := ts.login(t, "")
	bearer := "Authorization: Bearer " + l.Token
	cookie := "Cookie: es_token=" + l.Token
	for _, c := range []struct {
		name, path, header string
		ok, invalid        bool
	}{
		{"no token", "/auth/events", "", false, false},
		{"bearer", "/auth/events", bearer, true, false},
		{"cookie", "/auth/events", cookie, true, false},
		{"wrong token", "/auth/events", "Authorization: Bearer nope", false, true},
		{"wrong cookie", "/auth/events", "Cookie: es_token=nope", false, true},
		{"basic scheme", "/auth/events", "Authorization: Basic dTpw", false, false},
		{"header-only with bearer", "/auth/bearer-events", bearer, true, false},
		{"header-only with cookie", "/auth/bearer-events", cookie, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var headers []string
			if c.header != "" {
				headers = append(headers, c.header)
			}
			resp := ts.get(t, c.path+"?count=2&interval=0s&retry=100", headers...)
			if !c.ok {
				check401(t, resp, c.invalid)
				return
			}
			checkStreamHeaders(t, resp)
			if got := ids(parse(t, readAll(t, resp))); strings.Join(got, ",") != "0,1" {
				t.Fatalf("ids %v", got)
			}
		})
	}
	// Resume after Last-Event-ID works like /events.
	resp := ts.get(t, "/auth/events?count=4&interval=0s", bearer, "Last-Event-ID: 1")
	if got := ids(parse(t, readAll(t, resp))); strings.Join(got, ",") != "2,3" {
		t.Fatalf("resumed ids %v", got)
	}
}

// A stream ends when its token expires; the token then gets a 401 with
// error="invalid_token", telling a client to log in again.
func TestAuthStreamEndsAtExpiry(t *testing.T) {
	ts := newServer(t, server.Config{})
	l := ts.login(t, "?ttl=1")
	start := time.Now()
	er := readEvents(t, ts.get(t, "/auth/events?interval=50ms", "Authorization: Bearer "+l.Token))
	er.next(t)
	er.end(t)
	if d := time.Since(start); d < 800*time.Millisecond || d > 5*time.Second {
		t.Fatalf("the stream ended after %v, want about the 1s TTL", d)
	}
	check401(t, ts.get(t, "/auth/events", "Authorization: Bearer "+l.Token), true)
}

func TestAuthLogout(t *testing.T) {
	ts := newServer(t, server.Config{})
	l := ts.login(t, "")
	er := readEvents(t, ts.get(t, "/auth/events?interval=20ms", "Cookie: es_token="+l.Token))
	er.next(t)
	resp := ts.do(t, http.MethodPost, "/auth/logout", nil, "Authorization: Bearer "+l.Token)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("logout: status %d", resp.StatusCode)
	}
	cleared := false
	for _, c := range resp.Cookies() {
		cleared = cleared || (c.Name == "es_token" && c.MaxAge < 0)
	}
	if !cleared {
		t.Error("logout did not clear the cookie")
	}
	er.end(t)
	check401(t, ts.get(t, "/auth/events", "Cookie: es_token="+l.Token), true)
}

// Tokens and query strings never reach the logs.
func TestSecretsNotLogged(t *testing.T) {
	ts := newServer(t, server.Config{})
	l := ts.login(t, "")
	readAll(t, ts.get(t, "/auth/events?count=1&secret=hush-query", "Authorization: Bearer "+l.Token))
	readAll(t, ts.get(t, "/echo?n=0&token=hush-echo", "Cookie: es_token="+l.Token))
	ts.get(t, "/auth/events", "Authorization: Bearer wrong-hush-token")
	logs := ts.Logs.String()
	if !strings.Contains(logs, "path=/auth/events") {
		t.Fatalf("no request log line:\n%s", logs)
	}
	for _, secret := range []string{l.Token, "hush-query", "hush-echo", "wrong-hush-token", "secret="} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains %q:\n%s", secret, logs)
		}
	}
}
