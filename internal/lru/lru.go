// Package lru is a small, generic, concurrency-safe least-recently-used cache
// bounded by the number of entries. praxis uses it for values that are pure
// functions of their key (content addressed by a git object id), so entries never
// need invalidating, only evicting.
package lru

import (
	"container/list"
	"sync"
	"sync/atomic"
)

// Cache holds at most a fixed number of entries, evicting the least recently used.
type Cache[K comparable, V any] struct {
	mu      sync.Mutex
	max     int
	order   *list.List // front is most recently used
	entries map[K]*list.Element

	hits, misses atomic.Uint64
}

type entry[K comparable, V any] struct {
	key   K
	value V
}

// New returns a cache of at most max entries (at least 1).
func New[K comparable, V any](max int) *Cache[K, V] {
	if max < 1 {
		max = 1
	}
	return &Cache[K, V]{max: max, order: list.New(), entries: make(map[K]*list.Element)}
}

// Get returns the value for key and whether it was present.
func (c *Cache[K, V]) Get(key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.order.MoveToFront(el)
		c.hits.Add(1)
		return el.Value.(*entry[K, V]).value, true
	}
	c.misses.Add(1)
	var zero V
	return zero, false
}

// Add stores value under key, evicting the least recently used entry when full.
func (c *Cache[K, V]) Add(key K, value V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		el.Value.(*entry[K, V]).value = value
		c.order.MoveToFront(el)
		return
	}
	c.entries[key] = c.order.PushFront(&entry[K, V]{key: key, value: value})
	if c.order.Len() > c.max {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.entries, oldest.Value.(*entry[K, V]).key)
	}
}

// Len returns the number of entries.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// Stats returns how many lookups found their key and how many did not.
func (c *Cache[K, V]) Stats() (hits, misses uint64) {
	return c.hits.Load(), c.misses.Load()
}

// Purge removes every entry.
func (c *Cache[K, V]) Purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order.Init()
	clear(c.entries)
}
