//go:build js && wasm

package main

import (
	"time"

	"honnef.co/go/js/dom/v2"
)

var doc = dom.GetWindow().Document()

// byID returns the page element with the given id; the ids are the static
// markup's (web/index.html), so a missing one is a bug caught at start.
func byID(id string) dom.Element {
	el := doc.GetElementByID(id)
	if el == nil {
		panic("demo: no element #" + id + " in index.html")
	}
	return el
}

func input(id string) *dom.HTMLInputElement   { return byID(id).(*dom.HTMLInputElement) }
func button(id string) *dom.HTMLButtonElement { return byID(id).(*dom.HTMLButtonElement) }

// find returns the first element under root matching sel, panicking when the
// template lacks it.
func find(root dom.Element, sel string) dom.Element {
	el := root.QuerySelector(sel)
	if el == nil {
		panic("demo: template has no " + sel)
	}
	return el
}

// newEl creates an element with an optional class and text. The text is set
// with textContent: dynamic strings never become markup.
func newEl(tag, class, text string) dom.Element {
	el := doc.CreateElement(tag)
	if class != "" {
		el.Class().SetString(class)
	}
	if text != "" {
		el.SetTextContent(text)
	}
	return el
}

// onClick runs fn in a new goroutine when el is clicked: dom/v2 calls
// listeners synchronously inside the browser's dispatch, where waiting for a
// fetch or a channel would deadlock the page.
func onClick(el dom.Element, name string, fn func()) {
	el.AddEventListener("click", false, func(dom.Event) {
		go func() {
			defer guard(name)
			fn()
		}()
	})
}

// onEvent is onClick for any event type, with the event's synchronous part
// (say, preventDefault) done in sync before fn starts in a goroutine.
func onEvent(el dom.EventTarget, typ, name string, sync func(dom.Event), fn func()) {
	el.AddEventListener(typ, false, func(ev dom.Event) {
		defer guard(name)
		if sync != nil {
			sync(ev)
		}
		if fn != nil {
			go func() {
				defer guard(name)
				fn()
			}()
		}
	})
}

// setHidden shows or hides an element through the hidden attribute.
func setHidden(el dom.Element, hidden bool) {
	if hidden {
		el.SetAttribute("hidden", "")
	} else {
		el.RemoveAttribute("hidden")
	}
}

// clearChildren removes every child of el.
func clearChildren(el dom.Element) {
	for c := el.FirstChild(); c != nil; c = el.FirstChild() {
		el.RemoveChild(c)
	}
}

// verdictState is the state of a status strip (class .verdict), styled by
// its data-state attribute.
type verdictState string

const (
	verdictIdle     verdictState = "idle"
	verdictAgree    verdictState = "agree"
	verdictPending  verdictState = "pending"
	verdictDisagree verdictState = "disagree"
	verdictError    verdictState = "error"
)

// icon is the strip's symbol for the state.
func (s verdictState) icon() string {
	switch s {
	case verdictAgree:
		return "✓"
	case verdictDisagree:
		return "≠"
	case verdictPending:
		return "…"
	case verdictError:
		return "!"
	}
	return "•"
}

// verdict is a status strip: a box with an icon and a text.
type verdict struct{ box, text dom.Element }

// verdictOf returns the strip with the given id, its text in id-text.
func verdictOf(id string) verdict { return verdict{box: byID(id), text: byID(id + "-text")} }

// set shows msg (as text) in the given state.
func (v verdict) set(state verdictState, msg string) {
	v.box.SetAttribute("data-state", string(state))
	find(v.box, ".verdict-icon").SetTextContent(state.icon())
	v.text.SetTextContent(msg)
}

var toastTimer *time.Timer

// showToast shows a short message at the bottom of the page for a few
// seconds; isErr styles it as a problem.
func showToast(msg string, isErr bool) {
	el := doc.GetElementByID("toast")
	if el == nil {
		el = newEl("div", "toast", "")
		el.SetID("toast")
		el.SetAttribute("role", "status")
		doc.QuerySelector("body").AppendChild(el)
	}
	el.SetTextContent(msg)
	setFlag(el, "data-error", isErr)
	setHidden(el, false)
	if toastTimer != nil {
		toastTimer.Stop()
	}
	toastTimer = time.AfterFunc(5*time.Second, func() { setHidden(el, true) })
}

// setFlag sets a "1"/"0" attribute that the style sheet reads.
func setFlag(el dom.Element, attr string, on bool) {
	if on {
		el.SetAttribute(attr, "1")
	} else {
		el.SetAttribute(attr, "0")
	}
}

// cloneTemplate returns a deep copy of the first element of the
// <template> with the given id.
func cloneTemplate(id string) dom.Element {
	tpl, ok := byID(id).(*dom.HTMLTemplateElement)
	if !ok {
		panic("demo: #" + id + " is not a <template>")
	}
	first := tpl.Content().QuerySelector("*")
	if first == nil {
		panic("demo: template #" + id + " is empty")
	}
	return first.CloneNode(true).(dom.Element)
}
