package db_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/praxis"
)

func openDB(t *testing.T) (*db.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "praxis.db")
	d, err := db.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d, path
}

func TestOpenAppliesPragmasAndMigratesOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, path := openDB(t)
	if v, err := d.Version(ctx); err != nil || v != db.SchemaVersion() {
		t.Fatalf("Version = %d, %v; want %d", v, err, db.SchemaVersion())
	}
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "10000", "synchronous": "1"} {
		if got := db.Pragma(t, d, pragma); got != want {
			t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
		}
	}
	d.Close()
	again, err := db.Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer again.Close()
	if n := db.MigrationRows(t, again); n != len(db.Migrations()) {
		t.Fatalf("schema_migrations has %d rows after reopening, want %d (each migration once)", n, len(db.Migrations()))
	}
}

func TestOpenRefusesANewerSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, path := openDB(t)
	db.Exec(t, d, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from the future', '2030-01-01')")
	d.Close()
	_, err := db.Open(ctx, path)
	if praxis.ErrorCode(err) != praxis.EINVALID || !strings.Contains(praxis.ErrorMessage(err), "schema version 999") {
		t.Fatalf("Open of a newer database = %v, want EINVALID naming version 999", err)
	}
}

func record(id string, parents []string, when time.Time, modules ...string) praxis.CommitRecord {
	r := praxis.CommitRecord{Commit: praxis.Commit{
		ID: id, Parents: parents, Message: "message " + id,
		Author:    praxis.Signature{Name: "A", Email: "a@example.org", When: when},
		Committer: praxis.Signature{Name: "A", Email: "a@example.org", When: when},
	}}
	for _, m := range modules {
		r.Modules = append(r.Modules, praxis.ModuleChange{Slug: m, Parents: 1})
	}
	return r
}

func TestHistoryIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, _ := openDB(t)
	a := strings.Repeat("a", 40)
	b := "abcd" + strings.Repeat("1", 36)
	c := "abce" + strings.Repeat("2", 36)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	err := d.AddCommits(ctx, []praxis.CommitRecord{
		record(a, nil, t0, "stigma", "one-to-ones"),
		record(b, []string{a}, t0.Add(time.Hour), "stigma"),
		record(c, []string{b}, t0.Add(2*time.Hour)),
	})
	if err != nil {
		t.Fatal(err)
	}
	// Adding again is harmless.
	if err := d.AddCommits(ctx, []praxis.CommitRecord{record(c, []string{b}, t0)}); err != nil {
		t.Fatal(err)
	}
	if n, _ := d.CountCommits(ctx); n != 3 {
		t.Errorf("CountCommits = %d, want 3", n)
	}
	known, err := d.IndexedCommits(ctx, []string{a, c, strings.Repeat("f", 40)})
	if err != nil || !known[a] || !known[c] || len(known) != 2 {
		t.Errorf("IndexedCommits = %v, %v", known, err)
	}
	for prefix, want := range map[string]string{"abcd": b, "ABCE2": c, "aaaaaaa": a} {
		if got, err := d.ExpandCommitID(ctx, prefix); err != nil || got != want {
			t.Errorf("ExpandCommitID(%q) = %q, %v; want %q", prefix, got, err, want)
		}
	}
	for prefix, code := range map[string]string{"abc": praxis.ENOTFOUND, "ab": praxis.ENOTFOUND, "abc%": praxis.ENOTFOUND, "ffff": praxis.ENOTFOUND} {
		if _, err := d.ExpandCommitID(ctx, prefix); praxis.ErrorCode(err) != code {
			t.Errorf("ExpandCommitID(%q) = %v, want %s", prefix, err, code)
		}
	}
	if _, err := d.ExpandCommitID(ctx, "abc1"); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("ExpandCommitID(abc1) = %v, want ENOTFOUND", err)
	}
	recent, err := d.RecentCommits(ctx, 10, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(recent) != 3 || recent[0].ID != c || recent[2].ID != a {
		t.Fatalf("RecentCommits order = %v, want newest first", recent)
	}
	if got := strings.Join(recent[2].Modules, ","); got != "one-to-ones,stigma" {
		t.Errorf("modules of first commit = %s", got)
	}
	onlyModules, _ := d.RecentCommits(ctx, 10, true)
	if len(onlyModules) != 2 || onlyModules[0].ID != b {
		t.Errorf("RecentCommits(onlyModules) = %v, want b and a", onlyModules)
	}
	if !recent[1].Author.When.Equal(t0.Add(time.Hour)) || recent[1].Parents[0] != a {
		t.Errorf("commit b read back as %+v", recent[1].Commit)
	}
}

func TestAmbiguousPrefix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, _ := openDB(t)
	t0 := time.Now()
	one := "1234" + strings.Repeat("a", 36)
	two := "1234" + strings.Repeat("b", 36)
	if err := d.AddCommits(ctx, []praxis.CommitRecord{record(one, nil, t0), record(two, nil, t0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ExpandCommitID(ctx, "1234"); praxis.ErrorCode(err) != praxis.EINVALID {
		t.Fatalf("ExpandCommitID of an ambiguous prefix = %v, want EINVALID", err)
	}
}
