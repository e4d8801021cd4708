package praxis

import (
	"fmt"
	"slices"
	"time"
)

// Workshop requests: a local group asks for a workshop, and a coordinator
// moves the request along. Statuses in order.
const (
	RequestNew       = "new"       // just asked; nobody has looked yet
	RequestMatching  = "matching"  // a coordinator is finding facilitators
	RequestScheduled = "scheduled" // a workshop is scheduled for it
	RequestDeclined  = "declined"  // praxis's network cannot run it (the reason is sent to the requester)
	RequestDelivered = "delivered" // the workshop ran and was recorded
)

// RequestStatuses lists the statuses of a request in order.
var RequestStatuses = []string{RequestNew, RequestMatching, RequestScheduled, RequestDeclined, RequestDelivered}

// IsRequestStatus reports whether s is a request status.
func IsRequestStatus(s string) bool { return slices.Contains(RequestStatuses, s) }

// Reasons a request is declined. DeclineNoFacilitator is counted on the
// dashboard: where to recruit and train facilitators.
const (
	DeclineNoFacilitator = "no_facilitator" // no trained facilitator could run it
	DeclineNotAFit       = "not_a_fit"      // the curriculum is not what the group needs
	DeclineWithdrawn     = "withdrawn"      // the group no longer wants it
	DeclineDuplicate     = "duplicate"      // asked twice
	DeclineOther         = "other"
)

// DeclineReasons lists the reasons, each with how coordinators read it.
var DeclineReasons = []struct{ Code, Label string }{
	{DeclineNoFacilitator, "No facilitator could run it"},
	{DeclineNotAFit, "Not a fit for what the group needs"},
	{DeclineWithdrawn, "The group withdrew"},
	{DeclineDuplicate, "A duplicate of another request"},
	{DeclineOther, "Another reason"},
}

// IsDeclineReason reports whether code is a decline reason.
func IsDeclineReason(code string) bool {
	return slices.ContainsFunc(DeclineReasons, func(r struct{ Code, Label string }) bool { return r.Code == code })
}

// WorkshopRequest is a local group's request for a workshop. Its contact
// details are seen only by coordinators and the facilitators assigned to it.
type WorkshopRequest struct {
	ID           int64  `json:"id"`
	GroupName    string `json:"group_name"`
	GroupType    string `json:"group_type"` // one of HostTypes
	ContactName  string `json:"contact_name,omitempty"`
	ContactEmail string `json:"contact_email,omitempty"`
	Town         string `json:"town"`
	Region       string `json:"region"`
	Online       bool   `json:"online"`
	// Modules are the modules asked for (slugs on main); a series asked for
	// is its modules.
	Modules        []string `json:"modules"`
	Series         string   `json:"series,omitempty"`
	PreferredDates string   `json:"preferred_dates"`
	Participants   int      `json:"participants"`
	Language       string   `json:"language"`
	AccessNeeds    string   `json:"access_needs"`
	Notes          string   `json:"notes"`
	Status         string   `json:"status"`
	// DeclineReason is one of the DeclineReasons' codes; DeclineMessage the
	// words sent to the requester.
	DeclineReason  string `json:"decline_reason,omitempty"`
	DeclineMessage string `json:"decline_message,omitempty"`
	// AssignedTo is the coordinator looking after it (0 for nobody).
	AssignedTo   int64  `json:"assigned_to,omitempty"`
	AssignedName string `json:"assigned_name,omitempty"`
	// StatusToken makes the requester's private status link.
	StatusToken string     `json:"-"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	ScheduledAt *time.Time `json:"scheduled_at,omitempty"`
	// Workshops are the workshops scheduled for it.
	Workshops []int64 `json:"workshops"`
}

// RequestNote is a coordinator's note on a request, or a record of what
// happened to it.
type RequestNote struct {
	ID        int64     `json:"id"`
	RequestID int64     `json:"request_id"`
	AuthorID  int64     `json:"author_id"`
	Author    string    `json:"author"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// Roles of the people who run a workshop.
const (
	FacilitatorLead   = "lead"   // runs it; records the delivery
	FacilitatorCo     = "co"     // runs it with the lead
	FacilitatorMentee = "mentee" // co-facilitates to learn; counts toward their training record
)

// Offer is a facilitator's offer to run a requested workshop (a teaching
// opportunity), or to join it as a mentee to learn. A coordinator confirms
// it.
type Offer struct {
	RequestID   int64     `json:"request_id"`
	UserID      int64     `json:"user_id"`
	Name        string    `json:"name"`
	Role        string    `json:"role"` // FacilitatorLead (to facilitate) or FacilitatorMentee (to learn)
	Note        string    `json:"note"`
	Confirmed   bool      `json:"confirmed"`
	CreatedAt   time.Time `json:"created_at"`
	ConfirmedBy int64     `json:"confirmed_by,omitempty"`
}

// Workshop statuses.
const (
	WorkshopScheduled = "scheduled"
	WorkshopCancelled = "cancelled"
	WorkshopDelivered = "delivered"
)

// Who may see a workshop.
const (
	VisibilityListed   = "public"   // listed, in the public calendar feeds; anyone may register
	VisibilityUnlisted = "unlisted" // not listed; anyone with its link (which holds a key) may see it and register
	VisibilityPrivate  = "private"  // for a closed group: only its facilitators and coordinators see it
)

// WorkshopVisibilities lists the visibilities in display order.
var WorkshopVisibilities = []string{VisibilityListed, VisibilityUnlisted, VisibilityPrivate}

// DefaultTimezone is the time zone of a workshop unless another is given.
const DefaultTimezone = "Europe/London"

// WorkshopFacilitator is one person running a workshop.
type WorkshopFacilitator struct {
	UserID int64  `json:"id"`
	Name   string `json:"name"`
	Role   string `json:"role"`
}

// Workshop is a workshop scheduled ahead: what, when, where, for how many.
type Workshop struct {
	ID     int64  `json:"id"`
	Module string `json:"module"`
	ForkID int64  `json:"fork_id,omitempty"`
	// Version is the commit of the material they plan to deliver.
	Version string `json:"version"`
	Title   string `json:"title"`
	// StartsAt and EndsAt are instants (UTC); Timezone the IANA zone the
	// workshop's local times are in.
	StartsAt   time.Time `json:"starts_at"`
	EndsAt     time.Time `json:"ends_at"`
	Timezone   string    `json:"timezone"`
	Format     string    `json:"format"`
	Venue      string    `json:"venue"`
	Town       string    `json:"town"`
	Region     string    `json:"region"`
	OnlineURL  string    `json:"online_url,omitempty"`
	Capacity   int       `json:"capacity"`
	Language   string    `json:"language"`
	AccessInfo string    `json:"access_info"`
	Visibility string    `json:"visibility"`
	Status     string    `json:"status"`
	// Key is in an unlisted workshop's link.
	Key          string                `json:"-"`
	RequestID    int64                 `json:"request_id,omitempty"`
	Facilitators []WorkshopFacilitator `json:"facilitators"`
	Registered   int                   `json:"registered"`
	Waitlisted   int                   `json:"waitlisted"`
	DeliveryID   int64                 `json:"delivery_id,omitempty"`
	CreatedBy    int64                 `json:"created_by"`
	CreatedAt    time.Time             `json:"created_at"`
	UpdatedAt    time.Time             `json:"updated_at"`
	// PurgedAt is when its participants' names and emails were deleted.
	PurgedAt *time.Time `json:"purged_at,omitempty"`
}

// Location returns the workshop's time zone (UTC when it cannot be loaded).
func (w *Workshop) Location() *time.Location {
	loc, err := time.LoadLocation(w.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// LocalDate returns the day the workshop starts on, where it runs
// (YYYY-MM-DD).
func (w *Workshop) LocalDate() string { return w.StartsAt.In(w.Location()).Format("2006-01-02") }

// Runs reports whether the person is one of the workshop's facilitators.
func (w *Workshop) Runs(userID int64) bool {
	return slices.ContainsFunc(w.Facilitators, func(f WorkshopFacilitator) bool { return f.UserID == userID })
}

// Lead returns the workshop's lead facilitator (the first), if it has any.
func (w *Workshop) Lead() (WorkshopFacilitator, bool) {
	for _, f := range w.Facilitators {
		if f.Role == FacilitatorLead {
			return f, true
		}
	}
	if len(w.Facilitators) > 0 {
		return w.Facilitators[0], true
	}
	return WorkshopFacilitator{}, false
}

// Registration statuses.
const (
	RegistrationRegistered = "registered"
	RegistrationWaitlisted = "waitlisted"
	RegistrationCancelled  = "cancelled"
)

// Attendance, marked at check-in.
const (
	AttendanceUnknown  = ""         // not marked yet
	AttendanceAttended = "attended" // came
	AttendanceNoShow   = "no_show"  // registered and did not come
)

// Registration is a person's place (or place in the queue) at a workshop.
// Names and emails are deleted some days after the workshop; the row, and so
// the counts, stay.
type Registration struct {
	ID          int64  `json:"id"`
	WorkshopID  int64  `json:"workshop_id"`
	Name        string `json:"name"`
	Email       string `json:"email"`
	AccessNeeds string `json:"access_needs"`
	FirstTime   bool   `json:"first_time"`
	Status      string `json:"status"`
	Attendance  string `json:"attendance"`
	// WalkIn marks someone added at the door.
	WalkIn bool `json:"walk_in"`
	// Token makes the private link to see and cancel the registration.
	Token       string     `json:"-"`
	CreatedAt   time.Time  `json:"created_at"`
	CancelledAt *time.Time `json:"cancelled_at,omitempty"`
	// PromotedAt is when it moved up from the waiting list.
	PromotedAt *time.Time `json:"promoted_at,omitempty"`
}

// RequestFilter narrows the coordinators' queue. Zero fields do not filter.
type RequestFilter struct {
	Status string
	Region string
	Module string
	// Statuses, when given, are the statuses to list (Status is ignored).
	Statuses []string
	Limit    int
	Offset   int
}

// WorkshopFilter narrows a list of workshops. Zero fields do not filter.
type WorkshopFilter struct {
	// From and To bound when workshops start.
	From, To     time.Time
	Region       string
	Module       string
	Format       string
	Language     string
	Visibilities []string
	Statuses     []string
	// Facilitator lists only the workshops this person runs.
	Facilitator int64
	// Newest lists the latest first (otherwise the soonest first).
	Newest bool
	Limit  int
	Offset int
}

// Booking is a day a facilitator is already facilitating: a scheduled
// workshop or a logged delivery.
type Booking struct {
	UserID     int64
	Name       string
	Date       string // YYYY-MM-DD, where it runs
	WorkshopID int64
	DeliveryID int64
	Module     string
	// Title is the module's title when the service knows it ("" for the
	// slug in messages).
	Title string
}

// ClashError is ECONFLICT: a facilitator is already facilitating on the day
// of the workshop. Nothing was written.
type ClashError struct {
	Clashes []Booking
}

func (e *ClashError) Error() string { return e.Unwrap().Error() }

// Unwrap gives the praxis error, naming the first clash, at fault in the
// facilitators field.
func (e *ClashError) Unwrap() error {
	b := e.Clashes[0]
	module := b.Title
	if module == "" {
		module = b.Module
	}
	what := "a workshop"
	if b.WorkshopID != 0 {
		what = fmt.Sprintf("workshop %d (%s)", b.WorkshopID, module)
	} else if b.DeliveryID != 0 {
		what = fmt.Sprintf("a delivery of %s", module)
	}
	day, _ := time.Parse("2006-01-02", b.Date)
	msg := fmt.Sprintf("%s is already facilitating %s on %s", b.Name, what, day.Format("Monday 2 January 2006"))
	return &Error{Code: ECONFLICT, Message: msg, Fields: []FieldError{{Field: "facilitators", Message: msg}}}
}
