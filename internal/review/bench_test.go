package review_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/demo"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/review"
)

// bigRepoCopy copies the shared generated repository of 1,000 modules and
// 10,000 commits, so that a benchmark may merge into it.
func bigRepoCopy(b *testing.B) string {
	b.Helper()
	src, err := demo.CachedHistory(context.Background(), "", demo.HistoryOptions{Modules: 1000, Commits: 10_000, Seed: 7})
	if err != nil {
		b.Fatal(err)
	}
	dst := filepath.Join(b.TempDir(), "curriculum.git")
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		b.Fatalf("copy the repository: %v %s", err, out)
	}
	return dst
}

type benchEnv struct {
	svc        *review.Service
	db         *db.DB
	store      *gitstore.Store
	author     *praxis.User
	maintainer *praxis.User
}

func openBench(b *testing.B) *benchEnv {
	b.Helper()
	ctx := context.Background()
	repo := bigRepoCopy(b)
	database, err := db.Open(ctx, filepath.Join(b.TempDir(), "praxis.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { database.Close() })
	store, _, err := gitstore.Open(repo, gitstore.Options{Indexer: database})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	if _, err := store.CatchUp(ctx); err != nil {
		b.Fatal(err)
	}
	accounts := account.New(account.Config{DB: database})
	author, _, _ := accounts.AddUser(ctx, account.NewUser{Email: "a@example.org", Name: "A", Roles: []praxis.Role{praxis.RoleFacilitator}, Password: "a long enough passphrase"})
	maint, _, _ := accounts.AddUser(ctx, account.NewUser{Email: "m@example.org", Name: "M", Roles: []praxis.Role{praxis.RoleMaintainer}, Password: "a long enough passphrase"})
	return &benchEnv{svc: review.New(review.Config{DB: database, Store: store, Catalog: catalog.New(store, database)}), db: database, store: store, author: author, maintainer: maint}
}

// BenchmarkMergeProposal merges an approved proposal touching one module into
// main, in a repository of 1,000 modules and 10,000 commits: checks, lint, the
// three-way merge, the merge commit, the ref update and the index catch-up.
func BenchmarkMergeProposal(b *testing.B) {
	env := openBench(b)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		b.StopTimer()
		i++
		slug := demo.ModuleSlug(i % 1000)
		snap, _ := env.store.Snapshot(ctx, "main")
		plan, _ := snap.ReadFile("modules/" + slug + "/module.md")
		p, err := env.svc.CreateProposal(ctx, env.author, review.NewProposal{Title: "Bench", Module: slug,
			Edits: []review.Edit{{Path: "module.md", Content: []byte(string(plan) + fmt.Sprintf("\nBenchmark change %d.\n", i))}}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := env.svc.Review(ctx, env.maintainer, p.ID, praxis.VerdictApprove, "", ""); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := env.svc.Merge(ctx, env.maintainer, p.ID, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDiff10KB computes the source and word diffs of a 10 KB plan changed
// in a few places, uncached.
func BenchmarkDiff10KB(b *testing.B) {
	f := newBenchFixture(b)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		svc := review.New(review.Config{DB: f.db, Store: f.store, Catalog: catalog.New(f.store, f.db)})
		b.StartTimer()
		files, err := svc.Diff(ctx, f.from, f.to, "")
		if err != nil || len(files) != 1 || len(files[0].Words) == 0 {
			b.Fatalf("Diff = %v, %v", files, err)
		}
	}
}

type diffFixture struct {
	db       *db.DB
	store    *gitstore.Store
	from, to string
}

func newBenchFixture(b *testing.B) *diffFixture {
	ctx := context.Background()
	dir := b.TempDir()
	database, _ := db.Open(ctx, filepath.Join(dir, "praxis.db"))
	b.Cleanup(func() { database.Close() })
	store, _, _ := gitstore.Open(filepath.Join(dir, "curriculum.git"), gitstore.Options{})
	b.Cleanup(func() { store.Close() })
	files := demo.Modules(1, 3, demo.ModuleOptions{BodyBytes: 10_000})
	from, err := store.CreateCommit(ctx, gitstore.CommitRequest{Changes: files, Message: "a", Author: praxis.Signature{Name: "x"}})
	if err != nil {
		b.Fatal(err)
	}
	plan := string(files[0].Content)
	changed := strings.Replace(plan, "Ask the group", "Invite the whole group", 3)
	changed = strings.Replace(changed, "## About this workshop", "## About this workshop\n\nA new opening paragraph for the revised plan.", 1)
	to, err := store.CreateCommit(ctx, gitstore.CommitRequest{Parents: []string{from}, Changes: []praxis.FileChange{{Path: files[0].Path, Content: []byte(changed)}}, Message: "b", Author: praxis.Signature{Name: "x"}})
	if err != nil {
		b.Fatal(err)
	}
	return &diffFixture{db: database, store: store, from: from, to: to}
}

// BenchmarkCompareModule10KB compares two versions of a 10 KB module as the
// compare page does (both versions read and checked, source and word diffs,
// agenda changes), with every cache cold.
func BenchmarkCompareModule10KB(b *testing.B) {
	f := newBenchFixture(b)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		svc := review.New(review.Config{DB: f.db, Store: f.store, Catalog: catalog.New(f.store, f.db)})
		b.StartTimer()
		cmp, err := svc.CompareModule(ctx, demo.ModuleSlug(0), f.from, f.to)
		if err != nil || len(cmp.Files) != 1 || len(cmp.Agenda) == 0 {
			b.Fatalf("CompareModule = %v, %v", cmp, err)
		}
	}
}

// openProposals opens n proposals, each changing one module of the big
// repository.
func (env *benchEnv) openProposals(b *testing.B, n int) {
	b.Helper()
	ctx := context.Background()
	for i := range n {
		slug := demo.ModuleSlug(i)
		snap, _ := env.store.Snapshot(ctx, "main")
		plan, _ := snap.ReadFile("modules/" + slug + "/module.md")
		if _, err := env.svc.CreateProposal(ctx, env.author, review.NewProposal{Title: "Bench", Module: slug,
			Edits: []review.Edit{{Path: "module.md", Content: []byte(string(plan) + "\nAn open proposal.\n")}}}); err != nil {
			b.Fatal(err)
		}
	}
}

// commitToMain moves main on by one commit outside the proposals.
func (env *benchEnv) commitToMain(b *testing.B, i int) {
	b.Helper()
	ctx := context.Background()
	main, _ := env.store.Branch(ctx, "main")
	if _, err := env.store.WriteCommit(ctx, gitstore.CommitRequest{Branch: "main", Expected: main, Message: "Elsewhere",
		Changes: []praxis.FileChange{{Path: fmt.Sprintf("notes/%d.md", i), Content: []byte("note\n")}}, Author: praxis.Signature{Name: "x"}}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkReconcileAtStart is the start-up reconciliation of 200 open
// proposals (none merged, all consistent) with the repository of 1,000
// modules and 10,000 commits, main having moved 20 commits since they were
// opened, every cache cold.
func BenchmarkReconcileAtStart(b *testing.B) {
	env := openBench(b)
	env.openProposals(b, 200)
	for i := range 20 {
		env.commitToMain(b, i)
	}
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		svc := review.New(review.Config{DB: env.db, Store: env.store, Catalog: catalog.New(env.store, env.db)})
		b.StartTimer()
		done, err := svc.Reconcile(ctx)
		if err != nil || done.Changed() {
			b.Fatalf("Reconcile = %+v, %v", done, err)
		}
	}
}

// BenchmarkListOpenProposals lists a page of 30 open proposals just after
// main moved, so that checking whether main holds each one's head misses the
// cache, as the first view after every merge does.
func BenchmarkListOpenProposals(b *testing.B) {
	env := openBench(b)
	env.openProposals(b, 30)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		b.StopTimer()
		i++
		env.commitToMain(b, i)
		b.StartTimer()
		list, _, err := env.svc.Proposals(ctx, praxis.ProposalFilter{Status: praxis.ProposalOpen, Limit: 30})
		if err != nil || len(list) != 30 {
			b.Fatalf("Proposals = %d, %v", len(list), err)
		}
	}
}
