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

// Event kinds: everything praxis records as it happens, in the same
// transaction as the change. The activity feed shows the public ones
// (PublicEventKinds); notifications, emails and other sinks fan out from all
// of them.
const (
	EventProposalOpened  = "proposal.opened"
	EventProposalUpdated = "proposal.updated"
	EventProposalMerged  = "proposal.merged"
	EventProposalClosed  = "proposal.closed"
	EventProposalReopen  = "proposal.reopened"
	EventReview          = "review"  // ObjectID is the review's id, Detail its verdict
	EventComment         = "comment" // ObjectID is the comment's id
	EventFork            = "fork"
	// EventProposalConflict: a change on main made an open proposal conflict
	// with it (Ref is main's commit then).
	EventProposalConflict = "proposal.conflicting"
	// EventReleaseCut: a release was tagged (Ref is its name, Title too).
	EventReleaseCut = "release.cut"
	// EventSignup: someone signed up and waits for a coordinator's approval
	// (SubjectID is them).
	EventSignup = "account.signup"
	// EventAccountApproved and EventAccountDeclined: a coordinator let a
	// pending account in or turned it away (SubjectID is its owner).
	EventAccountApproved = "account.approved"
	EventAccountDeclined = "account.declined"
	// EventTrainingAwarded: SubjectID is now trained to deliver Module.
	EventTrainingAwarded = "training.awarded"
	// EventFeedback: a participant answered the feedback form of a delivery
	// (ObjectID) of Module; SubjectID is its facilitator.
	EventFeedback = "delivery.feedback"
	// EventDeliveryUpcoming: SubjectID is to deliver Module soon (Detail
	// is the date, YYYY-MM-DD). The hook for scheduled workshops (issue
	// 21), which record it a day or more ahead: the facilitator hears what
	// changed in the module since they last delivered it.
	EventDeliveryUpcoming = "delivery.upcoming"
)

// PublicEventKinds are the events anyone may see in the activity feed; the
// others concern one person or the coordinators.
var PublicEventKinds = []string{EventProposalOpened, EventProposalUpdated, EventProposalMerged, EventProposalClosed,
	EventProposalReopen, EventReview, EventComment, EventFork, EventReleaseCut}

// Event is one thing that happened: an entry of the activity feed and the
// source of notifications.
type Event struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	ActorID    int64     `json:"actor_id"`
	Actor      string    `json:"actor"`
	Kind       string    `json:"kind"`
	ProposalID int64     `json:"proposal_id,omitempty"`
	Module     string    `json:"module,omitempty"`
	Title      string    `json:"title"`
	Detail     string    `json:"detail,omitempty"`
	// SubjectID is the person the event is about, when it is about someone
	// other than its actor (an account approved, a training awarded).
	SubjectID int64 `json:"subject_id,omitempty"`
	// ObjectID is the record the event made, by kind (a comment, a review, a
	// delivery).
	ObjectID int64 `json:"object_id,omitempty"`
	// Ref is a name in the repository, by kind (a release, a commit).
	Ref string `json:"ref,omitempty"`
}
