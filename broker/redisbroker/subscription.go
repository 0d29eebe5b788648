package redisbroker

import (
	"context"
	"errors"
	"fmt"

	"github.com/eventsource-wasm/eventsource-wasm/broker"
	"github.com/eventsource-wasm/eventsource-wasm/broker/internal/mailbox"
)

// subscription is one subscriber. It starts replaying: the reader holds
// back what it reads (pending) while the replay fills ch. At the handover
// it turns live: the reader sends to ch directly, never blocking.
//
// Exactly one party closes box: finish when the subscription is live (the
// reader only puts under the topic's lock), otherwise whoever runs the
// replay, at its end (a blocked replay send must not meet a closed channel).
type subscription struct {
	t    *topic
	done chan struct{} // closed when the subscription ends
	stop func() bool   // unregisters the context callback

	// Guarded by t.mu.
	box      *mailbox.Box[broker.Message]
	live     bool
	ended    bool
	err      error
	pending  []entry  // read while replaying, in stream order
	replayed streamID // how far the replay got: pending entries up to it are duplicates
	last     streamID // the newest id handed over once live
}

func (s *subscription) Messages() <-chan broker.Message { return s.box.C() }

func (s *subscription) Err() error {
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	return s.err
}

func (s *subscription) Close() {
	if s.stop != nil {
		s.stop()
	}
	s.end(nil)
}

// end ends the subscription with err (nil after Close).
func (s *subscription) end(err error) {
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	s.finish(err)
}

// finish ends the subscription; the caller holds t.mu.
func (s *subscription) finish(err error) {
	if s.ended {
		return
	}
	s.ended, s.err = true, err
	s.pending = nil
	delete(s.t.subs, s)
	close(s.done)
	if s.live {
		s.box.Close()
	}
}

// deliver hands a live entry over without blocking, skipping what the
// replay already gave; a full channel drops the subscriber. The caller
// holds t.mu.
func (s *subscription) deliver(e entry) {
	if s.ended || !s.last.less(e.id) {
		return
	}
	if !s.box.Put(e.msg) {
		s.finish(fmt.Errorf("%w: %d messages undelivered", broker.ErrSlowSubscriber, s.t.b.opts.SubscriberBuffer))
		return
	}
	s.last = e.id
}

// hold keeps an entry read during the replay. Entries the replay has
// already passed are dropped first; beyond SubscriberBuffer others the
// subscriber is too slow. The caller holds t.mu.
func (s *subscription) hold(e entry) {
	if limit := s.t.b.opts.SubscriberBuffer; len(s.pending) >= limit {
		k := 0
		for k < len(s.pending) && !s.replayed.less(s.pending[k].id) {
			k++
		}
		s.pending = append(s.pending[:0], s.pending[k:]...)
		if len(s.pending) >= limit {
			s.finish(fmt.Errorf("%w: %d live messages arrived during the replay", broker.ErrSlowSubscriber, limit))
			return
		}
	}
	s.pending = append(s.pending, e)
}

// replay sends what the first look found (first), continues from there
// when it did not fit in one step, then hands over.
func (s *subscription) replay(ctx context.Context, first view) {
	for _, e := range first.msgs {
		if !s.box.Send(e.msg, s.done) {
			s.handOver(first.last)
			return
		}
	}
	cursor := first.last
	if !first.more {
		s.handOver(cursor)
		return
	}
	for {
		v, err := s.t.b.look(ctx, s.t.key, true, cursor)
		if errors.Is(err, broker.ErrIDNotRetained) {
			// Trimming overtook the replay: the subscriber resumes from
			// the last id it got and learns of the gap then.
			err = fmt.Errorf("%w: the topic was trimmed past the replay (%w)", broker.ErrSlowSubscriber, err)
		}
		if err != nil {
			s.end(err)
			s.handOver(cursor)
			return
		}
		for _, e := range v.msgs {
			if !s.box.Send(e.msg, s.done) {
				s.handOver(cursor)
				return
			}
		}
		cursor = v.last
		if !v.more {
			s.handOver(cursor)
			return
		}
		s.t.mu.Lock()
		s.replayed = cursor
		s.t.mu.Unlock()
	}
}

// handOver ends the replay, which reached last: the entries held back
// after last follow, and the reader delivers directly from now on. If the
// subscription ended meanwhile, it closes ch instead.
func (s *subscription) handOver(last streamID) {
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	if s.ended {
		s.box.Close()
		return
	}
	s.live, s.last = true, last
	pending := s.pending
	s.pending = nil
	for _, e := range pending {
		s.deliver(e)
	}
}
