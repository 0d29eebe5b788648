//go:build !unix

package main

// defaultMaxStreams is fallbackMaxStreams where the open-files limit is not
// known.
func defaultMaxStreams() int { return fallbackMaxStreams }
