//go:build js && wasm

// Command demo is the page logic of the eventsource-wasm demo, compiled to
// web/dist/demo.wasm. It drives the browser's native EventSource and the
// project's WasmEventSource side by side through their public JavaScript
// API — the same constructor calls and listeners for both — so what the
// panes show is what a page using either class would see.
//
// web/demo.js imports /eventsource-wasm.js, puts WasmEventSource, ready and
// the native EventSource on globalThis.eventsourceDemo, then starts this
// module. The markup is static (web/index.html); this program fills it with
// text only (never HTML) and never blocks inside a DOM listener.
package main

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"

	"honnef.co/go/js/dom/v2"

	"github.com/eventsource-wasm/eventsource-wasm/wasm/cmd/demo/internal/endpoint"
	"github.com/eventsource-wasm/eventsource-wasm/wasm/internal/jsval"
)

// app holds the views and what they share.
type app struct {
	wasmES, nativeES, ready jsval.Value
	pageID                  string        // prefix of this page's server session ids
	views                   []*sideBySide // the client views, each closing the others' clients
	compare                 *compareView
	auth                    *authView
	publish                 *publishView
	tabs                    *tabsView
	try                     *tryView
	lifecycle               *lifecycleView
}

func main() {
	deps := prop(jsval.Global(), "eventsourceDemo")
	if !isFunc(prop(deps, "WasmEventSource")) {
		fatal("The client module did not provide WasmEventSource; the demo cannot run.")
		return
	}
	a := &app{
		wasmES:   prop(deps, "WasmEventSource"),
		nativeES: prop(deps, "NativeEventSource"),
		ready:    prop(deps, "ready"),
		pageID:   fmt.Sprintf("demo-%08x", rand.Uint32()),
	}
	if err := a.build(); err != nil {
		fatal(err.Error())
		return
	}
	setHidden(byID("loading"), true)
	setHidden(byID("app"), false)
	a.route()
	a.fromQuery()
	// WasmEventSource works before its module is ready (connections wait in
	// CONNECTING), so the controls are live at once.
	a.compare.enable()
	a.auth.enable()
	a.publish.enable()
	a.tabs.enable()
	a.try.enable()
	a.lifecycle.enable()
	go a.waitForClient()
	doc.QuerySelector("body").SetAttribute("data-demo", "ready")
	select {} // keep the module alive: everything else runs in callbacks
}

// build wires the views; a panic here (missing markup) is reported as an
// error instead of killing the module silently.
func (a *app) build() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the page markup does not match the demo: %v", r)
		}
	}()
	a.auth = newAuthView(a)
	a.compare = newCompareView(a)
	a.publish = newPublishView(a)
	a.tabs = newTabsView(a)
	a.try = newTryView(a)
	a.lifecycle = newLifecycleView(a)
	for _, el := range doc.QuerySelectorAll("[data-copy]") {
		target := el.GetAttribute("data-copy")
		onClick(el, "copy", func() { copySnippet(el, target) })
	}
	dom.GetWindow().AddEventListener("hashchange", false, func(dom.Event) {
		defer guard("hashchange")
		a.route()
	})
	return nil
}

// route shows the view named by the location hash (#compare by default).
func (a *app) route() {
	view := strings.TrimPrefix(dom.GetWindow().Location().Hash(), "#")
	if strings.HasPrefix(view, endpoint.ShareView+":") { // a shared setup
		a.try.openShared(view)
		view = endpoint.ShareView
	}
	if view == "" || doc.GetElementByID("view-"+view) == nil {
		view = "compare"
	}
	for _, el := range doc.QuerySelectorAll("section.view") {
		setHidden(el, el.GetAttribute("data-view") != view)
	}
	for _, el := range doc.QuerySelectorAll(".tabs a") {
		if el.GetAttribute("data-view") == view {
			el.SetAttribute("aria-current", "page")
		} else {
			el.RemoveAttribute("aria-current")
		}
	}
	doc.QuerySelector("body").SetAttribute("data-view", view)
}

// fromQuery applies ?stream=&topic=&url=&autostart=1 links (the Publish
// view's "open in another tab", and the screenshot tool).
func (a *app) fromQuery() {
	q, err := url.ParseQuery(strings.TrimPrefix(dom.GetWindow().Location().Search(), "?"))
	if err != nil {
		return
	}
	c := a.compare
	if s := q.Get("stream"); s != "" {
		if _, ok := presets[s]; ok {
			c.preset.SetValue(s)
		}
	}
	if t := q.Get("topic"); t != "" {
		c.topic.SetValue(t)
		a.publish.topic.SetValue(t)
		a.publish.updateLinks()
	}
	c.applyPreset()
	if u := q.Get("url"); strings.HasPrefix(u, "/") {
		c.setURL(u)
	}
	if q.Get("autostart") == "1" {
		go func() {
			defer guard("autostart")
			c.connect()
		}()
	}
}

// waitForClient reports on the header pill when the client's wasm module
// is instantiated (ready() resolves) or why it failed.
func (a *app) waitForClient() {
	start := time.Now()
	pill, text := byID("module-status"), byID("module-status-text")
	if !isFunc(a.ready) {
		pill.SetAttribute("data-state", "ready")
		text.SetTextContent("Client loaded")
		return
	}
	text.SetTextContent("Loading eventsource.wasm…")
	if _, err := await(a.ready.Invoke()); err != nil {
		pill.SetAttribute("data-state", "error")
		text.SetTextContent("Client failed to load")
		pill.SetAttribute("title", err.Error())
		showToast("The WebAssembly client (/eventsource.wasm) could not start: "+err.Error()+". The WASM panes cannot connect; reload to try again.", true)
		return
	}
	pill.SetAttribute("data-state", "ready")
	text.SetTextContent(fmt.Sprintf("WASM client ready · %d ms", time.Since(start).Milliseconds()))
}

// fatal replaces the loading screen with an explanation.
func fatal(msg string) {
	doc.QuerySelector("body").SetAttribute("data-demo", "failed")
	setHidden(byID("loading"), true)
	byID("fatal-text").SetTextContent(msg)
	setHidden(byID("fatal"), false)
}

// copySnippet copies a <pre>'s text to the clipboard and says so on the
// button.
func copySnippet(btn dom.Element, id string) {
	text := byID(id).TextContent()
	clip := prop(prop(jsval.Global(), "navigator"), "clipboard")
	if !isObject(clip) {
		showToast("The clipboard is not available here; select the text and copy it.", false)
		return
	}
	if _, err := await(clip.Call("writeText", text)); err != nil {
		showToast("Could not copy: "+err.Error()+". Select the text and copy it.", false)
		return
	}
	btn.SetTextContent("Copied")
	time.Sleep(1500 * time.Millisecond)
	btn.SetTextContent("Copy")
}
