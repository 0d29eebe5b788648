package sse_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

// outcome is everything a caller can observe after feeding a stream.
type outcome struct {
	Events  []sse.Event
	LastID  string
	Retry   int64
	RetryOK bool
	Err     bool // Feed returned an error
}

func (o outcome) String() string {
	var b strings.Builder
	for _, ev := range o.Events {
		fmt.Fprintf(&b, "{Type:%q Data:%q ID:%q} ", ev.Type, ev.Data, ev.ID)
	}
	fmt.Fprintf(&b, "LastID=%q Retry=%d,%v Err=%v", o.LastID, o.Retry, o.RetryOK, o.Err)
	return b.String()
}

func equalOutcome(a, b outcome) bool {
	if len(a.Events) == 0 && len(b.Events) == 0 {
		a.Events, b.Events = nil, nil
	}
	return reflect.DeepEqual(a, b)
}

// feed runs a new parser with the given limit over chunks. Every chunk is
// copied into one scratch buffer that is scribbled over after each Feed, so a
// parser that keeps a reference to a caller's chunk is caught. Feeding stops
// at the first error, which must be ErrEventTooLarge.
func feed(t testing.TB, maxSize int, chunks [][]byte) outcome {
	t.Helper()
	return feedWith(t, maxSize, chunks, func(p *sse.Parser, chunk []byte, o *outcome) error {
		return p.Feed(chunk, func(ev sse.Event) { o.Events = append(o.Events, ev) })
	})
}

// feedBytes is feed through FeedBytes: each event's bytes are decoded with
// the reference WHATWG decoder at once, as a JavaScript bridge would.
func feedBytes(t testing.TB, maxSize int, chunks [][]byte) outcome {
	t.Helper()
	return feedWith(t, maxSize, chunks, func(p *sse.Parser, chunk []byte, o *outcome) error {
		return p.FeedBytes(chunk, func(typ, data, id []byte) {
			ev := sse.Event{Type: "message", Data: whatwgDecode(data), ID: whatwgDecode(id)}
			if len(typ) > 0 {
				ev.Type = whatwgDecode(typ)
			}
			o.Events = append(o.Events, ev)
		})
	})
}

// feedWith runs a new parser over chunks with feedOne, which feeds one
// chunk and records its events in o.
func feedWith(t testing.TB, maxSize int, chunks [][]byte, feedOne func(p *sse.Parser, chunk []byte, o *outcome) error) outcome {
	t.Helper()
	p := sse.NewParser(maxSize)
	var o outcome
	var scratch []byte
	for _, c := range chunks {
		scratch = append(scratch[:0], c...)
		err := feedOne(p, scratch, &o)
		for i := range scratch {
			scratch[i] = 'X'
		}
		if err != nil {
			if !errors.Is(err, sse.ErrEventTooLarge) {
				t.Fatalf("Feed: unexpected error %v (want ErrEventTooLarge)", err)
			}
			o.Err = true
			break
		}
	}
	o.LastID = p.LastEventID()
	if ms, ok := p.Retry(); ok {
		o.Retry, o.RetryOK = ms, true
	}
	return o
}

// chunking is one way of cutting a stream into Feed calls.
type chunking struct {
	name   string
	chunks [][]byte
}

// chunkings returns the ways each test input is fed: whole, byte by byte,
// every cut into two pieces (short inputs), and seeded random cuts that
// include empty chunks.
func chunkings(in []byte) []chunking {
	cs := []chunking{{"whole", [][]byte{in}}, {"bytewise", bytewise(in)}}
	if len(in) <= 512 {
		for i := 1; i < len(in); i++ {
			cs = append(cs, chunking{fmt.Sprintf("cut@%d", i), [][]byte{in[:i], in[i:]}})
		}
	}
	for seed := uint64(1); seed <= 8; seed++ {
		cs = append(cs, chunking{fmt.Sprintf("random%d", seed), randomChunks(in, seed)})
	}
	return cs
}

func bytewise(in []byte) [][]byte {
	out := make([][]byte, len(in))
	for i := range in {
		out[i] = in[i : i+1]
	}
	return out
}

func randomChunks(in []byte, seed uint64) [][]byte {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	var out [][]byte
	for len(in) > 0 {
		n := r.IntN(min(len(in), 7) + 1) // 0..7: empty chunks too
		if r.IntN(16) == 0 {
			n = r.IntN(len(in) + 1)
		}
		out = append(out, in[:n])
		in = in[n:]
	}
	return out
}

// chunksFromCuts turns fuzzer bytes into a chunking: each byte is the next
// chunk's length (0 gives an empty chunk); the rest is one final chunk.
func chunksFromCuts(in, cuts []byte) [][]byte {
	var out [][]byte
	for _, c := range cuts {
		n := min(int(c), len(in))
		out = append(out, in[:n])
		in = in[n:]
	}
	return append(out, in)
}

// whatwgDecode is a reference for the WHATWG Encoding standard's UTF-8
// decoder (without BOM handling): each maximal subpart of an ill-formed
// sequence becomes one U+FFFD, and the byte that broke a sequence is
// processed again. An incomplete sequence at the end becomes one U+FFFD.
func whatwgDecode(b []byte) string {
	var sb strings.Builder
	for i := 0; i < len(b); {
		c := b[i]
		var need int
		lo, hi := byte(0x80), byte(0xBF)
		switch {
		case c < 0x80:
			sb.WriteByte(c)
			i++
			continue
		case c >= 0xC2 && c <= 0xDF:
			need = 1
		case c >= 0xE0 && c <= 0xEF:
			need = 2
			if c == 0xE0 {
				lo = 0xA0
			} else if c == 0xED {
				hi = 0x9F
			}
		case c >= 0xF0 && c <= 0xF4:
			need = 3
			if c == 0xF0 {
				lo = 0x90
			} else if c == 0xF4 {
				hi = 0x8F
			}
		default:
			sb.WriteRune(utf8.RuneError)
			i++
			continue
		}
		j := i + 1
		for ; need > 0; need-- {
			if j >= len(b) || b[j] < lo || b[j] > hi {
				break
			}
			lo, hi = 0x80, 0xBF
			j++
		}
		if need > 0 {
			sb.WriteRune(utf8.RuneError)
		} else {
			sb.Write(b[i:j])
		}
		i = j
	}
	return sb.String()
}

// refParse is a reference model of the WHATWG "event stream interpretation"
// over a whole stream. retryAmbiguous reports a retry value of only digits
// that overflows int64, which the spec leaves open.
func refParse(in []byte) (o outcome, retryAmbiguous bool) {
	s := strings.TrimPrefix(whatwgDecode(in), "\uFEFF")
	var data, typ, idBuf strings.Builder
	for {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			break // an unterminated line and the pending event are dropped
		}
		line := s[:i]
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]

		if line == "" {
			o.LastID = idBuf.String()
			d := data.String()
			if d != "" {
				d = strings.TrimSuffix(d, "\n")
				t := typ.String()
				if t == "" {
					t = "message"
				}
				o.Events = append(o.Events, sse.Event{Type: t, Data: d, ID: o.LastID})
			}
			data.Reset()
			typ.Reset()
			continue
		}
		if line[0] == ':' {
			continue
		}
		field, value := line, ""
		if c := strings.IndexByte(line, ':'); c >= 0 {
			field, value = line[:c], strings.TrimPrefix(line[c+1:], " ")
		}
		switch field {
		case "event":
			typ.Reset()
			typ.WriteString(value)
		case "data":
			data.WriteString(value)
			data.WriteByte('\n')
		case "id":
			if !strings.Contains(value, "\x00") {
				idBuf.Reset()
				idBuf.WriteString(value)
			}
		case "retry":
			if value != "" && strings.Trim(value, "0123456789") == "" {
				n, err := strconv.ParseInt(value, 10, 64)
				if err != nil {
					retryAmbiguous = true
				} else {
					o.Retry, o.RetryOK = n, true
				}
			}
		}
	}
	return o, retryAmbiguous
}
