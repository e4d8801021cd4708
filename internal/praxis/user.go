package praxis

import (
	"slices"
	"strconv"
	"time"
)

// Role is what a person may do in the network. A user may hold several.
type Role string

// Roles, from the least to the most trusted.
const (
	RoleFacilitator Role = "facilitator" // delivers workshops; every account has it
	RoleMaintainer  Role = "maintainer"  // reviews and merges curriculum changes, cuts releases
	RoleCoordinator Role = "coordinator" // manages the network, sees everyone's deliveries
	RoleAdmin       Role = "admin"       // everything, including roles and instance settings
)

// AllRoles lists every role in display order.
var AllRoles = []Role{RoleFacilitator, RoleMaintainer, RoleCoordinator, RoleAdmin}

// IsRole reports whether r is a known role.
func IsRole(r Role) bool { return slices.Contains(AllRoles, r) }

// UserStatus is where an account stands.
type UserStatus string

// Account statuses.
const (
	StatusPending   UserStatus = "pending"   // signed up, awaiting a coordinator's approval
	StatusActive    UserStatus = "active"    // may sign in
	StatusSuspended UserStatus = "suspended" // may not sign in; sessions and tokens refused at once
	StatusDeleted   UserStatus = "deleted"   // deleted by its owner; only an anonymous tombstone remains
)

// Visibility says who may see a profile field.
type Visibility string

// Visibility levels, from the widest.
const (
	VisibilityPublic       Visibility = "public"       // anyone, signed in or not
	VisibilityNetwork      Visibility = "network"      // anyone signed in
	VisibilityCoordinators Visibility = "coordinators" // coordinators, admins and the person
)

// Visibilities lists the levels in display order.
var Visibilities = []Visibility{VisibilityPublic, VisibilityNetwork, VisibilityCoordinators}

// ProfileFields are the profile fields that carry a visibility, in display order.
var ProfileFields = []string{"pronouns", "region", "town", "organisation", "languages", "bio", "trainings"}

// DefaultVisibility is each profile field's visibility until its owner changes it.
var DefaultVisibility = map[string]Visibility{
	"pronouns": VisibilityNetwork, "region": VisibilityNetwork, "town": VisibilityCoordinators,
	"organisation": VisibilityNetwork, "languages": VisibilityNetwork, "bio": VisibilityNetwork,
	"trainings": VisibilityNetwork,
}

// User is a person in the facilitator network.
type User struct {
	ID           int64                 `json:"id"`
	Email        string                `json:"email"`
	Name         string                `json:"name"`
	Pronouns     string                `json:"pronouns"`
	Region       string                `json:"region"`
	Town         string                `json:"town"`
	Organisation string                `json:"organisation"`
	Languages    []string              `json:"languages"`
	Bio          string                `json:"bio"`
	Roles        []Role                `json:"roles"`
	Status       UserStatus            `json:"status"`
	Visibility   map[string]Visibility `json:"visibility"`
	CreatedAt    time.Time             `json:"created_at"`
	Trainings    []Training            `json:"trainings"`
}

// HasRole reports whether the user holds role r. Admins hold every role.
func (u *User) HasRole(r Role) bool {
	if u == nil {
		return false
	}
	return slices.Contains(u.Roles, r) || slices.Contains(u.Roles, RoleAdmin)
}

// FieldVisibility returns who may see a profile field of the user.
func (u *User) FieldVisibility(field string) Visibility {
	if v, ok := u.Visibility[field]; ok {
		return v
	}
	if v, ok := DefaultVisibility[field]; ok {
		return v
	}
	return VisibilityCoordinators
}

// Training records that a coordinator judged a person ready to deliver a module,
// like a badge.
type Training struct {
	ID        int64     `json:"id"`
	UserID    int64     `json:"user_id"`
	Module    string    `json:"module"`
	AwardedBy int64     `json:"awarded_by"`
	Awarder   string    `json:"awarded_by_name"`
	AwardedAt time.Time `json:"awarded_at"`
	Note      string    `json:"note"`
}

// Session is a signed-in browser. Its secret is never stored, only a hash.
type Session struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"user_id"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	UserAgent  string    `json:"user_agent"`
	IP         string    `json:"ip"`
}

// Token is a named API token. Its secret is shown once and stored only as a hash.
type Token struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// Invitation lets someone sign up when sign-up is by invitation.
type Invitation struct {
	ID        int64      `json:"id"`
	CreatedBy int64      `json:"created_by"`
	Email     string     `json:"email"`
	Note      string     `json:"note"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	UsedAt    *time.Time `json:"used_at"`
	UsedBy    *int64     `json:"used_by"`
}

// AuditEntry records a change made to someone's account by a coordinator or admin.
type AuditEntry struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	ActorID    int64     `json:"actor_id"`
	ActorName  string    `json:"actor"`
	Action     string    `json:"action"`
	TargetID   int64     `json:"target_id"`
	TargetName string    `json:"target"`
	Detail     string    `json:"detail"`
}

// SignupMode is the instance's sign-up policy.
type SignupMode string

// Sign-up policies.
const (
	SignupOpen       SignupMode = "open"       // anyone may sign up and start at once
	SignupApproval   SignupMode = "approval"   // anyone may sign up; a coordinator approves them
	SignupInvitation SignupMode = "invitation" // only with an invitation link from a coordinator
)

// SignupModes lists the policies.
var SignupModes = []SignupMode{SignupOpen, SignupApproval, SignupInvitation}

// CommitEmail is the address praxis writes as the git author and tagger
// email of what a person saves through it. The curriculum can be cloned by
// anyone, so a member's real address never goes into its history.
func CommitEmail(userID int64) string {
	return "user-" + strconv.FormatInt(userID, 10) + "@users.noreply.praxis.invalid"
}

// UserFilter narrows a list of users. Zero fields do not filter.
type UserFilter struct {
	Query    string // part of the name or email
	Status   UserStatus
	Role     Role
	Region   string
	Language string
	Module   string // trained to deliver this module
	// OnlyShared makes the region, language and module filters match only people
	// who share that field with the network, so a filter never reveals a value
	// hidden from the person filtering.
	OnlyShared bool
	Limit      int
	Offset     int
}

// AuditFilter narrows the audit log.
type AuditFilter struct {
	TargetID int64
	ActorID  int64
	Limit    int
	Before   int64 // entries with a smaller id, for paging
}
