package praxis

import "time"

// Fork is a person's own copy of a module: a branch forks/<user-id>/<slug>.
type Fork struct {
	ID        int64     `json:"id"`
	UserID    int64     `json:"user_id"`
	Module    string    `json:"module"`
	Branch    string    `json:"branch"`
	CreatedAt time.Time `json:"created_at"`
}

// Proposal statuses.
const (
	ProposalOpen   = "open"
	ProposalMerged = "merged"
	ProposalClosed = "closed"
)

// Proposal is a suggested change to the curriculum: a branch
// proposals/<user-id>/<topic> to be reviewed and merged into main.
type Proposal struct {
	ID          int64  `json:"id"`
	AuthorID    int64  `json:"author_id"`
	Author      string `json:"author"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Status      string `json:"status"`
	Branch      string `json:"branch"`
	// Base is the commit of main the proposal started from.
	Base string `json:"base"`
	// Head is the proposal branch's commit when last recorded.
	Head    string   `json:"head"`
	ForkID  int64    `json:"fork_id,omitempty"`
	Modules []string `json:"modules"`

	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	MergedAt    *time.Time `json:"merged_at,omitempty"`
	MergedBy    int64      `json:"merged_by,omitempty"`
	MergeCommit string     `json:"merge_commit,omitempty"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
}

// Review verdicts.
const (
	VerdictApprove        = "approve"
	VerdictRequestChanges = "request_changes"
	VerdictComment        = "comment"
)

// Comment is a remark on a proposal, or on one line of its diff.
type Comment struct {
	ID         int64     `json:"id"`
	ProposalID int64     `json:"proposal_id"`
	AuthorID   int64     `json:"author_id"`
	Author     string    `json:"author"`
	Body       string    `json:"body"`
	Path       string    `json:"path,omitempty"`
	Line       int       `json:"line,omitempty"`
	Head       string    `json:"head"`
	CreatedAt  time.Time `json:"created_at"`
}

// Review is a maintainer's verdict on a proposal at one head commit.
type Review struct {
	ID         int64     `json:"id"`
	ProposalID int64     `json:"proposal_id"`
	ReviewerID int64     `json:"reviewer_id"`
	Reviewer   string    `json:"reviewer"`
	Verdict    string    `json:"verdict"`
	Body       string    `json:"body"`
	Head       string    `json:"head"`
	CreatedAt  time.Time `json:"created_at"`
}

// Activity kinds in the activity feed.
const (
	ActivityProposalOpened  = "proposal.opened"
	ActivityProposalUpdated = "proposal.updated"
	ActivityProposalMerged  = "proposal.merged"
	ActivityProposalClosed  = "proposal.closed"
	ActivityProposalReopen  = "proposal.reopened"
	ActivityReview          = "review"
	ActivityComment         = "comment"
	ActivityFork            = "fork"
)

// Activity is one entry of the activity feed: something a person did to the
// curriculum (a proposal opened, a review, a fork). Not an event in a calendar.
type Activity struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	ActorID    int64     `json:"actor_id"`
	Actor      string    `json:"actor"`
	Kind       string    `json:"kind"`
	ProposalID int64     `json:"proposal_id,omitempty"`
	Module     string    `json:"module,omitempty"`
	Title      string    `json:"title"`
	Detail     string    `json:"detail,omitempty"`
}

// ProposalFilter narrows a list of proposals.
type ProposalFilter struct {
	Status string
	Module string
	// Modules are other names of Module (earlier ones): proposals touching
	// any of them match too.
	Modules  []string
	AuthorID int64
	// Query keeps proposals whose title or description holds every word.
	Query  string
	Limit  int
	Offset int
}

// ProposalUpdate changes a proposal. Nil fields stay as they are.
type ProposalUpdate struct {
	Title, Description *string
	Head               *string
	Modules            []string // nil keeps them
	// Activity, when it has a kind, is recorded with the change.
	Activity Activity
}

// ActivityFilter narrows the activity feed.
type ActivityFilter struct {
	ActorID    int64
	Module     string
	ProposalID int64
	Limit      int
}
