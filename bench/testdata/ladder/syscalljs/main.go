// The size ladder's second build: + syscall/js.
package main

import "syscall/js"

func main() {
	js.Global().Get("console").Call("log", js.Global().Get("location").Get("href"))
}
