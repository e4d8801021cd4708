package gitstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Limits on what praxis reads from the repository. Every object's size is read
// from its header before anything is inflated (see loadObject), so a
// decompression bomb (a gigabyte of zeros is a megabyte on disk) costs nothing
// but the refusal.
const (
	// MaxBlobSize is the largest file read whole into memory: plans,
	// handouts to render, diffs, merges. Files praxis accepts (uploads and
	// pushes) are at most 5 MB.
	MaxBlobSize = 8 << 20
	// MaxStreamSize is the largest file served at all, streamed from the
	// object store (handouts, zips), never held in memory whole.
	MaxStreamSize = 64 << 20
	// maxTreeSize bounds commits, trees and tags: a tree of a thousand
	// modules is about 50 KB.
	maxTreeSize = 8 << 20
	// largeObject is the size above which storage handles read objects
	// lazily (go-git's LargeObjectThreshold): the object's header only, its
	// content when it is read, as a stream.
	largeObject = 1 << 20
)

// loadObject returns an object after checking its size, from its header,
// against limit: ETOOLARGE beyond it. Handles read objects above largeObject
// lazily, so nothing is inflated before the check. (A delta in a pack is the
// exception: go-git inflates the delta's instructions to learn the size of
// its result. Pushes cannot bring such deltas any more, since the pre-receive
// hook refuses objects over the file limit using git's own header reads.)
func loadObject(h *filesystem.Storage, t plumbing.ObjectType, hash plumbing.Hash, limit int64) (plumbing.EncodedObject, error) {
	obj, err := h.EncodedObject(t, hash)
	if err != nil {
		return nil, err
	}
	if obj.Size() > limit {
		return nil, tooLarge(obj.Size(), limit)
	}
	return obj, nil
}

// tooLarge is the error for an object over a limit.
func tooLarge(size, limit int64) error {
	return praxis.Errorf(praxis.ETOOLARGE, "the file is %s, more than the %s praxis reads", megabytes(size), megabytes(limit))
}

// megabytes says a size for people: "1.5 MB", "1024 MB".
func megabytes(n int64) string {
	mb := float64(n) / (1 << 20)
	if mb >= 100 || mb == float64(int64(mb)) {
		return fmt.Sprintf("%.0f MB", mb)
	}
	return fmt.Sprintf("%.1f MB", mb)
}

// getCommit reads and decodes a commit, refusing an oversized one.
func getCommit(h *filesystem.Storage, hash plumbing.Hash) (*object.Commit, error) {
	obj, err := loadObject(h, plumbing.CommitObject, hash, maxTreeSize)
	if err != nil {
		return nil, err
	}
	return object.DecodeCommit(h, obj)
}

// getTree reads and decodes a tree, refusing an oversized one.
func getTree(h *filesystem.Storage, hash plumbing.Hash) (*object.Tree, error) {
	obj, err := loadObject(h, plumbing.TreeObject, hash, maxTreeSize)
	if err != nil {
		return nil, err
	}
	return object.DecodeTree(h, obj)
}

// readAll reads an object whose size is known and bounded.
func readAll(obj plumbing.EncodedObject) ([]byte, error) {
	r, err := obj.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data := make([]byte, obj.Size())
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, err
	}
	return data, nil
}

// Resolve returns the id of the commit that rev names: a branch ("main",
// "forks/12/x"), a tag ("v2026.11"), a full ref name ("refs/heads/main"), or a
// full commit id. An empty rev means main. Unknown revisions give ENOTFOUND.
func (s *Store) Resolve(ctx context.Context, rev string) (string, error) {
	if rev == "" {
		rev = praxis.MainBranch
	}
	var candidates []string
	switch {
	case isObjectID(rev):
		return s.peelToCommit(ctx, rev, rev)
	case strings.HasPrefix(rev, "refs/"):
		candidates = []string{rev}
	default:
		candidates = []string{headsPrefix + rev, tagsPrefix + rev}
	}
	for _, name := range candidates {
		id, ok, err := s.readRef(name)
		if err != nil {
			return "", err
		}
		if ok {
			return s.peelToCommit(ctx, id, rev)
		}
	}
	return "", praxis.Errorf(praxis.ENOTFOUND, "there is no version %q", rev)
}

// peelToCommit follows annotated tags to the commit they name.
func (s *Store) peelToCommit(ctx context.Context, id, rev string) (string, error) {
	if commit, ok := s.peeled.Get(id); ok {
		return commit, nil
	}
	hash := plumbing.NewHash(id)
	err := s.withHandle(ctx, func(h *filesystem.Storage) error {
		for range 10 {
			obj, err := loadObject(h, plumbing.AnyObject, hash, maxTreeSize)
			if err != nil {
				return err
			}
			switch obj.Type() {
			case plumbing.CommitObject:
				return nil
			case plumbing.TagObject:
				tag, err := object.DecodeTag(h, obj)
				if err != nil {
					return err
				}
				hash = tag.Target
			default:
				return praxis.Errorf(praxis.ENOTFOUND, "%q is not a version of the curriculum", rev)
			}
		}
		return praxis.Errorf(praxis.ENOTFOUND, "%q is not a version of the curriculum", rev)
	})
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return "", praxis.Errorf(praxis.ENOTFOUND, "there is no version %q", rev)
	}
	if err != nil {
		return "", fmt.Errorf("gitstore: resolve %s: %w", rev, err)
	}
	s.peeled.Add(id, hash.String())
	return hash.String(), nil
}

// FindCommit returns a commit's metadata. ENOTFOUND when there is no such commit.
func (s *Store) FindCommit(ctx context.Context, id string) (praxis.Commit, error) {
	var c *object.Commit
	err := s.withHandle(ctx, func(h *filesystem.Storage) error {
		var err error
		c, err = getCommit(h, plumbing.NewHash(id))
		return err
	})
	if errors.Is(err, plumbing.ErrObjectNotFound) || !isObjectID(id) {
		return praxis.Commit{}, praxis.Errorf(praxis.ENOTFOUND, "there is no commit %q", id)
	}
	if err != nil {
		return praxis.Commit{}, fmt.Errorf("gitstore: read commit %s: %w", id, err)
	}
	return toCommit(c), nil
}

func toCommit(c *object.Commit) praxis.Commit {
	parents := make([]string, len(c.ParentHashes))
	for i, p := range c.ParentHashes {
		parents[i] = p.String()
	}
	return praxis.Commit{
		ID:        c.Hash.String(),
		Parents:   parents,
		Author:    praxis.Signature{Name: c.Author.Name, Email: c.Author.Email, When: c.Author.When.UTC()},
		Committer: praxis.Signature{Name: c.Committer.Name, Email: c.Committer.Email, When: c.Committer.When.UTC()},
		Message:   c.Message,
	}
}

// treeListing is a decoded tree: its entries in git's order and an index by name.
type treeListing struct {
	entries []object.TreeEntry
	byName  map[string]int
}

// tree returns a tree's entries, cached by the tree's id (trees never change, so
// the cache never needs invalidating).
func (s *Store) tree(ctx context.Context, hash plumbing.Hash) (*treeListing, error) {
	if listing, ok := s.trees.Get(hash); ok {
		return listing, nil
	}
	var listing *treeListing
	err := s.withHandle(ctx, func(h *filesystem.Storage) error {
		var err error
		listing, err = s.treeWith(h, hash)
		return err
	})
	return listing, err
}

// treeWith is tree for a caller that already holds a handle; borrowing a second
// one could deadlock when every handle is lent out.
func (s *Store) treeWith(h *filesystem.Storage, hash plumbing.Hash) (*treeListing, error) {
	if listing, ok := s.trees.Get(hash); ok {
		return listing, nil
	}
	tree, err := getTree(h, hash)
	if err != nil {
		return nil, fmt.Errorf("gitstore: read tree %s: %w", hash, err)
	}
	return s.cacheTree(hash, tree.Entries), nil
}

// cacheTree remembers a tree's entries under its id.
func (s *Store) cacheTree(hash plumbing.Hash, entries []object.TreeEntry) *treeListing {
	listing := &treeListing{entries: entries, byName: make(map[string]int, len(entries))}
	for i, e := range entries {
		listing.byName[e.Name] = i
	}
	s.trees.Add(hash, listing)
	return listing
}

// commitTree returns a commit's tree and commit time, cached by commit id.
func (s *Store) commitTree(ctx context.Context, id string) (plumbing.Hash, time.Time, error) {
	if c, ok := s.commitTrees.Get(id); ok {
		return c.tree, c.when, nil
	}
	var tree plumbing.Hash
	var when time.Time
	err := s.withHandle(ctx, func(h *filesystem.Storage) error {
		c, err := getCommit(h, plumbing.NewHash(id))
		if err != nil {
			return err
		}
		tree, when = c.TreeHash, c.Committer.When
		return nil
	})
	if err != nil {
		return plumbing.ZeroHash, time.Time{}, fmt.Errorf("gitstore: read commit %s: %w", id, err)
	}
	s.commitTrees.Add(id, commitTree{tree: tree, when: when})
	return tree, when, nil
}

type commitTree struct {
	tree plumbing.Hash
	when time.Time
}

// readBlob returns a blob's content: ETOOLARGE, decided from the object's
// header, when it is over MaxBlobSize.
func (s *Store) readBlob(ctx context.Context, hash plumbing.Hash) ([]byte, error) {
	var data []byte
	err := s.withHandle(ctx, func(h *filesystem.Storage) error {
		obj, err := loadObject(h, plumbing.BlobObject, hash, MaxBlobSize)
		if err != nil {
			return err
		}
		data, err = readAll(obj)
		return err
	})
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return nil, praxis.Errorf(praxis.ENOTFOUND, "there is no file %s", hash)
	}
	if err != nil && praxis.ErrorCode(err) == praxis.EINTERNAL {
		return nil, fmt.Errorf("gitstore: read blob %s: %w", hash, err)
	}
	return data, err
}

// openBlob returns a blob's size and either its content (small blobs) or a
// stream of it (those above largeObject, up to MaxStreamSize). The stream is
// opened while the handle is lent and reads only its own file afterwards, so
// a slow reader never holds a handle.
func (s *Store) openBlob(ctx context.Context, hash plumbing.Hash) (size int64, data []byte, stream io.ReadCloser, err error) {
	err = s.withHandle(ctx, func(h *filesystem.Storage) error {
		obj, err := loadObject(h, plumbing.BlobObject, hash, MaxStreamSize)
		if err != nil {
			return err
		}
		size = obj.Size()
		if size <= largeObject {
			data, err = readAll(obj)
			return err
		}
		stream, err = obj.Reader()
		return err
	})
	if err != nil && praxis.ErrorCode(err) == praxis.EINTERNAL {
		return 0, nil, nil, fmt.Errorf("gitstore: read blob %s: %w", hash, err)
	}
	return size, data, stream, err
}

// Snapshot returns the files of the curriculum at a revision as a read-only
// fs.FS. ENOTFOUND when the revision does not exist.
func (s *Store) Snapshot(ctx context.Context, rev string) (*Snapshot, error) {
	id, err := s.Resolve(ctx, rev)
	if err != nil {
		return nil, err
	}
	tree, when, err := s.commitTree(ctx, id)
	if err != nil {
		return nil, err
	}
	return &Snapshot{store: s, ctx: ctx, commit: id, root: tree, when: when}, nil
}

// SnapshotTree returns the files of a tree that no commit may hold yet (a
// merge's result, MergeResult.Tree) as a Snapshot whose Commit is "".
// ENOTFOUND when there is no such tree.
func (s *Store) SnapshotTree(ctx context.Context, tree string) (*Snapshot, error) {
	if !isObjectID(tree) {
		return nil, praxis.Errorf(praxis.ENOTFOUND, "there is no tree %q", tree)
	}
	hash := plumbing.NewHash(tree)
	if _, err := s.tree(ctx, hash); err != nil {
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			return nil, praxis.Errorf(praxis.ENOTFOUND, "there is no tree %s", praxis.ShortID(tree))
		}
		return nil, err
	}
	return &Snapshot{store: s, ctx: ctx, root: hash}, nil
}

// Snapshot is the curriculum's files at one commit. It implements fs.FS,
// fs.ReadFileFS, fs.ReadDirFS and fs.StatFS, with paths such as
// "modules/x/module.md". It reads lazily and is safe for concurrent use.
type Snapshot struct {
	store  *Store
	ctx    context.Context
	commit string
	root   plumbing.Hash
	when   time.Time
}

var (
	_ fs.ReadFileFS = (*Snapshot)(nil)
	_ fs.ReadDirFS  = (*Snapshot)(nil)
	_ fs.StatFS     = (*Snapshot)(nil)
)

// Commit returns the id of the snapshot's commit.
func (sn *Snapshot) Commit() string { return sn.commit }

// ID returns the git object id of the file or folder at name ("." for the root):
// a blob id for a file, a tree id for a folder. Two snapshots hold the same
// content at a path exactly when the ids are equal.
func (sn *Snapshot) ID(name string) (string, error) {
	e, err := sn.lookup("id", name)
	if err != nil {
		return "", err
	}
	return e.Hash.String(), nil
}

// lookup walks from the root tree to name.
func (sn *Snapshot) lookup(op, name string) (object.TreeEntry, error) {
	if !fs.ValidPath(name) {
		return object.TreeEntry{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	entry := object.TreeEntry{Name: ".", Mode: filemode.Dir, Hash: sn.root}
	if name == "." {
		return entry, nil
	}
	for _, part := range strings.Split(name, "/") {
		if entry.Mode != filemode.Dir {
			return object.TreeEntry{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
		listing, err := sn.store.tree(sn.ctx, entry.Hash)
		if err != nil {
			return object.TreeEntry{}, &fs.PathError{Op: op, Path: name, Err: err}
		}
		i, ok := listing.byName[part]
		if !ok {
			return object.TreeEntry{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
		entry = listing.entries[i]
	}
	return entry, nil
}

// Open implements fs.FS. A file above 1 MB is a stream from the object store,
// never held in memory whole; close it when done. Files over MaxStreamSize
// give ETOOLARGE.
func (sn *Snapshot) Open(name string) (fs.File, error) {
	e, err := sn.lookup("open", name)
	if err != nil {
		return nil, err
	}
	info := sn.info(path.Base(name), e)
	if e.Mode == filemode.Dir {
		entries, err := sn.readDir(name, e)
		if err != nil {
			return nil, err
		}
		return &dirFile{info: info, entries: entries}, nil
	}
	if e.Mode == filemode.Submodule {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	size, data, stream, err := sn.store.openBlob(sn.ctx, e.Hash)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	info.size = size
	info.sizeKnown = true
	if stream != nil {
		return &streamFile{info: info, ReadCloser: stream}, nil
	}
	return &blobFile{info: info, Reader: bytes.NewReader(data)}, nil
}

// ReadFile implements fs.ReadFileFS. Files over MaxBlobSize give ETOOLARGE
// (decided from the object's header): open them to stream them instead.
func (sn *Snapshot) ReadFile(name string) ([]byte, error) {
	e, err := sn.lookup("read", name)
	if err != nil {
		return nil, err
	}
	if e.Mode == filemode.Dir || e.Mode == filemode.Submodule {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errors.New("is a directory")}
	}
	data, err := sn.store.readBlob(sn.ctx, e.Hash)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return data, nil
}

// ReadDir implements fs.ReadDirFS. Entries are sorted by name.
func (sn *Snapshot) ReadDir(name string) ([]fs.DirEntry, error) {
	e, err := sn.lookup("readdir", name)
	if err != nil {
		return nil, err
	}
	if e.Mode != filemode.Dir {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
	}
	return sn.readDir(name, e)
}

func (sn *Snapshot) readDir(name string, e object.TreeEntry) ([]fs.DirEntry, error) {
	listing, err := sn.store.tree(sn.ctx, e.Hash)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	out := make([]fs.DirEntry, 0, len(listing.entries))
	for _, child := range listing.entries {
		out = append(out, fs.FileInfoToDirEntry(sn.info(child.Name, child)))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

// Stat implements fs.StatFS. A file's size is read only when asked for.
func (sn *Snapshot) Stat(name string) (fs.FileInfo, error) {
	e, err := sn.lookup("stat", name)
	if err != nil {
		return nil, err
	}
	return sn.info(path.Base(name), e), nil
}

func (sn *Snapshot) info(name string, e object.TreeEntry) *fileInfo {
	return &fileInfo{name: name, entry: e, modTime: sn.when, store: sn.store, ctx: sn.ctx}
}

type fileInfo struct {
	name    string
	entry   object.TreeEntry
	modTime time.Time
	store   *Store
	ctx     context.Context

	once      sync.Once
	size      int64
	sizeKnown bool
}

func (fi *fileInfo) Name() string       { return fi.name }
func (fi *fileInfo) ModTime() time.Time { return fi.modTime }
func (fi *fileInfo) IsDir() bool        { return fi.entry.Mode == filemode.Dir }
func (fi *fileInfo) Sys() any           { return fi.entry.Hash.String() }

func (fi *fileInfo) Mode() fs.FileMode {
	switch fi.entry.Mode {
	case filemode.Dir:
		return fs.ModeDir | 0o755
	case filemode.Executable:
		return 0o755
	case filemode.Symlink:
		return fs.ModeSymlink | 0o777
	default:
		return 0o644
	}
}

func (fi *fileInfo) Size() int64 {
	if fi.IsDir() || fi.sizeKnown {
		return fi.size
	}
	fi.once.Do(func() {
		_ = fi.store.withHandle(fi.ctx, func(h *filesystem.Storage) error {
			size, err := h.EncodedObjectSize(fi.entry.Hash)
			fi.size = size
			return err
		})
	})
	return fi.size
}

type blobFile struct {
	info *fileInfo
	*bytes.Reader
}

func (f *blobFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *blobFile) Close() error               { return nil }

// streamFile is a large blob read as a stream from the object store.
type streamFile struct {
	info *fileInfo
	io.ReadCloser
}

func (f *streamFile) Stat() (fs.FileInfo, error) { return f.info, nil }

type dirFile struct {
	info    *fileInfo
	entries []fs.DirEntry
	offset  int
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Close() error               { return nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: errors.New("is a directory")}
}

func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.offset:]
	if n <= 0 {
		d.offset = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.offset += n
	return rest[:n], nil
}
