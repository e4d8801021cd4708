package praxis

import (
	"slices"
	"time"
)

// Regions are the UK's nations and English regions (in the order official
// statistics list them), and Ireland: the one list every form and filter
// offers for a region, where a workshop ran or where a person is (people may
// type others).
var Regions = []string{"North East", "North West", "Yorkshire and the Humber", "East Midlands", "West Midlands",
	"East of England", "London", "South East", "South West", "Wales", "Scotland", "Northern Ireland", "Dublin"}

// Host group types.
var HostTypes = []string{"union branch", "community group", "tenants' union", "political organisation", "campaign", "other"}

// IsHostType reports whether t is a known host group type.
func IsHostType(t string) bool { return slices.Contains(HostTypes, t) }

// Delivery is one workshop a facilitator delivered.
type Delivery struct {
	ID            int64  `json:"id"`
	FacilitatorID int64  `json:"facilitator_id"`
	Facilitator   string `json:"facilitator"`
	Module        string `json:"module"`
	ForkID        int64  `json:"fork_id,omitempty"`
	// Version is the commit of the material delivered.
	Version        string  `json:"version"`
	Date           string  `json:"date"` // YYYY-MM-DD
	Duration       int     `json:"duration"`
	Format         string  `json:"format"`
	Town           string  `json:"town"`
	Region         string  `json:"region"`
	Country        string  `json:"country"` // ISO 3166-1 alpha-2
	Host           string  `json:"host"`
	HostType       string  `json:"host_type"`
	Participants   int     `json:"participants"`
	FirstTime      int     `json:"first_time"`
	CoFacilitators []int64 `json:"co_facilitators"`
	// CoFacilitatorNames are the co-facilitators' names, in the same order.
	CoFacilitatorNames []string `json:"co_facilitator_names"`
	// Reflection: what worked, and what to change next time.
	Worked string `json:"reflection_worked"`
	Change string `json:"reflection_change"`
	// FeedbackToken makes the public feedback link.
	FeedbackToken string    `json:"feedback_token,omitempty"`
	FeedbackCount int       `json:"feedback_count"`
	FeedbackSum   int       `json:"-"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	// Revision counts the changes to the record, from 1: an edit made from an
	// older revision is refused rather than reverting a newer change.
	Revision int64 `json:"revision"`
}

// FeedbackAverage returns the mean participant rating, or 0 without feedback.
func (d *Delivery) FeedbackAverage() float64 {
	if d.FeedbackCount == 0 {
		return 0
	}
	return float64(d.FeedbackSum) / float64(d.FeedbackCount)
}

// Reflection returns the two halves of the reflection joined, for quoting.
func (d *Delivery) Reflection() string {
	switch {
	case d.Worked == "":
		return d.Change
	case d.Change == "":
		return d.Worked
	}
	return d.Worked + "\n\n" + d.Change
}

// Feedback is one participant's anonymous answer about a delivery.
type Feedback struct {
	ID         int64     `json:"id"`
	DeliveryID int64     `json:"delivery_id"`
	Rating     int       `json:"rating"` // 1 to 5
	Valued     string    `json:"valued"`
	Improve    string    `json:"improve"`
	CreatedAt  time.Time `json:"created_at"`
}

// DeliveryFilter narrows a list of deliveries. Zero fields do not filter.
type DeliveryFilter struct {
	From, To string // YYYY-MM-DD, inclusive
	Module   string
	Modules  []string // any of these
	// Series keeps the deliveries of the modules in a series (on main); the
	// delivery service turns it into Modules.
	Series string
	Region string
	Format string
	// PersonID limits to deliveries a person led or co-facilitated.
	PersonID int64
	// WithReflection keeps those with a reflection written.
	WithReflection bool
	// Aliases are earlier names of Module and Modules: deliveries recorded
	// under one count as the module's when their version is older than the
	// move (or not on main). Moved are Module's and Modules' own names that
	// an earlier module had before moving away (Of == Slug): deliveries of
	// that module, at versions older than its move, are not theirs.
	Aliases []ModuleAlias
	Moved   []ModuleAlias
	Limit   int
	Offset  int
}

// ModuleAlias is an earlier name (Slug) of the module Of, which it had until
// the commit at place Before in the history index moved its folder.
type ModuleAlias struct {
	Of, Slug string
	Before   int64
}

// DownloadCount is how often a module's file was downloaded in a format.
type DownloadCount struct {
	Module string `json:"module"`
	Format string `json:"format"`
	Count  int    `json:"count"`
}
