package review_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/demo"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/review"
	"github.com/praxis-coop/praxis/internal/testenv"
)

const stigma = "exploring-class-2-stigma"

type fixture struct {
	t          *testing.T
	svc        *review.Service
	store      *gitstore.Store
	db         *db.DB
	dir        string
	alice, bob *praxis.User // facilitators
	maintainer *praxis.User
}

func newFixture(t *testing.T, extra ...praxis.FileChange) *fixture {
	t.Helper()
	ctx := context.Background()
	env := testenv.New(t, testenv.Options{Message: "Seed"})
	database, store := env.DB, env.Store
	if len(extra) > 0 {
		env.Commit(t, "more modules", extra...)
	}
	accounts := account.New(account.Config{Hashing: testenv.PasswordHashing(), DB: database})
	add := func(email string, role praxis.Role) *praxis.User {
		u, _, err := accounts.AddUser(ctx, account.NewUser{Email: email, Name: strings.Split(email, "@")[0], Roles: []praxis.Role{role}, Password: "a long enough passphrase"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f := &fixture{t: t, store: store, db: database, dir: env.Dir}
	f.svc = review.New(review.Config{DB: database, Store: store, Catalog: env.Catalog})
	f.alice = add("alice@example.org", praxis.RoleFacilitator)
	f.bob = add("bob@example.org", praxis.RoleFacilitator)
	f.maintainer = add("maya@example.org", praxis.RoleMaintainer)
	return f
}

func (f *fixture) plan(rev, slug string) string {
	f.t.Helper()
	snap, err := f.store.Snapshot(context.Background(), rev)
	if err != nil {
		f.t.Fatal(err)
	}
	data, err := snap.ReadFile("modules/" + slug + "/module.md")
	if err != nil {
		f.t.Fatal(err)
	}
	return string(data)
}

// propose opens a proposal changing one module's plan by replacing old with new.
func (f *fixture) propose(user *praxis.User, slug, old, new string) *praxis.Proposal {
	f.t.Helper()
	plan := f.plan("main", slug)
	if !strings.Contains(plan, old) {
		f.t.Fatalf("%s does not contain %q", slug, old)
	}
	p, err := f.svc.CreateProposal(context.Background(), user, review.NewProposal{
		Title: "Change " + slug, Module: slug,
		Edits: []review.Edit{{Path: "module.md", Content: []byte(strings.Replace(plan, old, new, 1))}},
	})
	if err != nil {
		var pe *review.ProblemsError
		if errors.As(err, &pe) {
			f.t.Fatalf("CreateProposal: %v\n%v", err, pe.Problems)
		}
		f.t.Fatalf("CreateProposal: %v", err)
	}
	return p
}

func (f *fixture) approve(p *praxis.Proposal) {
	f.t.Helper()
	if _, err := f.svc.Review(context.Background(), f.maintainer, p.ID, praxis.VerdictApprove, "Good", ""); err != nil {
		f.t.Fatal(err)
	}
}

func gitFsck(t *testing.T, dir string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		return
	}
	out, err := exec.Command("git", "-C", filepath.Join(dir, "curriculum.git"), "fsck", "--strict", "--no-progress").CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 && strings.Contains(string(out), "error") {
		t.Fatalf("git fsck --strict: %v\n%s", err, out)
	}
}

func TestForkEditUpdateAndPropose(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	fork, head, err := f.svc.CreateFork(ctx, f.alice, stigma)
	if err != nil {
		t.Fatal(err)
	}
	if fork.Branch != fmt.Sprintf("forks/%d/%s", f.alice.ID, stigma) {
		t.Errorf("branch = %s", fork.Branch)
	}
	var exists *review.ExistsError
	if _, _, err := f.svc.CreateFork(ctx, f.alice, stigma); !errors.As(err, &exists) || exists.ForkID != fork.ID {
		t.Errorf("second fork = %v, want ExistsError naming fork %d", err, fork.ID)
	}
	plan := f.plan(head, stigma)
	next, err := f.svc.EditFork(ctx, f.alice, fork.ID, head, []review.Edit{{Path: "module.md", Content: []byte(plan + "\nAdapted for the Leeds tenants' union.\n")}}, "Adapt for Leeds")
	if err != nil {
		t.Fatal(err)
	}
	// Main moves on; the fork is behind and can be updated cleanly.
	main, _ := f.store.Branch(ctx, "main")
	other := strings.Replace(f.plan("main", "organising-6-meetings"), "## ", "## Extra section\n\nSome text.\n\n## ", 1)
	if _, err := f.store.WriteCommit(ctx, gitstore.CommitRequest{Branch: "main", Expected: main, Message: "elsewhere", Author: praxis.Signature{Name: "x"},
		Changes: []praxis.FileChange{{Path: "modules/organising-6-meetings/module.md", Content: []byte(other)}}}); err != nil {
		t.Fatal(err)
	}
	view, err := f.svc.Fork(ctx, fork.ID)
	if err != nil || view.Ahead != 1 || view.Behind != 1 || view.Head != next {
		t.Fatalf("Fork = %+v %v, want ahead 1 behind 1", view, err)
	}
	up, err := f.svc.UpdateFromMain(ctx, f.alice, review.Target{ForkID: fork.ID})
	if err != nil || len(up.Conflicts) != 0 || up.Head == next {
		t.Fatalf("UpdateFromMain = %+v %v", up, err)
	}
	if view, _ := f.svc.Fork(ctx, fork.ID); view.Behind != 0 || !strings.Contains(f.plan(view.Head, stigma), "Leeds tenants") {
		t.Fatalf("after update: behind %d, or the fork's own change was lost", view.Behind)
	}
	if again, _ := f.svc.UpdateFromMain(ctx, f.alice, review.Target{ForkID: fork.ID}); !again.UpToDate {
		t.Error("a second update found something to do")
	}
	// Someone else may not edit or update it.
	if _, err := f.svc.EditFork(ctx, f.bob, fork.ID, up.Head, []review.Edit{{Path: "module.md", Content: []byte(plan)}}, ""); praxis.ErrorCode(err) != praxis.EFORBIDDEN {
		t.Errorf("another person editing the fork = %v", err)
	}
	p, err := f.svc.CreateProposal(ctx, f.alice, review.NewProposal{ForkID: fork.ID, Title: "Leeds adaptation", Description: "Worth sharing."})
	if err != nil {
		t.Fatal(err)
	}
	if p.Head != up.Head || strings.Join(p.Modules, ",") != stigma || p.Branch != fmt.Sprintf("proposals/%d/%s-%d", f.alice.ID, stigma, p.ID) {
		t.Fatalf("proposal = %+v", p)
	}
	pv, err := f.svc.Proposal(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(pv.Files) != 1 || pv.Files[0].Path != "modules/"+stigma+"/module.md" || !strings.Contains(pv.Files[0].Unified, "+Adapted for the Leeds tenants' union.") {
		t.Fatalf("proposal diff = %+v", pv.Files)
	}
	if !pv.Mergeable || pv.Approved || len(pv.Lint.All) != 0 {
		t.Fatalf("view = mergeable %v approved %v lint %v", pv.Mergeable, pv.Approved, pv.Lint)
	}
	inserted := false
	for _, w := range pv.Files[0].Words {
		if w.Op == 1 && strings.Contains(w.Text, "Leeds") {
			inserted = true
		}
	}
	if !inserted {
		t.Error("the word diff does not show the inserted words")
	}
}

// Two people edit from the same base: one wins, the other gets ECONFLICT and
// the winner's text is intact.
func TestConcurrentEditsOfOneFork(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	fork, head, err := f.svc.CreateFork(ctx, f.alice, stigma)
	if err != nil {
		t.Fatal(err)
	}
	plan := f.plan(head, stigma)
	var wg sync.WaitGroup
	results := make([]error, 2)
	heads := make([]string, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			heads[i], results[i] = f.svc.EditFork(ctx, f.alice, fork.ID, head, []review.Edit{{Path: "module.md", Content: []byte(plan + fmt.Sprintf("\nEdit number %d.\n", i))}}, "edit")
		}()
	}
	wg.Wait()
	wins, stale := 0, 0
	winner := -1
	for i, err := range results {
		var se *review.StaleError
		switch {
		case err == nil:
			wins++
			winner = i
		case errors.As(err, &se) && praxis.ErrorCode(err) == praxis.ECONFLICT:
			stale++
		default:
			t.Fatalf("edit %d: %v", i, err)
		}
	}
	if wins != 1 || stale != 1 {
		t.Fatalf("%d saves won and %d were stale, want 1 and 1", wins, stale)
	}
	view, _ := f.svc.Fork(ctx, fork.ID)
	if view.Head != heads[winner] || !strings.Contains(f.plan(view.Head, stigma), fmt.Sprintf("Edit number %d.", winner)) {
		t.Fatal("the winner's text is not what the fork holds")
	}
}

func TestTwoProposalsSameLineConflict(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	first := f.propose(f.alice, stigma, "## About this workshop", "## About this workshop (Alice)")
	second := f.propose(f.bob, stigma, "## About this workshop", "## About this workshop (Bob)")
	f.approve(first)
	f.approve(second)
	if _, err := f.svc.Merge(ctx, f.maintainer, first.ID, ""); err != nil {
		t.Fatal(err)
	}
	main, _ := f.store.Branch(ctx, "main")
	_, err := f.svc.Merge(ctx, f.maintainer, second.ID, "")
	var ce *review.ConflictError
	if !errors.As(err, &ce) || praxis.ErrorCode(err) != praxis.ECONFLICT || len(ce.Conflicts) != 1 || len(ce.Conflicts[0].Lines) == 0 {
		t.Fatalf("second merge = %v, want a conflict with lines", err)
	}
	if after, _ := f.store.Branch(ctx, "main"); after != main {
		t.Fatal("a conflicted merge moved main")
	}
	view, _ := f.svc.Proposal(ctx, second.ID)
	if view.Mergeable || len(view.Conflicts) != 1 {
		t.Fatalf("second proposal view = mergeable %v conflicts %v", view.Mergeable, view.Conflicts)
	}
	// Bob resolves by updating from main and choosing a text.
	up, err := f.svc.UpdateFromMain(ctx, f.bob, review.Target{ProposalID: second.ID})
	if err != nil || len(up.Files) != 1 || !strings.Contains(up.Files[0].Merged, "<<<<<<< your version") {
		t.Fatalf("update = %+v %v", up, err)
	}
	resolved := strings.Replace(f.plan("main", stigma), "## About this workshop (Alice)", "## About this workshop (Alice and Bob)", 1)
	if _, err := f.svc.ResolveUpdate(ctx, f.bob, review.Target{ProposalID: second.ID}, up.Head, up.Main,
		map[string]review.Resolution{up.Files[0].Path: {Content: []byte(up.Files[0].Merged)}}); praxis.ErrorCode(err) != praxis.EINVALID {
		t.Fatalf("resolving with the markers left in = %v, want EINVALID", err)
	}
	if _, err := f.svc.ResolveUpdate(ctx, f.bob, review.Target{ProposalID: second.ID}, up.Head, up.Main,
		map[string]review.Resolution{up.Files[0].Path: {Content: []byte(resolved)}}); err != nil {
		t.Fatal(err)
	}
	view, _ = f.svc.Proposal(ctx, second.ID)
	if !view.Mergeable || view.Approved {
		t.Fatalf("after resolving: mergeable %v, approved %v (a new head needs a new approval)", view.Mergeable, view.Approved)
	}
	f.approve(second)
	if _, err := f.svc.Merge(ctx, f.maintainer, second.ID, view.Head); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.plan("main", stigma), "(Alice and Bob)") {
		t.Fatal("the resolution is not on main")
	}
	gitFsck(t, f.dir)
}

func TestTwoProposalsDifferentPartsBothMerge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	first := f.propose(f.alice, stigma, "## About this workshop", "## About this workshop (changed near the top)")
	second := f.propose(f.bob, stigma, "## Sources and further reading", "## Sources and further reading (changed near the end)")
	for _, p := range []*praxis.Proposal{first, second} {
		f.approve(p)
		if _, err := f.svc.Merge(ctx, f.maintainer, p.ID, ""); err != nil {
			t.Fatalf("merge %d: %v", p.ID, err)
		}
	}
	plan := f.plan("main", stigma)
	if !strings.Contains(plan, "(changed near the top)") || !strings.Contains(plan, "(changed near the end)") {
		t.Fatal("main lacks one of the two changes")
	}
	for _, p := range []*praxis.Proposal{first, second} {
		got, _ := f.db.FindProposal(ctx, p.ID)
		if got.Status != praxis.ProposalMerged || got.MergeCommit == "" {
			t.Errorf("proposal %d = %s", p.ID, got.Status)
		}
	}
}

func TestThirtyProposalsMergedConcurrently(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, demo.Modules(30, 9, demo.ModuleOptions{BodyBytes: 800})...)
	var props []*praxis.Proposal
	for i := range 30 {
		slug := demo.ModuleSlug(i)
		p := f.propose(f.alice, slug, "## About this workshop", fmt.Sprintf("## About this workshop\n\nChange %d.", i))
		f.approve(p)
		props = append(props, p)
	}
	start, _ := f.store.Branch(ctx, "main")
	var wg sync.WaitGroup
	errs := make([]error, len(props))
	for i, p := range props {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.svc.Merge(ctx, f.maintainer, p.ID, "")
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("merge %d: %v", i, err)
		}
	}
	for i := range 30 {
		if !strings.Contains(f.plan("main", demo.ModuleSlug(i)), fmt.Sprintf("Change %d.", i)) {
			t.Errorf("main lacks change %d", i)
		}
	}
	main, _ := f.store.Branch(ctx, "main")
	log, err := f.store.Log(ctx, main, start, 1000)
	if err != nil {
		t.Fatal(err)
	}
	merges := 0
	for _, c := range log {
		if len(c.Parents) == 2 && strings.HasPrefix(c.Message, "Merge proposal #") {
			merges++
		}
	}
	if merges != 30 {
		t.Fatalf("main's history holds %d merges, want 30", merges)
	}
	gitFsck(t, f.dir)
}

// A merge racing an edit of the proposal merges exactly the approved head, or
// is refused; the later edit never reaches main unreviewed.
func TestMergeRacingAnEdit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for round := range 6 {
		f := newFixture(t)
		p := f.propose(f.alice, stigma, "## About this workshop", "## About this workshop (approved text)")
		f.approve(p)
		approved, _ := f.store.Branch(ctx, p.Branch)
		plan := f.plan(approved, stigma)
		var wg sync.WaitGroup
		var mergeErr, editErr error
		var commit string
		wg.Add(2)
		go func() {
			defer wg.Done()
			commit, mergeErr = f.svc.Merge(ctx, f.maintainer, p.ID, "")
		}()
		go func() {
			defer wg.Done()
			_, editErr = f.svc.EditProposal(ctx, f.alice, p.ID, stigma, approved, []review.Edit{{Path: "module.md", Content: []byte(plan + "\nUnreviewed addition.\n")}}, "sneak")
		}()
		wg.Wait()
		mainPlan := f.plan("main", stigma)
		if strings.Contains(mainPlan, "Unreviewed addition.") {
			t.Fatalf("round %d: an unreviewed edit reached main", round)
		}
		if mergeErr == nil {
			c, _ := f.store.FindCommit(ctx, commit)
			if len(c.Parents) != 2 || c.Parents[1] != approved || !strings.Contains(mainPlan, "(approved text)") {
				t.Fatalf("round %d: the merge did not merge exactly the approved head", round)
			}
		} else if code := praxis.ErrorCode(mergeErr); code != praxis.EINVALID && code != praxis.ECONFLICT {
			t.Fatalf("round %d: merge = %v, want success or a refusal", round, mergeErr)
		}
		if editErr != nil && praxis.ErrorCode(editErr) != praxis.ECONFLICT {
			t.Fatalf("round %d: edit = %v", round, editErr)
		}
	}
}

func TestBinaryHandoutsAndDeletionsMerge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	png := []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'}
	fork, head, err := f.svc.CreateFork(ctx, f.alice, stigma)
	if err != nil {
		t.Fatal(err)
	}
	head, err = f.svc.EditFork(ctx, f.alice, fork.ID, head, []review.Edit{{Path: "handouts/diagram.png", Content: png}}, "Add a diagram")
	if err != nil {
		t.Fatal(err)
	}
	snap, _ := f.store.Snapshot(ctx, head)
	handouts, _ := snap.ReadDir("modules/" + stigma + "/handouts")
	var unlinked string
	plan := f.plan(head, stigma)
	for _, h := range handouts {
		if !strings.Contains(plan, "handouts/"+h.Name()) && h.Name() != "diagram.png" {
			unlinked = h.Name()
		}
	}
	// Deleting a handout the plan links to is refused; an unlinked one goes.
	linked := handouts[0].Name()
	if linked == "diagram.png" {
		linked = handouts[1].Name()
	}
	if _, err := f.svc.EditFork(ctx, f.alice, fork.ID, head, []review.Edit{{Path: "handouts/" + linked, Delete: true}}, "delete"); praxis.ErrorCode(err) != praxis.EINVALID {
		t.Fatalf("deleting a linked handout = %v, want EINVALID", err)
	}
	_ = unlinked
	p, err := f.svc.CreateProposal(ctx, f.alice, review.NewProposal{ForkID: fork.ID, Title: "Diagram"})
	if err != nil {
		t.Fatal(err)
	}
	view, _ := f.svc.Proposal(ctx, p.ID)
	if len(view.Files) != 1 || !view.Files[0].Binary || view.Files[0].Status != "added" {
		t.Fatalf("diff = %+v", view.Files)
	}
	f.approve(p)
	if _, err := f.svc.Merge(ctx, f.maintainer, p.ID, ""); err != nil {
		t.Fatal(err)
	}
	snap, _ = f.store.Snapshot(ctx, "main")
	if got, err := snap.ReadFile("modules/" + stigma + "/handouts/diagram.png"); err != nil || string(got) != string(png) {
		t.Fatalf("the binary handout on main = %v, %v", got, err)
	}
	// A proposal that removes a handout and the plan's links to it merges the
	// deletion.
	plan = f.plan("main", stigma)
	link := regexp.MustCompile(`\[[^\]]*\]\(handouts/` + regexp.QuoteMeta(linked) + `\)`)
	q, err := f.svc.CreateProposal(ctx, f.bob, review.NewProposal{Module: stigma, Title: "Drop a handout", Edits: []review.Edit{
		{Path: "module.md", Content: []byte(link.ReplaceAllString(plan, "the handout"))},
		{Path: "handouts/" + linked, Delete: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	f.approve(q)
	if _, err := f.svc.Merge(ctx, f.maintainer, q.ID, ""); err != nil {
		t.Fatal(err)
	}
	snap, _ = f.store.Snapshot(ctx, "main")
	if _, err := snap.Stat("modules/" + stigma + "/handouts/" + linked); err == nil {
		t.Fatal("the deleted handout is still on main")
	}
	if _, err := snap.Stat("modules/" + stigma + "/handouts/diagram.png"); err != nil {
		t.Fatal("the diagram merged earlier is gone")
	}
	gitFsck(t, f.dir)
}

func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	fork, head, _ := f.svc.CreateFork(ctx, f.alice, stigma)
	plan := f.plan(head, stigma)
	tests := []struct {
		name string
		edit review.Edit
		code string
	}{
		{"dot dot", review.Edit{Path: "../organising-6-meetings/module.md", Content: []byte("x")}, praxis.EINVALID},
		{"outside the module", review.Edit{Path: "README.md", Content: []byte("x")}, praxis.EINVALID},
		{"absolute", review.Edit{Path: "/etc/passwd", Content: []byte("x")}, praxis.EINVALID},
		{"too large", review.Edit{Path: "handouts/big.pdf", Content: make([]byte, review.MaxFileSize+1)}, praxis.ETOOLARGE},
		{"not UTF-8", review.Edit{Path: "module.md", Content: []byte("---\ntitle: \xff\xfe\n---\n")}, praxis.EINVALID},
		{"conflict markers", review.Edit{Path: "handouts/x.md", Content: []byte("<<<<<<< ours\na\n=======\nb\n>>>>>>> theirs\n")}, praxis.EINVALID},
		{"invalid module", review.Edit{Path: "module.md", Content: []byte(strings.Replace(plan, "duration:", "duration: 1\nx:", 1))}, praxis.EINVALID},
		{"deleting the plan", review.Edit{Path: "module.md", Delete: true}, praxis.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.svc.EditFork(ctx, f.alice, fork.ID, head, []review.Edit{tt.edit}, "bad"); praxis.ErrorCode(err) != tt.code {
				t.Fatalf("EditFork = %v, want %s", err, tt.code)
			}
			if now, _ := f.svc.Fork(ctx, fork.ID); now.Head != head {
				t.Fatal("a refused edit moved the fork")
			}
		})
	}
	var pe *review.ProblemsError
	_, err := f.svc.EditFork(ctx, f.alice, fork.ID, head, []review.Edit{{Path: "module.md", Content: []byte(strings.Replace(plan, "duration:", "duration: 1\nx:", 1))}}, "bad")
	if !errors.As(err, &pe) || len(pe.Problems) == 0 {
		t.Fatalf("invalid module error = %v, want the lint problems", err)
	}
	if _, err := f.svc.CreateProposal(ctx, f.alice, review.NewProposal{ForkID: fork.ID, Title: "Nothing"}); praxis.ErrorCode(err) != praxis.EINVALID {
		t.Errorf("proposal from an unchanged fork = %v", err)
	}
	if _, err := f.svc.CreateProposal(ctx, f.alice, review.NewProposal{Module: "no-such-module", Title: "x", Edits: []review.Edit{{Path: "module.md", Content: []byte("x")}}}); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("proposal against a missing module = %v", err)
	}
	if _, err := f.svc.CreateProposal(ctx, f.alice, review.NewProposal{Module: stigma, Title: "x"}); praxis.ErrorCode(err) != praxis.EINVALID {
		t.Errorf("proposal touching no files = %v", err)
	}
	if _, err := f.svc.CreateProposal(ctx, f.alice, review.NewProposal{Module: stigma, Title: "", Edits: []review.Edit{{Path: "module.md", Content: []byte(plan + "x\n")}}}); praxis.ErrorCode(err) != praxis.EINVALID {
		t.Errorf("proposal without a title = %v", err)
	}
	p := f.propose(f.alice, stigma, "## About this workshop", "## About this workshop (x)")
	if _, err := f.svc.Merge(ctx, f.alice, p.ID, ""); praxis.ErrorCode(err) != praxis.EFORBIDDEN {
		t.Errorf("a facilitator merging = %v", err)
	}
	if _, err := f.svc.Merge(ctx, f.maintainer, p.ID, ""); praxis.ErrorCode(err) != praxis.EINVALID {
		t.Errorf("merging without approval = %v", err)
	}
	f.approve(p)
	if _, err := f.svc.Merge(ctx, f.maintainer, p.ID, strings.Repeat("0", 40)); praxis.ErrorCode(err) != praxis.ECONFLICT {
		t.Errorf("merging a head other than the one reviewed = %v", err)
	}
	if _, err := f.svc.SetStatus(ctx, f.bob, p.ID, praxis.ProposalClosed); praxis.ErrorCode(err) != praxis.EFORBIDDEN {
		t.Errorf("someone else closing = %v", err)
	}
	if _, err := f.svc.SetStatus(ctx, f.alice, p.ID, praxis.ProposalClosed); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Merge(ctx, f.maintainer, p.ID, ""); praxis.ErrorCode(err) != praxis.ECONFLICT {
		t.Errorf("merging a closed proposal = %v", err)
	}
	if _, err := f.svc.SetStatus(ctx, f.maintainer, p.ID, praxis.ProposalOpen); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Merge(ctx, f.maintainer, p.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Merge(ctx, f.maintainer, p.ID, ""); praxis.ErrorCode(err) != praxis.ECONFLICT {
		t.Errorf("merging twice = %v", err)
	}
	if _, err := f.svc.Review(ctx, f.alice, p.ID, praxis.VerdictApprove, "", ""); praxis.ErrorCode(err) != praxis.EFORBIDDEN {
		t.Errorf("a facilitator reviewing = %v", err)
	}
}

func TestCommentsReviewsAndActivity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	p := f.propose(f.alice, stigma, "## About this workshop", "## About this workshop (new)")
	path := "modules/" + stigma + "/module.md"
	if _, err := f.svc.Comment(ctx, f.bob, p.ID, "Nice change", path, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Comment(ctx, f.bob, p.ID, "", "", 0); praxis.ErrorCode(err) != praxis.EINVALID {
		t.Errorf("empty comment = %v", err)
	}
	if _, err := f.svc.Comment(ctx, f.bob, p.ID, "x", "README.md", 1); praxis.ErrorCode(err) != praxis.EINVALID {
		t.Errorf("comment on a file the proposal does not change = %v", err)
	}
	if _, err := f.svc.Review(ctx, f.maintainer, p.ID, praxis.VerdictRequestChanges, "", ""); praxis.ErrorCode(err) != praxis.EINVALID {
		t.Errorf("request changes without saying what = %v", err)
	}
	f.svc.Review(ctx, f.maintainer, p.ID, praxis.VerdictRequestChanges, "Shorter, please", "")
	view, _ := f.svc.Proposal(ctx, p.ID)
	if len(view.Comments) != 1 || view.Comments[0].Line != 3 || len(view.Reviews) != 1 || view.Approved {
		t.Fatalf("view = comments %+v reviews %+v approved %v", view.Comments, view.Reviews, view.Approved)
	}
	f.approve(p)
	if view, _ := f.svc.Proposal(ctx, p.ID); !view.Approved {
		t.Error("an approval after a request for changes does not count")
	}
	events, err := f.svc.Activity(ctx, praxis.ActivityFilter{Limit: 10})
	if err != nil || len(events) < 4 || events[0].Kind != praxis.ActivityReview || events[0].Actor != "maya" {
		t.Fatalf("activity = %+v %v", events, err)
	}
	mine, _ := f.svc.Activity(ctx, praxis.ActivityFilter{ActorID: f.bob.ID})
	if len(mine) != 1 || mine[0].Kind != praxis.ActivityComment {
		t.Errorf("bob's activity = %+v", mine)
	}
}

// TestProposalLintIsPraxisLintOfTheMergedTree: a proposal's lint is what
// `praxis lint` says of the whole curriculum the merge would make, and the
// merge is refused on it. Each case was "clean" when only the proposal's own
// modules were linted at its head.
func TestProposalLintIsPraxisLintOfTheMergedTree(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("a change on main breaks a link the proposal adds", func(t *testing.T) {
		f := newFixture(t, praxis.FileChange{Path: "modules/" + stigma + "/handouts/extra.md", Content: []byte("# Extra\n")})
		p := f.propose(f.alice, stigma, "## ", "See also the [extra sheet](handouts/extra.md).\n\n## ")
		main, _ := f.store.Branch(ctx, "main")
		if _, err := f.store.WriteCommit(ctx, gitstore.CommitRequest{Branch: "main", Expected: main, Message: "Drop the extra sheet",
			Author: praxis.Signature{Name: "praxis"}, Changes: []praxis.FileChange{{Path: "modules/" + stigma + "/handouts/extra.md", Delete: true}}}); err != nil {
			t.Fatal(err)
		}
		f.checkLint(p, `link "handouts/extra.md" does not resolve`)
	})
	t.Run("a copy of a module in a series", func(t *testing.T) {
		f := newFixture(t)
		main, _ := f.store.Branch(ctx, "main")
		snap, _ := f.store.Snapshot(ctx, main)
		branch := fmt.Sprintf("proposals/%d/copy", f.alice.ID)
		if err := f.store.CreateBranch(ctx, branch, main); err != nil {
			t.Fatal(err)
		}
		head, err := f.store.WriteCommit(ctx, gitstore.CommitRequest{Branch: branch, Expected: main, Message: "Copy the stigma workshop",
			Author: praxis.Signature{Name: "alice"}, Changes: testenv.CopyModule(t, snap, stigma, "stigma-for-tenants", false)})
		if err != nil {
			t.Fatal(err)
		}
		p, err := f.svc.ProposalFromPush(ctx, f.alice, branch, praxis.ZeroID, head)
		if err != nil {
			t.Fatal(err)
		}
		f.checkLint(p, "series: this module is not listed in series/exploring-class.yaml", `order: 2 is also the order of`)
	})
}

// TestProblemsMainHasAlreadyDoNotBlockAMerge: a curriculum that already has a
// lint problem (cloned from elsewhere, or checked by a newer rule) still takes
// proposals that bring no new one; the problem is shown apart.
func TestProblemsMainHasAlreadyDoNotBlockAMerge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, praxis.FileChange{Path: "modules/organising-6-meetings/handouts/notes.md", Content: []byte("# Notes\n\n<<<<<<< mine\na\n>>>>>>> theirs\n")})
	p := f.propose(f.alice, stigma, "## ", "A new paragraph.\n\n## ")
	view, err := f.svc.Proposal(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(view.Lint.All) != 1 || len(view.Lint.OnMain) != 1 || len(view.Lint.Introduced) != 0 || !view.Mergeable {
		t.Fatalf("lint = %+v, mergeable %v; want the old problem shown apart, and mergeable", view.Lint, view.Mergeable)
	}
	f.approve(p)
	if _, err := f.svc.Merge(ctx, f.maintainer, p.ID, view.Head); err != nil {
		t.Fatalf("Merge = %v", err)
	}
}

// checkLint asserts that a proposal's lint equals module.Lint of the merged
// tree, holds the messages given, and refuses the merge.
func (f *fixture) checkLint(p *praxis.Proposal, messages ...string) {
	f.t.Helper()
	ctx := context.Background()
	view, err := f.svc.Proposal(ctx, p.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	result, err := f.store.Merge(ctx, view.Main, view.Head, gitstore.MergeOptions{Write: true})
	if err != nil || !result.Clean() {
		f.t.Fatalf("merge = %v %v", result, err)
	}
	merged, err := f.store.SnapshotTree(ctx, result.Tree)
	if err != nil {
		f.t.Fatal(err)
	}
	if want := module.Lint(merged); !slices.Equal(view.Lint.All, want) || !slices.Equal(view.Lint.Introduced, want) {
		f.t.Errorf("proposal lint = %v (introduced %v), praxis lint of the merge = %v", view.Lint.All, view.Lint.Introduced, want)
	}
	for _, msg := range messages {
		if !strings.Contains(fmt.Sprint(view.Lint.All), msg) {
			f.t.Errorf("lint lacks %q: %v", msg, view.Lint.All)
		}
	}
	if view.Mergeable {
		f.t.Error("a proposal that brings lint problems is mergeable")
	}
	f.approve(p)
	before, _ := f.store.Branch(ctx, "main")
	_, err = f.svc.Merge(ctx, f.maintainer, p.ID, view.Head)
	var pe *review.ProblemsError
	if !errors.As(err, &pe) || len(pe.Problems) == 0 {
		f.t.Errorf("Merge = %v, want refused with the problems", err)
	}
	if after, _ := f.store.Branch(ctx, "main"); after != before {
		f.t.Error("a refused merge moved main")
	}
}

// TestCommitsNeverCarryMembersEmails: anyone may clone the curriculum, so what
// a person saves through praxis is authored with a no-reply address, never
// their account's email.
func TestCommitsNeverCarryMembersEmails(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	fork, head, err := f.svc.CreateFork(ctx, f.alice, stigma)
	if err != nil {
		t.Fatal(err)
	}
	plan := f.plan(head, stigma)
	next, err := f.svc.EditFork(ctx, f.alice, fork.ID, head, []review.Edit{{Path: "module.md", Content: []byte(plan + "\nA line.\n")}}, "A line")
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.store.FindCommit(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	if c.Author.Name != f.alice.Name || c.Author.Email != praxis.CommitEmail(f.alice.ID) || strings.Contains(c.Author.Email, f.alice.Email) {
		t.Errorf("author = %q <%s>, want %q <%s>", c.Author.Name, c.Author.Email, f.alice.Name, praxis.CommitEmail(f.alice.ID))
	}
}
