// Package record is the model behind one pane of the demo: what a client
// received (events, the last event ID, opens and reconnects, receive
// delays) and the requests the server saw for its session, with the rules
// the panes compare by. It is plain Go, free of syscall/js, so that it is
// tested natively; the demo renders it.
package record
