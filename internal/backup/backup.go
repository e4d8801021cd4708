// Package backup makes and restores one-file backups of a praxis data
// directory while praxis runs: a consistent copy of the SQLite database
// (VACUUM INTO, which reads one snapshot while writers go on) and then of the
// curriculum repository (its refs read first, then its objects), holding the
// repository's object lock from before the database's copy until the objects
// are copied, so that a prune deletes nothing the refs or the database need:
// every object they name is in the copy. What changed between the database's
// copy and the refs' is reconciled by praxis at start. Restoring checks every
// checksum before anything is written and refuses a directory that holds data.
package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3" // the database driver, for VACUUM INTO on its own connection
	"github.com/praxis-coop/praxis/internal/objectlock"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Names inside a data directory and a backup.
const (
	DatabaseFile  = "praxis.db"
	RepositoryDir = "curriculum.git"
	manifestName  = "manifest.json"
	// Format is the version of the backup layout.
	Format = 1
)

// Manifest describes a backup.
type Manifest struct {
	Format        int       `json:"format"`
	Praxis        string    `json:"praxis_version"`
	SchemaVersion int       `json:"schema_version"`
	CreatedAt     time.Time `json:"created_at"`
	// Main is the curriculum's main branch in the backup.
	Main  string `json:"main"`
	Files []File `json:"files"`
}

// File is one file in a backup with its checksum.
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Options name what the manifest records.
type Options struct {
	PraxisVersion string
	SchemaVersion int

	// between runs between the two copies (tests: writes made meanwhile).
	between func()
}

// Create writes a backup of dataDir to w (a .tar.gz). It works while praxis
// runs: the database through SQLite's own snapshot, then the repository, its
// refs first.
func Create(ctx context.Context, dataDir string, w io.Writer, opts Options) (*Manifest, error) {
	staging, err := os.MkdirTemp(dataDir, ".backup-*")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(staging)
	m := &Manifest{Format: Format, Praxis: opts.PraxisVersion, SchemaVersion: opts.SchemaVersion, CreatedAt: time.Now().UTC()}

	// The database first, then the refs, then the objects: each copy is at
	// least as new as the one before. Every commit the database names was
	// made before its copy, so its objects are in the backup; and what
	// happened between the two copies is in the refs but not the database
	// (a branch without its proposal, a merge on main with its proposal
	// open, a fork's branch without its record), which praxis reconciles
	// with the refs at start (review.Reconcile). The other order would
	// restore proposals without branches and merges that main lacks.
	//
	// From before the database's copy until the objects are copied, none
	// may be pruned (praxis deletes only objects that no ref and no
	// delivery reaches, and only under this lock): the commits the copied
	// database names, such as a delivery deleted since pinned, and those
	// the refs reach, all stay until they are in the backup.
	repo := filepath.Join(dataDir, RepositoryDir)
	release, err := objectlock.Shared(repo)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer release()
	dbCopy := filepath.Join(staging, DatabaseFile)
	if err := vacuumInto(ctx, filepath.Join(dataDir, DatabaseFile), dbCopy); err != nil {
		return nil, err
	}
	if opts.between != nil {
		opts.between()
	}
	// The repository's refs, read once: the copy is of the repository at
	// this moment.
	refs, err := readRefs(repo)
	if err != nil {
		return nil, err
	}
	m.Main = refs["refs/heads/"+praxis.MainBranch]

	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	add := func(name string, r io.Reader, size int64, mode int64) error {
		h := sha256.New()
		if err := tw.WriteHeader(&tar.Header{Name: name, Size: size, Mode: mode, ModTime: m.CreatedAt, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		n, err := io.Copy(io.MultiWriter(tw, h), r)
		if err != nil {
			return err
		}
		if n != size {
			return fmt.Errorf("backup: %s changed size while being copied", name)
		}
		m.Files = append(m.Files, File{Path: name, Size: size, SHA256: hex.EncodeToString(h.Sum(nil))})
		return nil
	}
	addFile := func(name, src string) error {
		f, err := os.Open(src)
		if err != nil {
			return err
		}
		defer f.Close()
		info, err := f.Stat()
		if err != nil {
			return err
		}
		return add(name, f, info.Size(), 0o644)
	}
	if err := addFile(DatabaseFile, dbCopy); err != nil {
		return nil, fmt.Errorf("backup: database: %w", err)
	}
	// Refs as read above, as one packed-refs file.
	var packed strings.Builder
	packed.WriteString("# pack-refs with: peeled fully-peeled sorted \n")
	names := make([]string, 0, len(refs))
	for name := range refs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(&packed, "%s %s\n", refs[name], name)
	}
	for name, content := range map[string]string{"packed-refs": packed.String()} {
		if err := add(path.Join(RepositoryDir, name), strings.NewReader(content), int64(len(content)), 0o644); err != nil {
			return nil, err
		}
	}
	for _, name := range []string{"HEAD", "config", "description"} {
		if _, err := os.Stat(filepath.Join(repo, name)); err == nil {
			if err := addFile(path.Join(RepositoryDir, name), filepath.Join(repo, name)); err != nil {
				return nil, fmt.Errorf("backup: repository: %w", err)
			}
		}
	}
	// Objects, written after the refs were read. Temporary files of a
	// writer at work are skipped; the objects they become are not needed by
	// the refs read.
	objects := filepath.Join(repo, "objects")
	err = filepath.WalkDir(objects, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // a push's quarantine, gone meanwhile
			}
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), "incoming-") {
			return fs.SkipDir // a push in progress; its objects are not under the refs read
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), "tmp") {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(repo, p)
		err = addFile(path.Join(RepositoryDir, filepath.ToSlash(rel)), p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("backup: repository objects: %w", err)
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: manifestName, Size: int64(len(data)), Mode: 0o644, ModTime: m.CreatedAt, Typeflag: tar.TypeReg}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(data); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return m, nil
}

// vacuumInto copies a live SQLite database consistently.
func vacuumInto(ctx context.Context, src, dst string) error {
	conn, err := sql.Open("sqlite3", "file:"+src+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return fmt.Errorf("backup: database: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "VACUUM INTO ?", dst); err != nil {
		return fmt.Errorf("backup: database: %w", err)
	}
	return nil
}

// readRefs reads every ref of a repository: loose ones over packed ones, as
// git resolves them. Symbolic refs (HEAD) are not included.
func readRefs(repo string) (map[string]string, error) {
	refs := map[string]string{}
	if data, err := os.ReadFile(filepath.Join(repo, "packed-refs")); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if line == "" || line[0] == '#' || line[0] == '^' {
				continue
			}
			id, name, ok := strings.Cut(line, " ")
			if ok {
				refs[name] = id
			}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("backup: refs: %w", err)
	}
	root := filepath.Join(repo, "refs")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() || strings.HasSuffix(p, ".lock") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // deleted meanwhile
			}
			return err
		}
		id := strings.TrimSpace(string(data))
		if len(id) == 40 {
			rel, _ := filepath.Rel(repo, p)
			refs[filepath.ToSlash(rel)] = id
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("backup: refs: %w", err)
	}
	return refs, nil
}

// Restore unpacks a backup into dataDir, which must be empty (or missing)
// unless force is set. Every file's checksum is checked against the manifest
// before the data directory is touched; a backup that fails the check
// changes nothing.
func Restore(ctx context.Context, r io.Reader, dataDir string, force bool) (*Manifest, error) {
	if entries, err := os.ReadDir(dataDir); err == nil && len(entries) > 0 && !force {
		return nil, praxis.Errorf(praxis.ECONFLICT, "%s is not empty; restore into an empty directory, or give --force to replace its data", dataDir)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	staging, err := os.MkdirTemp(dataDir, ".restore-*")
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	defer os.RemoveAll(staging)
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, praxis.Errorf(praxis.EINVALID, "this is not a praxis backup (not gzip)")
	}
	tr := tar.NewReader(gz)
	sums := map[string]File{}
	var manifest *Manifest
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, praxis.Errorf(praxis.EINVALID, "the backup is damaged: %v", err)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		name := path.Clean(h.Name)
		if h.Typeflag != tar.TypeReg || strings.HasPrefix(name, "../") || path.IsAbs(name) || name == ".." {
			return nil, praxis.Errorf(praxis.EINVALID, "the backup holds an unexpected entry %q", h.Name)
		}
		if name == manifestName {
			manifest = &Manifest{}
			if err := json.NewDecoder(io.LimitReader(tr, 64<<20)).Decode(manifest); err != nil {
				return nil, praxis.Errorf(praxis.EINVALID, "the backup's manifest cannot be read: %v", err)
			}
			continue
		}
		dst := filepath.Join(staging, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return nil, err
		}
		// Restored files are the owner's only, like the database praxis
		// creates: the backup holds password and session hashes.
		f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, fmt.Errorf("restore: %w", err)
		}
		hash := sha256.New()
		n, err := io.Copy(io.MultiWriter(f, hash), tr)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, praxis.Errorf(praxis.EINVALID, "the backup is damaged at %s: %v", name, err)
		}
		sums[name] = File{Path: name, Size: n, SHA256: hex.EncodeToString(hash.Sum(nil))}
	}
	if manifest == nil {
		return nil, praxis.Errorf(praxis.EINVALID, "this is not a praxis backup: it has no manifest")
	}
	if manifest.Format > Format {
		return nil, praxis.Errorf(praxis.EINVALID, "this backup was made by a newer praxis (format %d); upgrade praxis to restore it", manifest.Format)
	}
	if len(sums) != len(manifest.Files) {
		return nil, praxis.Errorf(praxis.EINVALID, "the backup holds %d files but its manifest lists %d", len(sums), len(manifest.Files))
	}
	for _, want := range manifest.Files {
		if got, ok := sums[want.Path]; !ok || got != want {
			return nil, praxis.Errorf(praxis.EINVALID, "the backup is damaged: %s does not match its checksum", want.Path)
		}
	}
	// Verified: move the data into place.
	for _, name := range []string{DatabaseFile, DatabaseFile + "-wal", DatabaseFile + "-shm", RepositoryDir} {
		if err := os.RemoveAll(filepath.Join(dataDir, name)); err != nil {
			return nil, fmt.Errorf("restore: %w", err)
		}
	}
	for _, dir := range []string{"refs/heads", "refs/tags", "objects/info", "objects/pack"} {
		if err := os.MkdirAll(filepath.Join(staging, RepositoryDir, filepath.FromSlash(dir)), 0o700); err != nil {
			return nil, fmt.Errorf("restore: %w", err)
		}
	}
	for _, name := range []string{DatabaseFile, RepositoryDir} {
		if err := os.Rename(filepath.Join(staging, name), filepath.Join(dataDir, name)); err != nil {
			return nil, fmt.Errorf("restore: %w", err)
		}
	}
	return manifest, nil
}

// Prune deletes the oldest backups in dir named praxis-*.tar.gz beyond keep.
func Prune(dir string, keep int) error {
	matches, err := filepath.Glob(filepath.Join(dir, "praxis-*.tar.gz"))
	if err != nil {
		return err
	}
	slices.Sort(matches) // names carry the time, sortable
	for len(matches) > keep {
		if err := os.Remove(matches[0]); err != nil {
			return err
		}
		matches = matches[1:]
	}
	return nil
}

// FileName is a scheduled backup's name for a time.
func FileName(t time.Time) string {
	return "praxis-" + t.UTC().Format("20060102-150405") + ".tar.gz"
}
