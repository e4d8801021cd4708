package gitstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// attributingIndex is a memoryIndex that also records attributions, or
// fails to when fail is set.
type attributingIndex struct {
	*memoryIndex
	fail         bool
	attributions map[string]praxis.Attribution
}

func (a *attributingIndex) RecordAttributions(_ context.Context, list []praxis.Attribution) error {
	if a.fail {
		return errors.New("the database is locked")
	}
	for _, at := range list {
		a.attributions[at.Object] = at
	}
	return nil
}

// TestCommitsRecordWhoIsResponsible: a commit with By records the account
// (saved, or merged for a merge into main) as its git author reads; a tag
// records who cut it; and when the record cannot be written, the branch does
// not move.
func TestCommitsRecordWhoIsResponsible(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	idx := &attributingIndex{memoryIndex: newMemoryIndex(), attributions: map[string]praxis.Attribution{}}
	s, _, seed := seeded(t, idx)
	if len(idx.attributions) != 0 {
		t.Fatalf("the seed, which no account made, was attributed: %v", idx.attributions)
	}
	change := func(content string) []praxis.FileChange {
		return []praxis.FileChange{{Path: "modules/stigma/module.md", Content: []byte(content)}}
	}
	if err := s.CreateBranch(ctx, "forks/7/stigma", seed); err != nil {
		t.Fatal(err)
	}
	fork, err := s.WriteCommit(ctx, gitstore.CommitRequest{Branch: "forks/7/stigma", Expected: seed, Changes: change("fork\n"),
		Author: praxis.Signature{Name: "Ann <Lee>", Email: "ann@example.org"}, Message: "Edit", By: 7})
	if err != nil {
		t.Fatal(err)
	}
	if a := idx.attributions[fork]; a.UserID != 7 || a.Action != praxis.ActionSaved || a.AuthorName != "Ann Lee" || a.AuthorEmail != "ann@example.org" {
		t.Errorf("fork commit attribution = %+v (the author as written to git: Ann Lee)", a)
	}
	merge, err := s.WriteCommit(ctx, gitstore.CommitRequest{Branch: "main", Expected: seed, Parents: []string{seed, fork}, Changes: change("fork\n"),
		Author: praxis.Signature{Name: "Maya", Email: "maya@example.org"}, Message: "Merge", By: 9})
	if err != nil {
		t.Fatal(err)
	}
	if a := idx.attributions[merge]; a.UserID != 9 || a.Action != praxis.ActionMerged {
		t.Errorf("merge attribution = %+v", a)
	}
	if err := s.CreateTag(ctx, "v2026.11", merge, praxis.Signature{Name: "Maya", Email: "maya@example.org"}, "Notes", 9); err != nil {
		t.Fatal(err)
	}
	tags, _ := s.Tags(ctx)
	if len(tags) != 1 || idx.attributions[tags[0].ID].Action != praxis.ActionReleased || idx.attributions[tags[0].ID].UserID != 9 {
		t.Errorf("tag %+v attribution = %+v", tags, idx.attributions)
	}

	idx.fail = true
	if _, err := s.WriteCommit(ctx, gitstore.CommitRequest{Branch: "main", Expected: merge, Changes: change("lost\n"),
		Author: praxis.Signature{Name: "Maya", Email: "maya@example.org"}, Message: "Edit", By: 9}); err == nil {
		t.Fatal("a commit whose account could not be recorded was written")
	}
	if main, _ := s.Branch(ctx, "main"); main != merge {
		t.Errorf("main moved to %s although the commit's account was not recorded", main)
	}
}
