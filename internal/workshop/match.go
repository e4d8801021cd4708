package workshop

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/praxis"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// MatchQuery is what a workshop needs of its facilitators.
type MatchQuery struct {
	Module   string
	Region   string
	Online   bool
	Language string
	// Date is the day it would run (YYYY-MM-DD), "" when not yet known.
	Date string
	// Request, when not 0, brings in the facilitators who offered for it.
	Request int64
	// Except is the workshop being changed, whose own bookings are no clash.
	Except int64
}

// Suggestion is a person who could facilitate, with why, in plain words.
type Suggestion struct {
	UserID  int64    `json:"id"`
	Name    string   `json:"name"`
	Region  string   `json:"region"`
	Score   int      `json:"score"`
	Reasons []string `json:"reasons"`
	// Trained says they are trained to deliver the module; those who are
	// not are suggested only to join to learn (mentees).
	Trained bool `json:"trained"`
	// Available is false when they already facilitate that day (they
	// cannot be scheduled).
	Available bool `json:"available"`
	// Offered is the role they offered for the request ("" for none).
	Offered   string `json:"offered,omitempty"`
	Confirmed bool   `json:"confirmed,omitempty"`
}

// Points of the ranking, so the reasons and the order agree.
const (
	pointsTrained     = 40
	pointsConfirmed   = 30
	pointsOffered     = 25
	pointsRegion      = 20
	pointsLanguage    = 15
	pointsNoLanguage  = -15
	pointsRecent      = 10
	pointsThisYear    = 5
	pointsPerDelivery = 2
	maxFrequency      = 10
	pointsPerMentored = 3
	pointsNearBooking = -10
)

// Suggest ranks the people who could facilitate a workshop (coordinators):
// those trained for the module, and those who offered for the request. The
// ranking weighs being trained, a confirmed or made offer, the region (not
// for online workshops), the language, how recently and how often they have
// delivered the module, what they co-facilitated to learn, and whether they
// are free: anyone already facilitating that day comes last, marked not
// available; anyone facilitating within the settings' days is marked down.
// Each suggestion says why, in plain words.
func (s *Service) Suggest(ctx context.Context, user *praxis.User, q MatchQuery) ([]Suggestion, error) {
	if err := access.Authorize(user, access.ManageWorkshops); err != nil {
		return nil, err
	}
	if q.Module == "" {
		return nil, invalid("module", "choose the workshop to find facilitators for")
	}
	var offers []praxis.Offer
	if q.Request != 0 {
		var err error
		if offers, err = s.db.Offers(ctx, q.Request, 0); err != nil {
			return nil, err
		}
	}
	candidates, err := s.db.ActiveUsers(ctx, nil, []string{q.Module})
	if err != nil {
		return nil, err
	}
	var extra []int64
	for _, o := range offers {
		if !slices.ContainsFunc(candidates, func(u *praxis.User) bool { return u.ID == o.UserID }) {
			extra = append(extra, o.UserID)
		}
	}
	if len(extra) > 0 {
		more, err := s.db.ActiveUsers(ctx, extra, nil)
		if err != nil {
			return nil, err
		}
		candidates = append(candidates, more...)
	}
	if len(candidates) == 0 {
		return []Suggestion{}, nil
	}
	ids := make([]int64, len(candidates))
	for i, u := range candidates {
		ids[i] = u.ID
	}
	now := s.now().UTC()
	ofModule, err := s.db.Facilitations(ctx, ids, []string{q.Module}, "")
	if err != nil {
		return nil, err
	}
	mentored, err := s.db.Mentored(ctx, ids)
	if err != nil {
		return nil, err
	}
	bookings := map[int64][]praxis.Booking{}
	var day time.Time
	if q.Date != "" {
		if day, err = time.Parse("2006-01-02", q.Date); err != nil {
			return nil, invalid("date", "give the date as YYYY-MM-DD")
		}
		settings, err := s.Settings(ctx)
		if err != nil {
			return nil, err
		}
		from, to := day.AddDate(0, 0, -settings.WarnDays).Format("2006-01-02"), day.AddDate(0, 0, settings.WarnDays).Format("2006-01-02")
		found, err := s.db.Bookings(ctx, ids, from, to, q.Except)
		if err != nil {
			return nil, err
		}
		for _, b := range found {
			bookings[b.UserID] = append(bookings[b.UserID], b)
		}
	}
	moduleTitle := s.titles(ctx, []string{q.Module})[0]
	out := make([]Suggestion, 0, len(candidates))
	for _, u := range candidates {
		sg := Suggestion{UserID: u.ID, Name: u.Name, Region: u.Region, Available: true}
		add := func(points int, reason string, args ...any) {
			sg.Score += points
			sg.Reasons = append(sg.Reasons, fmt.Sprintf(reason, args...))
		}
		sg.Trained = slices.ContainsFunc(u.Trainings, func(t praxis.Training) bool { return t.Module == q.Module })
		if sg.Trained {
			add(pointsTrained, "Trained to deliver %s.", moduleTitle)
		} else {
			add(0, "Not yet trained to deliver %s: could join to learn, as a mentee.", moduleTitle)
		}
		if i := slices.IndexFunc(offers, func(o praxis.Offer) bool { return o.UserID == u.ID }); i >= 0 {
			o := offers[i]
			sg.Offered, sg.Confirmed = o.Role, o.Confirmed
			what := "to facilitate it"
			if o.Role == praxis.FacilitatorMentee {
				what = "to join it to learn"
			}
			if o.Confirmed {
				add(pointsConfirmed, "Offered %s; confirmed.", what)
			} else {
				add(pointsOffered, "Offered %s.", what)
			}
		}
		switch {
		case q.Online:
			add(0, "Online, so where they live does not matter.")
		case q.Region != "" && strings.EqualFold(u.Region, q.Region):
			add(pointsRegion, "Lives in %s, the workshop's region.", u.Region)
		case u.Region != "" && q.Region != "":
			add(0, "Lives in %s, not %s.", u.Region, q.Region)
		}
		if q.Language != "" {
			if speaks(u.Languages, q.Language) {
				add(pointsLanguage, "Speaks %s.", LanguageName(q.Language))
			} else if !(len(u.Languages) == 0 && baseLanguage(q.Language) == "en") {
				add(pointsNoLanguage, "Does not list %s among their languages.", LanguageName(q.Language))
			}
		}
		f := ofModule[u.ID]
		switch {
		case f.Count == 0:
			add(0, "Has not delivered %s yet.", moduleTitle)
		default:
			last, _ := time.Parse("2006-01-02", f.Last)
			add(min(f.Count, maxFrequency)*pointsPerDelivery, "Delivered it %s, last on %s.", times(f.Count), last.Format("2 January 2006"))
			switch {
			case now.Sub(last) <= 183*24*time.Hour:
				add(pointsRecent, "Delivered it in the last six months.")
			case now.Sub(last) <= 366*24*time.Hour:
				add(pointsThisYear, "Delivered it in the last year.")
			}
		}
		if n := mentored[u.ID][q.Module]; n > 0 {
			add(n*pointsPerMentored, "Co-facilitated it %s to learn.", times(n))
		}
		for _, b := range bookings[u.ID] {
			date, _ := time.Parse("2006-01-02", b.Date)
			what := s.titles(ctx, []string{b.Module})[0]
			if b.Date == q.Date {
				sg.Available = false
				add(0, "Not available: already facilitating %s that day.", what)
				continue
			}
			add(pointsNearBooking, "Also facilitates %s on %s, %s.", what, date.Format("Monday 2 January"), daysApart(day, date))
		}
		if !sg.Trained && sg.Offered == "" {
			continue
		}
		out = append(out, sg)
	}
	slices.SortStableFunc(out, func(a, b Suggestion) int {
		if a.Available != b.Available {
			if a.Available {
				return -1
			}
			return 1
		}
		if a.Trained != b.Trained {
			if a.Trained {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(b.Score, a.Score), strings.Compare(a.Name, b.Name))
	})
	return out, nil
}

// speaks reports whether a person's languages include want (by base
// language: "en-GB" speaks "en").
func speaks(languages []string, want string) bool {
	base := baseLanguage(want)
	return slices.ContainsFunc(languages, func(l string) bool { return baseLanguage(l) == base })
}

func baseLanguage(tag string) string {
	t, err := language.Parse(strings.TrimSpace(tag))
	if err != nil {
		return strings.ToLower(tag)
	}
	b, _ := t.Base()
	return b.String()
}

// languageNames covers languages that x/text's display tables leave unnamed.
var languageNames = map[string]string{"bfi": "British Sign Language", "ase": "American Sign Language", "isg": "Irish Sign Language"}

// LanguageName names a language tag in English ("cy" is "Welsh"), falling
// back to the tag itself.
func LanguageName(tag string) string {
	if name, ok := languageNames[tag]; ok {
		return name
	}
	t, err := language.Parse(tag)
	if err != nil {
		return tag
	}
	if name := display.English.Tags().Name(t); name != "" {
		return name
	}
	return tag
}
