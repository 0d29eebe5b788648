package sse_test

import (
	"bytes"
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

func msg(data, id string) sse.Event { return sse.Event{Type: "message", Data: data, ID: id} }

func typed(typ, data, id string) sse.Event { return sse.Event{Type: typ, Data: data, ID: id} }

const fffd = "\uFFFD"

// parseCases follow the WHATWG HTML "Server-sent events" section, "Event
// stream interpretation", and the Encoding standard's UTF-8 decode.
var parseCases = []struct {
	name    string
	in      string
	want    []sse.Event
	lastID  string
	retry   int64
	retryOK bool
}{
	// Field parsing.
	{name: "single event", in: "data: hello\n\n", want: []sse.Event{msg("hello", "")}},
	{name: "no space after colon", in: "data:hello\n\n", want: []sse.Event{msg("hello", "")}},
	{name: "only one leading space stripped", in: "data:  hello\n\n", want: []sse.Event{msg(" hello", "")}},
	{name: "three leading spaces", in: "data:   x\n\n", want: []sse.Event{msg("  x", "")}},
	{name: "tab is not stripped", in: "data:\thello\n\n", want: []sse.Event{msg("\thello", "")}},
	{name: "trailing spaces kept", in: "data: hello  \n\n", want: []sse.Event{msg("hello  ", "")}},
	{name: "value splits at first colon only", in: "data: a: b:c\n\n", want: []sse.Event{msg("a: b:c", "")}},
	{name: "value is a colon", in: "data::\n\n", want: []sse.Event{msg(":", "")}},
	{name: "NUL in data kept", in: "data: a\x00b\n\n", want: []sse.Event{msg("a\x00b", "")}},
	{name: "field names are case-sensitive", in: "Data: x\n\nDATA: y\n\n", want: nil},
	{name: "space before colon is part of the name", in: "data : x\n\n", want: nil},
	{name: "leading space makes an unknown field", in: " data: x\n\n", want: nil},
	{name: "unknown fields ignored", in: "foo: bar\ndata: x\nbar\nx-data: y\n\n", want: []sse.Event{msg("x", "")}},
	{name: "unknown field alone dispatches nothing", in: "foo: bar\n\n", want: nil},

	// Data buffer.
	{name: "data lines joined with LF", in: "data: a\ndata: b\ndata: c\n\n", want: []sse.Event{msg("a\nb\nc", "")}},
	{name: "empty data line in the middle", in: "data: a\ndata:\ndata: b\n\n", want: []sse.Event{msg("a\n\nb", "")}},
	{name: "only the last LF removed", in: "data: a\ndata:\n\n", want: []sse.Event{msg("a\n", "")}},
	{name: "two empty data lines", in: "data\ndata\n\n", want: []sse.Event{msg("\n", "")}},
	{name: "data colon then blank line dispatches empty", in: "data:\n\n", want: []sse.Event{msg("", "")}},
	{name: "data without colon dispatches empty", in: "data\n\n", want: []sse.Event{msg("", "")}},
	{name: "data space only dispatches empty", in: "data: \n\n", want: []sse.Event{msg("", "")}},
	{name: "leading blank lines dispatch nothing", in: "\n\n\ndata: a\n\n\n\n", want: []sse.Event{msg("a", "")}},
	{name: "blank lines only", in: "\n\r\n\r\n\n", want: nil},
	{name: "event field without data dispatches nothing", in: "event: foo\n\n", want: nil},
	{name: "two events", in: "data: 1\n\ndata: 2\n\n", want: []sse.Event{msg("1", ""), msg("2", "")}},

	// End of stream.
	{name: "no blank line no dispatch", in: "data: a\n", want: nil},
	{name: "unterminated line", in: "data: a", want: nil},
	{name: "pending event dropped", in: "data: a\n\ndata: b\n", want: []sse.Event{msg("a", "")}},
	{name: "pending event dropped unterminated", in: "data: a\n\ndata: b\n\ndata: c", want: []sse.Event{msg("a", ""), msg("b", "")}},
	{name: "pending event after blank-looking text", in: "data: a\n\ndata: b\n ", want: []sse.Event{msg("a", "")}},

	// Comments.
	{name: "comment ignored", in: ": hello\ndata: a\n\n", want: []sse.Event{msg("a", "")}},
	{name: "bare colon is a comment", in: ":\ndata: a\n:\n\n", want: []sse.Event{msg("a", "")}},
	{name: "comment looking like a field", in: ": data: x\n\n:data: y\n\n", want: nil},
	{name: "comment between data lines", in: "data: a\n: c\ndata: b\n\n", want: []sse.Event{msg("a\nb", "")}},
	{name: "comment does not dispatch", in: "data: a\n:\n", want: nil},
	{name: "comment with id text", in: ":id: 9\n\n", want: nil},

	// Event type.
	{name: "event type", in: "event: foo\ndata: a\n\n", want: []sse.Event{typed("foo", "a", "")}},
	{name: "event type no space", in: "event:foo\ndata: a\n\n", want: []sse.Event{typed("foo", "a", "")}},
	{name: "event type keeps second space", in: "event:  foo\ndata: a\n\n", want: []sse.Event{typed(" foo", "a", "")}},
	{name: "event type after data", in: "data: a\nevent: foo\n\n", want: []sse.Event{typed("foo", "a", "")}},
	{name: "last event field wins", in: "event: a\nevent: b\ndata: x\n\n", want: []sse.Event{typed("b", "x", "")}},
	{name: "event type reset after dispatch", in: "event: foo\ndata: a\n\ndata: b\n\n", want: []sse.Event{typed("foo", "a", ""), msg("b", "")}},
	{name: "event type reset after empty dispatch", in: "event: foo\n\ndata: b\n\n", want: []sse.Event{msg("b", "")}},
	{name: "empty event type gives message", in: "event\ndata: x\n\nevent:\ndata: y\n\n", want: []sse.Event{msg("x", ""), msg("y", "")}},
	{name: "event emptied by later field", in: "event: foo\nevent\ndata: x\n\n", want: []sse.Event{msg("x", "")}},
	{name: "explicit message type", in: "event: message\ndata: x\n\n", want: []sse.Event{msg("x", "")}},

	// Last event ID.
	{name: "id", in: "id: 1\ndata: a\n\n", want: []sse.Event{msg("a", "1")}, lastID: "1"},
	{name: "id after data in same block", in: "data: a\nid: 2\n\n", want: []sse.Event{msg("a", "2")}, lastID: "2"},
	{name: "id kept across events", in: "id: 1\ndata: a\n\ndata: b\n\nevent: e\ndata: c\n\n",
		want: []sse.Event{msg("a", "1"), msg("b", "1"), typed("e", "c", "1")}, lastID: "1"},
	{name: "id changes", in: "id: 1\ndata: a\n\nid: 2\ndata: b\n\n", want: []sse.Event{msg("a", "1"), msg("b", "2")}, lastID: "2"},
	{name: "id without colon resets", in: "id: 1\ndata: a\n\nid\ndata: b\n\n", want: []sse.Event{msg("a", "1"), msg("b", "")}, lastID: ""},
	{name: "empty id resets", in: "id: 1\ndata: a\n\nid:\ndata: b\n\n", want: []sse.Event{msg("a", "1"), msg("b", "")}, lastID: ""},
	{name: "id space only resets", in: "id: 1\ndata: a\n\nid: \ndata: b\n\n", want: []sse.Event{msg("a", "1"), msg("b", "")}, lastID: ""},
	{name: "id with NUL ignored", in: "id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n", want: []sse.Event{msg("a", "1"), msg("b", "1")}, lastID: "1"},
	{name: "id NUL only ignored", in: "id: 1\n\nid: \x00\n\n", lastID: "1"},
	{name: "id with NUL does not reset earlier id in block", in: "id: 5\nid: \x00\ndata: x\n\n", want: []sse.Event{msg("x", "5")}, lastID: "5"},
	{name: "id-only block updates last event ID", in: "id: 5\n\n", want: nil, lastID: "5"},
	{name: "id-only block then event", in: "id: 5\n\ndata: x\n\n", want: []sse.Event{msg("x", "5")}, lastID: "5"},
	{name: "id reset by id-only block", in: "id: 5\ndata: a\n\nid\n\ndata: b\n\n", want: []sse.Event{msg("a", "5"), msg("b", "")}, lastID: ""},
	{name: "id not committed without blank line", in: "id: 1\ndata: a\n\nid: 2\n", want: []sse.Event{msg("a", "1")}, lastID: "1"},
	{name: "id in unterminated block", in: "id: 2\ndata: x\n", lastID: ""},
	{name: "id spaces kept", in: "id:  7 \n\n", lastID: " 7 "},
	{name: "id unicode", in: "id: ü-😀\ndata: x\n\n", want: []sse.Event{msg("x", "ü-😀")}, lastID: "ü-😀"},
	{name: "id with colon", in: "id: a:b\n\n", lastID: "a:b"},
	{name: "id with empty-data event", in: "id: 3\ndata\n\n", want: []sse.Event{msg("", "3")}, lastID: "3"},
	{name: "comment keeps id", in: "id: 3\n\n:\n\n", lastID: "3"},

	// Retry.
	{name: "retry", in: "retry: 1000\n", retry: 1000, retryOK: true},
	{name: "retry no space", in: "retry:1000\n", retry: 1000, retryOK: true},
	{name: "retry zero", in: "retry: 0\n", retry: 0, retryOK: true},
	{name: "retry leading zeros", in: "retry: 007\n", retry: 7, retryOK: true},
	{name: "retry large", in: "retry: 86400000000\n", retry: 86400000000, retryOK: true},
	{name: "retry with letter ignored", in: "retry: 5x\n"},
	{name: "retry empty ignored", in: "retry:\n"},
	{name: "retry space only ignored", in: "retry: \n"},
	{name: "retry without colon ignored", in: "retry\n"},
	{name: "retry negative ignored", in: "retry: -1\n"},
	{name: "retry plus sign ignored", in: "retry: +1\n"},
	{name: "retry two spaces ignored", in: "retry:  5\n"},
	{name: "retry trailing space ignored", in: "retry: 5 \n"},
	{name: "retry decimal ignored", in: "retry: 1.5\n"},
	{name: "retry hex ignored", in: "retry: 0x10\n"},
	{name: "retry fullwidth digit ignored", in: "retry: \uFF15\n"},
	{name: "retry Arabic-Indic digit ignored", in: "retry: \u0665\n"},
	{name: "invalid retry keeps earlier value", in: "retry: 100\nretry: x\nretry: -5\nretry:\n", retry: 100, retryOK: true},
	{name: "last valid retry wins", in: "retry: 100\nretry: 200\n", retry: 200, retryOK: true},
	{name: "retry does not dispatch or disturb", in: "data: a\nretry: 10\n\n", want: []sse.Event{msg("a", "")}, retry: 10, retryOK: true},
	{name: "retry applies without blank line", in: "data: a\nretry: 5\n", retry: 5, retryOK: true},
	{name: "retry unterminated not applied", in: "retry: 5"},
	{name: "retry case-sensitive", in: "Retry: 5\n"},

	// Line ends.
	{name: "CR line ends", in: "data: a\rdata: b\r\r", want: []sse.Event{msg("a\nb", "")}},
	{name: "CRLF line ends", in: "data: a\r\ndata: b\r\n\r\n", want: []sse.Event{msg("a\nb", "")}},
	{name: "CRLF is one line end", in: "data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n", want: []sse.Event{msg("a\nb", ""), msg("c", "")}},
	{name: "mixed line ends", in: "data: a\rdata: b\ndata: c\r\n\n", want: []sse.Event{msg("a\nb\nc", "")}},
	{name: "LF CR is two line ends", in: "data: a\n\rdata: b\n\n", want: []sse.Event{msg("a", ""), msg("b", "")}},
	{name: "CR CR LF", in: "data: a\r\r\ndata: b\r\r", want: []sse.Event{msg("a", ""), msg("b", "")}},
	{name: "CR inside value ends the line", in: "data: a\rb\n\n", want: []sse.Event{msg("a", "")}},
	{name: "trailing CR dispatches without waiting for LF", in: "data: a\r\r", want: []sse.Event{msg("a", "")}},
	{name: "trailing LF CR dispatches", in: "data: a\n\r", want: []sse.Event{msg("a", "")}},
	{name: "CR comment", in: ":c\rdata: a\r\r", want: []sse.Event{msg("a", "")}},
	{name: "CRLF id and retry", in: "id: 9\r\nretry: 42\r\n\r\n", lastID: "9", retry: 42, retryOK: true},
	{name: "CR ends an id value", in: "id: 1\r2\n\n", lastID: "1"},
	{name: "many CRs", in: "\r\r\r\rdata: x\r\r\r\r", want: []sse.Event{msg("x", "")}},

	// Byte order mark.
	{name: "leading BOM stripped", in: "\xEF\xBB\xBFdata: a\n\n", want: []sse.Event{msg("a", "")}},
	{name: "only one BOM stripped", in: "\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\ndata: b\n\n", want: []sse.Event{msg("b", "")}},
	{name: "BOM not at start is kept", in: "data: a\n\n\xEF\xBB\xBFdata: b\n\n", want: []sse.Event{msg("a", "")}},
	{name: "BOM at second line start", in: "\xEF\xBB\xBFdata: a\n\xEF\xBB\xBFdata: b\n\n", want: []sse.Event{msg("a", "")}},
	{name: "BOM in data kept", in: "data: \xEF\xBB\xBFx\n\n", want: []sse.Event{msg("\uFEFFx", "")}},
	{name: "BOM before comment", in: "\xEF\xBB\xBF:c\ndata: a\n\n", want: []sse.Event{msg("a", "")}},
	{name: "BOM before blank line", in: "\xEF\xBB\xBF\ndata: a\n\n", want: []sse.Event{msg("a", "")}},
	{name: "BOM alone", in: "\xEF\xBB\xBF"},
	{name: "partial BOM is invalid UTF-8", in: "\xEF\xBBdata: a\n\ndata: b\n\n", want: []sse.Event{msg("b", "")}},
	{name: "partial BOM in data", in: "data: \xEF\xBB\n\n", want: []sse.Event{msg(fffd, "")}},
	{name: "BOM then BOM in data", in: "\xEF\xBB\xBFdata: \xEF\xBB\xBF\n\n", want: []sse.Event{msg("\uFEFF", "")}},

	// UTF-8 decoding (WHATWG Encoding: one U+FFFD per maximal subpart).
	{name: "valid multibyte", in: "data: héllo 世界 😀\n\n", want: []sse.Event{msg("héllo 世界 😀", "")}},
	{name: "truncated 3-byte then ASCII", in: "data: \xE2\x82A\n\n", want: []sse.Event{msg(fffd+"A", "")}},
	{name: "F0 80 is two errors", in: "data: \xF0\x80A\n\n", want: []sse.Event{msg(fffd+fffd+"A", "")}},
	{name: "truncated 4-byte one error", in: "data: \xF0\x90\x80A\n\n", want: []sse.Event{msg(fffd+"A", "")}},
	{name: "truncated 4-byte before LF", in: "data: \xF0\x9F\x98\ndata: b\n\n", want: []sse.Event{msg(fffd+"\nb", "")}},
	{name: "truncated 4-byte before CR", in: "data: \xF0\x9F\x98\rdata: b\r\r", want: []sse.Event{msg(fffd+"\nb", "")}},
	{name: "truncated 2-byte before LF", in: "data: a\xC3\n\n", want: []sse.Event{msg("a"+fffd, "")}},
	{name: "overlong C0 AF", in: "data: \xC0\xAF\n\n", want: []sse.Event{msg(fffd+fffd, "")}},
	{name: "overlong C1 BF", in: "data: \xC1\xBF\n\n", want: []sse.Event{msg(fffd+fffd, "")}},
	{name: "overlong E0 80 80", in: "data: \xE0\x80\x80\n\n", want: []sse.Event{msg(fffd+fffd+fffd, "")}},
	{name: "overlong F0 8F BF BF", in: "data: \xF0\x8F\xBF\xBF\n\n", want: []sse.Event{msg(fffd+fffd+fffd+fffd, "")}},
	{name: "smallest 3-byte", in: "data: \xE0\xA0\x80\n\n", want: []sse.Event{msg("\u0800", "")}},
	{name: "surrogate ED A0 80", in: "data: \xED\xA0\x80\n\n", want: []sse.Event{msg(fffd+fffd+fffd, "")}},
	{name: "last before surrogates", in: "data: \xED\x9F\xBF\n\n", want: []sse.Event{msg("\uD7FF", "")}},
	{name: "max code point", in: "data: \xF4\x8F\xBF\xBF\n\n", want: []sse.Event{msg("\U0010FFFF", "")}},
	{name: "above max code point", in: "data: \xF4\x90\x80\x80\n\n", want: []sse.Event{msg(fffd+fffd+fffd+fffd, "")}},
	{name: "F5 lead", in: "data: \xF5\x80\n\n", want: []sse.Event{msg(fffd+fffd, "")}},
	{name: "FF and FE", in: "data: \xFE\xFF\n\n", want: []sse.Event{msg(fffd+fffd, "")}},
	{name: "F8 five-byte form", in: "data: \xF8\x88\x80\x80\x80\n\n", want: []sse.Event{msg(fffd+fffd+fffd+fffd+fffd, "")}},
	{name: "lone continuation bytes", in: "data: \x80\xBF\x80\n\n", want: []sse.Event{msg(fffd+fffd+fffd, "")}},
	{name: "broken sequence then continuation", in: "data: \xE2\x28\xA1\n\n", want: []sse.Event{msg(fffd+"("+fffd, "")}},
	{name: "truncated then valid", in: "data: \xE2\x82\xE2\x82\xAC\n\n", want: []sse.Event{msg(fffd+"€", "")}},
	{name: "lead bytes in a row", in: "data: \xC2\xE2\xF0\n\n", want: []sse.Event{msg(fffd+fffd+fffd, "")}},
	{name: "invalid byte in field name", in: "\xFFdata: a\n\n", want: nil},
	{name: "invalid byte in id", in: "id: \xFF\n\n", lastID: fffd},
	{name: "invalid byte in event type", in: "event: a\xC3\ndata: x\n\n", want: []sse.Event{typed("a"+fffd, "x", "")}},
	{name: "invalid byte in comment", in: ":\xFF\xFE\ndata: x\n\n", want: []sse.Event{msg("x", "")}},
	{name: "encoded U+FFFD passes through", in: "data: \xEF\xBF\xBD\n\n", want: []sse.Event{msg(fffd, "")}},
}

func TestParserTable(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			want := outcome{Events: tc.want, LastID: tc.lastID, Retry: tc.retry, RetryOK: tc.retryOK}
			in := []byte(tc.in)
			// The reference model must agree with the hand-written case, so
			// the fuzzers can trust it.
			if ref, _ := refParse(in); !equalOutcome(ref, want) {
				t.Fatalf("reference model disagrees:\n got %v\nwant %v", ref, want)
			}
			for _, c := range chunkings(in) {
				if got := feed(t, 0, c.chunks); !equalOutcome(got, want) {
					t.Fatalf("%s: input %q\n got %v\nwant %v", c.name, tc.in, got, want)
				}
			}
		})
	}
}

// TestParserCRLFAcrossFeeds spells out the split-CRLF rule with explicit
// Feed calls: a CR at the end of one chunk and an LF at the start of the next
// are one line end, and the CR alone already ends the line.
func TestParserCRLFAcrossFeeds(t *testing.T) {
	p := sse.NewParser(0)
	var got []sse.Event
	emit := func(ev sse.Event) { got = append(got, ev) }
	step := func(chunk string, wantN int) {
		t.Helper()
		if err := p.Feed([]byte(chunk), emit); err != nil {
			t.Fatalf("Feed(%q): %v", chunk, err)
		}
		if len(got) != wantN {
			t.Fatalf("after Feed(%q): %d events %v, want %d", chunk, len(got), got, wantN)
		}
	}
	step("data: a\r", 0)
	step("\n", 0) // same line end as the CR: no blank line, no dispatch
	step("data: b\r", 0)
	step("\n\r", 1) // the CR is a blank line: dispatch at once
	step("\n", 1)   // completes that CRLF: not another blank line
	step("data: c\r", 1)
	step("\r", 2) // CR CR: the second CR dispatches without waiting for LF
	step("\n", 2)
	step("\n", 2) // a real blank line, but the data buffer is empty
	want := []sse.Event{msg("a\nb", ""), msg("c", "")}
	if !equalOutcome(outcome{Events: got}, outcome{Events: want}) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// TestParserEventsEmittedPromptly checks that an event is emitted by the
// Feed call that completes its blank line, not held back for more input.
func TestParserEventsEmittedPromptly(t *testing.T) {
	for _, in := range []string{"data: x\n\n", "data: x\r\r", "data: x\r\n\r\n", "data: x\n\r"} {
		p := sse.NewParser(0)
		n := 0
		if err := p.Feed([]byte(in), func(sse.Event) { n++ }); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("Feed(%q) emitted %d events, want 1", in, n)
		}
	}
}

func TestParserRetryUnset(t *testing.T) {
	p := sse.NewParser(0)
	if err := p.Feed([]byte("data: x\n\nretry: x\n"), func(sse.Event) {}); err != nil {
		t.Fatal(err)
	}
	if ms, ok := p.Retry(); ok {
		t.Fatalf("Retry() = %d, true; want ok=false", ms)
	}
}

// TestParserRetryOverflowNoPanic: a digits-only retry beyond int64 is left
// open by the spec; the parser must not panic or fail.
func TestParserRetryOverflowNoPanic(t *testing.T) {
	p := sse.NewParser(0)
	if err := p.Feed([]byte("retry: 99999999999999999999999999\ndata: x\n\n"), func(sse.Event) {}); err != nil {
		t.Fatal(err)
	}
	if ms, ok := p.Retry(); ok && ms < 0 {
		t.Fatalf("Retry() = %d, true: negative reconnection time", ms)
	}
}

func TestParserSetLastEventID(t *testing.T) {
	p := sse.NewParser(0)
	p.SetLastEventID("42")
	if got := p.LastEventID(); got != "42" {
		t.Fatalf("LastEventID() = %q, want 42", got)
	}
	var got []sse.Event
	emit := func(ev sse.Event) { got = append(got, ev) }
	// A blank line with no id field keeps the id; events carry it.
	if err := p.Feed([]byte("\ndata: a\n\nid: 43\ndata: b\n\n"), emit); err != nil {
		t.Fatal(err)
	}
	want := []sse.Event{msg("a", "42"), msg("b", "43")}
	if !equalOutcome(outcome{Events: got}, outcome{Events: want}) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if id := p.LastEventID(); id != "43" {
		t.Fatalf("LastEventID() = %q, want 43", id)
	}
}

// TestParserReset covers a reconnect: the partial line, the partial UTF-8
// sequence and the pending event are dropped, the last event ID and the
// reconnection time are kept, and a BOM is expected again.
func TestParserReset(t *testing.T) {
	type step struct {
		reset bool
		in    string
	}
	cases := []struct {
		name    string
		setID   string
		steps   []step
		want    []sse.Event
		lastID  string
		retry   int64
		retryOK bool
	}{
		{name: "partial line dropped", steps: []step{{in: "data: abc"}, {reset: true, in: "\n\n"}}},
		{name: "partial line dropped, next line clean", steps: []step{{in: "data: ab"}, {reset: true, in: "data: cd\n\n"}},
			want: []sse.Event{msg("cd", "")}},
		{name: "pending event dropped", steps: []step{{in: "event: x\ndata: a\n"}, {reset: true, in: "data: b\n\n"}},
			want: []sse.Event{msg("b", "")}},
		{name: "pending event dropped at blank line", steps: []step{{in: "data: a\n"}, {reset: true, in: "\n"}}},
		{name: "last event ID kept", steps: []step{{in: "id: 7\ndata: a\n\n"}, {reset: true, in: "data: b\n\n"}},
			want: []sse.Event{msg("a", "7"), msg("b", "7")}, lastID: "7"},
		{name: "undispatched id dropped", steps: []step{{in: "id: 7\ndata: a\n\nid: 8\n"}, {reset: true, in: "data: b\n\n"}},
			want: []sse.Event{msg("a", "7"), msg("b", "7")}, lastID: "7"},
		{name: "SetLastEventID kept", setID: "s1", steps: []step{{reset: true, in: "data: b\n\n"}},
			want: []sse.Event{msg("b", "s1")}, lastID: "s1"},
		{name: "BOM expected again", steps: []step{{in: "\xEF\xBB\xBFdata: a\n\n"}, {reset: true, in: "\xEF\xBB\xBFdata: b\n\n"}},
			want: []sse.Event{msg("a", ""), msg("b", "")}},
		{name: "BOM expected again without first BOM", steps: []step{{in: "data: a\n\n"}, {reset: true, in: "\xEF\xBB\xBFdata: b\n\n"}},
			want: []sse.Event{msg("a", ""), msg("b", "")}},
		{name: "only one BOM after reset", steps: []step{{in: "data: a\n\n"}, {reset: true, in: "\xEF\xBB\xBF\xEF\xBB\xBFdata: b\n\n"}},
			want: []sse.Event{msg("a", "")}},
		{name: "partial BOM dropped", steps: []step{{in: "\xEF\xBB"}, {reset: true, in: "\xEF\xBB\xBFdata: x\n\n"}},
			want: []sse.Event{msg("x", "")}},
		{name: "partial UTF-8 sequence dropped", steps: []step{{in: "data: \xE2\x82"}, {reset: true, in: "data: x\n\n"}},
			want: []sse.Event{msg("x", "")}},
		{name: "retry kept", steps: []step{{in: "retry: 500\n"}, {reset: true, in: "data: x\n\n"}},
			want: []sse.Event{msg("x", "")}, retry: 500, retryOK: true},
		{name: "reset on new parser", steps: []step{{reset: true, in: "\xEF\xBB\xBFdata: x\n\n"}},
			want: []sse.Event{msg("x", "")}},
		{name: "twice", steps: []step{{in: "id: 1\ndata: a\n\n"}, {reset: true, in: "data: b"}, {reset: true, in: "id: 2\ndata: c\n\n"}},
			want: []sse.Event{msg("a", "1"), msg("c", "2")}, lastID: "2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Each step is also fed byte by byte, which must not matter.
			for _, byByte := range []bool{false, true} {
				p := sse.NewParser(0)
				if tc.setID != "" {
					p.SetLastEventID(tc.setID)
				}
				var o outcome
				emit := func(ev sse.Event) { o.Events = append(o.Events, ev) }
				for _, s := range tc.steps {
					if s.reset {
						p.Reset()
					}
					chunks := [][]byte{[]byte(s.in)}
					if byByte {
						chunks = bytewise([]byte(s.in))
					}
					for _, c := range chunks {
						if err := p.Feed(c, emit); err != nil {
							t.Fatal(err)
						}
					}
				}
				o.LastID = p.LastEventID()
				if ms, ok := p.Retry(); ok {
					o.Retry, o.RetryOK = ms, true
				}
				want := outcome{Events: tc.want, LastID: tc.lastID, Retry: tc.retry, RetryOK: tc.retryOK}
				if !equalOutcome(o, want) {
					t.Fatalf("byte by byte=%v:\n got %v\nwant %v", byByte, o, want)
				}
			}
		})
	}
}

func TestParserManyEventsAllChunkings(t *testing.T) {
	var in strings.Builder
	var want []sse.Event
	for i := range 200 {
		id := strings.Repeat("i", i%5)
		data := strings.Repeat("d", i%17) + "é"
		in.WriteString("id: " + id + "\r\nevent: t\ndata: " + data + "\r:hb\n\n")
		want = append(want, typed("t", data, id))
	}
	b := []byte(in.String())
	for _, c := range chunkings(b) {
		got := feed(t, 0, c.chunks)
		if !equalOutcome(got, outcome{Events: want, LastID: want[len(want)-1].ID}) {
			t.Fatalf("%s: mismatch (got %d events)", c.name, len(got.Events))
		}
	}
}

// Size limit.

func TestParserLimitLongLine(t *testing.T) {
	const limit = 1 << 10
	for _, prefix := range []string{"data: ", "id: ", "event: ", "retry: "} {
		in := []byte(prefix + strings.Repeat("7", 4*limit) + "\n\n")
		cs := chunkings(in)
		for _, c := range []chunking{cs[0], cs[1], {"random", randomChunks(in, 3)}} {
			got := feed(t, limit, c.chunks)
			if !got.Err {
				t.Errorf("%s%d bytes, %s: no error with limit %d", prefix, 4*limit, c.name, limit)
			}
			if len(got.Events) != 0 {
				t.Errorf("%s, %s: emitted %d events past the limit", prefix, c.name, len(got.Events))
			}
		}
	}
}

func TestParserLimitMultiLineData(t *testing.T) {
	const limit = 1 << 10
	line := "data: " + strings.Repeat("z", 100) + "\n"
	in := []byte("data: ok\n\n" + strings.Repeat(line, 4*limit/100) + "\n")
	cs := chunkings(in)
	for _, c := range []chunking{cs[0], cs[1], {"random", randomChunks(in, 9)}} {
		got := feed(t, limit, c.chunks)
		if !got.Err {
			t.Errorf("%s: data buffer of %d bytes gave no error with limit %d", c.name, 4*limit, limit)
		}
		if want := []sse.Event{msg("ok", "")}; !equalOutcome(outcome{Events: got.Events}, outcome{Events: want}) {
			t.Errorf("%s: events %v, want only the event before the big one", c.name, got.Events)
		}
	}
}

// TestParserLimitIsPerEvent: the limit applies to one line and one event,
// not to the whole stream, and heartbeats, ids and retries between events
// never add up to an error.
func TestParserLimitIsPerEvent(t *testing.T) {
	const limit = 1 << 10
	half := strings.Repeat("h", limit/2)
	streams := map[string]string{
		"many events":         strings.Repeat("data: "+half+"\n\n", 200),
		"many comment lines":  strings.Repeat(":"+half+"\n", 200),
		"many retry lines":    strings.Repeat("retry: 1000\n", 2000) + "data: x\n\n",
		"many id-only blocks": strings.Repeat("id: "+half+"\n\n", 200),
		"many unknown fields": strings.Repeat("foo: "+half+"\n", 200) + "data: x\n\n",
		"many blank lines":    strings.Repeat("\n", 50*limit),
	}
	for name, s := range streams {
		in := []byte(s)
		for _, c := range []chunking{{"whole", [][]byte{in}}, {"random", randomChunks(in, 5)}} {
			if got := feed(t, limit, c.chunks); got.Err {
				t.Errorf("%s, %s: ErrEventTooLarge for a stream whose lines and events are all under the limit", name, c.name)
			}
		}
	}
}

func TestParserLimitAllowsEventUnderLimit(t *testing.T) {
	const limit = 1 << 10
	data := strings.Repeat("a", limit/2-1)
	in := []byte("data: " + data[:limit/4] + "\ndata: " + data[limit/4:] + "\n\n")
	want := outcome{Events: []sse.Event{msg(data[:limit/4]+"\n"+data[limit/4:], "")}}
	for _, c := range chunkings(in)[:2] {
		if got := feed(t, limit, c.chunks); !equalOutcome(got, want) {
			t.Fatalf("%s: got %v", c.name, got)
		}
	}
}

func TestParserDefaultLimit(t *testing.T) {
	// 4 MiB is under DefaultMaxEventSize, so 0 and negative limits accept it.
	data := strings.Repeat("x", 4<<20)
	in := []byte("data: " + data + "\n\n")
	for _, limit := range []int{0, -1} {
		got := feed(t, limit, [][]byte{in})
		if got.Err || len(got.Events) != 1 || got.Events[0].Data != data {
			t.Fatalf("NewParser(%d): err=%v events=%d; want one 4 MiB event", limit, got.Err, len(got.Events))
		}
	}
}

// TestParserLimitBoundedMemory feeds far more than the limit, in small
// chunks and in one huge chunk, and checks that the error comes early and
// that the parser's allocations stay near the limit, not near the input.
func TestParserLimitBoundedMemory(t *testing.T) {
	const limit = 64 << 10
	const inputSize = 64 << 20

	t.Run("small chunks", func(t *testing.T) {
		for _, body := range []string{"x", "data: xxxxxxx\n"} {
			p := sse.NewParser(limit)
			chunk := []byte("data: " + strings.Repeat(body, 4096/len(body)))
			fed := 0
			var err error
			for fed < inputSize && err == nil {
				err = p.Feed(chunk, func(sse.Event) { t.Fatal("unexpected event") })
				fed += len(chunk)
			}
			if !errors.Is(err, sse.ErrEventTooLarge) {
				t.Fatalf("%q: after %d bytes, err = %v; want ErrEventTooLarge", body, fed, err)
			}
			if fed > 2*limit+len(chunk) {
				t.Fatalf("%q: error only after %d bytes with a limit of %d", body, fed, limit)
			}
		}
	})

	t.Run("one huge chunk", func(t *testing.T) {
		inputs := map[string][]byte{
			"one line":   append([]byte("data: "+strings.Repeat("y", inputSize)), "\n\n"...),
			"many lines": append(bytes.Repeat([]byte("data: yyyyyyy\n"), inputSize/14), '\n'),
		}
		for name, in := range inputs {
			p := sse.NewParser(limit)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			err := p.Feed(in, func(sse.Event) { t.Fatal("event above the limit emitted") })
			runtime.ReadMemStats(&after)
			if !errors.Is(err, sse.ErrEventTooLarge) {
				t.Fatalf("%s: err = %v; want ErrEventTooLarge", name, err)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16*limit {
				t.Fatalf("%s: Feed of %d bytes allocated %d bytes with a limit of %d", name, len(in), alloc, limit)
			}
		}
	})
}

// TestParserErrorIsFinal: after ErrEventTooLarge the parser is unusable, so
// no event assembled from a truncated stream can come out of it later.
func TestParserErrorIsFinal(t *testing.T) {
	p := sse.NewParser(16)
	emit := func(ev sse.Event) { t.Errorf("event after the error: %+v", ev) }
	if err := p.Feed([]byte("data: "+strings.Repeat("x", 32)), emit); !errors.Is(err, sse.ErrEventTooLarge) {
		t.Fatalf("err = %v; want ErrEventTooLarge", err)
	}
	if err := p.Feed([]byte("\n\ndata: y\n\n"), emit); err == nil {
		t.Fatal("Feed after ErrEventTooLarge returned nil")
	}
}

// TestParserIDFieldDecodedAfterSetLastEventID: an id field's value is
// always UTF-8 decoded, even when it has the same bytes as an ID that was
// set directly.
func TestParserIDFieldDecodedAfterSetLastEventID(t *testing.T) {
	for _, reset := range []bool{false, true} {
		p := sse.NewParser(0)
		p.SetLastEventID("\xFF")
		if reset {
			p.Reset()
		}
		var got []sse.Event
		if err := p.Feed([]byte("id: \xFF\ndata: x\n\n"), func(ev sse.Event) { got = append(got, ev) }); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != fffd || p.LastEventID() != fffd {
			t.Fatalf("reset=%v: events %q, LastEventID %q; want ID %q", reset, got, p.LastEventID(), fffd)
		}
	}
}

// TestParserLastEventIDDuringEmit: the spec sets the last event ID string
// before it dispatches, so a callback that reads it sees the event's own ID.
func TestParserLastEventIDDuringEmit(t *testing.T) {
	p := sse.NewParser(0)
	n := 0
	err := p.Feed([]byte("id: 1\ndata: a\n\nid: 2\ndata: b\n\nid\ndata: c\n\n"), func(ev sse.Event) {
		n++
		if got := p.LastEventID(); got != ev.ID {
			t.Errorf("LastEventID() = %q inside emit of event with ID %q", got, ev.ID)
		}
	})
	if err != nil || n != 3 {
		t.Fatalf("err = %v, %d events; want 3", err, n)
	}
}

// FeedBytes emits the data of a one-line event that lies whole in the
// chunk from the chunk itself, and copies it otherwise: when a second data
// line follows, or when the event outlives the chunk (which the caller may
// then reuse, as the test does).
func TestParserFeedBytesDataInChunk(t *testing.T) {
	within := func(b, chunk []byte) bool {
		start, end := unsafe.Pointer(unsafe.SliceData(chunk)), unsafe.Add(unsafe.Pointer(unsafe.SliceData(chunk)), len(chunk))
		p := unsafe.Pointer(unsafe.SliceData(b))
		return len(b) > 0 && uintptr(p) >= uintptr(start) && uintptr(p)+uintptr(len(b)) <= uintptr(end)
	}
	p := sse.NewParser(0)
	chunk := []byte("data: one\n\ndata: two\ndata: lines\n\nid: 1\ndata: spans")
	var got []string
	var inChunk []bool
	emit := func(typ, data, id []byte) {
		got = append(got, string(data))
		inChunk = append(inChunk, within(data, chunk))
	}
	if err := p.FeedBytes(chunk, emit); err != nil {
		t.Fatal(err)
	}
	copy(chunk, "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX") // the caller reuses its buffer
	chunk = []byte(" chunks\n\ndata: last\n\n")
	if err := p.FeedBytes(chunk, emit); err != nil {
		t.Fatal(err)
	}
	want, wantIn := []string{"one", "two\nlines", "spans chunks", "last"}, []bool{true, false, false, true}
	if !slices.Equal(got, want) || !slices.Equal(inChunk, wantIn) {
		t.Errorf("data %q, in the chunk %v; want %q, %v", got, inChunk, want, wantIn)
	}
}
