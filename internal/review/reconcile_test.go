package review_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/review"
	"github.com/praxis-coop/praxis/internal/testenv"
)

// branch returns a branch's commit, failing the test when there is none.
func (f *fixture) branch(name string) string {
	f.t.Helper()
	id, err := f.store.Branch(context.Background(), name)
	if err != nil {
		f.t.Fatalf("branch %s: %v", name, err)
	}
	return id
}

// mergeUnrecorded merges head into main as praxis's Merge does, and records
// nothing: the state a merge leaves when praxis is killed, or the database is
// locked, between moving main and saving the proposal's status.
func (f *fixture) mergeUnrecorded(head, message string) string {
	f.t.Helper()
	ctx := context.Background()
	main := f.branch("main")
	result, err := f.store.Merge(ctx, main, head, gitstore.MergeOptions{Write: true})
	if err != nil || !result.Clean() {
		f.t.Fatalf("merge: %v %v", err, result)
	}
	commit, err := f.store.WriteCommit(ctx, gitstore.CommitRequest{Branch: "main", Expected: main, Parents: []string{main, head}, Tree: result.Tree,
		Author: praxis.Signature{Name: f.maintainer.Name, Email: f.maintainer.Email}, Message: message})
	if err != nil {
		f.t.Fatal(err)
	}
	return commit
}

// commitToMain adds an unrelated change to main.
func (f *fixture) commitToMain(name string) string {
	f.t.Helper()
	main := f.branch("main")
	commit, err := f.store.WriteCommit(context.Background(), gitstore.CommitRequest{Branch: "main", Expected: main, Message: "Notes " + name,
		Changes: []praxis.FileChange{{Path: "notes/" + name + ".md", Content: []byte("# " + name + "\n")}}, Author: praxis.Signature{Name: "x"}})
	if err != nil {
		f.t.Fatal(err)
	}
	return commit
}

// pushBranch writes a commit changing a module's plan onto a proposal branch
// directly in the repository, as git receive-pack would, telling praxis
// nothing.
func (f *fixture) pushBranch(branch, parent, message, old, new string) string {
	f.t.Helper()
	plan := f.plan(parent, stigma)
	if !strings.Contains(plan, old) {
		f.t.Fatalf("the plan lacks %q", old)
	}
	expected, _ := f.store.Branch(context.Background(), branch)
	commit, err := f.store.WriteCommit(context.Background(), gitstore.CommitRequest{Branch: branch, Expected: expected, Parents: []string{parent}, Message: message,
		Changes: []praxis.FileChange{{Path: "modules/" + stigma + "/module.md", Content: []byte(strings.Replace(plan, old, new, 1))}}, Author: praxis.Signature{Name: "Alice", Email: "alice@example.org"}})
	if err != nil {
		f.t.Fatal(err)
	}
	return commit
}

func (f *fixture) addUser(email string, role praxis.Role) *praxis.User {
	f.t.Helper()
	u, _, err := account.New(account.Config{Hashing: testenv.PasswordHashing(), DB: f.db}).AddUser(context.Background(), account.NewUser{Email: email, Name: strings.Split(email, "@")[0], Roles: []praxis.Role{role}, Password: "a long enough passphrase"})
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

// A merge whose outcome was lost is found on main: the proposal reads as
// merged, with the merge commit that brought it in, and merging it again is
// refused rather than making a second, empty merge commit.
func TestMergeFoundOnMainIsRecordedNeverMadeTwice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	p := f.propose(f.alice, stigma, "## About this workshop", "## About this workshop (merged before the crash)")
	f.approve(p)
	head := f.branch(p.Branch)
	merge := f.mergeUnrecorded(head, fmt.Sprintf("Merge proposal #%d", p.ID))
	f.commitToMain("later")
	main := f.branch("main")

	_, err := f.svc.Merge(ctx, f.maintainer, p.ID, head)
	if praxis.ErrorCode(err) != praxis.ECONFLICT || !strings.Contains(praxis.ErrorMessage(err), "already merged") {
		t.Fatalf("merging a proposal main already holds = %v, want ECONFLICT saying it is merged", err)
	}
	if now := f.branch("main"); now != main {
		t.Fatalf("a second merge of a merged head moved main to %s", now)
	}
	got, err := f.db.FindProposal(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != praxis.ProposalMerged || got.MergeCommit != merge || got.Head != head || got.MergedBy != f.maintainer.ID {
		t.Fatalf("proposal = status %s, merge commit %s (want %s), head %s, merged by %d", got.Status, got.MergeCommit, merge, got.Head, got.MergedBy)
	}
	links, _ := f.db.ProposalsOfCommits(ctx, []string{merge, head})
	if links[merge] != p.ID || links[head] != p.ID {
		t.Errorf("history links = %v, want the merge and the proposal's commit linked to %d", links, p.ID)
	}
	events, _ := f.svc.Activity(ctx, praxis.ActivityFilter{ProposalID: p.ID})
	if n := countKind(events, praxis.ActivityProposalMerged); n != 1 {
		t.Errorf("%d merge events, want 1", n)
	}
}

func countKind(events []praxis.Activity, kind string) int {
	n := 0
	for _, e := range events {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

// Reading a proposal, or listing proposals, records a merge found on main,
// including one that came in inside another proposal's merge.
func TestReadingRecordsMergesFoundOnMain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	first := f.propose(f.alice, stigma, "## About this workshop", "## About this workshop (Alice)")
	firstHead := f.branch(first.Branch)
	merge := f.mergeUnrecorded(firstHead, "Merge it")
	f.commitToMain("after")

	view, err := f.svc.Proposal(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if view.Status != praxis.ProposalMerged || view.MergeCommit != merge || view.Mergeable {
		t.Fatalf("view = status %s merge %s mergeable %v, want merged in %s", view.Status, view.MergeCommit, view.Mergeable, merge)
	}

	// Bob builds on Alice's open proposal; his proposal is merged, and with
	// it her commit, deeper than a parent of the merge.
	second := f.propose(f.alice, "organising-6-meetings", "## ", "## Opening\n\nA new opening.\n\n## ")
	secondHead := f.branch(second.Branch)
	onTop := f.pushBranch(fmt.Sprintf("proposals/%d/on-top", f.bob.ID), secondHead, "Bob's addition", "## About this workshop", "## About this workshop (Bob)")
	bobs, err := f.svc.ProposalFromPush(ctx, f.bob, fmt.Sprintf("proposals/%d/on-top", f.bob.ID), praxis.ZeroID, onTop)
	if err != nil {
		t.Fatal(err)
	}
	f.approve(bobs)
	bobsMerge, err := f.svc.Merge(ctx, f.maintainer, bobs.ID, onTop)
	if err != nil {
		t.Fatal(err)
	}
	f.commitToMain("after-bob")
	list, total, err := f.svc.Proposals(ctx, praxis.ProposalFilter{Status: praxis.ProposalOpen})
	if err != nil {
		t.Fatal(err)
	}
	if total != 0 || len(list) != 0 {
		t.Fatalf("open proposals = %d (%v), want none: every head is on main", total, list)
	}
	got, _ := f.db.FindProposal(ctx, second.ID)
	if got.Status != praxis.ProposalMerged || got.MergeCommit != bobsMerge {
		t.Errorf("Alice's second proposal = %s in %s, want merged in Bob's merge %s", got.Status, got.MergeCommit, bobsMerge)
	}
	// Its page shows its own change, not Bob's.
	view, err = f.svc.Proposal(ctx, second.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(view.Files) != 1 || view.Files[0].Path != "modules/organising-6-meetings/module.md" {
		t.Errorf("the merged proposal shows %+v, want only its own file", view.Files)
	}
}

// A branch reset to a version of main holds nothing of its own: it is not
// taken for merged.
func TestBranchAtAVersionOfMainIsNotMerged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	p := f.propose(f.alice, stigma, "## About this workshop", "## About this workshop (x)")
	head := f.branch(p.Branch)
	later := f.commitToMain("later")
	if err := f.store.MoveBranch(ctx, p.Branch, head, later); err != nil {
		t.Fatal(err)
	}
	view, err := f.svc.Proposal(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if view.Status != praxis.ProposalOpen {
		t.Fatalf("a proposal reset to main reads as %s", view.Status)
	}
}

// At start, what a crash or a restore leaves is brought into line with the
// refs: a pushed branch without a proposal gets one, a merged head that is
// still open is merged, a proposal whose branch is gone is closed (and can be
// reopened), a creation that never finished is removed or finished, a stale
// head is caught up, and a fork branch gets its record.
func TestReconcileAtStart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	main := f.branch("main")

	// A push git accepted, praxis never heard of.
	lostBranch := fmt.Sprintf("proposals/%d/lost-push", f.alice.ID)
	f.pushBranch(lostBranch, main, "Say what the debrief is for\n\nIt ran over in Leeds.", "## About this workshop", "## About this workshop (pushed)")

	// A merge that reached main, its status never saved.
	merged := f.propose(f.bob, "organising-6-meetings", "## ", "## Opening\n\nA new opening.\n\n## ")
	mergeCommit := f.mergeUnrecorded(f.branch(merged.Branch), "Merge")

	// A branch deleted with git, the close never recorded.
	deletedBranch := fmt.Sprintf("proposals/%d/deleted", f.bob.ID)
	deletedHead := f.pushBranch(deletedBranch, main, "To be deleted", "## About this workshop", "## About this workshop (deleted)")
	deleted, err := f.svc.ProposalFromPush(ctx, f.bob, deletedBranch, praxis.ZeroID, deletedHead)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.DeleteBranch(ctx, deletedBranch, deletedHead); err != nil {
		t.Fatal(err)
	}

	// A row written before its branch, the branch never made (how creation
	// used to fail).
	ghostID, err := f.db.CreateProposal(ctx, &praxis.Proposal{AuthorID: f.alice.ID, Title: "Ghost", Base: main, Head: main,
		Modules: []string{stigma}, Branch: review.ProposalBranch(f.alice.ID, stigma, 999)})
	if err != nil {
		t.Fatal(err)
	}
	// Rows of creations stopped between the row and the branch's name: one
	// whose branch was made, one whose was not.
	placeholders := []int64{}
	for i := range 2 {
		id, err := f.db.CreateProposal(ctx, &praxis.Proposal{AuthorID: f.alice.ID, Title: fmt.Sprint("Half made ", i), Base: main, Head: deletedHead,
			Modules: []string{stigma}, Branch: fmt.Sprintf("proposals/%d/:creating-%d", f.alice.ID, i)})
		if err != nil {
			t.Fatal(err)
		}
		placeholders = append(placeholders, id)
	}
	if err := f.store.CreateBranch(ctx, review.ProposalBranch(f.alice.ID, stigma, placeholders[0]), deletedHead); err != nil {
		t.Fatal(err)
	}

	// A push that moved an open proposal's branch, its record never updated.
	stale := f.propose(f.alice, stigma, "## Sources and further reading", "## Sources and further reading (first)")
	staleHead := f.pushBranch(stale.Branch, f.branch(stale.Branch), "Second go", "(first)", "(second)")

	// A fork made between a backup's database copy and its refs.
	if err := f.store.CreateBranch(ctx, review.ForkBranch(f.bob.ID, stigma), main); err != nil {
		t.Fatal(err)
	}

	done, err := f.svc.Reconcile(ctx)
	if err != nil {
		t.Fatal(err)
	}

	lost, err := f.db.FindProposalByBranch(ctx, lostBranch)
	if err != nil {
		t.Fatalf("the pushed branch has no proposal after reconciling: %v", err)
	}
	if lost.Status != praxis.ProposalOpen || lost.Title != "Say what the debrief is for" || lost.AuthorID != f.alice.ID || !slices.Contains(done.Opened, lost.ID) {
		t.Errorf("proposal for the lost push = %+v (opened %v)", lost, done.Opened)
	}
	if got, _ := f.db.FindProposal(ctx, merged.ID); got.Status != praxis.ProposalMerged || got.MergeCommit != mergeCommit {
		t.Errorf("merged proposal = %s in %s, want merged in %s", got.Status, got.MergeCommit, mergeCommit)
	}
	if got, _ := f.db.FindProposal(ctx, deleted.ID); got.Status != praxis.ProposalClosed || got.Head != deletedHead {
		t.Errorf("proposal whose branch is gone = %s at %s, want closed at %s", got.Status, got.Head, deletedHead)
	}
	if _, err := f.db.FindProposal(ctx, ghostID); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("the ghost proposal is still there: %v", err)
	}
	if got, err := f.db.FindProposal(ctx, placeholders[0]); err != nil || got.Branch != review.ProposalBranch(f.alice.ID, stigma, placeholders[0]) || got.Status != praxis.ProposalOpen {
		t.Errorf("the half-made proposal with a branch = %+v %v, want it finished", got, err)
	}
	if _, err := f.db.FindProposal(ctx, placeholders[1]); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("the half-made proposal without a branch is still there: %v", err)
	}
	if got, _ := f.db.FindProposal(ctx, stale.ID); got.Head != staleHead {
		t.Errorf("stale proposal head = %s, want %s", got.Head, staleHead)
	}
	if _, err := f.db.FindForkOf(ctx, f.bob.ID, stigma); err != nil || done.Forks != 1 {
		t.Errorf("fork branch record: %v (forks %d)", err, done.Forks)
	}

	// Every branch has its proposal, and every open proposal its branch.
	branches, _ := f.store.Branches(ctx, "proposals/")
	refs, _ := f.db.ProposalRefs(ctx, "proposals/")
	for branch := range branches {
		if !slices.ContainsFunc(refs, func(r db.ProposalRef) bool { return r.Branch == branch }) {
			t.Errorf("branch %s has no proposal", branch)
		}
	}
	for _, r := range refs {
		if _, ok := branches[r.Branch]; r.Status == praxis.ProposalOpen && !ok {
			t.Errorf("open proposal %d has no branch %s", r.ID, r.Branch)
		}
	}

	// A second run finds nothing to do.
	if again, err := f.svc.Reconcile(ctx); err != nil || again.Changed() {
		t.Errorf("second reconcile = %+v %v, want nothing changed", again, err)
	}
	// The closed proposal can be reopened: its branch comes back.
	if _, err := f.svc.SetStatus(ctx, f.bob, deleted.ID, praxis.ProposalOpen); err != nil {
		t.Fatal(err)
	}
	if head := f.branch(deletedBranch); head != deletedHead {
		t.Errorf("reopened branch at %s, want %s", head, deletedHead)
	}
	if view, err := f.svc.Proposal(ctx, deleted.ID); err != nil || len(view.Files) != 1 {
		t.Errorf("reopened proposal = %v, %v", view, err)
	}
	gitFsck(t, f.dir)
}

// Opening a proposal is all or nothing: when its branch cannot be made (the
// ref is locked by another writer), no proposal is left behind, and trying
// again opens exactly one.
func TestFailedCreationLeavesNoProposal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	f.propose(f.alice, stigma, "## About this workshop", "## About this workshop (first)")
	// The next proposal's id is 2; its branch's ref is locked.
	lock := filepath.Join(f.dir, "curriculum.git", "refs", "heads", filepath.FromSlash(review.ProposalBranch(f.alice.ID, stigma, 2))+".lock")
	if err := os.WriteFile(lock, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	plan := f.plan("main", stigma)
	req := review.NewProposal{Title: "Second", Module: stigma,
		Edits: []review.Edit{{Path: "module.md", Content: []byte(strings.Replace(plan, "## About this workshop", "## About this workshop (second)", 1))}}}
	if _, err := f.svc.CreateProposal(ctx, f.alice, req); praxis.ErrorCode(err) != praxis.EUNAVAILABLE {
		t.Fatalf("CreateProposal with the ref locked = %v, want EUNAVAILABLE", err)
	}
	if _, total, _ := f.db.ListProposals(ctx, praxis.ProposalFilter{}); total != 1 {
		t.Fatalf("%d proposals after a failed creation, want 1", total)
	}
	if events, _ := f.svc.Activity(ctx, praxis.ActivityFilter{}); countKind(events, praxis.ActivityProposalOpened) != 1 {
		t.Errorf("activity after a failed creation: %+v", events)
	}
	os.Remove(lock)
	p, err := f.svc.CreateProposal(ctx, f.alice, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, total, _ := f.db.ListProposals(ctx, praxis.ProposalFilter{}); total != 2 {
		t.Errorf("%d proposals after trying again, want 2", total)
	}
	if head := f.branch(p.Branch); head != p.Head || !strings.Contains(f.plan(head, stigma), "(second)") {
		t.Errorf("the new proposal's branch is at %s, recorded %s", head, p.Head)
	}
}

// A review is of the version the reviewer saw: if the author pushed since,
// it is refused and nothing is recorded; a newer version needs a new
// approval before it can be merged.
func TestReviewIsOfTheVersionSeen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	p := f.propose(f.alice, stigma, "## About this workshop", "## About this workshop (seen)")
	seen, err := f.svc.Proposal(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	plan := f.plan(seen.Head, stigma)
	newer, err := f.svc.EditProposal(ctx, f.alice, p.ID, stigma, seen.Head, []review.Edit{{Path: "module.md", Content: []byte(plan + "\nAdded after the review began.\n")}}, "More")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Review(ctx, f.maintainer, p.ID, praxis.VerdictApprove, "Looks good", seen.Head)
	var changed *review.ChangedError
	if !errors.As(err, &changed) || praxis.ErrorCode(err) != praxis.ECONFLICT || changed.Head != newer {
		t.Fatalf("approving a version that is no longer the head = %v, want ChangedError naming %s", err, newer)
	}
	if view, _ := f.svc.Proposal(ctx, p.ID); len(view.Reviews) != 0 || view.Approved {
		t.Fatalf("a refused review was recorded: %+v", view.Reviews)
	}
	if _, err := f.svc.Merge(ctx, f.maintainer, p.ID, newer); praxis.ErrorCode(err) != praxis.EINVALID {
		t.Errorf("merge without an approval of the head = %v", err)
	}
	if _, err := f.svc.Review(ctx, f.maintainer, p.ID, praxis.VerdictApprove, "Still good", newer); err != nil {
		t.Fatal(err)
	}
	// Another push makes that approval stale.
	latest, err := f.svc.EditProposal(ctx, f.alice, p.ID, stigma, newer, []review.Edit{{Path: "module.md", Content: []byte(plan + "\nAnd more.\n")}}, "More again")
	if err != nil {
		t.Fatal(err)
	}
	view, _ := f.svc.Proposal(ctx, p.ID)
	if view.Approved || view.Approval.Approvals != 0 {
		t.Fatalf("after a new version: approved %v with %d approvals, want the earlier approval stale", view.Approved, view.Approval.Approvals)
	}
	if _, err := f.svc.Merge(ctx, f.maintainer, p.ID, ""); praxis.ErrorCode(err) != praxis.EINVALID {
		t.Errorf("merge with only a stale approval = %v, want EINVALID", err)
	}
	if _, err := f.svc.Merge(ctx, f.maintainer, p.ID, newer); praxis.ErrorCode(err) != praxis.ECONFLICT {
		t.Errorf("merge of the approved but superseded version = %v, want ECONFLICT", err)
	}
	if _, err := f.svc.Review(ctx, f.maintainer, p.ID, praxis.VerdictApprove, "", latest); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Merge(ctx, f.maintainer, p.ID, latest); err != nil {
		t.Fatal(err)
	}
}

// Approvals count only from people other than the author, and a merge needs
// as many as the instance requires; a request for changes holds it back.
func TestApprovalsFromOthersAsManyAsRequired(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	admin := f.addUser("ada@example.org", praxis.RoleAdmin)
	second := f.addUser("sam@example.org", praxis.RoleMaintainer)
	third := f.addUser("tove@example.org", praxis.RoleMaintainer)
	p := f.propose(f.maintainer, stigma, "## About this workshop", "## About this workshop (by a maintainer)")
	head := f.branch(p.Branch)

	if _, err := f.svc.Review(ctx, f.maintainer, p.ID, praxis.VerdictApprove, "Mine is good", head); praxis.ErrorCode(err) != praxis.EFORBIDDEN {
		t.Fatalf("approving one's own proposal = %v, want EFORBIDDEN", err)
	}
	// One recorded before the rule existed does not count either.
	if _, err := f.db.AddReview(ctx, &praxis.Review{ProposalID: p.ID, ReviewerID: f.maintainer.ID, Verdict: praxis.VerdictApprove, Head: head, CreatedAt: f.maintainer.CreatedAt}, praxis.Activity{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Merge(ctx, f.maintainer, p.ID, head); praxis.ErrorCode(err) != praxis.EINVALID {
		t.Fatalf("merging with only the author's approval = %v, want EINVALID", err)
	}

	if got, _ := f.svc.RequiredApprovals(ctx); got != 1 {
		t.Fatalf("required approvals = %d, want 1 by default", got)
	}
	for _, bad := range []string{"0", "-1", "two", "", "99"} {
		if err := f.svc.SetRequiredApprovals(ctx, admin, bad); praxis.ErrorField(err) != "review_approvals" {
			t.Errorf("SetRequiredApprovals(%q) = %v, want a field error", bad, err)
		}
	}
	if err := f.svc.SetRequiredApprovals(ctx, f.maintainer, "2"); praxis.ErrorCode(err) != praxis.EFORBIDDEN {
		t.Errorf("a maintainer changing the setting = %v, want EFORBIDDEN", err)
	}
	if err := f.svc.SetRequiredApprovals(ctx, admin, " 2 "); err != nil {
		t.Fatal(err)
	}

	if _, err := f.svc.Review(ctx, second, p.ID, praxis.VerdictApprove, "", head); err != nil {
		t.Fatal(err)
	}
	view, _ := f.svc.Proposal(ctx, p.ID)
	if view.Approved || view.Approval.Approvals != 1 || view.Approval.Required != 2 {
		t.Fatalf("approval = %+v approved %v, want 1 of 2", view.Approval, view.Approved)
	}
	_, err := f.svc.Merge(ctx, f.maintainer, p.ID, head)
	if praxis.ErrorCode(err) != praxis.EINVALID || !strings.Contains(praxis.ErrorMessage(err), "1 of the 2 approvals") {
		t.Fatalf("merging with 1 of 2 approvals = %v", err)
	}
	if _, err := f.svc.Review(ctx, third, p.ID, praxis.VerdictRequestChanges, "Not yet", head); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Review(ctx, admin, p.ID, praxis.VerdictApprove, "", head); err != nil {
		t.Fatal(err)
	}
	if view, _ := f.svc.Proposal(ctx, p.ID); view.Approved || view.Approval.Approvals != 2 || len(view.Approval.ChangesRequested) != 1 {
		t.Fatalf("approval = %+v, want 2 approvals held back by tove's request", view.Approval)
	}
	if _, err := f.svc.Review(ctx, third, p.ID, praxis.VerdictApprove, "Now yes", head); err != nil {
		t.Fatal(err)
	}
	if view, _ := f.svc.Proposal(ctx, p.ID); !view.Approved || view.Approval.Approvals != 3 {
		t.Fatalf("approval = %+v, want approved", view.Approval)
	}
	if _, err := f.svc.Merge(ctx, f.maintainer, p.ID, head); err != nil {
		t.Fatal(err)
	}
}

// Reads racing a merge never record it twice or contradict it: one merge
// commit, one merge event, the merge's own record.
func TestReadsRacingAMerge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	p := f.propose(f.alice, stigma, "## About this workshop", "## About this workshop (raced)")
	f.approve(p)
	head := f.branch(p.Branch)
	start := f.branch("main")
	var wg sync.WaitGroup
	var commit string
	var mergeErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		commit, mergeErr = f.svc.Merge(ctx, f.maintainer, p.ID, head)
	}()
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				if _, err := f.svc.Proposal(ctx, p.ID); err != nil {
					t.Error(err)
				}
				if _, _, err := f.svc.Proposals(ctx, praxis.ProposalFilter{}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if mergeErr != nil {
		t.Fatal(mergeErr)
	}
	got, _ := f.db.FindProposal(ctx, p.ID)
	if got.Status != praxis.ProposalMerged || got.MergeCommit != commit || got.MergedBy != f.maintainer.ID {
		t.Fatalf("proposal = %s in %s by %d, want merged in %s by %d", got.Status, got.MergeCommit, got.MergedBy, commit, f.maintainer.ID)
	}
	log, _ := f.store.Log(ctx, f.branch("main"), start, 100)
	if len(log) != 2 { // the merge and the proposal's commit
		t.Errorf("main gained %d commits, want the merge and the proposal's own", len(log))
	}
	events, _ := f.svc.Activity(ctx, praxis.ActivityFilter{ProposalID: p.ID})
	if n := countKind(events, praxis.ActivityProposalMerged); n != 1 {
		t.Errorf("%d merge events, want 1", n)
	}
}
