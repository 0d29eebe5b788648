// Package broker carries the messages of named topics from publishers to
// subscribers, with replay from a Last-Event-ID: the Broker interface, its
// errors, and MemoryBroker, the in-process implementation. Package
// redisbroker implements it on Redis Streams, for several server instances;
// package brokertest is the contract every implementation passes. The
// package knows nothing of HTTP: package server's handlers serve a Broker.
package broker

import (
	"context"
	"errors"
)

// Message is one event published to a topic.
type Message struct {
	// ID identifies the message within its topic. It is opaque to
	// subscribers: the in-memory broker uses decimal integers, other brokers
	// their own ids. A publisher may leave it empty to let the broker choose.
	ID string
	// Type is the SSE event type; empty means the default "message".
	Type string
	// Data is the event's data; line breaks become several data lines.
	Data string
}

// Broker fans out messages published to named topics and replays the
// messages a subscriber missed. Handlers only use this interface, so the
// in-memory broker and any shared one (for several server instances) are
// interchangeable. A Broker is safe for concurrent use.
type Broker interface {
	// Publish appends m to topic and returns its id. When m.ID is not
	// empty it must be a well-formed id that sorts after the topic's
	// newest one (ErrMalformedID, ErrIDNotIncreasing otherwise). Publish
	// never waits for subscribers: one that cannot keep up is dropped.
	Publish(ctx context.Context, topic string, m Message) (id string, err error)

	// Subscribe starts a subscription to topic. With after == "" it
	// delivers the messages published from now on; otherwise it first
	// replays, in order and once, every retained message published after
	// the id after, then continues live with no gap and no duplicate.
	// It returns ErrMalformedID when after is not an id this broker could
	// have issued, and ErrIDNotRetained when messages after it may have
	// been discarded (or the id is unknown, e.g. from before a restart).
	// The subscription ends when ctx is done or Close is called.
	Subscribe(ctx context.Context, topic, after string) (Subscription, error)

	// Close ends every subscription with ErrBrokerClosed and makes later
	// calls fail with it.
	Close() error
}

// Subscription is a live feed of one topic's messages.
type Subscription interface {
	// Messages delivers the replayed, then the live messages. It is closed
	// when the subscription ends; Err then tells why.
	Messages() <-chan Message
	// Err reports why Messages was closed: ErrSlowSubscriber,
	// ErrBrokerClosed, the context's error, or nil after Close. It returns
	// nil while the subscription runs.
	Err() error
	// Close ends the subscription and releases its resources. It is safe to
	// call more than once and concurrently with delivery.
	Close()
}

// Poller is implemented by a Subscription that can be read without a
// goroutine waiting on Messages: a server that writes many streams from a
// few workers learns from Notify that a subscription has something to read,
// and reads it with Poll. MemoryBroker's subscriptions implement it.
type Poller interface {
	// Notify has f called whenever the subscription goes from nothing to
	// read to something, or ends; at once if it already has something.
	// f runs with the broker's locks held: it must return at once and not
	// call the subscription. Call Notify once; from then on read with
	// Poll, not Messages.
	Notify(f func())
	// Poll appends to buf, in order, every message ready now, without
	// waiting, and reports false once the subscription has ended and
	// nothing is left to read (Err then tells why). After it reports true,
	// the next message, or the end, calls f again.
	Poll(buf []Message) ([]Message, bool)
}

// Errors a Broker reports. Implementations wrap them with detail; compare
// with errors.Is.
var (
	// ErrMalformedID reports an id that the broker could never have issued.
	ErrMalformedID = errors.New("broker: malformed event id")
	// ErrIDNotRetained reports a resume id older than the retained range (or
	// unknown), so the missed messages cannot be replayed.
	ErrIDNotRetained = errors.New("broker: event id is no longer retained")
	// ErrIDNotIncreasing reports a publisher-chosen id that does not sort
	// after the topic's newest id.
	ErrIDNotIncreasing = errors.New("broker: event id does not follow the topic's newest id")
	// ErrSlowSubscriber ends a subscription whose reader fell too far
	// behind; it can resume from the last id it received.
	ErrSlowSubscriber = errors.New("broker: subscriber dropped: too slow to keep up")
	// ErrBrokerClosed reports a call on, or a subscription ended by, a
	// closed broker.
	ErrBrokerClosed = errors.New("broker: closed")
	// ErrUnavailable reports a broker that cannot serve right now (too many
	// topics, backend down); the request may succeed later.
	ErrUnavailable = errors.New("broker: unavailable")
)
