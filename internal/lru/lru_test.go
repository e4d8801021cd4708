package lru_test

import (
	"sync"
	"testing"

	"github.com/praxis-coop/praxis/internal/lru"
)

func TestEvictsLeastRecentlyUsed(t *testing.T) {
	c := lru.New[string, int](2)
	c.Add("a", 1)
	c.Add("b", 2)
	if _, ok := c.Get("a"); !ok { // a is now more recent than b
		t.Fatal(`Get("a") missed, want hit`)
	}
	c.Add("c", 3)
	if _, ok := c.Get("b"); ok {
		t.Error(`Get("b") hit, want it evicted`)
	}
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Errorf(`Get("a") = %d, %v, want 1, true`, v, ok)
	}
	if v, ok := c.Get("c"); !ok || v != 3 {
		t.Errorf(`Get("c") = %d, %v, want 3, true`, v, ok)
	}
	if c.Len() != 2 {
		t.Errorf("Len = %d, want 2", c.Len())
	}
	hits, misses := c.Stats()
	if hits != 3 || misses != 1 {
		t.Errorf("Stats = %d hits, %d misses, want 3, 1", hits, misses)
	}
}

func TestAddReplaces(t *testing.T) {
	c := lru.New[int, string](1)
	c.Add(1, "x")
	c.Add(1, "y")
	if v, _ := c.Get(1); v != "y" || c.Len() != 1 {
		t.Fatalf("Get(1) = %q with Len %d, want y with 1", v, c.Len())
	}
}

func TestConcurrentUse(t *testing.T) {
	c := lru.New[int, int](64)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				c.Add((g*1000+i)%100, i)
				c.Get(i % 100)
			}
		}()
	}
	wg.Wait()
	if c.Len() != 64 {
		t.Fatalf("Len = %d, want 64", c.Len())
	}
}

func TestPurge(t *testing.T) {
	c := lru.New[string, int](4)
	c.Add("a", 1)
	c.Add("b", 2)
	c.Purge()
	if _, ok := c.Get("a"); ok || c.Len() != 0 {
		t.Errorf("after Purge: %d entries", c.Len())
	}
	c.Add("c", 3)
	if v, ok := c.Get("c"); !ok || v != 3 {
		t.Error("the cache does not work after Purge")
	}
}

func TestSizedCacheBoundsTheBytesItHolds(t *testing.T) {
	c := lru.NewSized[string, []byte](100, 10, func(v []byte) int64 { return int64(len(v)) })
	c.Add("a", make([]byte, 4))
	c.Add("b", make([]byte, 4))
	c.Add("c", make([]byte, 4)) // 12 bytes: a goes
	if _, ok := c.Get("a"); ok {
		t.Error(`Get("a") hit, want it evicted to stay within 10 bytes`)
	}
	if c.Len() != 2 {
		t.Errorf("Len = %d, want 2", c.Len())
	}
	c.Add("huge", make([]byte, 11))
	if _, ok := c.Get("huge"); ok {
		t.Error("a value larger than the whole cache was kept")
	}
	c.Add("b", make([]byte, 10)) // replacing b leaves room for it alone
	if _, ok := c.Get("c"); ok || c.Len() != 1 {
		t.Errorf("after growing b to 10 bytes: Len = %d, c kept %v; want b alone", c.Len(), ok)
	}
}
