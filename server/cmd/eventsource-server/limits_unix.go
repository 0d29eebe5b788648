//go:build unix

package main

import "syscall"

// defaultMaxStreams is the open-files limit, which the Go runtime raises to
// the hard limit at start-up, less a reserve for the listener, logs, the
// runtime's own files and outgoing connections (a broker): past the limit,
// accept fails and clients hang, where -max-streams answers 503 at once.
func defaultMaxStreams() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur > 1<<30 { // unknown or unlimited
		return fallbackMaxStreams
	}
	return max(int(lim.Cur)-fileReserve, 1)
}
