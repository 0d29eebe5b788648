//go:build js && wasm

package main

import (
	"strings"
	"time"
	"unicode/utf8"

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

// setVerdict sets a status strip (class .verdict): state is one of idle,
// agree, pending, disagree, error; the text is inserted as text.
func setVerdict(box, text dom.Element, state, msg string) {
	box.SetAttribute("data-state", state)
	icon := map[string]string{"agree": "✓", "disagree": "≠", "pending": "…", "error": "!", "idle": "•"}[state]
	find(box, ".verdict-icon").SetTextContent(icon)
	text.SetTextContent(msg)
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
	el.SetAttribute("data-error", map[bool]string{true: "1", false: "0"}[isErr])
	setHidden(el, false)
	if toastTimer != nil {
		toastTimer.Stop()
	}
	toastTimer = time.AfterFunc(5*time.Second, func() { setHidden(el, true) })
}

// shorten cuts s to at most n runes, the last one an ellipsis when cut,
// for table cells (the full text goes in a title attribute). It reads only
// as far as it keeps, so a 1 MiB event costs no more than a short one.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	runes := 0
	for i := range s {
		if runes == n-1 {
			if _, size := utf8.DecodeRuneInString(s[i:]); i+size == len(s) {
				return s // exactly n runes: nothing to cut
			}
			return s[:i] + "…"
		}
		runes++
	}
	return s
}

// visible renders control characters so that a multi-line data field or an
// empty string is recognisable in one table cell.
func visible(s string) string {
	if s == "" {
		return "(empty)"
	}
	return strings.NewReplacer("\n", "⏎", "\r", "␍", "\t", "⇥").Replace(s)
}
