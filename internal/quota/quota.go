// Package quota bounds what each person may keep in the curriculum repository
// through their adapted copies (forks) and proposals, and how fast they may
// write to it. Without it one account could fill the disk: a 5 MB upload takes
// a third of a second, and a file deleted from a copy stays in its history.
//
// Usage is measured from the repository itself (gitstore.StorageUnder: the
// file contents a person's branches hold beyond main, history included), so
// pushes count as much as saves in the browser. The limits are instance
// settings that admins change; the write rate is a token bucket per person,
// in bytes, kept in memory (a restart forgets it).
package quota

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/lru"
	"github.com/praxis-coop/praxis/internal/praxis"
	"golang.org/x/time/rate"
)

// Limits are what each person may keep and write.
type Limits struct {
	// StorageMB is how much one person's adapted copies and proposals may
	// hold beyond main, in megabytes; 0 for no limit.
	StorageMB int64
	// WriteMBPerHour is how much one person may save or push in an hour,
	// in megabytes; 0 for no limit.
	WriteMBPerHour int64
}

// Defaults apply until an admin changes them: room for a handful of adapted
// modules with their photos and PDFs, and for a busy afternoon of editing.
var Defaults = Limits{StorageMB: 100, WriteMBPerHour: 50}

// maxLimitMB bounds what an admin may set (a terabyte).
const maxLimitMB = 1_000_000

// Settings keys.
const (
	storageKey = "quota_storage_mb"
	writeKey   = "quota_write_mb_per_hour"
)

// Form fields, for errors shown beside them.
const (
	StorageField = "quota_storage_mb"
	WriteField   = "quota_write_mb_per_hour"
)

// maxTracked bounds the write buckets kept in memory.
const maxTracked = 100_000

// Config holds what the quota service needs.
type Config struct {
	DB    *db.DB
	Store *gitstore.Store
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service checks writes against the limits. It is safe for concurrent use.
type Service struct {
	db    *db.DB
	store *gitstore.Store
	now   func() time.Time

	mu          sync.Mutex // guards buckets' limit against a change of settings
	bucketLimit int64
	buckets     *lru.Cache[int64, *rate.Limiter]
}

// New returns the quota service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{db: cfg.DB, store: cfg.Store, now: cfg.Now, buckets: lru.New[int64, *rate.Limiter](maxTracked)}
}

// Limits returns the instance's limits.
func (s *Service) Limits(ctx context.Context) (Limits, error) {
	l := Defaults
	for _, setting := range []struct {
		key  string
		into *int64
	}{{storageKey, &l.StorageMB}, {writeKey, &l.WriteMBPerHour}} {
		v, err := s.db.Setting(ctx, setting.key, "")
		if err != nil {
			return Limits{}, err
		}
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			*setting.into = n
		}
	}
	return l, nil
}

// ParseLimits reads limits as typed in a form or sent to the API: whole
// megabytes, 0 for no limit. Every field at fault is named (praxis.Invalid,
// joined).
func ParseLimits(storage, write string) (Limits, error) {
	var l Limits
	var errs []praxis.FieldError
	for _, f := range []struct {
		field, value, what string
		into               *int64
	}{
		{StorageField, storage, "the storage per person", &l.StorageMB},
		{WriteField, write, "what a person may save in an hour", &l.WriteMBPerHour},
	} {
		n, err := strconv.ParseInt(strings.TrimSpace(f.value), 10, 64)
		switch {
		case err != nil:
			errs = append(errs, praxis.Invalid(f.field, "give %s as a whole number of megabytes, such as 100 (0 for no limit)", f.what).Fields...)
		case n < 0 || n > maxLimitMB:
			errs = append(errs, praxis.Invalid(f.field, "give %s between 0 (no limit) and a million megabytes", f.what).Fields...)
		default:
			*f.into = n
		}
	}
	return l, praxis.InvalidFields(errs)
}

// SetLimits changes the limits (admins), recording each change in the audit
// log.
func (s *Service) SetLimits(ctx context.Context, actor *praxis.User, l Limits) error {
	if err := access.Authorize(actor, access.EditSettings); err != nil {
		return err
	}
	if _, err := ParseLimits(strconv.FormatInt(l.StorageMB, 10), strconv.FormatInt(l.WriteMBPerHour, 10)); err != nil {
		return err
	}
	current, err := s.Limits(ctx)
	if err != nil {
		return err
	}
	for _, change := range []struct {
		key      string
		was, now int64
	}{{storageKey, current.StorageMB, l.StorageMB}, {writeKey, current.WriteMBPerHour, l.WriteMBPerHour}} {
		if change.was == change.now {
			continue
		}
		value := strconv.FormatInt(change.now, 10)
		if err := s.db.SetSetting(ctx, change.key, value, praxis.AuditEntry{
			ActorID: actor.ID, Action: "settings." + change.key, Detail: value, At: s.now().UTC(),
		}); err != nil {
			return err
		}
	}
	return nil
}

// Usage is what a person's copies and proposals hold.
type Usage struct {
	// Used is in bytes; Limit too, 0 for no limit.
	Used, Limit int64
}

// Usage measures what a person's adapted copies and proposals hold beyond
// main, history included.
func (s *Service) Usage(ctx context.Context, userID int64) (Usage, error) {
	l, err := s.Limits(ctx)
	if err != nil {
		return Usage{}, err
	}
	used, err := s.store.StorageUnder(ctx, branchPrefixes(userID)...)
	if err != nil {
		return Usage{}, err
	}
	return Usage{Used: used, Limit: l.StorageMB << 20}, nil
}

// branchPrefixes are the refs under which a person's copies and proposals
// live (docs/DESIGN.md, the curriculum repository).
func branchPrefixes(userID int64) []string {
	return []string{fmt.Sprintf("refs/heads/forks/%d/", userID), fmt.Sprintf("refs/heads/proposals/%d/", userID)}
}

// AllowWrite decides whether a person may save size bytes more to their copies
// and proposals: a *StorageError (ETOOLARGE) when it would take them past the
// storage limit, a *RateError (ETOOMANY) when they have written as much as
// they may for now. An allowed write is counted against the rate.
func (s *Service) AllowWrite(ctx context.Context, userID, size int64) error {
	l, err := s.Limits(ctx)
	if err != nil {
		return err
	}
	if l.StorageMB > 0 {
		used, err := s.store.StorageUnder(ctx, branchPrefixes(userID)...)
		if err != nil {
			return err
		}
		if used+size > l.StorageMB<<20 {
			return &StorageError{Used: used, Limit: l.StorageMB << 20, Adding: size}
		}
	}
	if l.WriteMBPerHour == 0 {
		return nil
	}
	now := s.now()
	bucket := s.bucket(userID, l.WriteMBPerHour<<20)
	r := bucket.ReserveN(now, int(min(size, math.MaxInt32)))
	if !r.OK() {
		return &RateError{PerHour: l.WriteMBPerHour << 20, RetryAfter: time.Hour}
	}
	if wait := r.DelayFrom(now); wait > 0 {
		r.CancelAt(now)
		return &RateError{PerHour: l.WriteMBPerHour << 20, RetryAfter: wait}
	}
	return nil
}

// AllowPush decides whether a person may start a push, whose size is not known
// yet: not when their copies and proposals are at the storage limit already,
// nor when they have written as much as they may for now. What the push
// brings is counted by Pushed.
func (s *Service) AllowPush(ctx context.Context, userID int64) error {
	l, err := s.Limits(ctx)
	if err != nil {
		return err
	}
	if l.StorageMB > 0 {
		used, err := s.store.StorageUnder(ctx, branchPrefixes(userID)...)
		if err != nil {
			return err
		}
		if used >= l.StorageMB<<20 {
			return &StorageError{Used: used, Limit: l.StorageMB << 20}
		}
	}
	if l.WriteMBPerHour == 0 {
		return nil
	}
	perSecond := float64(l.WriteMBPerHour<<20) / 3600
	if tokens := s.bucket(userID, l.WriteMBPerHour<<20).TokensAt(s.now()); tokens < 1 {
		wait := time.Duration((1 - tokens) / perSecond * float64(time.Second))
		return &RateError{PerHour: l.WriteMBPerHour << 20, RetryAfter: wait}
	}
	return nil
}

// Pushed counts what a push brought against the person's write rate; a push
// larger than what is left puts them in debt, so their next writes wait.
func (s *Service) Pushed(userID, size int64) {
	l, err := s.Limits(context.Background())
	if err != nil || l.WriteMBPerHour == 0 || size <= 0 {
		return
	}
	perHour := l.WriteMBPerHour << 20
	s.bucket(userID, perHour).ReserveN(s.now(), int(min(size, perHour, math.MaxInt32)))
}

// bucket is a person's write bucket: perHour bytes at most, refilling over an
// hour. A change of the limit starts every bucket afresh.
func (s *Service) bucket(userID, perHour int64) *rate.Limiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	if perHour != s.bucketLimit {
		s.buckets.Purge()
		s.bucketLimit = perHour
	}
	b, ok := s.buckets.Get(userID)
	if !ok {
		b = rate.NewLimiter(rate.Limit(float64(perHour)/3600), int(min(perHour, math.MaxInt32)))
		s.buckets.Add(userID, b)
	}
	return b
}

// StorageError is ETOOLARGE: a write would take a person past what they may
// keep.
type StorageError struct {
	// Used and Limit are bytes their copies and proposals hold and may hold;
	// Adding is what the write would add.
	Used, Limit, Adding int64
}

func (e *StorageError) Error() string { return e.Unwrap().Error() }

// Unwrap gives the praxis error, with words for the person.
func (e *StorageError) Unwrap() error {
	msg := fmt.Sprintf("Your adapted copies and proposals use %s of the %s each person may keep", MB(e.Used), MB(e.Limit))
	if e.Adding > 0 {
		msg += fmt.Sprintf(", and this needs %s more", MB(e.Adding))
	}
	return praxis.Errorf(praxis.ETOOLARGE, "%s. Files stay in a copy's history after you delete them, so they still count; a proposal stops counting once it is merged. Ask an administrator for more room.", msg)
}

// RateError is ETOOMANY: a person has written as much as they may for now.
type RateError struct {
	PerHour    int64
	RetryAfter time.Duration
}

func (e *RateError) Error() string { return e.Unwrap().Error() }

// Unwrap gives the praxis error, with words for the person.
func (e *RateError) Unwrap() error {
	wait := "a minute"
	if m := int(math.Ceil(e.RetryAfter.Minutes())); m > 1 {
		wait = fmt.Sprintf("%d minutes", m)
	}
	return praxis.Errorf(praxis.ETOOMANY, "You have saved as much as each person may in an hour (%s); try again in %s.", MB(e.PerHour), wait)
}

// MB says a size in megabytes for people: "0.4 MB", "98.5 MB", "100 MB".
func MB(n int64) string {
	mb := float64(n) / (1 << 20)
	switch {
	case mb == math.Trunc(mb):
		return fmt.Sprintf("%.0f MB", mb)
	case mb < 0.1:
		return "0.1 MB"
	}
	return fmt.Sprintf("%.1f MB", mb)
}
