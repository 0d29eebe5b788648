//go:build !linux

package stream

import (
	"net/http"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

// hub is Linux's fan-out (fanout.go); elsewhere every taken-over stream
// keeps its goroutines.
type hub struct{}

func newHub(*Engine) *hub { return &hub{} }
func (*hub) beatAll()     {}
func (*hub) closeAll()    {}
func (*hub) open() int64  { return 0 }

// Handoff reports false: the handler serves the stream itself.
func (st *Stream) Handoff(w http.ResponseWriter, r *http.Request, src Source, first []sse.Event, serve func()) bool {
	return false
}
