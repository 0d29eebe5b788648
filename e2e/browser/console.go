// What a page reports: console calls, uncaught exceptions, failed loads.

package browser

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
)

// Message is one thing the page reported: a console call, an uncaught
// exception, or a browser log entry (for example a failed resource load).
type Message struct {
	// Source is "console" for console.* calls, "exception" for uncaught
	// exceptions and unhandled rejections, or the browser log's own source
	// ("network", "javascript", "security", …) for log entries.
	Source string
	// Level is "error", "warning", "info", "log", "debug" or "verbose".
	Level string
	Text  string
	// URL is the resource the entry is about, when the browser names one.
	URL string
}

func (m Message) String() string {
	s := m.Source + " " + m.Level + ": " + m.Text
	if m.URL != "" {
		s += " (" + m.URL + ")"
	}
	return s
}

// Console collects the messages of one tab. It is safe for concurrent use.
type Console struct {
	mu   sync.Mutex
	msgs []Message
}

type consoleKey struct{}

// ConsoleOf returns the Console attached to a context returned by [New] (or a
// context derived from it), or nil.
func ConsoleOf(ctx context.Context) *Console {
	c, _ := ctx.Value(consoleKey{}).(*Console)
	return c
}

// Messages returns every message collected so far, in arrival order.
func (c *Console) Messages() []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Message(nil), c.msgs...)
}

// Errors returns the error-level messages: console.error and failed
// console.assert calls, uncaught exceptions, and error log entries. Failed
// loads count, including Chromium's automatic /favicon.ico request: a page
// without an icon declares one (for example <link rel=icon href="data:,">).
func (c *Console) Errors() []Message {
	var errs []Message
	for _, m := range c.Messages() {
		if m.Level == "error" {
			errs = append(errs, m)
		}
	}
	return errs
}

// Reset forgets the messages collected so far.
func (c *Console) Reset() {
	c.mu.Lock()
	c.msgs = nil
	c.mu.Unlock()
}

// Err returns nil when no error-level message was collected, or an error
// listing them, for tests that assert a clean console.
func (c *Console) Err() error {
	errs := c.Errors()
	if len(errs) == 0 {
		return nil
	}
	lines := make([]string, len(errs))
	for i, m := range errs {
		lines[i] = m.String()
	}
	return errors.New("browser console errors:\n\t" + strings.Join(lines, "\n\t"))
}

func (c *Console) add(m Message) {
	c.mu.Lock()
	c.msgs = append(c.msgs, m)
	c.mu.Unlock()
}

// handle runs on chromedp's event loop, so it only records and never blocks.
func (c *Console) handle(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		level := string(ev.Type)
		switch ev.Type {
		case runtime.APITypeError, runtime.APITypeAssert:
			level = "error"
		case runtime.APITypeWarning:
			level = "warning"
		}
		args := make([]string, 0, len(ev.Args))
		for _, a := range ev.Args {
			args = append(args, remoteText(a))
		}
		c.add(Message{Source: "console", Level: level, Text: strings.Join(args, " ")})
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil {
			text += " " + remoteText(d.Exception)
		}
		c.add(Message{Source: "exception", Level: "error", Text: strings.TrimSpace(text), URL: d.URL})
	case *cdplog.EventEntryAdded:
		e := ev.Entry
		c.add(Message{Source: string(e.Source), Level: string(e.Level), Text: e.Text, URL: e.URL})
	}
}

// remoteText renders a console argument or exception the way DevTools would
// show it in one line: the value for primitives, the description otherwise.
func remoteText(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	if o.Type == runtime.TypeString {
		var s string
		if err := json.Unmarshal(o.Value, &s); err == nil {
			return s
		}
	}
	if len(o.Value) > 0 {
		return string(o.Value)
	}
	if o.Description != "" {
		return o.Description
	}
	if o.UnserializableValue != "" {
		return string(o.UnserializableValue)
	}
	return string(o.Type)
}
