package stream

import (
	"syscall"
)

// hangups notices the hub streams whose client hangs up, with one epoll
// set and one goroutine for all of them instead of a goroutine blocked
// reading each connection. The set, its wake-up pipe and its goroutine
// exist while the hub has streams. Anything a client sends is left unread;
// only the end of its side (EPOLLRDHUP), a reset or an error counts. The
// hub's lock guards every field.
type hangups struct {
	epfd    int
	wake    [2]int // a pipe: a byte on it makes the watcher check for its end
	running bool
	next    uint64 // the last token given; 0 is the pipe's
	streams map[uint64]*hubStream
}

// add watches hs. A stream it fails to watch is still ended by a write
// error, at its next event or heartbeat.
func (hu *hangups) add(h *hub, hs *hubStream) {
	if !hu.running && !hu.start(h) {
		return
	}
	hu.next++
	tok := hu.next
	var err error
	cerr := hs.raw.Control(func(fd uintptr) {
		ev := syscall.EpollEvent{Events: syscall.EPOLLRDHUP | -syscall.EPOLLET, Fd: int32(tok), Pad: int32(tok >> 32)}
		err = syscall.EpollCtl(hu.epfd, syscall.EPOLL_CTL_ADD, int(fd), &ev)
	})
	if cerr != nil || err != nil {
		return
	}
	hs.token = tok
	hu.streams[tok] = hs
}

// remove stops watching hs, whose connection is still open.
func (hu *hangups) remove(hs *hubStream) {
	if hs.token == 0 || !hu.running {
		return
	}
	delete(hu.streams, hs.token)
	_ = hs.raw.Control(func(fd uintptr) {
		_ = syscall.EpollCtl(hu.epfd, syscall.EPOLL_CTL_DEL, int(fd), nil)
	})
	hs.token = 0
}

// stop asks the watcher to end: the hub has no stream left.
func (hu *hangups) stop() {
	if hu.running {
		_, _ = syscall.Write(hu.wake[1], []byte{0})
	}
}

// start makes the epoll set and starts the watcher.
func (hu *hangups) start(h *hub) bool {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return false
	}
	if err := syscall.Pipe2(hu.wake[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
		syscall.Close(epfd)
		return false
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN}
	if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, hu.wake[0], &ev); err != nil {
		syscall.Close(epfd)
		syscall.Close(hu.wake[0])
		syscall.Close(hu.wake[1])
		return false
	}
	hu.epfd, hu.running = epfd, true
	if hu.streams == nil {
		hu.streams = make(map[uint64]*hubStream)
	}
	go hu.watch(h, epfd, hu.wake[0])
	return true
}

// watch waits for hangups and hands each such stream to the workers, until
// the hub has no stream.
func (hu *hangups) watch(h *hub, epfd, wake int) {
	events := make([]syscall.EpollEvent, 128)
	var gone []*hubStream
	for {
		n, err := syscall.EpollWait(epfd, events, -1)
		if err != nil && err != syscall.EINTR {
			n = 0 // cannot happen with a valid set; fall through to the check
		}
		h.mu.Lock()
		for _, ev := range events[:max(n, 0)] {
			tok := uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
			if tok == 0 {
				var b [64]byte
				for {
					if m, _ := syscall.Read(wake, b[:]); m <= 0 {
						break
					}
				}
				continue
			}
			if hs := hu.streams[tok]; hs != nil {
				gone = append(gone, hs)
			}
		}
		if len(h.streams) == 0 {
			hu.running = false
			syscall.Close(epfd)
			syscall.Close(hu.wake[0])
			syscall.Close(hu.wake[1])
			h.mu.Unlock()
			return
		}
		h.mu.Unlock()
		for _, hs := range gone {
			hs.gone.Store(true)
			hs.schedule()
		}
		clear(gone)
		gone = gone[:0]
	}
}
