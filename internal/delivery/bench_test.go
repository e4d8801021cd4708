package delivery_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/curriculum"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/delivery"
	"github.com/praxis-coop/praxis/internal/demo"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/history"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/review"

	_ "github.com/mattn/go-sqlite3"
)

// The network the benchmarks run over: 10,000 facilitators and a million
// deliveries over four years, as `praxis demo` generates them.
const (
	benchFacilitators = 10_000
	benchDeliveries   = 1_000_000
)

var benchNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

type benchFixture struct {
	svc   *delivery.Service
	db    *db.DB
	path  string
	coord *praxis.User
	fac   *praxis.User
}

// newBenchFixture opens a copy of the cached million-delivery database (when
// write is true) or the cached file itself, over a fresh curriculum.
func newBenchFixture(b *testing.B, write bool) *benchFixture {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	store, _, err := gitstore.Open(filepath.Join(dir, "curriculum.git"), gitstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	if _, err := store.Seed(ctx, curriculum.FS, praxis.Signature{Name: "praxis", When: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)}, "Seed"); err != nil {
		b.Fatal(err)
	}
	main, _ := store.Branch(ctx, "main")
	cat := catalog.New(store, nil)
	listing, err := cat.Listing(ctx, main)
	if err != nil {
		b.Fatal(err)
	}
	var modules []demo.ModuleLength
	for _, m := range listing.Modules {
		modules = append(modules, demo.ModuleLength{Slug: m.Slug, Minutes: m.Duration})
	}
	path, err := demo.CachedNetwork(ctx, "", demo.NetworkOptions{Facilitators: benchFacilitators, Deliveries: benchDeliveries,
		Seed: 7, Modules: modules, Now: benchNow, Version: func(string) string { return main }}, praxis.ShortID(main))
	if err != nil {
		b.Fatal(err)
	}
	if write {
		copyPath := filepath.Join(dir, "praxis.db")
		if err := copyFile(path, copyPath); err != nil {
			b.Fatal(err)
		}
		path = copyPath
	}
	database, err := db.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { database.Close() })
	index := history.New(database)
	store.Close()
	store, _, err = gitstore.Open(filepath.Join(dir, "curriculum.git"), gitstore.Options{Indexer: index})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := store.CatchUp(ctx); err != nil {
		b.Fatal(err)
	}
	cat = catalog.New(store, database)
	versions := history.NewReleases(index, store, database)
	f := &benchFixture{db: database, path: path,
		svc: delivery.New(delivery.Config{DB: database, Catalog: cat, History: index, Releases: versions,
			Forks: review.New(review.Config{DB: database, Store: store, Catalog: cat}), Now: func() time.Time { return benchNow }}),
		coord: &praxis.User{ID: 1, Name: "Coordinator", Roles: []praxis.Role{praxis.RoleCoordinator}, Status: praxis.StatusActive},
		fac:   &praxis.User{ID: 2, Name: "Facilitator", Roles: []praxis.Role{praxis.RoleFacilitator}, Status: praxis.StatusActive}}
	if err := f.svc.Stats().Load(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := f.svc.Report(ctx, f.coord, delivery.Filter{}, nil); err != nil { // warm the listing and releases
		b.Fatal(err)
	}
	return f
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// BenchmarkDashboard is the whole /stats page's data: totals and all ten
// tables over a million deliveries, unfiltered and with the page's filters.
func BenchmarkDashboard(b *testing.B) {
	f := newBenchFixture(b, false)
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		filter delivery.Filter
	}{
		{"all", delivery.Filter{}},
		{"filtered", delivery.Filter{From: "2025-01-01", To: "2025-12-31", Region: "Scotland", Series: "exploring-class", Format: "in-person"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := f.svc.Report(ctx, f.coord, c.filter, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGrouping is one table, as GET /api/v1/stats/deliveries?group_by=
// answers it.
func BenchmarkGrouping(b *testing.B) {
	f := newBenchFixture(b, false)
	ctx := context.Background()
	for _, g := range []string{"module", "month", "frequency"} {
		b.Run(g, func(b *testing.B) {
			for b.Loop() {
				if _, err := f.svc.Report(ctx, f.coord, delivery.Filter{}, []string{g}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSQLGroupBy is the comparison: the same by-module table as one
// GROUP BY query on the same SQLite file, as an ad-hoc side dashboard would
// run it.
func BenchmarkSQLGroupBy(b *testing.B) {
	f := newBenchFixture(b, false)
	conn, err := sql.Open("sqlite3", "file:"+f.path+"?mode=ro")
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	for _, c := range []struct{ name, query string }{
		{"module", `SELECT module, COUNT(*), SUM(participants), SUM(first_time), SUM(feedback_count), SUM(feedback_sum) FROM deliveries GROUP BY module`},
		{"month", `SELECT substr(date, 1, 7), COUNT(*), SUM(participants) FROM deliveries GROUP BY 1`},
		{"frequency", `SELECT n, COUNT(*) FROM (SELECT facilitator_id, COUNT(*) AS n FROM deliveries GROUP BY facilitator_id) GROUP BY n`},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				rows, err := conn.Query(c.query)
				if err != nil {
					b.Fatal(err)
				}
				for rows.Next() {
				}
				rows.Close()
			}
		})
	}
}

// BenchmarkLogDelivery is one facilitator logging a workshop into a database
// that already holds a million.
func BenchmarkLogDelivery(b *testing.B) {
	f := newBenchFixture(b, true)
	ctx := context.Background()
	in := delivery.Input{Module: "exploring-class-2-stigma", Date: "2026-06-01", Duration: 120, Format: "in-person",
		Town: "Leeds", Region: "Yorkshire and the Humber", Country: "GB", HostType: "union branch", Participants: 14,
		FirstTime: 3, Worked: "Pairs worked.", Change: "More time."}
	for b.Loop() {
		if _, err := f.svc.Create(ctx, f.fac, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExportCSV streams every one of the million deliveries (the
// service's stream; the web handler adds only CSV encoding).
func BenchmarkExportCSV(b *testing.B) {
	f := newBenchFixture(b, false)
	ctx := context.Background()
	for b.Loop() {
		n := 0
		err := f.svc.Each(ctx, f.coord, praxis.DeliveryFilter{}, true, func(d *praxis.Delivery) error {
			n++
			_, err := fmt.Fprintf(io.Discard, "%d,%s,%s,%d\n", d.ID, d.Date, d.Module, d.Participants)
			return err
		})
		if err != nil || n != benchDeliveries {
			b.Fatalf("streamed %d, %v", n, err)
		}
	}
}

// BenchmarkLoadStats reads the facts of a million deliveries into memory, as
// praxis does in the background at start.
func BenchmarkLoadStats(b *testing.B) {
	f := newBenchFixture(b, false)
	ctx := context.Background()
	for b.Loop() {
		svc := delivery.New(delivery.Config{DB: f.db})
		if err := svc.Stats().Load(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
