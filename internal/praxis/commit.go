package praxis

import "time"

// MainBranch is the branch that holds the curriculum.
const MainBranch = "main"

// Signature names who made a commit and when.
type Signature struct {
	Name  string    `json:"name"`
	Email string    `json:"email"`
	When  time.Time `json:"date"`
}

// Commit describes one commit of the curriculum repository.
type Commit struct {
	ID        string    `json:"commit"`
	Parents   []string  `json:"parents"`
	Author    Signature `json:"author"`
	Committer Signature `json:"committer"`
	Message   string    `json:"message"`
}

// ZeroID is the id git gives a ref that does not exist: the old id when a
// push creates a branch, the new one when it deletes it.
const ZeroID = "0000000000000000000000000000000000000000"

// ShortID returns the first seven characters of a commit id, as git shows it.
func ShortID(id string) string {
	if len(id) > 7 {
		return id[:7]
	}
	return id
}

// FileChange is one change to a file in a commit: new content, or a deletion.
// Path is relative to the root of the repository, with forward slashes.
type FileChange struct {
	Path    string
	Content []byte
	Delete  bool
}

// CommitRecord is what the history index keeps of a commit: its metadata and the
// modules it touched.
type CommitRecord struct {
	Commit
	// Modules lists each module whose folder differs between this commit and at least
	// one of its parents (or, for a root commit, every module it holds).
	Modules []ModuleChange
	// Renames lists the module folders the commit moved.
	Renames []ModuleRename
}

// ModuleRename records that a commit moved a module's folder: relative to a
// parent, the folder From went away and To appeared with the same or similar
// content (git's rename detection, applied to the whole folder).
type ModuleRename struct {
	From, To string
	// Parents has bit i set when the move is relative to the commit's parent i.
	Parents uint64
	// Score is how similar the folders are, in percent.
	Score int
}

// ModuleChange records that a commit changed a module's folder.
type ModuleChange struct {
	Slug string
	// Parents has bit i set when the module differs from the commit's parent i (a
	// root commit sets bit 0). git log's history simplification needs to know which
	// parents a merge is the same as.
	Parents uint64
}

// MergeConflict is a path a three-way merge could not combine.
type MergeConflict struct {
	Path string `json:"path"`
	// Reason says why, for people.
	Reason string `json:"reason"`
	// Lines are where each conflicted region starts in the merged file (counted
	// from 1, at its "<<<<<<<" marker); empty when the whole file conflicts.
	Lines []int `json:"lines"`
}
