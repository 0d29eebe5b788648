package mailbox

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// In pull mode a Put tells the reader only when it is the first thing to
// read, Poll takes everything in order, the limit holds, and Close tells
// the reader, whose Poll then reports the end.
func TestPullMode(t *testing.T) {
	var mu sync.Mutex
	b := New[int](&mu, 3)
	calls := 0
	mu.Lock()
	defer mu.Unlock()
	b.Notify(func() { calls++ })
	if calls != 0 {
		t.Fatalf("Notify on an empty box called f %d times", calls)
	}
	for i := range 3 {
		if !b.Put(i) {
			t.Fatalf("Put %d refused below the limit", i)
		}
	}
	if b.Put(3) {
		t.Fatal("Put beyond the limit accepted")
	}
	if calls != 1 {
		t.Fatalf("3 Puts called f %d times, want 1 (the first)", calls)
	}
	got, open := b.Poll(nil)
	if !open || !slices.Equal(got, []int{0, 1, 2}) {
		t.Fatalf("Poll = %v, %v", got, open)
	}
	if got, open := b.Poll(nil); !open || len(got) != 0 {
		t.Fatalf("Poll of an empty box = %v, %v", got, open)
	}
	b.Put(4)
	if calls != 2 {
		t.Fatalf("a Put after the box emptied did not call f (%d calls)", calls)
	}
	b.Close()
	if calls != 3 {
		t.Fatalf("Close did not call f (%d calls)", calls)
	}
	if _, open := b.Poll(nil); open {
		t.Fatal("Poll after Close reports open")
	}
}

// A Box switched to pull mode while its pump moves a backlog delivers
// every value once and in order, and tells the reader when the pump is
// done.
func TestNotifyWhilePumping(t *testing.T) {
	var mu sync.Mutex
	b := New[int](&mu, 100)
	mu.Lock()
	for i := range 10 { // ChanCap in the channel, the rest in the backlog
		b.Put(i)
	}
	notified := make(chan struct{}, 100)
	b.Notify(func() { notified <- struct{}{} })
	mu.Unlock()
	var got []int
	for deadline := time.Now().Add(10 * time.Second); len(got) < 10; {
		select {
		case <-notified:
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %v, want 0..9", got)
		}
		mu.Lock()
		got, _ = b.Poll(got)
		mu.Unlock()
	}
	if !slices.Equal(got, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Fatalf("got %v, want 0..9 once each, in order", got)
	}
	mu.Lock()
	b.Put(10)
	got, open := b.Poll(got[:0])
	mu.Unlock()
	if !open || !slices.Equal(got, []int{10}) {
		t.Fatalf("after the pump: Poll = %v, %v", got, open)
	}
}
