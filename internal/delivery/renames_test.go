package delivery_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/delivery"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/testenv"
)

// commitAt commits changes to main at a given time.
func (f *fixture) commitAt(when time.Time, message string, changes ...praxis.FileChange) string {
	f.t.Helper()
	ctx := context.Background()
	main, _ := f.store.Branch(ctx, "main")
	id, err := f.store.WriteCommit(ctx, gitstore.CommitRequest{Branch: "main", Expected: main, Changes: changes,
		Message: message, Author: praxis.Signature{Name: "Maya", When: when}})
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

// ids lists the deliveries a filter finds, as the coordinator sees them.
func (f *fixture) ids(svc *delivery.Service, filter praxis.DeliveryFilter) []int64 {
	f.t.Helper()
	list, total, err := svc.List(context.Background(), f.coordinator, filter, true)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []int64
	for _, d := range list {
		out = append(out, d.ID)
	}
	slices.Sort(out)
	if int(total) != len(out) {
		f.t.Errorf("total %d, listed %d", total, len(out))
	}
	return out
}

// counted returns how many deliveries the statistics count for a module, and
// the modules the module table groups them under.
func (f *fixture) counted(svc *delivery.Service, module string) (int, []string) {
	f.t.Helper()
	rep, err := svc.Report(context.Background(), f.coordinator, delivery.Filter{Module: module}, []string{"module"})
	if err != nil {
		f.t.Fatal(err)
	}
	var keys []string
	for _, g := range rep.Table("module").Groups {
		keys = append(keys, g.Key)
	}
	return rep.Totals.Deliveries, keys
}

// TestDeliveriesFollowAMovedModule: deliveries logged against a module are
// listed, counted and reflected on under its new name once its folder moves;
// a new module that takes the old name has only its own; so after a restart.
func TestDeliveriesFollowAMovedModule(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	const renamed = "stigma-and-shame"
	before := f.create(f.alice, valid()) // on 2026-06-01, of the version current then
	f.svc.Stats().Load(ctx)              // the statistics are in memory before the move

	snap, _ := f.store.Snapshot(ctx, "main")
	series, _ := snap.ReadFile("series/exploring-class.yaml")
	move := append(testenv.CopyModule(t, snap, stigma, renamed, true),
		praxis.FileChange{Path: "series/exploring-class.yaml", Content: []byte(strings.Replace(string(series), stigma, renamed, 1))})
	f.commitAt(time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC), "Rename the stigma workshop", move...)

	check := func(svc *delivery.Service, reused []int64) {
		t.Helper()
		if got := f.ids(svc, praxis.DeliveryFilter{Module: renamed}); !slices.Equal(got, []int64{before.ID}) {
			t.Errorf("deliveries of %s = %v, want [%d]", renamed, got, before.ID)
		}
		if got := f.ids(svc, praxis.DeliveryFilter{Modules: []string{renamed, "exploring-class-1-where-we-come-from"}}); !slices.Equal(got, []int64{before.ID}) {
			t.Errorf("deliveries of the series = %v, want [%d]", got, before.ID)
		}
		if got := f.ids(svc, praxis.DeliveryFilter{Module: stigma}); !slices.Equal(got, reused) {
			t.Errorf("deliveries of the old name = %v, want %v", got, reused)
		}
		if n, keys := f.counted(svc, renamed); n != 1 || !slices.Equal(keys, []string{renamed}) {
			t.Errorf("statistics of %s = %d under %v, want 1 under itself", renamed, n, keys)
		}
		if n, _ := f.counted(svc, stigma); n != len(reused) {
			t.Errorf("statistics of the old name = %d, want %d", n, len(reused))
		}
		if current, err := svc.CurrentModule(ctx, before); err != nil || current != renamed {
			t.Errorf("CurrentModule = %q %v, want %s", current, err, renamed)
		}
		if list, err := svc.Reflections(ctx, f.bob, renamed, 5, 0); err != nil || len(list) != 1 {
			t.Errorf("reflections on %s = %d %v, want 1", renamed, len(list), err)
		}
	}
	check(f.svc, nil)

	// A new module takes the old name; its delivery is its own.
	snap, _ = f.store.Snapshot(ctx, "main")
	f.commitAt(time.Date(2026, 7, 15, 9, 0, 0, 0, time.UTC), "A new module under the old name",
		testenv.CopyModule(t, snap, "train-the-trainer", stigma, false)...)
	in := valid()
	in.Date = "2026-08-01"
	reused := f.create(f.alice, in)
	check(f.svc, []int64{reused.ID})

	// A fresh service over the same data (a restart) sees the same.
	fresh := delivery.New(delivery.Config{DB: f.db, Catalog: f.catalog, History: f.index, Releases: f.releases,
		Forks: f.review, Now: func() time.Time { return today }})
	check(fresh, []int64{reused.ID})
}
