// Package access is praxis's permission policy: the actions a person may be
// permitted to take, which roles permit each, and the one check every route
// and every service method that acts for someone makes. It is data (a table
// of action × role), so docs/PERMISSIONS.md is generated from it.
package access

import (
	"slices"

	"github.com/praxis-coop/praxis/internal/praxis"
)

// Action is something a person may be permitted to do. Every route that is not
// public names the action it needs, and every service method that acts for
// someone checks it: the policy below is the one place that decides.
type Action string

// Actions.
const (
	UseAccount    Action = "account.use"       // own profile, password, tokens, sessions, data export, deletion
	ViewDirectory Action = "directory.view"    // the facilitator directory and network-visible profile fields
	ManageUsers   Action = "users.manage"      // list, search, approve, suspend and reinstate users; issue reset links
	InviteUsers   Action = "users.invite"      // create invitation links
	AwardTraining Action = "training.award"    // award and withdraw trainings
	ViewPrivate   Action = "profiles.private"  // see profile fields visible to coordinators only
	ChangeRoles   Action = "users.roles"       // change anyone's roles
	ViewAudit     Action = "audit.view"        // read the audit log
	EditSettings  Action = "settings.edit"     // change instance settings such as the sign-up policy
	ManageAdmins  Action = "users.manage_high" // suspend or reset coordinators and admins; reset anyone with a role the issuer lacks
	ViewMetrics   Action = "metrics.view"      // the operators' metrics page (also open on the loopback interface)
	ManageJobs    Action = "jobs.manage"       // see the background job queue and retry failed jobs
	ManageHooks   Action = "webhooks.manage"   // add, test and delete webhooks and read their delivery logs

	ForkModule      Action = "modules.fork"       // adapt a module: one's own copy to edit
	ProposeChange   Action = "proposals.create"   // open proposals and edit one's own
	CommentProposal Action = "proposals.comment"  // comment on proposals
	ReviewProposal  Action = "proposals.review"   // approve or request changes
	MergeProposal   Action = "proposals.merge"    // merge approved proposals into the curriculum
	ModerateReview  Action = "proposals.moderate" // close or reopen anyone's proposal
	CutRelease      Action = "releases.create"    // tag a release of the whole curriculum

	LogDelivery     Action = "deliveries.log"         // log one's own deliveries, edit and delete them
	ReadReflections Action = "deliveries.reflections" // read other facilitators' reflections on modules
	AllDeliveries   Action = "deliveries.all"         // see, edit and export everyone's deliveries and feedback
	ViewStats       Action = "stats.view"             // the dashboard of the whole network

	ManageWorkshops Action = "workshops.manage"    // the request queue, matching, scheduling and cancelling workshops
	Volunteer       Action = "workshops.volunteer" // teaching opportunities, and the workshops one runs: check-in, recording
)

// Rule is one row of the permission policy.
type Rule struct {
	Action      Action
	Description string
	Roles       []praxis.Role
}

var (
	everyone     = []praxis.Role{praxis.RoleFacilitator, praxis.RoleMaintainer, praxis.RoleCoordinator, praxis.RoleAdmin}
	maintainers  = []praxis.Role{praxis.RoleMaintainer, praxis.RoleAdmin}
	coordinators = []praxis.Role{praxis.RoleCoordinator, praxis.RoleAdmin}
	admins       = []praxis.Role{praxis.RoleAdmin}
)

// policy is the permission table: action × role. A signed-in, active user may
// take an action when they hold one of its roles. Admins appear in every row.
// docs/PERMISSIONS.md is generated from it (a test keeps the two the same).
var policy = []Rule{
	{UseAccount, "Edit their own profile, password, API tokens and sessions; download or delete their data", everyone},
	{ViewDirectory, "See the facilitator directory and profile fields shared with the network", everyone},
	{ManageUsers, "List, search, approve, suspend and reinstate facilitators and maintainers; issue password reset links", coordinators},
	{InviteUsers, "Create invitation links", coordinators},
	{AwardTraining, "Award and withdraw trainings (which modules a person may deliver)", coordinators},
	{ViewPrivate, "See profile fields shared with coordinators only", coordinators},
	{ManageAdmins, "Suspend, reinstate or issue reset links for coordinators and admins; issue reset links for anyone with a role the issuer lacks", admins},
	{ChangeRoles, "Change anyone's roles", admins},
	{ViewAudit, "Read the audit log", admins},
	{EditSettings, "Change instance settings (the sign-up policy, who may clone, the approvals a merge needs)", admins},
	{ViewMetrics, "Read the operators' metrics at /metrics (anyone may from the machine praxis runs on)", admins},
	{ManageJobs, "See the background jobs (emails, digests) waiting, running and failed, with their errors; retry failed ones", admins},
	{ManageHooks, "Add, test and delete webhooks (addresses praxis posts events to) and read their delivery logs", admins},
	{ForkModule, "Adapt a module: make their own copy, edit it, update it from the curriculum", everyone},
	{ProposeChange, "Suggest an edit or propose their adapted copy; edit, close and reopen their own proposals", everyone},
	{CommentProposal, "Comment on proposals and on lines of their diffs", everyone},
	{ReviewProposal, "Review proposals: approve (never their own) or request changes", maintainers},
	{MergeProposal, "Merge lint-clean proposals approved at their latest version by as many others as the settings require", maintainers},
	{ModerateReview, "Close or reopen anyone's proposal", maintainers},
	{CutRelease, "Cut a release of the whole curriculum (an annotated tag vYYYY.MM[.n] on main)", maintainers},
	{LogDelivery, "Log the workshops they deliver; edit and delete their own records; see their feedback", everyone},
	{ReadReflections, "Read other facilitators' reflections on a module", everyone},
	{AllDeliveries, "See, edit, delete and export everyone's deliveries and feedback", coordinators},
	{ViewStats, "The dashboard of the whole network, and its exports", coordinators},
	{ManageWorkshops, "Work the queue of workshop requests (notes, assignment, declining), match facilitators, schedule, change and cancel workshops, see requesters' contact details and everyone's registrations", coordinators},
	{Volunteer, "See teaching opportunities and offer to facilitate or to co-facilitate to learn; for the workshops they run: their calendar, registrations, check-in and recording the delivery", everyone},
}

// Policy returns the permission table, for documentation and tests.
func Policy() []Rule { return policy }

// Can reports whether user may take action. A nil user (not signed in) and a
// user who is not active may take none.
func Can(user *praxis.User, action Action) bool {
	if user == nil || user.Status != praxis.StatusActive {
		return false
	}
	for _, rule := range policy {
		if rule.Action != action {
			continue
		}
		for _, r := range rule.Roles {
			if user.HasRole(r) {
				return true
			}
		}
		return false
	}
	return false
}

// Authorize returns nil when user may take action, EUNAUTHORIZED when nobody is
// signed in, and EFORBIDDEN otherwise.
func Authorize(user *praxis.User, action Action) error {
	switch {
	case Can(user, action):
		return nil
	case user == nil:
		return praxis.Errorf(praxis.EUNAUTHORIZED, "please sign in first")
	default:
		return praxis.Errorf(praxis.EFORBIDDEN, "your account does not have permission to do that")
	}
}

// RoleBeyond returns a role of target that permits an action actor's roles do
// not, when there is one: target can then do something actor cannot.
func RoleBeyond(actor, target *praxis.User) (praxis.Role, bool) {
	for _, r := range target.Roles {
		for _, rule := range policy {
			if slices.Contains(rule.Roles, r) && !slices.ContainsFunc(rule.Roles, actor.HasRole) {
				return r, true
			}
		}
	}
	return "", false
}
