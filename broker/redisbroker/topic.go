package redisbroker

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/eventsource-wasm/eventsource-wasm/broker"
)

// topic is a topic with subscribers on this instance, and its reader.
type topic struct {
	b     *Broker
	name  string
	key   string
	ready chan struct{} // closed once the reader chose where it starts

	mu   sync.Mutex // guards subs and the fields of each subscription
	subs map[*subscription]struct{}
}

// entry is one stream entry as a message.
type entry struct {
	id  streamID
	msg broker.Message
}

// newEntry decodes an entry's fields; unknown fields are ignored.
func newEntry(id string, values map[string]any) (entry, error) {
	v, err := parseID(id)
	if err != nil {
		return entry{}, fmt.Errorf("stream entry: %w", err)
	}
	typ, _ := values[fieldEvent].(string)
	data, _ := values[fieldData].(string)
	return entry{id: v, msg: broker.Message{ID: id, Type: typ, Data: data}}, nil
}

// read is the topic's reader: it follows the stream with blocking XREADs
// and fans each entry out to the local subscribers, until the topic has
// none left or Redis fails.
func (t *topic) read() {
	b := t.b
	// The reader starts at the stream's newest id; the first subscriber's
	// look (which waits for ready) covers everything up to there.
	v, err := b.look(context.Background(), t.key, false, streamID{})
	if err != nil {
		t.fail(err)
		return
	}
	cursor := v.last
	close(t.ready)
	for {
		res, err := b.rdb.XRead(context.Background(), &redis.XReadArgs{
			Streams: []string{t.key, cursor.String()},
			Count:   readCount,
			Block:   b.opts.Block,
		}).Result()
		if err != nil && !errors.Is(err, redis.Nil) { // redis.Nil: Block passed, nothing new
			t.fail(b.classify("read", err))
			return
		}
		var batch []entry
		for _, xs := range res {
			for _, xm := range xs.Messages {
				e, err := newEntry(xm.ID, xm.Values)
				if err != nil {
					t.fail(err)
					return
				}
				batch = append(batch, e)
			}
		}
		if n := len(batch); n > 0 {
			cursor = batch[n-1].id
		}
		if !t.fanout(batch) && b.retire(t) {
			return
		}
	}
}

// fanout hands batch to every subscriber and reports whether any is left.
func (t *topic) fanout(batch []entry) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, e := range batch {
		for s := range t.subs {
			if s.live {
				s.deliver(e)
			} else {
				s.hold(e)
			}
		}
	}
	return len(t.subs) > 0
}

// retire removes t from the broker if it still has no subscriber; a
// Subscribe that joined meanwhile keeps it running.
func (b *Broker) retire(t *topic) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.subs) > 0 {
		return false
	}
	if b.topics[t.name] == t {
		delete(b.topics, t.name)
	}
	return true
}

// fail removes t from the broker and ends its subscriptions with err; a
// later Subscribe starts afresh.
func (t *topic) fail(err error) {
	b := t.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.topics[t.name] == t {
		delete(b.topics, t.name)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for s := range t.subs {
		s.finish(err)
	}
}

// lookScript returns, atomically, what the replay and the retention check
// need: {} when the stream does not exist, else {last-generated-id,
// entries-added, length, first entry id or "", entries}, the entries being
// up to ARGV[2] of them from the XRANGE start ARGV[1] (none when it is "").
// A script rather than XINFO in MULTI, because XINFO STREAM also sends the
// first and last entries' data, up to megabytes per subscriber.
var lookScript = redis.NewScript(`#!lua flags=no-writes
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {}
end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
local f = {}
for i = 1, #info, 2 do
  f[info[i]] = info[i + 1]
end
local first = ''
if f['first-entry'] then
  first = f['first-entry'][1]
end
local entries = {}
if ARGV[1] ~= '' then
  entries = redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])
end
return {f['last-generated-id'], f['entries-added'], f['length'], first, entries, f['max-deleted-entry-id']}
`)

// view is one atomic look at a topic's stream.
type view struct {
	msgs []entry  // the entries after the position asked about
	last streamID // the position the view reaches: the last entry's id, or the one asked about
	more bool     // msgs is a full step: more entries may follow
}

// look checks that the entries after from are retained and returns the
// first readCount of them. With replay false it returns no entry and the
// stream's newest id as last: the position of a subscriber that wants only
// what comes next.
//
// Retention: the entries after from are all retained when the stream never
// lost an entry (entries-added equals length), or when from is at or after
// the newest trimmed id, which Publish records as max-deleted-entry-id. A
// stream trimmed by something else (XADD's own MAXLEN, an older version of
// this package) has none recorded: then from must be at or after the oldest
// retained entry, which wrongly reports a loss when from is exactly the
// newest trimmed id. An id newer than any the stream issued, or one for a
// stream that does not exist (never published, or expired), is unknown.
func (b *Broker) look(ctx context.Context, key string, replay bool, from streamID) (view, error) {
	start := ""
	if replay && from != maxID { // "(" + maxID is an invalid XRANGE start
		start = "(" + from.String()
	}
	res, err := lookScript.Run(ctx, b.rdb, []string{key}, start, readCount).Slice()
	if err != nil {
		return view{}, b.classify("replay", err)
	}
	if len(res) == 0 {
		if !replay || from.isZero() {
			return view{last: from}, nil
		}
		return view{}, fmt.Errorf("%w: %s: the topic holds no message", broker.ErrIDNotRetained, from)
	}
	st, err := parseLook(res)
	if err != nil {
		return view{}, fmt.Errorf("redis replay: %w", err)
	}
	if !replay {
		return view{last: st.last}, nil
	}
	switch {
	case st.last.less(from):
		return view{}, fmt.Errorf("%w: %s is newer than the topic's newest id %s", broker.ErrIDNotRetained, from, st.last)
	case st.added > st.length && !st.trimmed.isZero():
		if from.less(st.trimmed) {
			return view{}, fmt.Errorf("%w: %s is older than the newest trimmed id %s", broker.ErrIDNotRetained, from, st.trimmed)
		}
	case st.added > st.length && st.length == 0 && from != st.last:
		return view{}, fmt.Errorf("%w: %s: every message of the topic was trimmed", broker.ErrIDNotRetained, from)
	case st.added > st.length && st.length > 0 && from.less(st.first):
		return view{}, fmt.Errorf("%w: %s is older than the oldest retained id %s", broker.ErrIDNotRetained, from, st.first)
	}
	v := view{msgs: st.entries, last: from, more: len(st.entries) == readCount}
	if n := len(st.entries); n > 0 {
		v.last = st.entries[n-1].id
	}
	return v, nil
}

// lookState is lookScript's answer for an existing stream.
type lookState struct {
	last, first   streamID
	trimmed       streamID // max-deleted-entry-id: the newest id trimmed, when recorded
	added, length int64
	entries       []entry
}

func parseLook(res []any) (lookState, error) {
	var st lookState
	bad := errors.New("unexpected reply of the look script")
	if len(res) != 6 {
		return st, bad
	}
	last, ok1 := res[0].(string)
	added, ok2 := res[1].(int64)
	length, ok3 := res[2].(int64)
	first, ok4 := res[3].(string)
	raw, ok5 := res[4].([]any)
	trimmed, ok6 := res[5].(string)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 {
		return st, bad
	}
	var err error
	if st.trimmed, err = parseID(trimmed); err != nil {
		return st, err
	}
	if st.last, err = parseID(last); err != nil {
		return st, err
	}
	if first != "" {
		if st.first, err = parseID(first); err != nil {
			return st, err
		}
	}
	st.added, st.length = added, length
	for _, r := range raw {
		pair, ok := r.([]any)
		if !ok || len(pair) != 2 {
			return st, bad
		}
		id, ok1 := pair[0].(string)
		fields, ok2 := pair[1].([]any)
		if !ok1 || !ok2 || len(fields)%2 != 0 {
			return st, bad
		}
		values := make(map[string]any, len(fields)/2)
		for i := 0; i < len(fields); i += 2 {
			name, _ := fields[i].(string)
			values[name] = fields[i+1]
		}
		e, err := newEntry(id, values)
		if err != nil {
			return st, err
		}
		st.entries = append(st.entries, e)
	}
	return st, nil
}
