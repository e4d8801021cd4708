package account

import (
	"math"
	"time"

	"github.com/praxis-coop/praxis/internal/lru"
	"github.com/praxis-coop/praxis/internal/praxis"
	"golang.org/x/time/rate"
)

// Limits holds token buckets per key ("ip:…", "account:…") for the actions
// that guessing or spam would hammer: signing in, signing up, asking for
// reset links, and (in the workshop service) public requests and
// registrations.
type Limits struct {
	buckets *lru.Cache[string, *rate.Limiter]
}

// Limit is a rate: Burst attempts at once, refilling one every Interval.
type Limit struct {
	Burst    int
	Interval time.Duration
}

// Rates. Generous enough for a person who mistypes, tight enough to make
// guessing a password or filling the database slow.
var (
	loginPerIP      = Limit{Burst: 20, Interval: 6 * time.Second}  // 10 a minute after the burst
	loginPerAccount = Limit{Burst: 10, Interval: 90 * time.Second} // 40 an hour
	signupPerIP     = Limit{Burst: 5, Interval: 2 * time.Minute}
	resetPerIP      = Limit{Burst: 5, Interval: 2 * time.Minute}
	resetPerAccount = Limit{Burst: 3, Interval: 20 * time.Minute}
	// passwordChecks bounds how often a signed-in session may try its
	// account's password (changing it, deleting the account): a stolen
	// session must not become a way to guess the password.
	passwordChecks   = Limit{Burst: 10, Interval: 90 * time.Second}
	maxTrackedBucket = 100_000
)

// NewLimits returns empty buckets; the least recently used are forgotten
// beyond 100,000 keys.
func NewLimits() *Limits {
	return &Limits{buckets: lru.New[string, *rate.Limiter](maxTrackedBucket)}
}

// Allow takes one token from each key's bucket, or none when any is empty, and
// returns ETOOMANY (a *RateLimitError) saying how long to wait.
func (l *Limits) Allow(now time.Time, keys map[string]Limit) error {
	var wait time.Duration
	var taken []*rate.Reservation
	for key, lim := range keys {
		b, ok := l.buckets.Get(key)
		if !ok {
			b = rate.NewLimiter(rate.Every(lim.Interval), lim.Burst)
			l.buckets.Add(key, b)
		}
		r := b.ReserveN(now, 1)
		if d := r.DelayFrom(now); d > 0 {
			wait = max(wait, d)
			r.CancelAt(now)
			continue
		}
		taken = append(taken, r)
	}
	if wait > 0 {
		for _, r := range taken {
			r.CancelAt(now)
		}
		return &RateLimitError{RetryAfter: wait}
	}
	return nil
}

// RateLimitError is ETOOMANY with how long to wait.
type RateLimitError struct {
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string { return e.Unwrap().Error() }

// Unwrap gives the praxis error, so ErrorCode finds ETOOMANY.
func (e *RateLimitError) Unwrap() error {
	minutes := int(math.Ceil(e.RetryAfter.Minutes()))
	if minutes <= 1 {
		return praxis.Errorf(praxis.ETOOMANY, "too many attempts; wait a minute and try again")
	}
	return praxis.Errorf(praxis.ETOOMANY, "too many attempts; wait %d minutes and try again", minutes)
}
