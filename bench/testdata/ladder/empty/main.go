// The size ladder's first build: the Go runtime floor.
package main

func main() {}
