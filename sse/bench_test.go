package sse_test

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

// benchStream encodes n events whose data is size bytes on one line, with an
// id on every event as servers that support resuming send.
func benchStream(b *testing.B, n, size int) []byte {
	var buf bytes.Buffer
	enc := sse.NewEncoder(&buf)
	data := strings.Repeat("x", size)
	for i := range n {
		if err := enc.Encode(sse.Event{ID: strconv.Itoa(i), Data: data}); err != nil {
			b.Fatal(err)
		}
	}
	return buf.Bytes()
}

// benchParse feeds stream in 64 KiB chunks, as reads from a network
// connection arrive, and reports throughput over the stream's bytes.
func benchParse(b *testing.B, stream []byte, wantEvents int) {
	n := 0
	emit := func(sse.Event) { n++ }
	benchChunks(b, stream, wantEvents, &n, func(p *sse.Parser, chunk []byte) error { return p.Feed(chunk, emit) })
}

// benchChunks runs feed on stream's 64 KiB chunks with one parser, and
// checks that the events it counts in *n are wantEvents.
func benchChunks(b *testing.B, stream []byte, wantEvents int, n *int, feed func(p *sse.Parser, chunk []byte) error) {
	const chunk = 64 << 10
	p := sse.NewParser(0)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		p.Reset()
		*n = 0
		for off := 0; off < len(stream); off += chunk {
			if err := feed(p, stream[off:min(off+chunk, len(stream))]); err != nil {
				b.Fatal(err)
			}
		}
		if *n != wantEvents {
			b.Fatalf("%d events, want %d", *n, wantEvents)
		}
	}
}

// BenchmarkParser64B parses a stream of 65,536 events (5 MiB) with 64-byte
// data.
func BenchmarkParser64B(b *testing.B) {
	const n = 1 << 16
	benchParse(b, benchStream(b, n, 64), n)
}

// BenchmarkParser1MiB parses a stream of events with 1 MiB of data each.
func BenchmarkParser1MiB(b *testing.B) {
	const n = 8
	benchParse(b, benchStream(b, n, 1<<20), n)
}

// BenchmarkEncoder encodes events with an id, a type and 64 bytes of data
// over two lines.
func BenchmarkEncoder(b *testing.B) {
	ev := sse.Event{ID: "123456", Type: "update", Data: strings.Repeat("y", 32) + "\n" + strings.Repeat("z", 31)}
	var sized bytes.Buffer
	if err := sse.NewEncoder(&sized).Encode(ev); err != nil {
		b.Fatal(err)
	}
	enc := sse.NewEncoder(io.Discard)
	b.SetBytes(int64(sized.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if err := enc.Encode(ev); err != nil {
			b.Fatal(err)
		}
	}
}

// benchFeedBytes is benchParse through FeedBytes, the path of the wasm
// bridge, whose emit copies nothing.
func benchFeedBytes(b *testing.B, n, size int) {
	got := 0
	emit := func(_, _, _ []byte) { got++ }
	benchChunks(b, benchStream(b, n, size), n, &got, func(p *sse.Parser, chunk []byte) error { return p.FeedBytes(chunk, emit) })
}

// BenchmarkFeedBytes64B, 1KiB and 1MiB parse the bench workloads' streams
// without decoding, as the wasm bridge does.
func BenchmarkFeedBytes64B(b *testing.B)  { benchFeedBytes(b, 1<<16, 64) }
func BenchmarkFeedBytes1KiB(b *testing.B) { benchFeedBytes(b, 1<<12, 1<<10) }
func BenchmarkFeedBytes1MiB(b *testing.B) { benchFeedBytes(b, 8, 1<<20) }
