//go:build js && wasm

package main

import (
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"honnef.co/go/js/dom/v2"

	"github.com/eventsource-wasm/eventsource-wasm/wasm/cmd/demo/internal/display"
)

// publishView is the Publish tab: a form that posts to a topic, so that
// two tabs (or the two panes of Compare) show the replay after a reconnect.
type publishView struct {
	app                 *app
	topic, event        *dom.HTMLInputElement
	data                *dom.HTMLTextAreaElement
	send, burst         *dom.HTMLButtonElement
	result, history     dom.Element
	openCompare, newTab dom.Element
	quickData           *dom.HTMLInputElement
	quickSend           *dom.HTMLButtonElement
}

// maxHistory bounds the list of published events shown.
const maxHistory = 20

func newPublishView(a *app) *publishView {
	v := &publishView{
		app:         a,
		topic:       input("pub-topic"),
		event:       input("pub-event"),
		data:        byID("pub-data").(*dom.HTMLTextAreaElement),
		send:        button("pub-send"),
		burst:       button("pub-burst"),
		result:      byID("pub-result"),
		history:     byID("pub-history"),
		openCompare: byID("pub-open-compare"),
		newTab:      byID("pub-open-tab"),
		quickData:   input("cmp-pub-data"),
		quickSend:   button("cmp-pub-send"),
	}
	onEvent(byID("pub-form"), "submit", "publish", func(ev dom.Event) { ev.PreventDefault() }, func() {
		v.publish(v.topicName(), strings.TrimSpace(v.event.Value()), v.data.Value())
	})
	onClick(v.burst, "publish burst", func() {
		for i := 1; i <= 5; i++ {
			if !v.publish(v.topicName(), strings.TrimSpace(v.event.Value()), "numbered message "+strconv.Itoa(i)+" of 5") {
				return
			}
		}
	})
	onEvent(v.topic, "input", "topic", func(dom.Event) { v.updateLinks() }, nil)
	onClick(v.quickSend, "quick publish", func() {
		topic := strings.TrimSpace(a.compare.topic.Value())
		if v.publish(topic, "", v.quickData.Value()) {
			showToast("Published to “"+topic+"”.", false)
		}
	})
	v.updateLinks()
	return v
}

func (v *publishView) enable() {
	v.send.SetDisabled(false)
	v.burst.SetDisabled(false)
	v.quickSend.SetDisabled(false)
}

func (v *publishView) topicName() string { return strings.TrimSpace(v.topic.Value()) }

// updateLinks points the "open in Compare" links at the current topic.
func (v *publishView) updateLinks() {
	href := "/?stream=topic&topic=" + url.QueryEscape(v.topicName()) + "#compare"
	v.openCompare.SetAttribute("href", href)
	v.newTab.SetAttribute("href", "/?stream=topic&autostart=1&topic="+url.QueryEscape(v.topicName())+"#compare")
}

// publish posts one event and records the outcome; false on failure.
func (v *publishView) publish(topic, event, data string) bool {
	id, err := publishEvent(topic, event, data)
	if err != nil {
		v.result.SetTextContent("Not published: " + err.Error())
		v.result.SetAttribute("data-error", "1")
		return false
	}
	v.result.SetAttribute("data-error", "0")
	v.result.SetTextContent("Published to “" + topic + "” with id " + id + ".")
	li := newEl("li", "", "")
	li.AppendChild(newEl("code", "", "id "+id))
	li.AppendChild(newEl("span", "muted", " "+topic+" "))
	if event != "" {
		li.AppendChild(newEl("code", "", event))
	}
	li.AppendChild(newEl("span", "", " "+display.Shorten(display.Visible(data), 80)))
	v.history.InsertBefore(li, v.history.FirstChild())
	for len(v.history.ChildNodes()) > maxHistory {
		v.history.RemoveChild(v.history.LastChild())
	}
	return true
}

// publishEvent POSTs data to a topic and returns the id the broker gave it.
func publishEvent(topic, event, data string) (string, error) {
	if topic == "" {
		return "", errors.New("enter a topic name")
	}
	u := "/topics/" + url.PathEscape(topic)
	if event != "" {
		u += "?event=" + url.QueryEscape(event)
	}
	res, err := fetchText("POST", u, map[string]string{"Content-Type": "text/plain; charset=utf-8"}, data)
	if err != nil || !res.OK() {
		return "", errors.New(describeFailure(res, err))
	}
	var out struct{ ID string }
	if err := json.Unmarshal([]byte(res.Body), &out); err != nil {
		return "", errors.New("the server's answer was not understood")
	}
	return out.ID, nil
}
