// The size ladder's third build: + the sse parser fed from JS.
package main

import (
	"syscall/js"

	"github.com/eventsource-wasm/eventsource-wasm/sse"
)

func main() {
	p := sse.NewParser(0)
	in := js.Global().Get("input").String()
	p.Feed([]byte(in), func(e sse.Event) { js.Global().Call("emit", e.Type, e.Data, e.ID) })
}
