package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/praxis-coop/praxis/internal/gitstore"
)

// schedulePrunes deletes, every so often, the loose objects of the curriculum
// repository that nothing reaches any more (deleted branches, force-pushed
// commits) once they are older than grace. Commits that deliveries pin are
// kept with all they hold. A prune that finds the objects held (a push, a
// backup) waits for the next round.
func schedulePrunes(ctx context.Context, a *app, every, grace time.Duration, log *slog.Logger) {
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		start := time.Now()
		r, err := a.store.Prune(ctx, gitstore.PruneOptions{Grace: grace, Roots: a.db.DeliveryVersions})
		switch {
		case err != nil:
			log.Error("prune of the curriculum repository failed", "err", err)
		case r.Skipped:
			log.Info("prune skipped: the repository's objects are in use (a push or a backup); next time", "every", every)
		case r.Removed > 0:
			log.Info("pruned the curriculum repository", "objects", r.Removed, "bytes", r.Freed, "took", time.Since(start).Round(time.Millisecond))
		}
	}
}
