package praxis

import (
	"strings"
	"time"
)

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

// What an account did to be responsible for a commit or a release.
const (
	// ActionSaved: saved through praxis (an edit, a new proposal, an update
	// from main, a resolution of conflicts).
	ActionSaved = "saved"
	// ActionMerged: merged a proposal into main (the merge commit).
	ActionMerged = "merged"
	// ActionPushed: pushed the commit with git, through praxis.
	ActionPushed = "pushed"
	// ActionReleased: cut a release (the object is the release's tag).
	ActionReleased = "released"
)

// Attribution names the praxis account responsible for a commit or a release
// tag, recorded when praxis wrote or received it. A commit's git author is
// whatever its maker typed; the attribution is who praxis knows did it.
type Attribution struct {
	// Object is the commit or tag id.
	Object string `json:"-"`
	// UserID and Name are the account (its name now).
	UserID int64  `json:"id"`
	Name   string `json:"name"`
	// Action is one of the Action constants.
	Action string `json:"action"`
	// AuthorName and AuthorEmail are who the account was when it was
	// recorded: for a commit praxis wrote, exactly the git author it wrote.
	AuthorName  string    `json:"-"`
	AuthorEmail string    `json:"-"`
	At          time.Time `json:"-"`
}

// DiffersFrom reports whether a git author is someone other than the account
// as recorded: another name or another email.
func (a *Attribution) DiffersFrom(author Signature) bool {
	return strings.TrimSpace(author.Name) != strings.TrimSpace(a.AuthorName) ||
		!strings.EqualFold(strings.TrimSpace(author.Email), strings.TrimSpace(a.AuthorEmail))
}

// CommitSummary is an indexed commit with the modules it touched.
type CommitSummary struct {
	Commit
	Modules []string
	// Account is the praxis account responsible for the commit; nil when
	// none is (the seed, a cloned curriculum, a push behind praxis's back).
	Account *Attribution
}
