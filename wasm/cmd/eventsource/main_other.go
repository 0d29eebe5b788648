//go:build !(js && wasm)

package main

import "os"

func main() {
	os.Stderr.WriteString("eventsource: build with GOOS=js GOARCH=wasm; the module runs in a browser\n")
	os.Exit(2)
}
