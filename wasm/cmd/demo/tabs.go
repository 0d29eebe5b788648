//go:build js && wasm

package main

import (
	"encoding/json"
	"net/url"
	"strconv"
	"time"

	"honnef.co/go/js/dom/v2"
)

// tabsView is the Tabs tab: it opens frames (they share the browser's
// connection pool and SharedWorker as tabs do) that each read one stream
// with the chosen client (web/tabs-child.html), and shows how many
// connections the server holds for them, live: 1 with shared: true, 6 for
// native EventSource over HTTP/1.1 whatever the number of tabs.
type tabsView struct {
	app                      *app
	mode                     *dom.HTMLSelectElement
	count                    *dom.HTMLInputElement
	open, closeAll           *dom.HTMLButtonElement
	real                     dom.Element
	frames                   dom.Element
	conns, receiving, reqs   dom.Element
	note                     dom.Element
	session                  string // the server session of the current run
	runs                     int
	polling                  bool
	pendingSince             time.Time // when the poll in flight started; zero when none
	defaultNote, waitingNote string
}

// tabsPollEvery is how often the view asks the server for its counts.
const tabsPollEvery = 500 * time.Millisecond

func newTabsView(a *app) *tabsView {
	v := &tabsView{
		app:         a,
		mode:        byID("tabs-mode").(*dom.HTMLSelectElement),
		count:       input("tabs-count"),
		open:        button("tabs-open"),
		closeAll:    button("tabs-close"),
		real:        byID("tabs-real"),
		frames:      byID("tabs-frames"),
		conns:       byID("tabs-conns"),
		receiving:   byID("tabs-receiving"),
		reqs:        byID("tabs-reqs"),
		note:        byID("tabs-note"),
		waitingNote: "This page's own request for the counts is waiting for a free connection: the browser's 6 for this site are all taken. That is the limit shared: true avoids.",
	}
	v.defaultNote = v.note.TextContent()
	onClick(v.open, "open tabs", v.start)
	onClick(v.closeAll, "close tabs", v.stop)
	return v
}

func (v *tabsView) enable() { v.open.SetDisabled(false) }

// start replaces the frames with a new run of count tabs in the chosen mode.
func (v *tabsView) start() {
	v.stop()
	v.runs++
	v.session = v.app.pageID + "-tabs-" + strconv.Itoa(v.runs)
	n, err := strconv.Atoi(v.count.Value())
	if err != nil || n < 1 {
		n = 1
	}
	n = min(n, 12)
	src := "/tabs-child.html?mode=" + url.QueryEscape(v.mode.Value()) + "&run=" + url.QueryEscape(v.session)
	for i := range n {
		f := newEl("iframe", "", "")
		f.SetAttribute("title", "tab "+strconv.Itoa(i+1))
		f.SetAttribute("src", src)
		v.frames.AppendChild(f)
	}
	v.real.SetAttribute("href", src)
	setHidden(v.real, false)
	v.closeAll.SetDisabled(false)
	if !v.polling {
		v.polling = true
		go v.poll()
		go v.watchPending()
	}
}

// stop removes the frames, which closes their clients: the server's count
// drops to 0 (the poll goes on until it has).
func (v *tabsView) stop() {
	clearChildren(v.frames)
	v.closeAll.SetDisabled(true)
	setHidden(v.real, true)
}

// poll asks the server for the run's counts until no frame is left and the
// server holds no stream.
func (v *tabsView) poll() {
	defer guard("tabs poll")
	defer func() { v.polling = false }()
	for {
		session := v.session
		v.pendingSince = time.Now()
		res, err := fetchText("GET", "/sessions/"+url.PathEscape(session), nil, "")
		v.pendingSince = time.Time{}
		v.note.SetTextContent(v.defaultNote)
		var info struct {
			Requests    int64 `json:"requests"`
			OpenStreams int   `json:"open_streams"`
		}
		if err == nil && res.OK() && json.Unmarshal([]byte(res.Body), &info) == nil && session == v.session {
			v.conns.SetTextContent(strconv.Itoa(info.OpenStreams))
			v.reqs.SetTextContent(strconv.FormatInt(info.Requests, 10))
		}
		if len(v.frames.ChildNodes()) == 0 && info.OpenStreams == 0 && session == v.session {
			return
		}
		time.Sleep(tabsPollEvery)
	}
}

// watchPending counts the frames receiving, and says so when the poll
// waits for a connection, which is what happens to this page once native
// clients in the frames hold all six.
func (v *tabsView) watchPending() {
	defer guard("tabs pending")
	for v.polling {
		v.receiving.SetTextContent(strconv.Itoa(v.openFrames()))
		if !v.pendingSince.IsZero() && time.Since(v.pendingSince) > 1500*time.Millisecond {
			// The last answer is stale: the server may hold more by now.
			v.conns.SetTextContent("?")
			v.reqs.SetTextContent("?")
			v.note.SetTextContent(v.waitingNote)
		}
		time.Sleep(tabsPollEvery)
	}
}

// openFrames counts the frames whose client is OPEN (web/tabs-child.js
// keeps its readyState in body data-state).
func (v *tabsView) openFrames() int {
	n := 0
	for _, el := range v.frames.QuerySelectorAll("iframe") {
		f, ok := el.(*dom.HTMLIFrameElement)
		if !ok {
			continue
		}
		d := f.ContentDocument()
		if d == nil {
			continue
		}
		if body := d.QuerySelector("body"); body != nil && body.GetAttribute("data-state") == "1" {
			n++
		}
	}
	return n
}
