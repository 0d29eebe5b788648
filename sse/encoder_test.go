package sse_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

func TestEncoderEncode(t *testing.T) {
	cases := []struct {
		name string
		ev   sse.Event
		want string
	}{
		{"data only", sse.Event{Data: "hello"}, "data: hello\n\n"},
		{"all fields in order", sse.Event{ID: "7", Type: "deepThoughtOutput", Data: "42"}, "id: 7\nevent: deepThoughtOutput\ndata: 42\n\n"},
		{"empty data still dispatches", sse.Event{}, "data:\n\n"},
		{"empty data with type", sse.Event{Type: "ping"}, "event: ping\ndata:\n\n"},
		{"LF lines", sse.Event{Data: "a\nb\nc"}, "data: a\ndata: b\ndata: c\n\n"},
		{"CR lines", sse.Event{Data: "a\rb"}, "data: a\ndata: b\n\n"},
		{"CRLF lines", sse.Event{Data: "a\r\nb"}, "data: a\ndata: b\n\n"},
		{"LF CR is two breaks", sse.Event{Data: "a\n\rb"}, "data: a\ndata:\ndata: b\n\n"},
		{"CR CR LF", sse.Event{Data: "a\r\r\nb"}, "data: a\ndata:\ndata: b\n\n"},
		{"mixed breaks", sse.Event{Data: "1\r2\n3\r\n4"}, "data: 1\ndata: 2\ndata: 3\ndata: 4\n\n"},
		{"trailing LF", sse.Event{Data: "a\n"}, "data: a\ndata:\n\n"},
		{"trailing CRLF", sse.Event{Data: "a\r\n"}, "data: a\ndata:\n\n"},
		{"leading LF", sse.Event{Data: "\na"}, "data:\ndata: a\n\n"},
		{"only LF", sse.Event{Data: "\n"}, "data:\ndata:\n\n"},
		{"leading space survives", sse.Event{Data: " a"}, "data:  a\n\n"},
		{"colon in data", sse.Event{Data: "k: v"}, "data: k: v\n\n"},
		{"leading colon in data", sse.Event{Data: ":x"}, "data: :x\n\n"},
		{"JSON lines", sse.Event{Data: "[\n  42\n]"}, "data: [\ndata:   42\ndata: ]\n\n"},
		{"unicode", sse.Event{ID: "é", Type: "ü", Data: "😀"}, "id: é\nevent: ü\ndata: 😀\n\n"},
		{"type with colon and NUL", sse.Event{Type: "a:b\x00"}, "event: a:b\x00\ndata:\n\n"},
		{"id with spaces", sse.Event{ID: " 1 "}, "id:  1 \ndata:\n\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := sse.NewEncoder(&buf).Encode(tc.ev); err != nil {
				t.Fatalf("Encode(%+v): %v", tc.ev, err)
			}
			if got := buf.String(); got != tc.want {
				t.Fatalf("Encode(%+v)\n got %q\nwant %q", tc.ev, got, tc.want)
			}
			// What the encoder wrote parses back: CR and CRLF become LF.
			wantEv := tc.ev
			wantEv.Data = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(tc.ev.Data)
			if wantEv.Type == "" {
				wantEv.Type = "message"
			}
			got := feed(t, 0, [][]byte{buf.Bytes()})
			if !equalOutcome(got, outcome{Events: []sse.Event{wantEv}, LastID: tc.ev.ID}) {
				t.Fatalf("parsed back as %v, want %+v", got, wantEv)
			}
		})
	}
}

func TestEncoderRefuses(t *testing.T) {
	cases := []struct {
		name string
		ev   sse.Event
	}{
		{"id with LF", sse.Event{ID: "1\n2", Data: "x"}},
		{"id with CR", sse.Event{ID: "1\r2", Data: "x"}},
		{"id with CRLF", sse.Event{ID: "1\r\n", Data: "x"}},
		{"id with NUL", sse.Event{ID: "1\x002", Data: "x"}},
		{"id only NUL", sse.Event{ID: "\x00"}},
		{"type with LF", sse.Event{Type: "a\nb", Data: "x"}},
		{"type with CR", sse.Event{Type: "a\rb", Data: "x"}},
		{"type ends with LF", sse.Event{Type: "a\n", Data: "x"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			enc := sse.NewEncoder(&buf)
			if err := enc.Encode(tc.ev); err == nil {
				t.Fatalf("Encode(%+v) = nil error, want a refusal", tc.ev)
			}
			if buf.Len() != 0 {
				t.Fatalf("refused Encode wrote %q", buf.String())
			}
			// The encoder stays usable after a refusal.
			if err := enc.Encode(sse.Event{Data: "ok"}); err != nil || buf.String() != "data: ok\n\n" {
				t.Fatalf("Encode after refusal: err=%v wrote %q", err, buf.String())
			}
		})
	}
}

func TestEncoderComment(t *testing.T) {
	cases := []struct{ text, want string }{
		{"heartbeat", ": heartbeat\n"},
		{"", ":\n"},
		{"a\nb", ": a\n: b\n"},
		{"a\rb\r\nc", ": a\n: b\n: c\n"},
		{"a\n", ": a\n:\n"},
		{" x", ":  x\n"},
		{"data: x", ": data: x\n"},
	}
	for _, tc := range cases {
		var buf bytes.Buffer
		if err := sse.NewEncoder(&buf).Comment(tc.text); err != nil {
			t.Fatalf("Comment(%q): %v", tc.text, err)
		}
		if got := buf.String(); got != tc.want {
			t.Errorf("Comment(%q)\n got %q\nwant %q", tc.text, got, tc.want)
		}
		// A comment never dispatches, even before a blank line, and never
		// changes the parser's state.
		p := sse.NewParser(0)
		if err := p.Feed(append(buf.Bytes(), '\n'), func(ev sse.Event) { t.Errorf("Comment(%q) dispatched %+v", tc.text, ev) }); err != nil {
			t.Fatal(err)
		}
		if _, ok := p.Retry(); ok || p.LastEventID() != "" {
			t.Errorf("Comment(%q) changed parser state", tc.text)
		}
	}
}

func TestEncoderRetry(t *testing.T) {
	for _, ms := range []int64{0, 1, 1500, 1<<63 - 1} {
		var buf bytes.Buffer
		if err := sse.NewEncoder(&buf).Retry(ms); err != nil {
			t.Fatalf("Retry(%d): %v", ms, err)
		}
		p := sse.NewParser(0)
		if err := p.Feed(buf.Bytes(), func(sse.Event) {}); err != nil {
			t.Fatal(err)
		}
		if got, ok := p.Retry(); !ok || got != ms {
			t.Fatalf("Retry(%d) wrote %q, parsed back as %d, %v", ms, buf.String(), got, ok)
		}
	}
	var buf bytes.Buffer
	if err := sse.NewEncoder(&buf).Retry(1500); err != nil || buf.String() != "retry: 1500\n" {
		t.Fatalf("Retry(1500): err=%v wrote %q", err, buf.String())
	}
	buf.Reset()
	if err := sse.NewEncoder(&buf).Retry(-1); err == nil || buf.Len() != 0 {
		t.Fatalf("Retry(-1): err=%v wrote %q; want an error and nothing written", err, buf.String())
	}
}

func TestEncoderStream(t *testing.T) {
	var buf bytes.Buffer
	enc := sse.NewEncoder(&buf)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(enc.Retry(3000))
	must(enc.Comment("hi"))
	must(enc.Encode(sse.Event{ID: "1", Data: "a"}))
	must(enc.Encode(sse.Event{Type: "t", Data: "b\nc"}))
	must(enc.Encode(sse.Event{ID: "3", Type: "u", Data: ""}))
	const want = "retry: 3000\n: hi\nid: 1\ndata: a\n\nevent: t\ndata: b\ndata: c\n\nid: 3\nevent: u\ndata:\n\n"
	if buf.String() != want {
		t.Fatalf("stream\n got %q\nwant %q", buf.String(), want)
	}
	got := feed(t, 0, [][]byte{buf.Bytes()})
	wantOut := outcome{
		Events:  []sse.Event{msg("a", "1"), typed("t", "b\nc", "1"), typed("u", "", "3")},
		LastID:  "3",
		Retry:   3000,
		RetryOK: true,
	}
	if !equalOutcome(got, wantOut) {
		t.Fatalf("parsed\n got %v\nwant %v", got, wantOut)
	}
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

func TestEncoderWriteError(t *testing.T) {
	boom := errors.New("boom")
	enc := sse.NewEncoder(failWriter{boom})
	for name, err := range map[string]error{
		"Encode":  enc.Encode(sse.Event{Data: "x"}),
		"Retry":   enc.Retry(1),
		"Comment": enc.Comment("x"),
	} {
		if !errors.Is(err, boom) {
			t.Errorf("%s: err = %v; want it to wrap the writer's error", name, err)
		}
	}
}

// countWriter counts Write calls: each Encode, Retry and Comment is one
// Write, so a flushing writer sends a whole event at once.
type countWriter struct {
	n   int
	buf bytes.Buffer
}

func (w *countWriter) Write(b []byte) (int, error) { w.n++; return w.buf.Write(b) }

func TestEncoderOneWritePerCall(t *testing.T) {
	w := &countWriter{}
	enc := sse.NewEncoder(w)
	if err := enc.Encode(sse.Event{ID: "1", Type: "t", Data: "a\nb\nc"}); err != nil {
		t.Fatal(err)
	}
	if err := enc.Comment("x\ny"); err != nil {
		t.Fatal(err)
	}
	if err := enc.Retry(5); err != nil {
		t.Fatal(err)
	}
	if w.n != 3 {
		t.Fatalf("%d Write calls for 3 encoder calls", w.n)
	}
}
