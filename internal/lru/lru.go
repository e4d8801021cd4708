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

	// With NewSized: the most bytes the values may hold, what they hold now,
	// and how a value's size is told.
	maxBytes, bytes int64
	size            func(V) int64

	hits, misses atomic.Uint64
}

type entry[K comparable, V any] struct {
	key   K
	value V
	bytes int64
}

// New returns a cache of at most max entries (at least 1).
func New[K comparable, V any](max int) *Cache[K, V] {
	if max < 1 {
		max = 1
	}
	return &Cache[K, V]{max: max, order: list.New(), entries: make(map[K]*list.Element)}
}

// NewSized returns a cache of at most max entries whose values hold at most
// maxBytes together, as size tells them; a value larger than maxBytes alone is
// not kept.
func NewSized[K comparable, V any](max int, maxBytes int64, size func(V) int64) *Cache[K, V] {
	c := New[K, V](max)
	c.maxBytes, c.size = maxBytes, size
	return c
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

// Add stores value under key, evicting the least recently used entries when
// full.
func (c *Cache[K, V]) Add(key K, value V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n int64
	if c.size != nil {
		if n = c.size(value); n > c.maxBytes {
			return
		}
	}
	if el, ok := c.entries[key]; ok {
		e := el.Value.(*entry[K, V])
		c.bytes += n - e.bytes
		e.value, e.bytes = value, n
		c.order.MoveToFront(el)
	} else {
		c.entries[key] = c.order.PushFront(&entry[K, V]{key: key, value: value, bytes: n})
		c.bytes += n
	}
	for c.order.Len() > c.max || (c.size != nil && c.bytes > c.maxBytes) {
		oldest := c.order.Back()
		e := oldest.Value.(*entry[K, V])
		c.order.Remove(oldest)
		delete(c.entries, e.key)
		c.bytes -= e.bytes
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
	c.bytes = 0
}
