package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/review"
)

// Starting praxis brings proposals into line with the repository as a crash
// left it: a pushed branch with no proposal gets one, and a proposal whose
// merge reached main but was never recorded is merged.
func TestStartReconcilesProposalsWithTheRepository(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dataDir := filepath.Join(t.TempDir(), "data")
	a, err := openApp(ctx, dataDir, slog.New(slog.DiscardHandler), options{})
	if err != nil {
		t.Fatal(err)
	}
	alice, _, err := a.accounts.AddUser(ctx, account.NewUser{Email: "alice@example.org", Name: "Alice", Roles: []praxis.Role{praxis.RoleFacilitator}, Password: "a long enough passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	const stigma = "exploring-class-2-stigma"
	snap, _ := a.store.Snapshot(ctx, "main")
	plan, _ := snap.ReadFile("modules/" + stigma + "/module.md")
	p, err := a.review.CreateProposal(ctx, alice, review.NewProposal{Title: "Merged as praxis went down", Module: stigma,
		Edits: []review.Edit{{Path: "module.md", Content: []byte(strings.Replace(string(plan), "## About this workshop", "## About this workshop (merged)", 1))}}})
	if err != nil {
		t.Fatal(err)
	}
	a.close()

	// What a crash leaves: a merge on main with its proposal open, and a
	// pushed branch praxis never heard of.
	store, _, err := gitstore.Open(filepath.Join(dataDir, repositoryDir), gitstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	main, _ := store.Branch(ctx, praxis.MainBranch)
	result, err := store.Merge(ctx, main, p.Head, gitstore.MergeOptions{Write: true})
	if err != nil {
		t.Fatal(err)
	}
	merge, err := store.WriteCommit(ctx, gitstore.CommitRequest{Branch: praxis.MainBranch, Expected: main, Parents: []string{main, p.Head}, Tree: result.Tree,
		Message: "Merge proposal", Author: praxis.Signature{Name: "Maya"}})
	if err != nil {
		t.Fatal(err)
	}
	merged, _ := store.Snapshot(ctx, merge)
	plan, _ = merged.ReadFile("modules/" + stigma + "/module.md")
	lost := fmt.Sprintf("proposals/%d/lost", alice.ID)
	if _, err := store.WriteCommit(ctx, gitstore.CommitRequest{Branch: lost, Parents: []string{merge}, Message: "Pushed before the crash",
		Changes: []praxis.FileChange{{Path: "modules/" + stigma + "/module.md", Content: []byte(strings.Replace(string(plan), "## Sources", "## Sources (pushed)", 1))}},
		Author:  praxis.Signature{Name: "Alice"}}); err != nil {
		t.Fatal(err)
	}
	store.Close()

	a, err = openApp(ctx, dataDir, slog.New(slog.DiscardHandler), options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	if got, _ := a.db.FindProposal(ctx, p.ID); got.Status != praxis.ProposalMerged || got.MergeCommit != merge {
		t.Errorf("after a restart the merged proposal is %s in %q, want merged in %s", got.Status, got.MergeCommit, merge)
	}
	if got, err := a.db.FindProposalByBranch(ctx, lost); err != nil || got.Title != "Pushed before the crash" || got.Status != praxis.ProposalOpen {
		t.Errorf("after a restart the pushed branch has proposal %+v, %v", got, err)
	}
}
