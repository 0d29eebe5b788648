// A bounded record of a helper process's output.

package browser

import (
	"strings"
	"sync"
)

// tailBuffer keeps the last few KB written to it (a browser's stderr, for
// error messages) and shows each complete line to a watcher.
type tailBuffer struct {
	mu      sync.Mutex
	buf     []byte
	partial string
	// watch, when set before the first Write, sees every complete line.
	watch func(line string)
}

const tailMax = 8 << 10

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > tailMax {
		b.buf = b.buf[len(b.buf)-tailMax:]
	}
	watch := b.watch
	text := b.partial + string(p)
	lines := strings.Split(text, "\n")
	b.partial = lines[len(lines)-1]
	b.mu.Unlock()
	if watch != nil {
		for _, l := range lines[:len(lines)-1] {
			watch(l)
		}
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.TrimSpace(string(b.buf))
}
