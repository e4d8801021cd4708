package gitstore

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// MaxPathLength bounds the paths of files praxis writes.
const MaxPathLength = 1024

// CommitRequest asks for a commit on a branch.
type CommitRequest struct {
	// Branch is the branch to move, such as "main" or "forks/12/stigma".
	Branch string
	// Expected is the commit the branch must point at when it moves; "" means the
	// branch must not exist yet. This is the compare in compare-and-swap.
	Expected string
	// Parents of the new commit; when empty, Expected alone (or none when
	// Expected is ""). Changes apply to the tree of the first parent.
	Parents []string
	// Tree, when set, is the tree the changes apply to instead of the first
	// parent's: the tree of a merge (MergeResult.Tree).
	Tree string
	// Changes to files, applied in order.
	Changes []praxis.FileChange
	// Author of the change; also recorded as committer. A zero When means now.
	Author  praxis.Signature
	Message string
	// By is the praxis account responsible for the commit (0 for none, as
	// for the seed): who saved it, or, for a commit with several parents on
	// main, who merged it. It is recorded with the commit, before any branch
	// moves, when the store's Indexer is also an Attributor.
	By int64
}

// Attributor records which praxis account is responsible for an object. The
// store's Indexer may implement it (history.Index does).
type Attributor interface {
	RecordAttributions(ctx context.Context, attributions []praxis.Attribution) error
}

// attribute records who is responsible for an object, when the request
// names someone and the indexer keeps such records.
func (s *Store) attribute(ctx context.Context, id string, by int64, action string, who object.Signature) error {
	recorder, ok := s.indexer.(Attributor)
	if by == 0 || !ok {
		return nil
	}
	err := recorder.RecordAttributions(ctx, []praxis.Attribution{{Object: id, UserID: by, Action: action,
		AuthorName: who.Name, AuthorEmail: who.Email, At: who.When}})
	if err != nil {
		return fmt.Errorf("gitstore: record who made %s: %w", id, err)
	}
	return nil
}

// WriteCommit writes the changes as a new commit and moves the branch to it if,
// and only if, the branch still points at req.Expected. It returns the new
// commit's id. A branch that moved meanwhile gives ECONFLICT and the branch is left
// as it was; bad paths give EINVALID; a commit that changes nothing gives EINVALID.
// When the branch is main, the history index catches up before WriteCommit returns.
func (s *Store) WriteCommit(ctx context.Context, req CommitRequest) (string, error) {
	refName := BranchRef(req.Branch)
	if !ValidRefName(refName) {
		return "", praxis.Errorf(praxis.EINVALID, "%q is not a valid branch name", req.Branch)
	}
	// The commit's objects must not be pruned before the branch makes them
	// reachable.
	release, err := s.HoldObjects()
	if err != nil {
		return "", err
	}
	defer release()
	commitID, err := s.CreateCommit(ctx, req)
	if err != nil {
		return "", err
	}
	if err := s.updateRef(refName, req.Expected, commitID); err != nil {
		return "", err
	}
	if req.Branch == praxis.MainBranch {
		s.catchUpQuietly(ctx)
	}
	return commitID, nil
}

// CreateCommit writes the commit that WriteCommit would, without moving any
// branch: for checking a result before publishing it with MoveBranch.
// req.Branch is not used.
func (s *Store) CreateCommit(ctx context.Context, req CommitRequest) (string, error) {
	parents := req.Parents
	if len(parents) == 0 && req.Expected != "" {
		parents = []string{req.Expected}
	}
	for _, p := range append(parents, req.Expected) {
		if p != "" && !isObjectID(p) {
			return "", praxis.Errorf(praxis.EINVALID, "%q is not a commit id", p)
		}
	}
	changes, err := cleanChanges(req.Changes)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(req.Message) == "" {
		return "", praxis.Errorf(praxis.EINVALID, "a commit needs a message saying what changed")
	}
	release, err := s.HoldObjects()
	if err != nil {
		return "", err
	}
	defer release()

	var commitID string
	err = s.withHandle(ctx, func(h *filesystem.Storage) error {
		var baseTree plumbing.Hash
		if len(parents) > 0 {
			c, err := getCommit(h, plumbing.NewHash(parents[0]))
			if err != nil {
				return err
			}
			baseTree = c.TreeHash
		}
		parentTree := baseTree
		if req.Tree != "" {
			if !isObjectID(req.Tree) {
				return praxis.Errorf(praxis.EINVALID, "%q is not a tree id", req.Tree)
			}
			baseTree = plumbing.NewHash(req.Tree)
		}
		newTree, err := s.applyChanges(h, baseTree, "", changes)
		if err != nil {
			return err
		}
		if len(parents) == 1 && newTree == parentTree {
			return praxis.Errorf(praxis.EINVALID, "nothing changed: the files are the same as before")
		}
		author := signature(req.Author)
		commit := &object.Commit{
			Author:    author,
			Committer: author,
			Message:   normaliseMessage(req.Message),
			TreeHash:  newTree,
		}
		for _, p := range parents {
			commit.ParentHashes = append(commit.ParentHashes, plumbing.NewHash(p))
		}
		obj := h.NewEncodedObject()
		if err := commit.Encode(obj); err != nil {
			return err
		}
		hash, err := h.SetEncodedObject(obj)
		if err != nil {
			return err
		}
		commitID = hash.String()
		return nil
	})
	if err != nil {
		if praxis.ErrorCode(err) != praxis.EINTERNAL {
			return "", err
		}
		return "", storageError(fmt.Errorf("gitstore: commit to %s: %w", req.Branch, err))
	}
	action := praxis.ActionSaved
	if req.Branch == praxis.MainBranch && len(parents) > 1 {
		action = praxis.ActionMerged
	}
	if err := s.attribute(ctx, commitID, req.By, action, signature(req.Author)); err != nil {
		return "", err
	}
	return commitID, nil
}

// CreateBranch makes a new branch pointing at an existing commit. ECONFLICT when
// the branch exists already.
func (s *Store) CreateBranch(ctx context.Context, branch, commit string) error {
	release, err := s.HoldObjects() // the commit must not be pruned before the branch reaches it
	if err != nil {
		return err
	}
	defer release()
	if _, err := s.FindCommit(ctx, commit); err != nil {
		return err
	}
	return s.updateRef(BranchRef(branch), "", commit)
}

// MoveBranch moves a branch from expected to next (both commit ids) by
// compare-and-swap; ECONFLICT when it no longer points at expected.
func (s *Store) MoveBranch(ctx context.Context, branch, expected, next string) error {
	release, err := s.HoldObjects() // next must not be pruned before the branch reaches it
	if err != nil {
		return err
	}
	defer release()
	if _, err := s.FindCommit(ctx, next); err != nil {
		return err
	}
	if err := s.updateRef(BranchRef(branch), expected, next); err != nil {
		return err
	}
	if branch == praxis.MainBranch {
		s.catchUpQuietly(ctx)
	}
	return nil
}

// DeleteBranch removes a branch if it still points at expected.
func (s *Store) DeleteBranch(ctx context.Context, branch, expected string) error {
	if branch == praxis.MainBranch {
		return praxis.Errorf(praxis.EFORBIDDEN, "main cannot be deleted")
	}
	if expected == "" {
		return praxis.Errorf(praxis.EINVALID, "say which commit the branch must point at to be deleted")
	}
	return s.updateRef(BranchRef(branch), expected, "")
}

// Branch returns the commit a branch points at; ENOTFOUND when it does not exist.
func (s *Store) Branch(ctx context.Context, branch string) (string, error) {
	id, ok, err := s.readRef(BranchRef(branch))
	if err != nil {
		return "", err
	}
	if !ok {
		return "", praxis.Errorf(praxis.ENOTFOUND, "there is no branch %q", branch)
	}
	return id, nil
}

// Branches returns every branch whose name starts with prefix (such as
// "proposals/12/") with the commit it points at, keyed by branch name.
func (s *Store) Branches(ctx context.Context, prefix string) (map[string]string, error) {
	refs, err := s.listRefs(BranchRef(prefix))
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(refs))
	for name, id := range refs {
		out[strings.TrimPrefix(name, headsPrefix)] = id
	}
	return out, nil
}

// Seed commits every file of fsys as the first commit on main, if the repository
// has no refs at all (it was just created). It reports whether it committed.
// Later starts never re-seed, even if main was deleted.
func (s *Store) Seed(ctx context.Context, fsys fs.FS, author praxis.Signature, message string) (bool, error) {
	refs, err := s.listRefs("refs/")
	if err != nil {
		return false, err
	}
	if len(refs) > 0 {
		return false, nil
	}
	var changes []praxis.FileChange
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		changes = append(changes, praxis.FileChange{Path: p, Content: data})
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("gitstore: seed: %w", err)
	}
	if _, err := s.WriteCommit(ctx, CommitRequest{
		Branch: praxis.MainBranch, Changes: changes, Author: author, Message: message,
	}); err != nil {
		return false, err
	}
	return true, nil
}

// cleanChanges validates and normalises the paths of a set of changes.
func cleanChanges(changes []praxis.FileChange) ([]praxis.FileChange, error) {
	out := make([]praxis.FileChange, len(changes))
	for i, c := range changes {
		p, err := CleanPath(c.Path)
		if err != nil {
			return nil, err
		}
		c.Path = p
		out[i] = c
	}
	return out, nil
}

// CleanPath checks a repository path supplied from outside: relative, forward
// slashes, no "..", no empty parts, no ".git" parts, no control characters.
func CleanPath(p string) (string, error) {
	bad := func(why string) (string, error) {
		return "", praxis.Errorf(praxis.EINVALID, "the path %q is not allowed: %s", p, why)
	}
	switch {
	case p == "":
		return bad("it is empty")
	case len(p) > MaxPathLength:
		return bad("it is too long")
	case strings.HasPrefix(p, "/"):
		return bad("it must be relative")
	case strings.Contains(p, "\\"):
		return bad("use forward slashes")
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return bad("it contains a control character")
		}
	}
	for _, part := range strings.Split(p, "/") {
		switch {
		case part == "" || part == ".":
			return bad("it has an empty part")
		case part == "..":
			return bad("it leaves its folder")
		case strings.EqualFold(part, ".git"):
			return bad(".git is reserved")
		}
	}
	return path.Clean(p), nil
}

// applyChanges writes the tree that results from applying changes (whose paths
// are below dir) to the tree base, and returns its id. Unchanged subtrees are
// reused as they are.
func (s *Store) applyChanges(h *filesystem.Storage, base plumbing.Hash, dir string, changes []praxis.FileChange) (plumbing.Hash, error) {
	entries := map[string]object.TreeEntry{}
	if !base.IsZero() {
		listing, err := s.treeWith(h, base)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		for _, e := range listing.entries {
			entries[e.Name] = e
		}
	}

	// Group changes by their first path part: files here, and folders below.
	below := map[string][]praxis.FileChange{}
	var folders []string
	for _, c := range changes {
		name, rest, isDeeper := strings.Cut(c.Path, "/")
		full := path.Join(dir, name)
		if isDeeper {
			if e, ok := entries[name]; ok && e.Mode != filemode.Dir {
				return plumbing.ZeroHash, praxis.Errorf(praxis.EINVALID, "%s is a file, so it cannot hold %s", full, c.Path)
			}
			if _, seen := below[name]; !seen {
				folders = append(folders, name)
			}
			below[name] = append(below[name], praxis.FileChange{Path: rest, Content: c.Content, Delete: c.Delete})
			continue
		}
		existing, exists := entries[name]
		if exists && existing.Mode == filemode.Dir {
			if c.Delete {
				return plumbing.ZeroHash, praxis.Errorf(praxis.EINVALID, "%s is a folder; delete the files in it instead", full)
			}
			return plumbing.ZeroHash, praxis.Errorf(praxis.EINVALID, "%s is a folder, so it cannot be written as a file", full)
		}
		if c.Delete {
			if !exists {
				return plumbing.ZeroHash, praxis.Errorf(praxis.ENOTFOUND, "there is no file %s to delete", full)
			}
			delete(entries, name)
			continue
		}
		hash, err := s.writeBlob(h, c.Content)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		mode := filemode.Regular
		if exists && existing.Mode == filemode.Executable {
			mode = filemode.Executable
		}
		entries[name] = object.TreeEntry{Name: name, Mode: mode, Hash: hash}
	}
	for _, name := range folders {
		var sub plumbing.Hash
		if e, ok := entries[name]; ok {
			sub = e.Hash
		}
		newSub, err := s.applyChanges(h, sub, path.Join(dir, name), below[name])
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if newSub == emptyTree {
			delete(entries, name) // git does not keep empty folders
			continue
		}
		entries[name] = object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: newSub}
	}

	tree := &object.Tree{Entries: make([]object.TreeEntry, 0, len(entries))}
	for _, e := range entries {
		tree.Entries = append(tree.Entries, e)
	}
	sortEntries(tree.Entries)
	obj := h.NewEncodedObject()
	if err := tree.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	// The next commit on this branch will start from this tree: remember it
	// rather than read it back from disk.
	s.cacheTree(obj.Hash(), tree.Entries)
	if h.HasEncodedObject(obj.Hash()) == nil {
		s.freshen(obj.Hash())
		return obj.Hash(), nil
	}
	return h.SetEncodedObject(obj)
}

// emptyTree is the id of the tree with no entries.
var emptyTree = plumbing.NewHash("4b825dc642cb6eb9a060e54bf8d69288fbee4904")

func (s *Store) writeBlob(h *filesystem.Storage, content []byte) (plumbing.Hash, error) {
	hash := plumbing.ComputeHash(plumbing.BlobObject, content)
	if h.HasEncodedObject(hash) == nil {
		s.freshen(hash)
		return hash, nil
	}
	obj := h.NewEncodedObject()
	obj.SetType(plumbing.BlobObject)
	obj.SetSize(int64(len(content)))
	w, err := obj.Writer()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if _, err := w.Write(content); err != nil {
		return plumbing.ZeroHash, err
	}
	if err := w.Close(); err != nil {
		return plumbing.ZeroHash, err
	}
	return h.SetEncodedObject(obj)
}

// signature makes a git signature that git fsck --strict accepts: no angle
// brackets or line breaks in the name or email, a time in UTC.
func signature(sig praxis.Signature) object.Signature {
	clean := strings.NewReplacer("<", "", ">", "", "\n", " ", "\r", " ", "\x00", "")
	name := strings.TrimSpace(clean.Replace(sig.Name))
	if name == "" {
		name = "praxis"
	}
	email := strings.TrimSpace(clean.Replace(sig.Email))
	if email == "" {
		email = "praxis@localhost"
	}
	when := sig.When
	if when.IsZero() {
		when = time.Now()
	}
	return object.Signature{Name: name, Email: email, When: when.UTC().Truncate(time.Second)}
}

// normaliseMessage ends a commit message with exactly one newline, as git does.
func normaliseMessage(msg string) string {
	msg = strings.ReplaceAll(msg, "\r\n", "\n")
	msg = strings.ReplaceAll(msg, "\x00", "")
	return strings.TrimRight(strings.TrimSpace(msg), "\n") + "\n"
}

// sortEntries puts tree entries in git's order without allocating for each
// comparison (go-git's sorter builds a string per compare).
func sortEntries(entries []object.TreeEntry) {
	slices.SortFunc(entries, func(a, b object.TreeEntry) int {
		return compareEntryNames(a.Name, a.Mode == filemode.Dir, b.Name, b.Mode == filemode.Dir)
	})
}
