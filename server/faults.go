package server

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// faultPresets are fixed bodies for conformance tests: each exercises one
// rule of the event-stream format and then the response ends. The README lists
// what a browser must make of each.
var faultPresets = map[string]string{
	"comments": ": a comment\n\n:another\ndata: after comments\n\n:\n: multi\n: line\ndata: second\n\n",
	"multiline": "data: line one\ndata: line two\ndata:\ndata: line four\n\n" +
		"data: [\ndata:   {\"answer\": 42},\ndata:   {\"question\": null}\ndata: ]\n\n",
	"bom":               "\uFEFFdata: the leading BOM is stripped\n\n\uFEFFdata: a second BOM is part of a field name, so this line is ignored\n\ndata: last\n\n",
	"crlf":              "id: 1\r\ndata: crlf one\r\ndata: crlf two\r\n\r\nevent: named\r\ndata: crlf named\r\n\r\n",
	"cr":                "id: 1\rdata: cr one\rdata: cr two\r\revent: named\rdata: cr named\r\r",
	"mixed":             "data: lf\ndata: cr\rdata: crlf\r\n\r\ndata: end\n\n",
	"idreset":           "id: 1\ndata: a\n\nid\ndata: b\n\nid: 3\ndata: c\n\nid:\ndata: d\n\n",
	"nul-id":            "id: 1\ndata: a\n\nid: 2\x002\ndata: b\n\n",
	"retry-bad":         "retry: 1x\ndata: a\n\nretry: -5\ndata: b\n\nretry: 1.5\ndata: c\n\nretry: 2500\ndata: d\n\n",
	"utf8-invalid":      "data: bad \xff byte\n\ndata: cut \xe2\x82 euro\n\ndata: surrogate \xed\xa0\x80\n\ndata: good \u20ac \U0001F600\n\n",
	"no-trailing-blank": "data: dispatched\n\ndata: pending at end of stream, never dispatched\n",
	"named": "event: deepThoughtOutput\ndata: {\"step\": 1, \"thought\": \"thinking\"}\n\n" +
		"event: deepThoughtOutput\ndata: {\"step\": 2, \"thought\": \"42\"}\n\n" +
		"data: a plain message: the type resets after each dispatch\n\n" +
		"event: done\ndata: done\n\n",
	"fields": "data:no space\n\ndata:  two spaces\n\ndata\n\nunknown: ignored\ndata: x\n\nevent: nodata\n\n" +
		"data: a\ndata\ndata: b\n\n",
	"empty": "data:\n\ndata: \n\nid: e1\n\n",
	// Only invalid retry values, one of them large: a client that took any
	// of them would reconnect at a visibly different time than after 3 s.
	"retry-invalid": "retry: 9000x\ndata: a\n\nretry: 90 00\ndata: b\n\n",
	"nonascii-id":   "id: \u00e9\U0001F680\ndata: a\n\n",
	"odd-data":      "event:\ndata: empty event field\n\ndata: line\u2028separator\n\ndata: nul\x00inside\n\n",
}

// presetNames lists the presets for error messages.
func presetNames() string {
	names := make([]string, 0, len(faultPresets)+1)
	for k := range faultPresets {
		names = append(names, k)
	}
	names = append(names, "big")
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// fault is a parsed /faults request.
type fault struct {
	status      int
	contentType string
	retryAfter  int64
	redirect    string
	retry       int64
	bom         bool
	newline     string
	chunk       int
	chunkDelay  time.Duration
	body        string // a preset; "" for generated events
	next, end   int64  // ids to send; end -1 = no end
	interval    time.Duration
	dropAfter   int64 // -1: never
	stallAfter  int64 // -1: never
	event       string
}

func parseFault(r *http.Request) (fault, error) {
	q := newQuery(r)
	f := fault{
		status:      int(q.int("status", http.StatusOK, 200, 599)),
		contentType: q.v.Get("content_type"),
		retryAfter:  q.int("retry_after", -1, 0, 86400),
		redirect:    q.v.Get("redirect"),
		retry:       q.retry(),
		bom:         q.bool("bom"),
		chunk:       int(q.int("chunk", 0, 0, 1<<20)),
		interval:    q.duration("interval", 0, maxInterval),
		dropAfter:   q.int("drop_after", -1, 0, 1<<53),
		stallAfter:  q.int("stall", -1, 0, 1<<53),
		event:       q.name("event"),
	}
	f.chunkDelay = q.duration("chunk_delay", time.Millisecond, time.Second)
	switch nl := q.v.Get("newline"); nl {
	case "", "lf":
		f.newline = "\n"
	case "cr":
		f.newline = "\r"
	case "crlf":
		f.newline = "\r\n"
	default:
		q.failf("query newline=%q: want lf, cr or crlf", nl)
	}
	if len(f.contentType) > maxNameLen || strings.ContainsAny(f.contentType, "\r\n") {
		q.failf("query content_type: want at most %d bytes and no line break", maxNameLen)
	}
	if f.redirect != "" && (!strings.HasPrefix(f.redirect, "/") || strings.HasPrefix(f.redirect, "//") || strings.HasPrefix(f.redirect, "/\\")) {
		q.failf("query redirect=%q: want a path on this server, starting with a single /", f.redirect)
	}
	switch name := q.v.Get("body"); {
	case name == "":
	case name == "big":
		size := q.int("size", 1<<20, 0, maxEventSize)
		f.body = "id: big\ndata: " + strings.Repeat("x", int(size)) + "\n\ndata: after big\n\n"
	case faultPresets[name] != "":
		f.body = faultPresets[name]
	default:
		q.failf("query body=%q: want one of %s", name, presetNames())
	}
	// Generated events: count of them (3 by default, no end when drop_after
	// or stall decides), resuming after Last-Event-ID.
	defCount := int64(3)
	if f.dropAfter >= 0 || f.stallAfter >= 0 {
		defCount = 0
	}
	count := q.int("count", defCount, 0, 1<<53)
	f.next = q.int("start", 0, 0, 1<<53)
	if q.err != nil {
		return f, q.err
	}
	f.end = -1
	if count > 0 {
		f.end = f.next + count
	}
	if id := lastEventID(r); id != "" && f.body == "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n < -1 || n >= 1<<53 {
			return f, fmt.Errorf("last event id %q: this stream's ids are integers", id)
		}
		f.next = n + 1
	}
	return f, nil
}

// eventBytes is generated event n in f's line ending. Its data holds
// multi-byte UTF-8, so chunking splits sequences.
func (f *fault) eventBytes(n int64) []byte {
	nl := f.newline
	var b strings.Builder
	b.WriteString("id: " + strconv.FormatInt(n, 10) + nl)
	if f.event != "" {
		b.WriteString("event: " + f.event + nl)
	}
	b.WriteString("data: fault événement " + strconv.FormatInt(n, 10) + " ✓ 🚀" + nl + nl)
	return []byte(b.String())
}

// handleFaults serves GET /faults: a stream that misbehaves as asked.
// Its bytes are exact: never compressed, no opening comment.
func (s *Server) handleFaults(w http.ResponseWriter, r *http.Request) {
	f, err := parseFault(r)
	if err != nil {
		badRequest(w, "bad_request", err)
		return
	}
	if f.retryAfter >= 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(f.retryAfter, 10))
	}
	if f.redirect != "" {
		http.Redirect(w, r, f.redirect, http.StatusTemporaryRedirect)
		return
	}
	if f.status != http.StatusOK {
		if f.status == http.StatusNoContent || f.status == http.StatusNotModified {
			w.WriteHeader(f.status)
			return
		}
		ct := f.contentType
		if ct == "" {
			ct = "text/plain; charset=utf-8"
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(f.status)
		fmt.Fprintf(w, "fault: status %d\n", f.status)
		return
	}
	if f.body == "" && f.end >= 0 && f.next >= f.end {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	st := s.startStream(w, r, streamOptions{contentType: f.contentType, retry: -1, raw: true})
	if st == nil {
		return
	}
	defer st.end()
	var head []byte
	if f.bom {
		head = append(head, "\uFEFF"...)
	}
	if f.retry >= 0 {
		head = append(head, "retry: "+strconv.FormatInt(f.retry, 10)+f.newline...)
	}
	write := func(b []byte) bool { return st.writeRaw(b, f.chunk, f.chunkDelay) }
	if len(head) > 0 && !write(head) {
		return
	}
	if f.body != "" {
		write([]byte(f.body))
		return
	}
	if !st.flush() { // headers out now, even when the first event waits
		return
	}
	tick := ready
	if f.interval > 0 {
		tk := time.NewTicker(f.interval)
		defer tk.Stop()
		tick = tk.C
	}
	for sent := int64(0); f.end < 0 || f.next < f.end; sent++ {
		switch {
		case sent == f.dropAfter:
			panic(http.ErrAbortHandler) // a network failure, not a clean end
		case sent == f.stallAfter:
			st.stall()
			return
		}
		if sent > 0 && st.wait(tick, nil, nil).why != wokeTimer {
			return
		}
		if !write(f.eventBytes(f.next)) {
			return
		}
		f.next++
	}
}
