package redisbroker

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/eventsource-wasm/eventsource-wasm/broker"
)

// streamID is a Redis stream entry id, <milliseconds>-<sequence>. Ids sort
// by (ms, seq), which is the order of the entries in the stream.
type streamID struct{ ms, seq uint64 }

// maxID is the largest id Redis can represent; nothing can follow it.
var maxID = streamID{^uint64(0), ^uint64(0)}

// parseID parses the canonical spelling Redis gives ids ("1718000000000-0":
// two decimal numbers without sign or leading zeros), so each id has one
// spelling and a client can never pass Redis shorthand such as "-", "+",
// "$" or a bare "1718000000000".
func parseID(s string) (streamID, error) {
	ms, seq, ok := strings.Cut(s, "-")
	if !ok {
		return streamID{}, fmt.Errorf("%w: %q is not <ms>-<seq>", broker.ErrMalformedID, s)
	}
	a, errA := parseDecimal(ms)
	b, errB := parseDecimal(seq)
	if errA != nil || errB != nil {
		return streamID{}, fmt.Errorf("%w: %q is not <ms>-<seq>", broker.ErrMalformedID, s)
	}
	return streamID{a, b}, nil
}

// parseDecimal accepts exactly the output of strconv.FormatUint(n, 10).
func parseDecimal(s string) (uint64, error) {
	if len(s) > 1 && s[0] == '0' { // ParseUint rejects "", signs and non-digits
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseUint(s, 10, 64)
}

func (id streamID) String() string {
	return strconv.FormatUint(id.ms, 10) + "-" + strconv.FormatUint(id.seq, 10)
}

// less reports whether id sorts before o.
func (id streamID) less(o streamID) bool {
	return id.ms < o.ms || id.ms == o.ms && id.seq < o.seq
}

// isZero reports whether id is 0-0, which sorts before every entry: it is
// the position of a client that has seen nothing yet.
func (id streamID) isZero() bool { return id == streamID{} }
