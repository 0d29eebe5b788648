package client

import (
	"sync"
	"time"
)

// Control steers a running connection from outside its stream: an
// explicit reconnect, and the page lifecycle that the stream itself cannot
// see (the browser going back online, the back/forward cache, a frozen or
// hidden tab coming back). Pass it in [Options.Control].
//
// Its methods never block, so a JavaScript event listener may call them,
// and they are safe for concurrent use. A command that does not apply to
// the connection's state (Restore when not suspended, say) is ignored.
// Every reconnect it causes keeps the last event ID, and is reported like
// any other: Error with state Connecting when a stream was open or a
// request pending, then Retrying.
type Control struct {
	mu      sync.Mutex
	pending []command
	offline time.Time     // when the browser went offline; zero when online
	notify  chan struct{} // has a value when pending is not empty
}

// NewControl returns a Control for one connection.
func NewControl() *Control { return &Control{notify: make(chan struct{}, 1)} }

// command is a queued Control call.
type command int

const (
	cmdReconnect command = iota // drop whatever is going on, reconnect now
	cmdOnline                   // back online: reconnect if waiting or deaf since going offline
	cmdResume                   // a frozen page resumed: reconnect if silent too long
	cmdVisible                  // a hidden page became visible: the same check
	cmdSuspend                  // the page entered the back/forward cache: drop, wait
	cmdRestore                  // the page left it: reconnect now
)

// Reconnect drops the current connection, or cuts short the wait before
// the next one, and reconnects at once. It is the only reconnect that
// [Options.MaxRetries] does not limit.
func (c *Control) Reconnect() { c.send(cmdReconnect) }

// Offline records that the browser went offline (the window's offline
// event), for [Control.Online] to judge a stream by.
func (c *Control) Offline() {
	c.mu.Lock()
	if c.offline.IsZero() {
		c.offline = time.Now()
	}
	c.mu.Unlock()
}

// Online reports that the browser is back online: a connection waiting to
// reconnect does so at once, and one whose stream has received nothing
// since [Control.Offline] is restarted.
func (c *Control) Online() { c.send(cmdOnline) }

// Resume reports that a frozen page runs again (the Page Lifecycle resume
// event): a stream silent for longer than its liveness window (see
// [Options.HeartbeatTimeout]) reconnects at once.
func (c *Control) Resume() { c.send(cmdResume) }

// Visible reports that a hidden page became visible; as [Control.Resume].
func (c *Control) Visible() { c.send(cmdVisible) }

// Suspend reports that the page enters the back/forward cache: the request
// is aborted, so the server sees the stream end and the page stays
// eligible for the cache, and nothing happens until [Control.Restore].
func (c *Control) Suspend() { c.send(cmdSuspend) }

// Restore reports that the page came back from the back/forward cache:
// a suspended connection reconnects at once.
func (c *Control) Restore() { c.send(cmdRestore) }

func (c *Control) send(cmd command) {
	c.mu.Lock()
	c.pending = append(c.pending, cmd)
	c.mu.Unlock()
	c.resignal()
}

// resignal signals again, for commands left pending by a watcher that
// stopped.
func (c *Control) resignal() {
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

// wake returns the channel that signals pending commands; nil (never ready)
// for a nil Control.
func (c *Control) wake() <-chan struct{} {
	if c == nil {
		return nil
	}
	return c.notify
}

// take returns the pending commands, oldest first, and when the browser
// went offline (zero if it did not). Online clears that time once taken.
func (c *Control) take() (cmds []command, offlineSince time.Time) {
	if c == nil {
		return nil, time.Time{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	cmds, c.pending = c.pending, nil
	offlineSince = c.offline
	for _, cmd := range cmds {
		if cmd == cmdOnline {
			c.offline = time.Time{}
		}
	}
	return cmds, offlineSince
}
