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

// Activity kinds: everything praxis records as it happens, in the same
// transaction as the change (the table events, one event source). The
// activity feed shows the public ones (PublicActivityKinds); notifications,
// emails, webhooks and other sinks fan out from all of them (events.Bus).
const (
	ActivityProposalOpened  = "proposal.opened"
	ActivityProposalUpdated = "proposal.updated"
	ActivityProposalMerged  = "proposal.merged"
	ActivityProposalClosed  = "proposal.closed"
	ActivityProposalReopen  = "proposal.reopened"
	ActivityReview          = "review"  // ObjectID is the review's id, Detail its verdict
	ActivityComment         = "comment" // ObjectID is the comment's id
	ActivityFork            = "fork"
	// ActivityProposalConflict: a change on main made an open proposal
	// conflict with it (Ref is main's commit then).
	ActivityProposalConflict = "proposal.conflicting"
	// ActivityReleaseCut: a release was tagged (Ref is its name, Title too).
	ActivityReleaseCut = "release.cut"
	// ActivitySignup: someone signed up and waits for a coordinator's
	// approval (SubjectID is them).
	ActivitySignup = "account.signup"
	// ActivityAccountApproved and ActivityAccountDeclined: a coordinator let
	// a pending account in or turned it away (SubjectID is its owner).
	ActivityAccountApproved = "account.approved"
	ActivityAccountDeclined = "account.declined"
	// ActivityTrainingAwarded: SubjectID is now trained to deliver Module.
	ActivityTrainingAwarded = "training.awarded"
	// ActivityFeedback: a participant answered the feedback form of a
	// delivery (ObjectID) of Module; SubjectID is its facilitator.
	ActivityFeedback = "delivery.feedback"
	// ActivityDeliveryUpcoming: SubjectID is to deliver Module soon (Detail
	// is the date, YYYY-MM-DD; ObjectID the workshop when a scheduled
	// workshop recorded it): the facilitator hears what changed in the
	// module since they last delivered it, with the workshop's reminder.
	ActivityDeliveryUpcoming = "delivery.upcoming"
	// Workshops ahead (issue 21), recorded in the transaction of their
	// change. ActivityWorkshopRequested: a group asked for a workshop
	// (ObjectID the request, Title the group, Module the first module
	// asked for).
	ActivityWorkshopRequested = "workshop.requested"
	// ActivityRequestAssigned: a coordinator took on a request (SubjectID
	// them, ObjectID the request, Title the group).
	ActivityRequestAssigned = "workshop.request_assigned"
	// ActivityWorkshopAssigned: SubjectID was put on a workshop's
	// facilitators (ObjectID the workshop, Module, Detail its local date,
	// Title its role).
	ActivityWorkshopAssigned = "workshop.assigned"
	// ActivityWorkshopRegistration: someone took a place (or joined the
	// waiting list: Detail the registration's status) at the workshop
	// ObjectID of Module. No participant's name or email is recorded.
	ActivityWorkshopRegistration = "workshop.registration"
)

// PublicActivityKinds are the kinds anyone may see in the activity feed; the
// others concern one person or the coordinators.
var PublicActivityKinds = []string{ActivityProposalOpened, ActivityProposalUpdated, ActivityProposalMerged, ActivityProposalClosed,
	ActivityProposalReopen, ActivityReview, ActivityComment, ActivityFork, ActivityReleaseCut}

// Activity is one thing that happened: an entry of the activity feed and
// the source of notifications and webhooks. Not an event in a calendar.
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
	// SubjectID is the person the event is about, when it is about someone
	// other than its actor (an account approved, a training awarded).
	SubjectID int64 `json:"subject_id,omitempty"`
	// ObjectID is the record the event made, by kind (a comment, a review, a
	// delivery).
	ObjectID int64 `json:"object_id,omitempty"`
	// Ref is a name in the repository, by kind (a release, a commit).
	Ref string `json:"ref,omitempty"`
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
	// Kinds are the kinds to list; nil means the public ones
	// (PublicActivityKinds), an empty list every kind.
	Kinds []string
	// ID picks one entry.
	ID int64
}
