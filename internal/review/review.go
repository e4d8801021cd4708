// Package review is how the curriculum improves: forks (a person's own copy of
// a module, on a branch forks/<user-id>/<slug>), edits to them with the module
// rules checked on every save and compare-and-swap against stale saves,
// proposals (branches proposals/<user-id>/<topic>) with diffs, lint results,
// comments and reviews, and merging approved proposals into main with a
// three-way merge that never loses anyone's work.
package review

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/history"
	"github.com/praxis-coop/praxis/internal/lru"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/quota"
)

// MaxFileSize bounds a file saved through praxis.
const MaxFileSize = 5 << 20

// Config holds what the review service needs.
type Config struct {
	DB      *db.DB
	Store   *gitstore.Store
	Catalog *catalog.Catalog
	// History, when given, lets forks, proposals and comparisons follow
	// module folders moved on main.
	History *history.Index
	Logger  *slog.Logger
	Now     func() time.Time
	// Quota bounds what each person saves to their copies and proposals;
	// nil for no limits.
	Quota *quota.Service
}

// Service is the review service. It is safe for concurrent use.
type Service struct {
	db      *db.DB
	store   *gitstore.Store
	catalog *catalog.Catalog
	history *history.Index
	log     *slog.Logger
	now     func() time.Time
	quota   *quota.Service

	merges *lru.Cache[string, *gitstore.MergeResult] // dry runs by "ours theirs"
	diffs  *lru.Cache[string, []FileDiff]            // by "base head"
	found  *lru.Cache[string, string]                // merge commits on main by "main head" ("" for none)

	locksMu sync.Mutex
	locks   map[int64]*sync.Mutex // one merge at a time per proposal
	pushes  map[int64]*sync.Mutex // one push handled at a time per person

	// mainMu lets one merge into main compute and land at a time. Without it,
	// concurrent merges would mostly recompute against a main that another has
	// just moved; compare-and-swap still guards against writers outside this
	// process (pushes).
	mainMu sync.Mutex

	mergeCount mergeCounters
}

// New returns the review service.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{
		db: cfg.DB, store: cfg.Store, catalog: cfg.Catalog, history: cfg.History, log: cfg.Logger, now: cfg.Now, quota: cfg.Quota,
		merges: lru.New[string, *gitstore.MergeResult](512),
		diffs:  lru.New[string, []FileDiff](256),
		found:  lru.New[string, string](4096),
		locks:  map[int64]*sync.Mutex{},
		pushes: map[int64]*sync.Mutex{},
	}
}

func (s *Service) proposalLock(id int64) *sync.Mutex {
	s.locksMu.Lock()
	defer s.locksMu.Unlock()
	if s.locks[id] == nil {
		s.locks[id] = &sync.Mutex{}
	}
	return s.locks[id]
}

// allowWrite checks what a person is about to save against their quota.
func (s *Service) allowWrite(ctx context.Context, user *praxis.User, edits []Edit) error {
	if s.quota == nil {
		return nil
	}
	var size int64
	for _, e := range edits {
		if !e.Delete {
			size += int64(len(e.Content))
		}
	}
	return s.quota.AllowWrite(ctx, user.ID, size)
}

// pushLock serialises the handling of one person's pushes, so that two
// never open a proposal for the same branch.
func (s *Service) pushLock(userID int64) *sync.Mutex {
	s.locksMu.Lock()
	defer s.locksMu.Unlock()
	if s.pushes[userID] == nil {
		s.pushes[userID] = &sync.Mutex{}
	}
	return s.pushes[userID]
}

// signature is who a commit is by.
func (s *Service) signature(u *praxis.User) praxis.Signature {
	return praxis.Signature{Name: u.Name, Email: praxis.CommitEmail(u.ID), When: s.now()}
}

// dryMerge merges theirs into ours without writing, cached by the pair.
func (s *Service) dryMerge(ctx context.Context, ours, theirs, oursLabel, theirsLabel string) (*gitstore.MergeResult, error) {
	return s.cachedMerge(ctx, ours, theirs, gitstore.MergeOptions{OursLabel: oursLabel, TheirsLabel: theirsLabel})
}

// cachedMerge merges theirs into ours, cached by the pair and whether the
// result is written.
func (s *Service) cachedMerge(ctx context.Context, ours, theirs string, opts gitstore.MergeOptions) (*gitstore.MergeResult, error) {
	key := ours + " " + theirs
	if opts.Write {
		key += " written"
	}
	if r, ok := s.merges.Get(key); ok {
		return r, nil
	}
	r, err := s.store.Merge(ctx, ours, theirs, opts)
	if err != nil {
		return nil, err
	}
	s.merges.Add(key, r)
	return r, nil
}
