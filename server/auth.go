package server

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// cookieName carries the session token for clients that cannot send an
// Authorization header, such as the native EventSource.
const cookieName = "es_token"

// maxTokens bounds the live tokens, so logins cannot exhaust memory.
const maxTokens = 100000

// grant is one issued token. Only the token's SHA-256 is kept: the secret
// itself is never stored, logged or compared.
type grant struct {
	hash    [sha256.Size]byte
	expires time.Time
	done    chan struct{} // closed at expiry or logout: its streams end
	once    sync.Once
	timer   *time.Timer
}

func (g *grant) end() { g.once.Do(func() { close(g.done) }) }

type tokenStore struct {
	mu     sync.Mutex
	grants map[[sha256.Size]byte]*grant
}

func newTokenStore() *tokenStore {
	return &tokenStore{grants: make(map[[sha256.Size]byte]*grant)}
}

// issue returns a new random token valid for ttl.
func (ts *tokenStore) issue(ttl time.Duration) (string, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	tok := base64.RawURLEncoding.EncodeToString(raw[:])
	g := &grant{hash: sha256.Sum256([]byte(tok)), expires: time.Now().Add(ttl), done: make(chan struct{})}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if len(ts.grants) >= maxTokens {
		return "", errors.New("token: too many live tokens")
	}
	ts.grants[g.hash] = g
	g.timer = time.AfterFunc(ttl, func() {
		g.end()
		ts.mu.Lock()
		delete(ts.grants, g.hash)
		ts.mu.Unlock()
	})
	return tok, nil
}

// errExpired is why a token that was issued but is no longer valid fails.
var errExpired = errors.New("token expired or revoked")

// lookup returns the live grant of tok.
func (ts *tokenStore) lookup(tok string) (*grant, error) {
	h := sha256.Sum256([]byte(tok))
	ts.mu.Lock()
	g := ts.grants[h]
	ts.mu.Unlock()
	// The map is keyed by the secret's SHA-256, which a client cannot
	// steer towards a stored one, so the lookup's timing reveals nothing
	// about the tokens; a found grant's hash equals h by construction.
	if g == nil {
		return nil, errExpired
	}
	select {
	case <-g.done:
		return nil, errExpired
	default:
	}
	return g, nil
}

// revoke ends tok's grant, if any.
func (ts *tokenStore) revoke(tok string) {
	g, err := ts.lookup(tok)
	if err != nil {
		return
	}
	g.timer.Stop()
	g.end()
	ts.mu.Lock()
	delete(ts.grants, g.hash)
	ts.mu.Unlock()
}

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// noScheme stands for an Authorization header with no "<scheme> " before
// its credentials.
const noScheme = "(no scheme)"

// authScheme returns the Authorization header's scheme, never its secret:
// "" without the header, noScheme when no space or tab separates a scheme
// from credentials, since the whole value may then be a bare token.
func authScheme(r *http.Request) string {
	v := strings.TrimSpace(r.Header.Get("Authorization"))
	if v == "" {
		return ""
	}
	i := strings.IndexAny(v, " \t")
	if i < 0 {
		return noScheme
	}
	return v[:i]
}

// requestToken returns the token a request presents: the Authorization
// header first, then the cookie when allowed.
func requestToken(r *http.Request, cookie bool) (string, bool) {
	if tok, ok := bearerToken(r); ok {
		return tok, true
	}
	if cookie {
		if c, err := r.Cookie(cookieName); err == nil && c.Value != "" {
			return c.Value, true
		}
	}
	return "", false
}

// unauthorized answers 401 with a WWW-Authenticate challenge (RFC 6750):
// error="invalid_token" when a token was presented but is not valid.
func unauthorized(w http.ResponseWriter, presented bool, msg string) {
	challenge := `Bearer realm="eventsource-wasm"`
	code := "missing_token"
	if presented {
		challenge += `, error="invalid_token", error_description="the token expired or was revoked"`
		code = "invalid_token"
	}
	w.Header().Set("WWW-Authenticate", challenge)
	writeError(w, http.StatusUnauthorized, code, msg)
}

// loginResponse is the JSON answer of POST /auth/login.
type loginResponse struct {
	Token     string `json:"token"`
	TokenType string `json:"token_type"`
	ExpiresIn int64  `json:"expires_in"` // seconds
}

// handleLogin serves POST /auth/login: a new token, valid for the ttl
// parameter's seconds (form or query) clamped to [1, TokenTTL], returned in
// JSON and as an HttpOnly, SameSite=Strict cookie.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	answered, err := s.readBody(w, r.ParseForm)
	if answered {
		return
	}
	if err != nil {
		badRequest(w, "bad_request", fmt.Errorf("parse form: %w", err))
		return
	}
	maxTTL := max(int64(s.cfg.TokenTTL/time.Second), 1)
	ttl := maxTTL
	if v := r.Form.Get("ttl"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			badRequest(w, "bad_request", fmt.Errorf("ttl %q: want whole seconds", v))
			return
		}
		ttl = min(max(n, 1), maxTTL)
	}
	tok, err := s.tokens.issue(time.Duration(ttl) * time.Second)
	if err != nil {
		s.log.Error("login failed", "err", err)
		writeError(w, http.StatusServiceUnavailable, "unavailable", "cannot issue a token now")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: tok, Path: "/", MaxAge: int(ttl),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
	writeJSON(w, http.StatusOK, loginResponse{Token: tok, TokenType: "Bearer", ExpiresIn: ttl})
}

// handleLogout serves POST /auth/logout: the presented token (header or
// cookie) is revoked, its streams end, and the cookie is cleared.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if tok, ok := requestToken(r, true); ok {
		s.tokens.revoke(tok)
	}
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
	w.WriteHeader(http.StatusNoContent)
}

// authEvents serves the token-protected ticker (the /events parameters):
// GET /auth/events takes the Authorization header or the cookie, GET
// /auth/bearer-events only the header. The stream ends when the token
// expires or is revoked, so a client reconnects with a fresh one.
func (s *Server) authEvents(allowCookie bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, presented := requestToken(r, allowCookie)
		if !presented {
			msg := "send Authorization: Bearer <token> from POST /auth/login"
			if allowCookie {
				msg += ", or its cookie"
			}
			unauthorized(w, false, msg)
			return
		}
		g, err := s.tokens.lookup(tok)
		if err != nil {
			unauthorized(w, true, err.Error()+"; log in again")
			return
		}
		t, err := parseTicker(r, time.Second)
		if err != nil {
			badRequest(w, "bad_request", err)
			return
		}
		s.serveTicker(w, r, t, g.done)
	}
}
