package sse_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

// fuzzLimit is small so that the fuzzer reaches the size limit often.
const fuzzLimit = 24

// FuzzChunking checks that the parser gives the same events, last event ID,
// reconnection time and error (or none) for whole, byte-by-byte and
// fuzzer-chosen chunkings of the same bytes, both with the default and with
// a tiny size limit, and that with the default limit the result matches a
// straightforward reference model of the WHATWG rules.
func FuzzChunking(f *testing.F) {
	for _, tc := range parseCases {
		f.Add([]byte(tc.in), []byte{1, 3, 0, 2})
	}
	f.Add([]byte("data: a\r\ndata: b\r\n\r\n"), []byte{8, 1})
	f.Add([]byte("\xEF\xBB\xBFdata: \xE2\x82\xAC\r\n\r\n"), []byte{1, 1, 1, 9, 1})
	f.Add([]byte("data: \xF0\x9F\x98\x80\n\n"), []byte{8, 1, 1})
	f.Add([]byte("data: "+strings.Repeat("x", 40)+"\n\n"), []byte{10, 10})
	f.Add([]byte("data: 0123456789\ndata: 0123456789\n\n"), []byte{17})

	f.Fuzz(func(t *testing.T, in, cuts []byte) {
		ref, retryAmbiguous := refParse(in)
		for _, limit := range []int{0, fuzzLimit} {
			whole := feed(t, limit, [][]byte{in})
			if limit == 0 {
				if whole.Err {
					t.Fatalf("error with the default limit on %d bytes", len(in))
				}
				got := whole
				if retryAmbiguous {
					got.Retry, got.RetryOK = ref.Retry, ref.RetryOK
				}
				if !equalOutcome(got, ref) {
					t.Fatalf("input %q\nparser    %v\nreference %v", in, whole, ref)
				}
			}
			for _, c := range []chunking{
				{"cuts", chunksFromCuts(in, cuts)},
				{"bytewise", bytewise(in)},
			} {
				if got := feed(t, limit, c.chunks); !equalOutcome(got, whole) {
					t.Fatalf("limit %d, %s chunking of %q (cuts %v):\n got %v\nwant %v", limit, c.name, in, cuts, got, whole)
				}
			}
			if got := feedBytes(t, limit, chunksFromCuts(in, cuts)); !equalOutcome(got, whole) {
				t.Fatalf("limit %d, FeedBytes of %q (cuts %v) decoded the WHATWG way:\n got %v\nwant %v", limit, in, cuts, got, whole)
			}
		}
	})
}

// FuzzRoundTrip encodes a retry, a comment and an event, then a second
// event, and checks that the parser reads back exactly what was encoded:
// data with CR and CRLF turned into LF, invalid UTF-8 decoded the WHATWG
// way, and an empty type read as "message". Refused ids and types must
// return an error and write nothing.
func FuzzRoundTrip(f *testing.F) {
	f.Add("", "hello", "", "", int64(-1))
	f.Add("update", "a\nb", "1", "heartbeat", int64(1500))
	f.Add("t", "a\r\nb\rc\n", "x y", "c\r\nd", int64(0))
	f.Add(" sp", " lead\n\n trail ", " 1", " ", int64(3000))
	f.Add("", "", "", "", int64(-5))
	f.Add("bad\nline", "x", "", "", int64(1))
	f.Add("", "x", "nul\x00", "", int64(1))
	f.Add("", "x", "cr\r", "", int64(1))
	f.Add("é\xC3", "\xE2\x82A\xF0\x80", "\xFF", "\xEF\xBB\xBF", int64(9))
	f.Add("message", "data: x\n\nid: 9", "0", "\n", int64(1<<62))
	f.Add("", "\uFEFF", "\uFEFF", "", int64(7))

	f.Fuzz(func(t *testing.T, typ, data, id, comment string, retry int64) {
		var buf bytes.Buffer
		enc := sse.NewEncoder(&buf)
		if err := enc.Retry(retry); (err != nil) != (retry < 0) {
			t.Fatalf("Retry(%d): err = %v", retry, err)
		}
		if err := enc.Comment(comment); err != nil {
			t.Fatalf("Comment(%q): %v", comment, err)
		}
		ev := sse.Event{Type: typ, Data: data, ID: id}
		n := buf.Len()
		err := enc.Encode(ev)
		refuse := strings.ContainsAny(id, "\r\n\x00") || strings.ContainsAny(typ, "\r\n")
		if refuse {
			if err == nil {
				t.Fatalf("Encode(%+v) = nil, want a refusal", ev)
			}
			if buf.Len() != n {
				t.Fatalf("refused Encode(%+v) wrote %q", ev, buf.Bytes()[n:])
			}
		} else if err != nil {
			t.Fatalf("Encode(%+v): %v", ev, err)
		}
		if err := enc.Encode(sse.Event{Data: "tail"}); err != nil {
			t.Fatal(err)
		}

		var want outcome
		if !refuse {
			wantType := whatwgDecode([]byte(typ))
			if wantType == "" {
				wantType = "message"
			}
			wantData := whatwgDecode([]byte(strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(data)))
			want.LastID = whatwgDecode([]byte(id))
			want.Events = append(want.Events, sse.Event{Type: wantType, Data: wantData, ID: want.LastID})
		}
		want.Events = append(want.Events, msg("tail", want.LastID))
		want.Retry, want.RetryOK = max(retry, 0), retry >= 0
		stream := buf.Bytes()
		for _, c := range []chunking{{"whole", [][]byte{stream}}, {"bytewise", bytewise(stream)}} {
			if got := feed(t, 0, c.chunks); !equalOutcome(got, want) {
				t.Fatalf("%s: stream %q\n got %v\nwant %v", c.name, stream, got, want)
			}
		}
	})
}
