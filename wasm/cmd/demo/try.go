//go:build js && wasm

package main

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"honnef.co/go/js/dom/v2"

	"github.com/eventsource-wasm/eventsource-wasm/wasm/cmd/demo/internal/endpoint"
	"github.com/eventsource-wasm/eventsource-wasm/wasm/cmd/demo/internal/streamurl"
	"github.com/eventsource-wasm/eventsource-wasm/wasm/internal/jsval"
)

// tryView is the "Try your endpoint" tab: any URL, a headers editor and
// every client option, native EventSource (URL and credentials only) beside
// WasmEventSource (the whole setup), failures explained in words, a CORS
// preflight check, the setup as code and as a share link. The form is the
// setup; endpoint.Setup is its model.
type tryView struct {
	*sideBySide
	form                                      dom.Element
	preset                                    *dom.HTMLSelectElement
	method, url, lastID, idQuery, types, body *dom.HTMLInputElement
	credentials, backoff                      *dom.HTMLInputElement
	backoffInitial, backoffMax, backoffFactor *dom.HTMLInputElement
	maxRetries, retryStatus, heartbeat        *dom.HTMLInputElement
	shareValues, remember, shareLink          *dom.HTMLInputElement
	headers                                   dom.Element
	presetNote, problems, preflightOut        dom.Element
	explain, jsOut, goOut                     dom.Element

	setup endpoint.Setup // what the running clients were given
	gen   int            // bumped by connect: late explanations of an older run are dropped
}

// storageKey is the sessionStorage key of a setup kept in this tab.
const storageKey = "eventsource-wasm-demo/try"

func newTryView(a *app) *tryView {
	t := &tryView{
		form:           byID("try-form"),
		preset:         byID("try-preset").(*dom.HTMLSelectElement),
		method:         input("try-method"),
		url:            input("try-url"),
		lastID:         input("try-last-id"),
		idQuery:        input("try-id-query"),
		types:          input("try-types"),
		body:           input("try-body"),
		credentials:    input("try-credentials"),
		backoff:        input("try-backoff"),
		backoffInitial: input("try-backoff-initial"),
		backoffMax:     input("try-backoff-max"),
		backoffFactor:  input("try-backoff-factor"),
		maxRetries:     input("try-max-retries"),
		retryStatus:    input("try-retry-status"),
		heartbeat:      input("try-heartbeat"),
		shareValues:    input("try-share-values"),
		remember:       input("try-remember"),
		shareLink:      input("try-share-link"),
		headers:        byID("try-headers"),
		presetNote:     byID("try-preset-note"),
		problems:       byID("try-problems"),
		preflightOut:   byID("try-preflight-result"),
		explain:        byID("try-explain"),
		jsOut:          byID("try-js"),
		goOut:          byID("try-go"),
	}
	t.sideBySide = newSideBySide(a, sideBySideSpec{
		prefix: "try", name: "Try your endpoint", tag: "t",
		nativeTitle: "Native EventSource (URL and credentials only)",
		wasmTitle:   "WasmEventSource (the whole setup)",
		nativeInit:  func(string) map[string]any { return t.setup.NativeInit() },
		wasmInit:    func(resume string) map[string]any { return t.setup.WasmInit(resume) },
		connect:     func() {}, // the form's submit event connects
		check:       t.check,
		types:       func(string) []string { return t.eventTypes() },
	})
	t.wasm.onOpen = t.opened
	t.wasm.onError = t.failed
	for _, p := range endpoint.Presets {
		opt := newEl("option", "", p.Label)
		opt.SetAttribute("value", p.Name)
		t.preset.AppendChild(opt)
	}
	onEvent(t.form, "submit", "connect", func(ev dom.Event) { ev.PreventDefault() }, t.connect)
	onEvent(t.form, "input", "setup", func(dom.Event) { t.changed() }, nil)
	onEvent(t.form, "change", "setup", func(dom.Event) { t.changed() }, nil)
	onEvent(t.preset, "change", "preset", func(dom.Event) { t.applyPreset(t.preset.Value()) }, nil)
	onEvent(t.remember, "change", "remember", func(dom.Event) { t.persist() }, nil)
	onClick(byID("try-add-header"), "add header", func() { t.addHeader(endpoint.Header{Secret: true}).name.Focus() })
	onClick(byID("try-preflight"), "preflight check", t.preflight)
	onClick(byID("try-share"), "share link", t.share)

	if !t.restore() {
		t.preset.SetValue("ticker")
		t.applyPreset("ticker")
	}
	return t
}

// origin is the page's origin, which cross-origin servers must allow.
func origin() string { return dom.GetWindow().Location().Origin() }

// eventTypes are the types both clients listen for: this server's and the
// ones typed in the form.
func (t *tryView) eventTypes() []string {
	types := streamurl.EventTypes(t.setup.URL)
	for _, ty := range t.setup.EventTypes {
		if !slices.Contains(types, ty) {
			types = append(types, ty)
		}
	}
	return types
}

// headerRow is one row of the headers editor.
type headerRow struct {
	name, value, secret *dom.HTMLInputElement
}

// addHeader appends an editor row holding h.
func (t *tryView) addHeader(h endpoint.Header) headerRow {
	root := cloneTemplate("header-row-tpl")
	row := headerRow{
		name:   find(root, ".h-name").(*dom.HTMLInputElement),
		value:  find(root, ".h-value").(*dom.HTMLInputElement),
		secret: find(root, ".h-secret").(*dom.HTMLInputElement),
	}
	row.name.SetValue(h.Name)
	row.value.SetValue(h.Value)
	row.secret.SetChecked(h.Secret)
	maskValue(row)
	onEvent(row.secret, "change", "mask", func(dom.Event) { maskValue(row) }, nil)
	onEvent(find(root, ".h-remove"), "click", "remove header", func(dom.Event) {
		t.headers.RemoveChild(root)
		t.changed()
	}, nil)
	t.headers.AppendChild(root)
	return row
}

// maskValue shows a secret value as dots.
func maskValue(r headerRow) {
	if r.secret.Checked() {
		r.value.SetAttribute("type", "password")
	} else {
		r.value.SetAttribute("type", "text")
	}
}

// rows returns the editor's rows in order.
func (t *tryView) rows() []headerRow {
	var out []headerRow
	for _, el := range t.headers.QuerySelectorAll(".header-row") {
		out = append(out, headerRow{
			name:   find(el, ".h-name").(*dom.HTMLInputElement),
			value:  find(el, ".h-value").(*dom.HTMLInputElement),
			secret: find(el, ".h-secret").(*dom.HTMLInputElement),
		})
	}
	return out
}

// read returns the setup in the form, and the fields that are not numbers
// where numbers are wanted.
func (t *tryView) read() (endpoint.Setup, []string) {
	var bad []string
	num := func(in *dom.HTMLInputElement, what string) int {
		v := strings.TrimSpace(in.Value())
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			bad = append(bad, what+": "+strconv.Quote(v)+" is not a whole number")
		}
		return n
	}
	s := endpoint.Setup{
		URL:              strings.TrimSpace(t.url.Value()),
		Method:           strings.ToUpper(strings.TrimSpace(t.method.Value())),
		Body:             t.body.Value(),
		WithCredentials:  t.credentials.Checked(),
		LastEventID:      t.lastID.Value(),
		LastEventIDQuery: strings.TrimSpace(t.idQuery.Value()),
		HeartbeatTimeout: num(t.heartbeat, "heartbeatTimeout"),
	}
	if s.Method == "GET" {
		s.Method = ""
	}
	for _, r := range t.rows() {
		if name := strings.TrimSpace(r.name.Value()); name != "" || r.value.Value() != "" {
			s.Headers = append(s.Headers, endpoint.Header{Name: name, Value: r.value.Value(), Secret: r.secret.Checked()})
		}
	}
	for _, ty := range strings.FieldsFunc(t.types.Value(), func(r rune) bool { return r == ',' || r == ' ' }) {
		if ty != "message" {
			s.EventTypes = append(s.EventTypes, ty)
		}
	}
	if t.backoff.Checked() {
		s.Backoff = &endpoint.Backoff{Initial: num(t.backoffInitial, "backoff initial"), Max: num(t.backoffMax, "backoff max")}
		if f := strings.TrimSpace(t.backoffFactor.Value()); f != "" {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				bad = append(bad, "backoff factor: "+strconv.Quote(f)+" is not a number")
			}
			s.Backoff.Factor = v
		}
	}
	if v := strings.TrimSpace(t.maxRetries.Value()); v != "" {
		n := num(t.maxRetries, "maxRetries")
		s.MaxRetries = &n
	}
	for _, f := range strings.FieldsFunc(t.retryStatus.Value(), func(r rune) bool { return r == ',' || r == ' ' }) {
		n, err := strconv.Atoi(f)
		if err != nil {
			bad = append(bad, "retryOnStatus: "+strconv.Quote(f)+" is not a status")
			continue
		}
		s.RetryOnStatus = append(s.RetryOnStatus, n)
	}
	return s, bad
}

// fill puts s in the form.
func (t *tryView) fill(s endpoint.Setup) {
	t.url.SetValue(s.URL)
	t.method.SetValue(cmpOr(s.Method, "GET"))
	t.body.SetValue(s.Body)
	t.credentials.SetChecked(s.WithCredentials)
	t.lastID.SetValue(s.LastEventID)
	t.idQuery.SetValue(s.LastEventIDQuery)
	t.types.SetValue(strings.Join(s.EventTypes, ", "))
	clearChildren(t.headers)
	for _, h := range s.Headers {
		t.addHeader(h)
	}
	if len(s.Headers) == 0 {
		t.addHeader(endpoint.Header{Secret: true})
	}
	b := s.Backoff
	t.backoff.SetChecked(b != nil)
	if b == nil {
		b = &endpoint.Backoff{}
	}
	t.backoffInitial.SetValue(itoaOrEmpty(b.Initial))
	t.backoffMax.SetValue(itoaOrEmpty(b.Max))
	if b.Factor > 0 {
		t.backoffFactor.SetValue(strconv.FormatFloat(b.Factor, 'g', -1, 64))
	} else {
		t.backoffFactor.SetValue("")
	}
	if s.MaxRetries != nil {
		t.maxRetries.SetValue(strconv.Itoa(*s.MaxRetries))
	} else {
		t.maxRetries.SetValue("")
	}
	st := make([]string, len(s.RetryOnStatus))
	for i, v := range s.RetryOnStatus {
		st[i] = strconv.Itoa(v)
	}
	t.retryStatus.SetValue(strings.Join(st, ", "))
	t.heartbeat.SetValue(itoaOrEmpty(s.HeartbeatTimeout))
	t.changed()
}

func itoaOrEmpty(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// applyPreset fills the form with one of this server's endpoints.
func (t *tryView) applyPreset(name string) {
	p, ok := endpoint.PresetByName(name)
	if !ok {
		t.presetNote.SetTextContent("Enter your stream's absolute URL; add the headers your API needs.")
		return
	}
	t.fill(p.Setup(origin()))
	t.presetNote.SetTextContent(p.Note)
}

// changed redraws the code and the problems after any edit, and keeps the
// setup in sessionStorage when asked. A share link shown before is stale.
func (t *tryView) changed() {
	s, bad := t.read()
	t.showProblems(s, bad)
	t.jsOut.SetTextContent(s.JS(origin() + "/eventsource-wasm.js"))
	t.goOut.SetTextContent(s.Go())
	setHidden(t.shareLink, true)
	if t.remember.Checked() {
		t.persist()
	}
}

// showProblems lists what keeps the setup from being sent; false when
// there is something.
func (t *tryView) showProblems(s endpoint.Setup, bad []string) bool {
	msgs := bad
	if err := s.Check(); err != nil {
		msgs = append(msgs, strings.Split(err.Error(), "\n")...)
	}
	t.problems.SetTextContent(strings.Join(msgs, "\n"))
	setHidden(t.problems, len(msgs) == 0)
	return len(msgs) == 0
}

// connect starts both clients with the form's setup.
func (t *tryView) connect() {
	s, bad := t.read()
	if !t.showProblems(s, bad) {
		t.verdict.set(verdictError, "Fix the setup first (see the red box above).")
		return
	}
	t.gen++
	t.setup = s
	t.setExplain("", "")
	if s.MixedContent(origin()) {
		t.setExplain("error", endpoint.MixedContentWarning(origin()))
		t.verdict.set(verdictError, "Not sent: the browser would block it as mixed content.")
		return
	}
	if err := t.begin(s.URL, false); err != nil {
		t.verdict.set(verdictError, err.Error())
		return
	}
	if cannot := s.NativeCannot(); len(cannot) > 0 {
		t.native.view.note.SetTextContent("Native cannot send " + strings.Join(cannot, ", ") + ": it sent the URL" + credentialsNote(s) + " only.")
	} else {
		t.native.view.note.SetTextContent("Native sends the same request: this setup needs nothing beyond the URL" + credentialsNote(s) + ".")
	}
	t.native.view.showResponse("Native EventSource shows no status and no headers: only open, message and error events.", nil)
	t.wasm.view.showResponse("Waiting for the response…", nil)
}

func credentialsNote(s endpoint.Setup) string {
	if s.WithCredentials {
		return " and withCredentials"
	}
	return ""
}

// opened shows the response of an open: its status and the headers the
// page may read, when the open event carries them.
func (t *tryView) opened(ev jsval.Value) {
	status, ok := propInt(ev, "status")
	headers := prop(ev, "headers")
	if !ok || !isObject(headers) {
		t.wasm.view.showResponse("Open: the server answered 200 with Content-Type: text/event-stream (what an open means). "+
			"This client version's open event carries no status or headers, so none are shown.", nil)
		return
	}
	rows := headerPairs(headers)
	note := "HTTP " + strconv.Itoa(status) + " — the response headers this page may read"
	if endpoint.Origin(t.setup.URL) != strings.ToLower(origin()) {
		note += " (cross-origin: only the CORS-safelisted ones and those in Access-Control-Expose-Headers)"
	}
	t.wasm.view.showResponse(note+":", rows)
}

// headerPairs lists a Headers object's entries.
func headerPairs(h jsval.Value) [][2]string {
	array := prop(jsval.Global(), "Array")
	entries, err := array.Call("from", h)
	if err != nil {
		return nil
	}
	n, _ := entries.Length()
	out := make([][2]string, 0, n)
	for i := range n {
		e, _ := entries.Index(i)
		k, _ := e.Index(0)
		v, _ := e.Index(1)
		ks, _ := k.String()
		vs, _ := v.String()
		out = append(out, [2]string{ks, vs})
	}
	return out
}

// failed explains an error of WasmEventSource at once and, for a CORS
// refusal or a 401/403, again once a second look (the preflight check, the
// WWW-Authenticate challenge) has found more.
func (t *tryView) failed(ev jsval.Value) {
	f := endpoint.Failure{Message: propString(ev, "message"), StatusText: propString(ev, "statusText")}
	f.Status, _ = propInt(ev, "status")
	s, gen := t.setup, t.gen
	if f.Status != 0 && (f.Status < 200 || f.Status > 299) {
		t.wasm.view.showResponse("HTTP "+strconv.Itoa(f.Status)+" "+f.StatusText+": not a stream.", nil)
	}
	// A client that reconnects is not in trouble yet: a note, not an alarm.
	state := "error"
	if t.wasm.state() == stateConnecting {
		state = "note"
	}
	t.setExplain(state, s.Explain(f, origin()))
	var more func(*endpoint.Failure)
	switch f.Classify() {
	case endpoint.KindCORS:
		more = func(f *endpoint.Failure) { p := probe(&s); f.Probe = &p }
	case endpoint.KindAuth:
		more = func(f *endpoint.Failure) {
			f.Challenge, f.ChallengeHidden = challenge(&s)
		}
	default:
		return
	}
	go func() {
		defer guard("explain")
		more(&f)
		if t.gen == gen {
			t.setExplain(state, s.Explain(f, origin()))
		}
	}()
}

// setExplain shows (or, with "", hides) the explanation box.
func (t *tryView) setExplain(state, text string) {
	t.explain.SetAttribute("data-state", state)
	t.explain.SetTextContent(text)
	setHidden(t.explain, text == "")
}

// check summarises both clients in the verdict strip.
func (t *tryView) check() {
	n, w := t.native, t.wasm
	msg := "Native EventSource: " + n.state().String() + ", " + strconv.Itoa(len(n.log.Events)) + " events. " +
		"WasmEventSource: " + w.state().String() + ", " + strconv.Itoa(len(w.log.Events)) + " events"
	if w.log.LastID != "" {
		msg += ", lastEventId " + strconv.Quote(w.log.LastID)
	}
	if w.log.Reconnects > 0 {
		msg += ", " + strconv.Itoa(w.log.Reconnects) + " reconnects"
	}
	msg += "."
	switch {
	case w.state() == stateClosed && len(w.log.Events) == 0:
		t.verdict.set(verdictError, msg+" See the explanation above.")
	case len(w.log.Events) > 0:
		t.verdict.set(verdictAgree, msg)
	default:
		t.verdict.set(verdictPending, msg)
	}
}

// preflight runs the CORS check for the form's setup and shows what it
// found.
func (t *tryView) preflight() {
	s, bad := t.read()
	if !t.showProblems(s, bad) {
		return
	}
	out := t.preflightOut
	setHidden(out, false)
	if !s.CrossOrigin(origin()) {
		out.SetAttribute("data-state", "ok")
		out.SetTextContent("Same origin as this page: the browser sends no preflight, and CORS does not apply.")
		return
	}
	out.SetAttribute("data-state", "")
	out.SetTextContent("Checking " + endpoint.Origin(s.URL) + "… (one request per header; each is cancelled as soon as its answer starts)")
	p := probe(&s)
	lines := p.Report(&s, origin())
	state := "ok"
	if !p.Reachable || !p.Origin || len(p.Refused) > 0 || (!s.SimpleMethod() && !p.Method) {
		state = "error"
	}
	out.SetAttribute("data-state", state)
	out.SetTextContent("Preflight check for " + endpoint.Origin(s.URL) + ":\n" + strings.Join(lines, "\n") +
		"\n(Browsers never show a page the OPTIONS answer itself; these findings come from which requests the browser let through.)")
}

// share shows (and copies) a link that reopens the view with the setup.
func (t *tryView) share() {
	s, _ := t.read()
	loc := dom.GetWindow().Location()
	link := loc.Origin() + loc.Pathname() + "#" + s.ShareFragment(t.shareValues.Checked())
	t.shareLink.SetValue(link)
	setHidden(t.shareLink, false)
	clip := prop(prop(jsval.Global(), "navigator"), "clipboard")
	if _, err := await(clip.Call("writeText", link)); err != nil {
		showToast("The link is below; select it and copy it.", false)
		return
	}
	if t.shareValues.Checked() {
		showToast("Link copied, with the header values: share it only with people who may see them.", false)
	} else {
		showToast("Link copied. It holds no header value; the header names are kept.", false)
	}
}

// openShared fills the form from a share fragment (#try:…).
func (t *tryView) openShared(fragment string) {
	s, err := endpoint.ParseShare(fragment)
	if err != nil {
		showToast(strings.TrimPrefix(err.Error(), "endpoint: ")+".", true)
		return
	}
	t.preset.SetValue("")
	t.fill(s)
	t.presetNote.SetTextContent("Opened from a shared link. Fill in the header values, then press Connect both.")
}

// persist keeps the setup, values included, in this tab's sessionStorage
// while "keep header values" is ticked, and removes it otherwise.
func (t *tryView) persist() {
	store := prop(jsval.Global(), "sessionStorage")
	var err error
	if t.remember.Checked() {
		s, _ := t.read()
		_, err = store.Call("setItem", storageKey, s.ShareFragment(true))
	} else {
		_, err = store.Call("removeItem", storageKey)
	}
	if err != nil {
		showToast("sessionStorage is not available here: "+err.Error(), true)
	}
}

// restore fills the form from sessionStorage, if a setup is kept there.
func (t *tryView) restore() bool {
	v, err := prop(jsval.Global(), "sessionStorage").Call("getItem", storageKey)
	if err != nil {
		return false
	}
	frag, err := v.String()
	if err != nil {
		return false
	}
	s, err := endpoint.ParseShare(frag)
	if err != nil {
		return false
	}
	t.remember.SetChecked(true)
	t.preset.SetValue("")
	t.fill(s)
	t.presetNote.SetTextContent("Restored from this tab's sessionStorage.")
	return true
}

// probeTimeout bounds one request of the preflight check.
const probeTimeout = 10 * time.Second

// probe runs the preflight check against s's URL: it sends requests and
// sees which ones the browser lets through (see endpoint.Probe). It blocks;
// call it from a goroutine.
func probe(s *endpoint.Setup) endpoint.Probe {
	creds := "same-origin"
	if s.WithCredentials {
		creds = "include"
	}
	p := endpoint.Probe{Reachable: passes(s.URL, map[string]any{"mode": "no-cors", "method": "HEAD", "credentials": "omit"})}
	if !p.Reachable {
		return p
	}
	p.Origin = passes(s.URL, map[string]any{"credentials": creds})
	if !p.Origin {
		if s.WithCredentials {
			p.WithoutCredentials = passes(s.URL, map[string]any{"credentials": "omit"})
		}
		return p
	}
	p.Method = s.SimpleMethod() || passes(s.URL, map[string]any{"credentials": creds, "method": s.Method})
	for _, name := range s.PreflightHeaders() {
		if passes(s.URL, map[string]any{"credentials": creds, "headers": map[string]any{name: probeValue(s, name)}}) {
			p.Allowed = append(p.Allowed, name)
		} else {
			p.Refused = append(p.Refused, name)
		}
	}
	return p
}

// probeValue is the value a probe sends for a header: the setup's own.
func probeValue(s *endpoint.Setup, name string) string {
	if strings.EqualFold(name, "Last-Event-ID") {
		return cmpOr(s.LastEventID, "0")
	}
	for _, h := range s.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// passes sends one request with init and reports whether the browser
// handed the page an answer (for mode cors: the CORS checks passed). The
// request is cancelled as soon as its answer starts, so a stream does not
// stay open.
func passes(url string, init map[string]any) bool {
	_, abort, err := fetchHead(url, init)
	abort()
	return err == nil
}

// fetchHead starts a fetch and waits for its answer's status and headers
// (not its body), at most probeTimeout. abort cancels the request; call it
// when done with the answer.
func fetchHead(url string, init map[string]any) (resp jsval.Value, abort func(), err error) {
	ctrlClass := prop(jsval.Global(), "AbortController")
	ctrl, err := ctrlClass.New()
	if err != nil {
		return jsval.Value{}, func() {}, err
	}
	abort = func() { _, _ = ctrl.Call("abort") }
	init["signal"] = prop(ctrl, "signal")
	init["cache"] = "no-store"
	p, err := jsval.Global().Call("fetch", url, init)
	if err != nil {
		return jsval.Value{}, abort, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	resp, err = jsval.Await(ctx, p)
	return resp, abort, err
}

// challenge sends the setup's request once more, to read the
// WWW-Authenticate header of its 401 or 403 answer. hidden reports a
// cross-origin answer whose header the page may not read.
func challenge(s *endpoint.Setup) (value string, hidden bool) {
	init := map[string]any{"method": cmpOr(s.Method, "GET"), "credentials": "same-origin"}
	if s.WithCredentials {
		init["credentials"] = "include"
	}
	if hs := s.WasmInit("")["headers"]; hs != nil {
		init["headers"] = hs
	}
	if s.Body != "" {
		init["body"] = s.Body
	}
	resp, abort, err := fetchHead(s.URL, init)
	defer abort()
	if err != nil {
		return "", false
	}
	v, err := prop(resp, "headers").Call("get", "WWW-Authenticate")
	if err != nil {
		return "", false
	}
	if str, err := v.String(); err == nil {
		return str, false
	}
	return "", s.CrossOrigin(origin())
}
