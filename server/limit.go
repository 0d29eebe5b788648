package server

import "sync/atomic"

// StreamLimit bounds the open event streams of everything that shares it:
// the Servers given it as Config.StreamLimit, and any other streams its
// owner counts with Acquire and Release. One limit across them all keeps
// the process under a single budget (file descriptors, memory) however
// the streams are split. Make one with NewStreamLimit; it is safe for
// concurrent use.
type StreamLimit struct {
	max  int64
	open atomic.Int64
}

// NewStreamLimit returns a limit of n open streams; zero or less means
// no limit (it then only counts).
func NewStreamLimit(n int) *StreamLimit {
	return &StreamLimit{max: int64(max(n, 0))}
}

// Acquire counts one more open stream and reports whether it fits; when
// it does not, nothing was counted. Every true must be followed by one
// Release when the stream ends.
func (l *StreamLimit) Acquire() bool {
	if n := l.open.Add(1); l.max > 0 && n > l.max {
		l.open.Add(-1)
		return false
	}
	return true
}

// Release counts a stream that Acquire admitted as ended.
func (l *StreamLimit) Release() { l.open.Add(-1) }

// Max returns the limit; 0 means none.
func (l *StreamLimit) Max() int { return int(l.max) }

// Open returns the number of streams counted now.
func (l *StreamLimit) Open() int64 { return l.open.Load() }
