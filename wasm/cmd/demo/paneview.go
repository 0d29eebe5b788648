//go:build js && wasm

package main

import (
	"strconv"
	"strings"
	"time"

	"honnef.co/go/js/dom/v2"

	"github.com/eventsource-wasm/eventsource-wasm/wasm/cmd/demo/internal/display"
	"github.com/eventsource-wasm/eventsource-wasm/wasm/cmd/demo/internal/record"
)

// maxRows bounds the event log of a pane; older rows leave the page (the
// counts and the comparison keep every event).
const maxRows = 150

// paneView is a pane's card on the page (a clone of #pane-tpl): state
// badge, counters, error details, the requests the server saw and the
// event log. It renders a [record.Log]; it holds no state of its own but
// the number of log rows on the page.
type paneView struct {
	root                                        dom.Element
	badge, count, lastID, reconn, delay, errBox dom.Element
	conns, connCount, connBody                  dom.Element
	response, respNote, respBody                dom.Element
	logBody, logEmpty, note, sub                dom.Element
	closeBtn, reopenBtn                         *dom.HTMLButtonElement
	rows                                        int
}

// newPaneView clones the pane template into container.
func newPaneView(container dom.Element, s side, title string) *paneView {
	root := cloneTemplate("pane-tpl")
	container.AppendChild(root)
	root.SetAttribute("data-side", s.attr())
	find(root, ".pane-title").SetTextContent(title)
	return &paneView{
		root:      root,
		badge:     find(root, ".badge"),
		count:     find(root, `[data-stat="count"]`),
		lastID:    find(root, `[data-stat="lastid"]`),
		reconn:    find(root, `[data-stat="reconnects"]`),
		delay:     find(root, `[data-stat="delay"]`),
		errBox:    find(root, ".pane-error"),
		conns:     find(root, ".conns"),
		connCount: find(root, ".conn-count"),
		connBody:  find(root, ".conns tbody"),
		response:  find(root, ".pane-response"),
		respNote:  find(root, ".resp-note"),
		respBody:  find(root, ".pane-response tbody"),
		logBody:   find(root, ".log tbody"),
		logEmpty:  find(root, ".log-empty"),
		note:      find(root, ".pane-note"),
		sub:       find(root, ".pane-sub"),
		closeBtn:  find(root, `[data-act="close"]`).(*dom.HTMLButtonElement),
		reopenBtn: find(root, `[data-act="reopen"]`).(*dom.HTMLButtonElement),
	}
}

// clear empties the log and the request table for a new run.
func (v *paneView) clear(session string) {
	v.rows = 0
	clearChildren(v.logBody)
	clearChildren(v.connBody)
	setHidden(v.conns, true)
	setHidden(v.logEmpty, false)
	v.setError("")
	v.root.SetAttribute("data-session", session)
}

// setCall shows the constructor call that made the client.
func (v *paneView) setCall(call string) {
	v.sub.SetTextContent(call)
	v.sub.SetAttribute("title", call)
}

// setRunning enables Close while a client may still connect, and Reopen
// once it has stopped.
func (v *paneView) setRunning(running bool) {
	v.closeBtn.SetDisabled(!running)
	v.reopenBtn.SetDisabled(running)
}

// render redraws the badge and counters.
func (v *paneView) render(st readyState, l *record.Log) {
	v.badge.SetAttribute("data-state", st.badge())
	v.badge.SetTextContent(st.String())
	v.root.SetAttribute("data-ready-state", strconv.Itoa(int(st)))
	v.count.SetTextContent(strconv.Itoa(len(l.Events)))
	v.lastID.SetTextContent(display.Shorten(display.Dash(&l.LastID), 24))
	v.reconn.SetTextContent(strconv.Itoa(l.Opens) + " / " + strconv.Itoa(l.Reconnects))
	med, detail := l.DelaySummary()
	v.delay.SetTextContent(med)
	v.delay.SetAttribute("title", detail)
}

// addEvent prepends the row of the n-th event to the log (newest first)
// and returns it.
func (v *paneView) addEvent(n int, e record.Event) dom.Element {
	tr := newEl("tr", "ev", "")
	tr.AppendChild(newEl("td", "num", strconv.Itoa(n)))
	tr.AppendChild(newEl("td", "type", e.Type))
	tr.AppendChild(newEl("td", "id", e.ID))
	shown := display.Visible(display.Shorten(e.Data, 300))
	if e.Type == record.EchoType {
		// The request description is long JSON; its point is what the
		// client sent. The JSON itself stays in the tooltip.
		if sum, ok := record.EchoSummary(e.Data); ok {
			shown = sum
		}
	}
	data := newEl("td", "data", shown)
	if len(e.Data) > 60 || strings.ContainsAny(e.Data, "\n\t") {
		data.SetAttribute("title", display.Shorten(e.Data, 2000))
	}
	tr.AppendChild(data)
	d := "—"
	if e.Delay >= 0 {
		d = display.Millis(e.Delay)
	}
	tr.AppendChild(newEl("td", "num", d))
	v.prepend(tr)
	return tr
}

// system logs a lifecycle line (open, error, closed, headers…) among the
// events.
func (v *paneView) system(kind, text string) {
	tr := newEl("tr", "sys sys-"+kind, "")
	td := newEl("td", "", "")
	td.SetAttribute("colspan", "5")
	td.AppendChild(newEl("span", "sys-kind", kind))
	td.AppendChild(newEl("span", "sys-text", text))
	tr.AppendChild(td)
	v.prepend(tr)
}

func (v *paneView) prepend(tr dom.Element) {
	v.logBody.InsertBefore(tr, v.logBody.FirstChild())
	v.rows++
	for ; v.rows > maxRows; v.rows-- {
		v.logBody.RemoveChild(v.logBody.LastChild())
	}
	setHidden(v.logEmpty, true)
}

// renderRequests shows the recorded requests, the Last-Event-ID header
// highlighted when the client sent one.
func (v *paneView) renderRequests(reqs []record.Request, total int64) {
	clearChildren(v.connBody)
	first := int(total) - len(reqs) + 1
	var t0 time.Time
	if len(reqs) > 0 {
		t0 = reqs[0].Time
	}
	for i, r := range reqs {
		tr := newEl("tr", "", "")
		tr.AppendChild(newEl("td", "num", strconv.Itoa(first+i)))
		tr.AppendChild(newEl("td", "num", "+"+strconv.FormatFloat(r.Time.Sub(t0).Seconds(), 'f', 1, 64)+" s"))
		lei := newEl("td", "lei", display.Dash(r.LastEventID))
		if r.LastEventID != nil {
			lei.Class().Add("hl")
		}
		tr.AppendChild(lei)
		tr.AppendChild(newEl("td", "", display.Dash(r.LastEventIDQuery)))
		auth := newEl("td", "auth", display.Dash(r.Authorization))
		if r.Authorization != nil {
			auth.Class().Add("hl")
		}
		tr.AppendChild(auth)
		tr.AppendChild(answerCell(r))
		v.connBody.AppendChild(tr)
	}
	v.connCount.SetTextContent("(" + strconv.FormatInt(total, 10) + ")")
	setHidden(v.conns, len(reqs) == 0)
}

// answerCell shows what the server answered a request: its status, and a
// refusal's error code with its message (which native EventSource never
// sees) as the tooltip; "…" before the status is written.
func answerCell(r record.Request) dom.Element {
	if r.Status == 0 {
		return newEl("td", "answer", "…")
	}
	text := strconv.Itoa(r.Status)
	if r.Error != nil {
		text += " " + r.Error.Error
	}
	td := newEl("td", "answer", text)
	if r.Status >= 400 {
		td.Class().Add("bad")
	}
	if r.Error != nil && r.Error.Message != "" {
		td.SetAttribute("title", r.Error.Message)
	}
	return td
}

// showResponse shows the response box: a note, then header rows (name,
// value). It is shown only by the views that call it.
func (v *paneView) showResponse(note string, rows [][2]string) {
	v.respNote.SetTextContent(note)
	clearChildren(v.respBody)
	for _, r := range rows {
		tr := newEl("tr", "", "")
		tr.AppendChild(newEl("td", "", r[0]))
		tr.AppendChild(newEl("td", "", r[1]))
		v.respBody.AppendChild(tr)
	}
	setHidden(v.response, false)
}

// setError shows (or, with "", hides) the pane's error details.
func (v *paneView) setError(msg string) {
	v.errBox.SetTextContent(msg)
	setHidden(v.errBox, msg == "")
}

// errorText is the error details shown, "" when none.
func (v *paneView) errorText() string { return v.errBox.TextContent() }
