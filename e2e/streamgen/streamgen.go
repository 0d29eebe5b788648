// Package streamgen generates tricky event streams from a seed, for the
// differential fuzzing of WasmEventSource in real browsers against the Go
// sse parser (e2e TestBrowserFuzz): mixed CR, LF and CRLF line ends, BOMs,
// invalid UTF-8, NUL, non-ASCII text, unknown fields, retry junk, comments,
// fields without a colon, a pending event at the end, and a random
// chunking that likes to split CRLF pairs and UTF-8 sequences.
//
// The same seed always gives the same stream and chunks.
package streamgen

import (
	"math/rand/v2"
	"strconv"
	"unicode/utf8"
)

// Stream is one generated stream.
type Stream struct {
	Seed  uint64
	Bytes []byte
	// Chunks are the lengths of the writes that send Bytes, in order.
	Chunks []int
}

// Types are the event types a stream may name (besides the default).
var Types = []string{"a", "b", "é", "\u2028", "ping"}

// texts are the pieces field values are made of.
var texts = []string{
	"x", "hello", " leading space", "two  spaces", ":colon", "é", "🚀", "€", "\u2028", "\x00",
	"\xff", "\xe2\x82", "\xed\xa0\x80", "\xf0\x9f\x9a", "\xc3", "\uFEFF", "data: inside", "\t",
}

// retries are the values of retry lines, valid and not.
var retries = []string{"50", "0", "5x", "-1", "1.5", "", " 50", "99999999999999999999", "٣", "1e3"}

var lineEnds = []string{"\n", "\r", "\r\n"}

// Generate returns the stream of seed.
func Generate(seed uint64) Stream {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	var b []byte
	switch r.IntN(4) {
	case 0:
		b = append(b, "\uFEFF"...)
	case 1:
		b = append(b, "\uFEFF\uFEFF"...)
	}
	end := func() string { return lineEnds[r.IntN(len(lineEnds))] }
	value := func() string {
		var v []byte
		for range r.IntN(4) {
			v = append(v, texts[r.IntN(len(texts))]...)
		}
		return string(v)
	}
	for range 1 + r.IntN(8) {
		last := ""
		for range 1 + r.IntN(4) {
			last = end()
			b = append(b, line(r, value)...)
			b = append(b, last...)
		}
		// Most blocks end with a blank line; the last may not (a pending
		// event that must never be dispatched). CR then LF is one line
		// end, so an LF after a CR needs another to make the blank line.
		if r.IntN(8) != 0 {
			blank := end()
			if last == "\r" && blank == "\n" {
				blank += end()
			}
			b = append(b, blank...)
		}
	}
	return Stream{Seed: seed, Bytes: b, Chunks: chunks(r, b)}
}

// line is one field or comment line, without its line end.
func line(r *rand.Rand, value func() string) string {
	switch r.IntN(14) {
	case 0, 1, 2, 3, 12, 13:
		return "data:" + sep(r) + value()
	case 4:
		return "data"
	case 5:
		return "id:" + sep(r) + value()
	case 6:
		return "id"
	case 7:
		return "event:" + sep(r) + Types[r.IntN(len(Types))]
	case 8:
		return "retry:" + sep(r) + retries[r.IntN(len(retries))]
	case 9:
		return ":" + value()
	case 10:
		return []string{"unknown: " + value(), "Data: capital", "\uFEFFdata: bom-prefixed", "data : space before colon"}[r.IntN(4)]
	default:
		return "event"
	}
}

// sep is what follows a field's colon: usually one space, sometimes none or
// two (only the first is dropped).
func sep(r *rand.Rand) string {
	return []string{" ", " ", "", "  "}[r.IntN(4)]
}

// chunks splits b into random write lengths, preferring cuts inside UTF-8
// sequences and between CR and LF.
func chunks(r *rand.Rand, b []byte) []int {
	var cuts []int
	for i := 1; i < len(b); i++ {
		p := 12 // one cut in 12 positions
		if b[i-1] == '\r' && b[i] == '\n' || !utf8.RuneStart(b[i]) {
			p = 2
		}
		if r.IntN(p) == 0 {
			cuts = append(cuts, i)
		}
	}
	var out []int
	prev := 0
	for _, c := range append(cuts, len(b)) {
		if c > prev {
			out = append(out, c-prev)
			prev = c
		}
	}
	return out
}

// String names the stream for a failure message: its seed and bytes, quoted.
func (s Stream) String() string {
	return "seed " + strconv.FormatUint(s.Seed, 10) + ": " + strconv.Quote(string(s.Bytes))
}
