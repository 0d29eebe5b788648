//go:build js && wasm

package main

func main() {
	b := newBridge()
	if err := b.register(); err != nil {
		println("eventsource.wasm:", err.Error())
		return
	}
	select {} // serve connections until the page goes away
}
