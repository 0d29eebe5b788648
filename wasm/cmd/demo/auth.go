//go:build js && wasm

package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"honnef.co/go/js/dom/v2"

	"github.com/eventsource-wasm/eventsource-wasm/server/api"
	"github.com/eventsource-wasm/eventsource-wasm/wasm/cmd/demo/internal/topicaccess"
	"github.com/eventsource-wasm/eventsource-wasm/wasm/internal/jsval"
)

// authView is the Auth tab: a token-protected stream into native
// EventSource (which can only ride the session cookie) and WasmEventSource
// (which sends Authorization: Bearer from a headers function). A token may
// be limited to topics at login; a topic stream it does not cover gets 403,
// which the view explains for both clients from the server's record.
type authView struct {
	*sideBySide
	login, expire, logout *dom.HTMLButtonElement
	ttl                   *dom.HTMLSelectElement
	refreshOn             *dom.HTMLInputElement
	topicsField, topic    *dom.HTMLInputElement
	tokenBox              dom.Element
	headersFn             jsval.Func // WasmEventSource's init.headers; lives as long as the page
	token                 string
	topics                []string // the token's topics; nil: any
	expires               time.Time
	revoked               bool
	sentSinceOpen         bool // headers() handed out the token and no open followed yet
	calls, refreshes      int
	endpoint              string
	streamTopic           string // the topic connected to, "" for the /auth/ streams
	shown                 string // what the token box shows, to redraw only on change
}

// The token-protected streams: the ticker's parameters, stamped for the
// receive delay, with a short retry so a reconnect after expiry is quick.
const authStreamQuery = "?interval=500ms&ts=1&retry=1000"

func newAuthView(a *app) *authView {
	v := &authView{
		login:       button("auth-login"),
		expire:      button("auth-expire"),
		logout:      button("auth-logout"),
		ttl:         byID("auth-ttl").(*dom.HTMLSelectElement),
		refreshOn:   input("auth-refresh"),
		topicsField: input("auth-topics"),
		topic:       input("auth-topic"),
		tokenBox:    byID("auth-token"),
	}
	v.headersFn = callback("headers()", map[string]any{}, func([]jsval.Value) any { return v.headers() })
	v.sideBySide = newSideBySide(a, sideBySideSpec{
		prefix: "auth", name: "Auth", tag: "a",
		nativeTitle: "Native EventSource (cookie only)",
		wasmTitle:   "WasmEventSource (Authorization header)",
		nativeInit: func(string) map[string]any {
			return map[string]any{"withCredentials": true}
		},
		wasmInit: func(resume string) map[string]any {
			init := map[string]any{"headers": v.headersFn}
			if resume != "" {
				init["lastEventId"] = resume
			}
			return init
		},
		connect: v.connect,
		check:   v.check,
	})
	// An open ends the "handed out and not yet accepted" window of the token.
	v.wasm.onOpen = func(jsval.Value) { v.sentSinceOpen = false }
	onClick(v.login, "log in", func() {
		if err := v.doLogin(); err != nil {
			showToast("Logging in failed: "+err.Error(), true)
			return
		}
		showToast(fmt.Sprintf("Logged in: a %d-second token for %s, also set as an HttpOnly cookie.", int(time.Until(v.expires).Round(time.Second).Seconds()), topicaccess.Scope(v.topics)), false)
	})
	onClick(v.expire, "expire", func() { v.revoke(false) })
	onClick(v.logout, "log out", func() { v.revoke(true) })
	go v.tick()
	v.showToken()
	return v
}

func (v *authView) enable() {
	v.login.SetDisabled(false)
	v.sideBySide.enable()
}

// doLogin asks the server for a token (and its cookie) with the chosen
// lifetime, limited to the topics field's topics when it names any. It
// blocks: call it from a goroutine.
func (v *authView) doLogin() error {
	topics, err := topicaccess.ParseTopics(v.topicsField.Value())
	if err != nil {
		return fmt.Errorf("topics: %w", err)
	}
	ttl, _ := strconv.Atoi(v.ttl.Value()) // the select's own values
	res, err := fetchText("POST", "/auth/login", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, topicaccess.LoginForm(ttl, topics))
	if err != nil || !res.OK() {
		return errors.New(describeFailure(res, err))
	}
	var out api.Login
	if err := json.Unmarshal([]byte(res.Body), &out); err != nil || out.Token == "" {
		return errors.New("the server's answer held no token")
	}
	v.token, v.topics, v.expires, v.revoked, v.sentSinceOpen = out.Token, out.Topics, time.Now().Add(time.Duration(out.ExpiresIn)*time.Second), false, false
	v.showToken()
	return nil
}

// revoke ends the token on the server (POST /auth/logout): its streams end
// at once and the cookie is cleared. forget also drops the token here (log
// out); otherwise it is kept, now useless, as an expired token would be.
func (v *authView) revoke(forget bool) {
	if v.token == "" {
		showToast("Not logged in.", false)
		return
	}
	res, err := fetchText("POST", "/auth/logout", map[string]string{"Authorization": "Bearer " + v.token}, "")
	if err != nil || !res.OK() {
		showToast("The server did not revoke the token: "+describeFailure(res, err), true)
		return
	}
	v.revoked = true
	if forget {
		v.token = ""
		showToast("Logged out: the token is revoked and the cookie cleared.", false)
	} else {
		showToast("Token revoked on the server: its streams end now. Watch the WASM client's headers() on reconnect.", false)
	}
	v.showToken()
}

// headers is WasmEventSource's init.headers, called before every connect
// and reconnect. It answers at once with the current token while it is
// valid; otherwise (when refreshing is on) it returns a Promise that logs
// in again — the async form the client accepts. Called twice without an
// open in between, it takes its token as refused (the client retries a
// 401 once, calling it again) and fetches a new one.
func (v *authView) headers() any {
	v.calls++
	n := "headers() #" + strconv.Itoa(v.calls)
	valid := v.token != "" && !v.revoked && time.Until(v.expires) > 500*time.Millisecond
	switch {
	case valid && !v.sentSinceOpen:
		v.sentSinceOpen = true
		v.wasm.system("headers", n+" → Authorization: Bearer …"+tail(v.token)+" (still valid)")
		return bearer(v.token)
	case !v.refreshOn.Checked() && v.token == "":
		v.wasm.system("headers", n+" → no token: no Authorization header")
		return map[string]any{}
	case !v.refreshOn.Checked():
		v.wasm.system("headers", n+" → Bearer …"+tail(v.token)+" (expired or revoked; refreshing is off)")
		return bearer(v.token)
	}
	why := "no token yet"
	switch {
	case v.token != "" && (v.revoked || !valid):
		why = "token expired or revoked"
	case v.token != "":
		why = "token refused"
	}
	v.wasm.system("headers", n+" → "+why+": POST /auth/login for a new one…")
	return promise(func() (any, error) {
		if err := v.doLogin(); err != nil {
			v.wasm.system("headers", n+" → login failed: "+err.Error())
			return nil, err
		}
		v.refreshes++
		v.sentSinceOpen = true
		v.wasm.system("headers", n+" → new token …"+tail(v.token)+": Authorization: Bearer …"+tail(v.token))
		return bearer(v.token), nil
	})
}

func bearer(tok string) map[string]any {
	return map[string]any{"Authorization": "Bearer " + tok}
}

// tail is the end of a token, enough to tell tokens apart on screen.
func tail(tok string) string {
	if len(tok) <= 6 {
		return tok
	}
	return tok[len(tok)-6:]
}

// connect starts both clients on the chosen endpoint.
func (v *authView) connect() {
	ep, choice := doc.QuerySelector(`input[name="auth-ep"]:checked`), "bearer"
	if ep != nil {
		choice = ep.(*dom.HTMLInputElement).Value()
	}
	path, query, topic := "/auth/bearer-events", authStreamQuery, ""
	switch choice {
	case "either":
		path = "/auth/events"
	case "topic":
		topic = strings.TrimSpace(v.topic.Value())
		if !api.ValidTopic(topic) {
			v.verdict.set(verdictError, strconv.Quote(topic)+": "+topicaccess.ErrBadTopic.Error()+".")
			return
		}
		path, query = "/topics/"+topic, ""
	}
	v.endpoint, v.streamTopic, v.calls, v.refreshes, v.sentSinceOpen = path, topic, 0, 0, false
	if err := v.begin(path+query, true); err != nil {
		v.verdict.set(verdictError, err.Error())
	}
}

// tick keeps the token's countdown current.
func (v *authView) tick() {
	defer guard("token countdown")
	for range time.Tick(500 * time.Millisecond) {
		v.showToken()
	}
}

// showToken renders the session state: the token's end (never the whole
// secret), its lifetime, and whether the server still honours it.
func (v *authView) showToken() {
	v.expire.SetDisabled(v.token == "" || v.revoked)
	v.logout.SetDisabled(v.token == "")
	state, parts := "none", []string{"Not logged in.", "Native has no cookie and WASM no token: both streams answer 401."}
	if v.token != "" {
		left := time.Until(v.expires)
		state, parts = "valid", []string{"Bearer …" + tail(v.token), fmt.Sprintf("expires in %d s", int(left.Round(time.Second).Seconds())), "cookie es_token (HttpOnly) set", "topics: " + topicaccess.Scope(v.topics)}
		switch {
		case v.revoked:
			state, parts[1], parts[2] = "expired", "revoked on the server", "cookie cleared"
		case left <= 0:
			state, parts[1] = "expired", fmt.Sprintf("expired %d s ago", int(-left.Round(time.Second).Seconds()))
		}
		if v.refreshes > 0 {
			parts = append(parts, fmt.Sprintf("refreshed by headers() %d×", v.refreshes))
		}
	}
	key := state + "\x00" + strings.Join(parts, "\x00")
	if key == v.shown {
		return
	}
	v.shown = key
	box := v.tokenBox
	box.SetAttribute("data-state", state)
	clearChildren(box)
	if state == "none" {
		box.AppendChild(newEl("span", "", parts[0]))
		box.AppendChild(newEl("span", "muted", parts[1]))
		return
	}
	box.AppendChild(newEl("code", "tok", parts[0]))
	box.AppendChild(newEl("span", "tok-status", parts[1]))
	for _, p := range parts[2:] {
		box.AppendChild(newEl("span", "muted", p))
	}
}

// check summarises what each client managed on the protected stream.
func (v *authView) check() {
	if v.streamTopic != "" {
		v.checkTopic()
		return
	}
	n, w := v.native, v.wasm
	msg := ""
	switch n.state() {
	case stateClosed:
		if len(n.log.Events) == 0 {
			msg = "Native EventSource failed on " + v.endpoint + " (no status shown: the browser hides it). "
		} else {
			msg = fmt.Sprintf("Native EventSource got %d events, then failed on a reconnect: it cannot refresh its credentials. ", len(n.log.Events))
		}
	default:
		msg = fmt.Sprintf("Native EventSource: %s, %d events. ", n.state(), len(n.log.Events))
	}
	state := verdictPending
	switch {
	case w.state() == stateClosed && len(w.log.Events) == 0:
		msg += "WasmEventSource: " + cmp.Or(w.view.errorText(), "failed; see its pane.")
		state = verdictError
	default:
		msg += fmt.Sprintf("WasmEventSource: %s, %d events", w.state(), len(w.log.Events))
		if v.refreshes > 0 {
			msg += fmt.Sprintf(", token refreshed %d× by headers()", v.refreshes)
		}
		if r := w.log.LastResume(); r != "" {
			msg += ", last reconnect sent Last-Event-ID: " + r
		}
		if gap := w.log.IDGap(); gap != "" {
			msg += ". " + gap
			state = verdictDisagree
		} else if len(w.log.Events) > 0 {
			msg += ", ids in order with no gap or repeat"
			state = verdictAgree
		}
		msg += "."
	}
	v.verdict.set(state, msg)
}

// checkTopic summarises a topic stream: open for both when the token
// covers the topic (native rides the cookie, ours the header); otherwise
// the 403 each got, explained from the server's record of the request,
// which native cannot read.
func (v *authView) checkTopic() {
	topic := v.streamTopic
	explain := func(p *pane) (string, bool) {
		r, ok := topicaccess.LastRefusal(p.log.Requests)
		if !ok {
			return "", false
		}
		return topicaccess.Explain(r, v.token != "", v.topics, topic), true
	}
	n, w := v.native, v.wasm
	msg, state := "", verdictPending
	switch why, ok := explain(n); {
	case n.state() == stateClosed && ok:
		msg = "Native EventSource failed; the browser hides why, the server answered " + why + ". "
	case n.state() == stateClosed:
		msg = "Native EventSource failed on " + v.endpoint + " (no status shown: the browser hides it). "
	default:
		msg = fmt.Sprintf("Native EventSource: %s, %d events. ", n.state(), len(n.log.Events))
	}
	switch why, ok := explain(w); {
	case w.state() == stateClosed && ok:
		msg += "WasmEventSource: " + why + "."
		state = verdictAgree
		if n.state() != stateClosed {
			state = verdictDisagree
		}
	case w.state() == stateClosed:
		msg += "WasmEventSource: " + cmp.Or(w.view.errorText(), "failed; see its pane.")
		state = verdictError
	default:
		msg += fmt.Sprintf("WasmEventSource: %s, %d events", w.state(), len(w.log.Events))
		if w.state() == stateOpen && topicaccess.Covers(v.topics, topic) {
			msg += "; the token covers topic " + topic + ": publish to it to see events"
			state = verdictAgree
		}
		msg += "."
	}
	v.verdict.set(state, msg)
}
