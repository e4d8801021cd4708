package praxis

import "time"

// Notification kinds: why someone is told of an event. Each person chooses,
// per kind, whether it is also emailed at once, in a daily digest, or not.
const (
	NotifyMention         = "mention"          // someone mentioned you (@Your Name) in a comment
	NotifyReply           = "reply"            // comments and reviews on proposals you opened or took part in
	NotifyProposalStatus  = "proposal_status"  // your proposal was merged, closed, reopened, or conflicts with main
	NotifyProposalWaiting = "proposal_waiting" // a proposal waits for review (maintainers)
	NotifySignup          = "signup"           // someone signed up and waits for approval (coordinators)
	NotifyAccount         = "account"          // your account was approved or declined; you were awarded a training
	NotifyFeedback        = "feedback"         // participants answered the feedback form of your workshop
	NotifyModuleChanged   = "module_changed"   // a module you delivered or adapted changed on main
	NotifyWatched         = "watched"          // activity on a module, series or the curriculum you watch
	NotifyRelease         = "release"          // a release of what you watch
	NotifyWorkshop        = "workshop"         // workshops ahead: a request (coordinators), your assignment, registrations, a week before
)

// NotificationKinds lists the kinds in the order the settings page shows them.
var NotificationKinds = []string{NotifyMention, NotifyReply, NotifyProposalStatus, NotifyProposalWaiting, NotifySignup,
	NotifyAccount, NotifyWorkshop, NotifyFeedback, NotifyModuleChanged, NotifyWatched, NotifyRelease}

// Email choices for a kind of notification.
const (
	EmailImmediately = "immediately"
	EmailDigest      = "digest"
	EmailOff         = "off"
)

// Notification is one entry of a person's inbox. Repeats collapse: while it
// is unread, later events of the same kind on the same topic (a proposal, a
// module) update it and add to Count instead of adding entries.
type Notification struct {
	ID     int64  `json:"id"`
	UserID int64  `json:"-"`
	Kind   string `json:"kind"`
	// Event is the kind of the latest event it tells of.
	Event   string `json:"event"`
	Topic   string `json:"-"`
	Subject string `json:"subject"`
	// URL is where to look; a path on praxis until the API makes it whole.
	URL       string    `json:"url"`
	Actor     string    `json:"actor,omitempty"`
	Count     int       `json:"count"`
	CreatedAt time.Time `json:"created_at"`
	Read      bool      `json:"read"`
}

// Watch levels.
const (
	WatchEverything = "everything" // proposals opened, discussed, merged and closed, and releases
	WatchReleases   = "releases"   // releases only
)

// Watch targets: the whole curriculum, or one module or series
// ("module:<slug>", "series:<slug>").
const WatchCurriculum = "curriculum"

// Watch is something a person follows.
type Watch struct {
	Target    string    `json:"target"`
	Level     string    `json:"level"`
	CreatedAt time.Time `json:"created_at"`
}
