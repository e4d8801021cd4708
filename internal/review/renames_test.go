package review_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/review"
	"github.com/praxis-coop/praxis/internal/testenv"
)

// TestForksAndProposalsFollowAMovedModule: a fork and a proposal made before
// a module's folder moved on main show under the module's new name, and their
// changes land in the moved folder when they are brought up to date and
// merged.
func TestForksAndProposalsFollowAMovedModule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := testenv.New(t, testenv.Options{})
	svc := review.New(review.Config{DB: env.DB, Store: env.Store, Catalog: env.Catalog, History: env.History})
	accounts := account.New(account.Config{Hashing: testenv.PasswordHashing(), DB: env.DB})
	add := func(email string, role praxis.Role) *praxis.User {
		u, _, err := accounts.AddUser(ctx, account.NewUser{Email: email, Name: strings.Split(email, "@")[0], Roles: []praxis.Role{role}})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	alice, bob, maya := add("alice@example.org", praxis.RoleFacilitator), add("bob@example.org", praxis.RoleFacilitator), add("maya@example.org", praxis.RoleMaintainer)
	plan := func(rev, slug string) string {
		t.Helper()
		snap, err := env.Store.Snapshot(ctx, rev)
		if err != nil {
			t.Fatal(err)
		}
		data, err := snap.ReadFile("modules/" + slug + "/module.md")
		if err != nil {
			t.Fatalf("%s at %s: %v", slug, rev, err)
		}
		return string(data)
	}
	const renamed = "stigma-and-shame"
	const aliceLine, bobLine = "Alice's adaptation for tenants.", "Bob's improvement."

	fork, head, err := svc.CreateFork(ctx, alice, stigma)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.EditFork(ctx, alice, fork.ID, head, []review.Edit{{Path: "module.md", Content: []byte(strings.Replace(plan("main", stigma), "## ", aliceLine+"\n\n## ", 1))}}, "Adapt"); err != nil {
		t.Fatal(err)
	}
	bobFork, bobHead, err := svc.CreateFork(ctx, bob, stigma)
	if err != nil {
		t.Fatal(err)
	}
	const bobForkLine = "Bob's fork, never updated."
	if _, err := svc.EditFork(ctx, bob, bobFork.ID, bobHead, []review.Edit{{Path: "handouts/bob.md", Content: []byte("# " + bobForkLine + "\n")}}, "Add"); err != nil {
		t.Fatal(err)
	}
	original := plan("main", stigma)
	last := strings.LastIndex(original, "\n## ")
	proposal, err := svc.CreateProposal(ctx, bob, review.NewProposal{Title: "Improve the stigma workshop", Module: stigma,
		Edits: []review.Edit{{Path: "module.md", Content: []byte(original[:last] + "\n" + bobLine + "\n" + original[last:])}}})
	if err != nil {
		t.Fatal(err)
	}

	// The module's folder moves on main (the series follows).
	snap, _ := env.Store.Snapshot(ctx, "main")
	series, _ := snap.ReadFile("series/exploring-class.yaml")
	env.Commit(t, "Rename the stigma workshop", append(testenv.CopyModule(t, snap, stigma, renamed, true),
		praxis.FileChange{Path: "series/exploring-class.yaml", Content: []byte(strings.Replace(string(series), stigma, renamed, 1))})...)

	if got, err := svc.ForkOf(ctx, alice.ID, renamed); err != nil || got.ID != fork.ID {
		t.Errorf("ForkOf(%s) = %+v %v, want fork %d", renamed, got, err, fork.ID)
	}
	var exists *review.ExistsError
	if _, _, err := svc.CreateFork(ctx, alice, renamed); !errors.As(err, &exists) || exists.ForkID != fork.ID {
		t.Errorf("a second fork under the new name = %v, want her fork %d", err, fork.ID)
	}
	open, _, err := svc.Proposals(ctx, praxis.ProposalFilter{Status: praxis.ProposalOpen, Module: renamed})
	if err != nil || len(open) != 1 || open[0].ID != proposal.ID {
		t.Errorf("open proposals of %s = %v %v, want #%d", renamed, open, err, proposal.ID)
	}

	// Bob's proposal merges into the moved folder.
	view, err := svc.Proposal(ctx, proposal.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !view.Mergeable || len(view.Conflicts) != 0 || len(view.Lint.All) != 0 {
		t.Fatalf("proposal after the move: mergeable %v, conflicts %v, lint %v", view.Mergeable, view.Conflicts, view.Lint.All)
	}
	if _, err := svc.Review(ctx, maya, proposal.ID, praxis.VerdictApprove, "Good", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Merge(ctx, maya, proposal.ID, view.Head); err != nil {
		t.Fatal(err)
	}
	if p := plan("main", renamed); !strings.Contains(p, bobLine) {
		t.Error("the proposal's change did not land in the moved folder")
	}
	if _, err := env.Catalog.Module(ctx, stigma, ""); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("the old folder came back with the merge: %v", err)
	}

	// Alice's fork takes the move in when she updates it, and proposes.
	up, err := svc.UpdateFromMain(ctx, alice, review.Target{ForkID: fork.ID})
	if err != nil || len(up.Conflicts) != 0 {
		t.Fatalf("update from main = %+v %v", up, err)
	}
	if p := plan(up.Head, renamed); !strings.Contains(p, aliceLine) || !strings.Contains(p, bobLine) {
		t.Error("the updated fork lacks her change or Bob's in the moved folder")
	}
	if module, _, _, err := svc.ForkInfo(ctx, fork.ID); err != nil || module != renamed {
		t.Errorf("the fork's module = %q %v, want %s", module, err, renamed)
	}
	from, err := svc.CreateProposal(ctx, alice, review.NewProposal{Title: "Tenants' version", ForkID: fork.ID})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(from.Modules, []string{renamed}) {
		t.Errorf("proposal from the fork changes %v, want [%s]", from.Modules, renamed)
	}

	// Bob proposes from his fork as it was made, under the old name; the
	// merge carries his new handout into the moved folder.
	fromOld, err := svc.CreateProposal(ctx, bob, review.NewProposal{Title: "A handout", ForkID: bobFork.ID})
	if err != nil {
		t.Fatalf("a proposal from a fork of the old name: %v", err)
	}
	view, err = svc.Proposal(ctx, fromOld.ID)
	if err != nil || !view.Mergeable {
		t.Fatalf("proposal from the old fork: %v, mergeable %v, conflicts %v, lint %v", err, view.Mergeable, view.Conflicts, view.Lint.All)
	}
	if _, err := svc.Review(ctx, maya, fromOld.ID, praxis.VerdictApprove, "Good", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Merge(ctx, maya, fromOld.ID, view.Head); err != nil {
		t.Fatal(err)
	}
	snap, _ = env.Store.Snapshot(ctx, "main")
	if data, err := snap.ReadFile("modules/" + renamed + "/handouts/bob.md"); err != nil || !strings.Contains(string(data), bobForkLine) {
		t.Errorf("the handout from the old fork is not in the moved folder: %v", err)
	}
	if _, err := snap.Stat("modules/" + stigma); err == nil {
		t.Error("merging the old fork brought the old folder back")
	}
}

// TestResolvingAnUpdateAcrossAMove: when main moved a module's folder and
// changed the same lines as the fork, keeping "yours" keeps the fork's text,
// in the moved folder.
func TestResolvingAnUpdateAcrossAMove(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := testenv.New(t, testenv.Options{})
	svc := review.New(review.Config{DB: env.DB, Store: env.Store, Catalog: env.Catalog, History: env.History})
	accounts := account.New(account.Config{Hashing: testenv.PasswordHashing(), DB: env.DB})
	carol, _, err := accounts.AddUser(ctx, account.NewUser{Email: "carol@example.org", Name: "Carol", Roles: []praxis.Role{praxis.RoleFacilitator}})
	if err != nil {
		t.Fatal(err)
	}
	const renamed = "stigma-and-shame"
	snap, _ := env.Store.Snapshot(ctx, "main")
	plan, _ := snap.ReadFile("modules/" + stigma + "/module.md")
	line := "## "
	fork, head, err := svc.CreateFork(ctx, carol, stigma)
	if err != nil {
		t.Fatal(err)
	}
	ours := strings.Replace(string(plan), line, "Carol's opening words.\n\n"+line, 1)
	if _, err := svc.EditFork(ctx, carol, fork.ID, head, []review.Edit{{Path: "module.md", Content: []byte(ours)}}, "Mine"); err != nil {
		t.Fatal(err)
	}
	move := testenv.CopyModule(t, snap, stigma, renamed, true)
	for i := range move {
		if move[i].Path == "modules/"+renamed+"/module.md" {
			move[i].Content = []byte(strings.Replace(string(plan), line, "Main's opening words.\n\n"+line, 1))
		}
	}
	env.Commit(t, "Move and edit", move...)

	up, err := svc.UpdateFromMain(ctx, carol, review.Target{ForkID: fork.ID})
	if err != nil || len(up.Conflicts) != 1 || up.Conflicts[0].Path != "modules/"+renamed+"/module.md" {
		t.Fatalf("update = %+v %v, want one conflict in the moved plan", up, err)
	}
	next, err := svc.ResolveUpdate(ctx, carol, review.Target{ForkID: fork.ID}, up.Head, up.Main,
		map[string]review.Resolution{up.Conflicts[0].Path: {Keep: "yours"}})
	if err != nil {
		t.Fatal(err)
	}
	after, _ := env.Store.Snapshot(ctx, next)
	if data, err := after.ReadFile("modules/" + renamed + "/module.md"); err != nil || string(data) != ours {
		t.Errorf("kept yours = %v, want Carol's plan in the moved folder", err)
	}
}
