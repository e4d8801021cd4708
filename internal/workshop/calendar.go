package workshop

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/ical"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// CalendarContentType is the media type of the calendars praxis serves and
// attaches.
const CalendarContentType = "text/calendar; charset=utf-8"

// Feeds list workshops from this long ago, so a workshop stays in
// calendars for a while after it happened.
const feedPast = 31 * 24 * time.Hour

// event is a workshop as a calendar entry. withLink puts the online link
// in its description (for the people registered and the facilitators).
func (s *Service) event(w *praxis.Workshop, withLink bool) ical.Event {
	host := "praxis"
	if u, err := url.Parse(s.baseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	var desc []string
	page := s.URL(WorkshopPath(w))
	desc = append(desc, w.Title+" — a praxis workshop.")
	if withLink && w.OnlineURL != "" {
		desc = append(desc, "Join online: "+w.OnlineURL)
	}
	if w.AccessInfo != "" {
		desc = append(desc, "Access: "+w.AccessInfo)
	}
	desc = append(desc, "Details: "+page)
	location := strings.TrimSpace(strings.Join(nonEmpty(strings.ReplaceAll(w.Venue, "\n", ", "), w.Town), ", "))
	if w.Format == praxis.FormatOnline {
		location = "Online"
	}
	summary := w.Title
	if w.Status == praxis.WorkshopCancelled {
		summary = "Cancelled: " + summary
	}
	return ical.Event{UID: fmt.Sprintf("workshop-%d@%s", w.ID, host), Summary: summary, Location: location,
		Description: strings.Join(desc, "\n"), URL: page, Start: w.StartsAt, End: w.EndsAt, TZID: w.Timezone,
		Stamp: s.now(), LastModified: w.UpdatedAt, Cancelled: w.Status == praxis.WorkshopCancelled,
		Sequence: int(w.UpdatedAt.Sub(w.CreatedAt) / time.Second)}
}

func nonEmpty(values ...string) []string {
	var out []string
	for _, v := range values {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// calendarAttachment returns a workshop's calendar entry for an email.
func (s *Service) calendarAttachment(w *praxis.Workshop, withLink, cancelled bool) []byte {
	var buf bytes.Buffer
	copy := *w
	if cancelled {
		copy.Status = praxis.WorkshopCancelled
	}
	if err := ical.Write(&buf, ical.Calendar{Method: "PUBLISH", Events: []ical.Event{s.event(&copy, withLink)}}); err != nil {
		s.log.Warn("workshop calendar entry", "workshop", w.ID, "err", err)
		return nil
	}
	return buf.Bytes()
}

// FeedFilter chooses the public workshops of a feed.
type FeedFilter struct {
	Region string
	Module string
}

// WritePublicFeed writes the calendar of public workshops (from a month ago
// on), of a region or module when the filter says.
func (s *Service) WritePublicFeed(ctx context.Context, w io.Writer, f FeedFilter) error {
	list, _, err := s.db.ListWorkshops(ctx, praxis.WorkshopFilter{From: s.now().Add(-feedPast), Region: f.Region, Module: f.Module,
		Visibilities: []string{praxis.VisibilityListed}, Statuses: []string{praxis.WorkshopScheduled, praxis.WorkshopDelivered, praxis.WorkshopCancelled},
		Limit: 1000})
	if err != nil {
		return err
	}
	s.setTitles(ctx, list)
	name := "praxis workshops"
	if f.Region != "" {
		name += " in " + f.Region
	}
	cal := ical.Calendar{Name: name, Method: "PUBLISH"}
	for _, item := range list {
		cal.Events = append(cal.Events, s.event(item, false))
	}
	return ical.Write(w, cal)
}

// WriteWorkshopCalendar writes one workshop's calendar entry, for someone
// who may see it (Find's rules); its facilitators and coordinators get the
// online link.
func (s *Service) WriteWorkshopCalendar(ctx context.Context, out io.Writer, user *praxis.User, id int64, key string) error {
	w, access, err := s.Find(ctx, user, id, key)
	if err != nil {
		return err
	}
	return ical.Write(out, ical.Calendar{Method: "PUBLISH", Events: []ical.Event{s.event(w, access.Staff())}})
}

// WriteFacilitatorFeed writes the calendar of the workshops a person runs,
// online links included, for the private address holding token.
func (s *Service) WriteFacilitatorFeed(ctx context.Context, out io.Writer, token string) error {
	userID, err := s.db.CalendarOwner(ctx, token)
	if err != nil {
		return err
	}
	person, err := s.db.FindUser(ctx, userID)
	if err != nil {
		return err
	}
	if person.Status != praxis.StatusActive {
		return praxis.Errorf(praxis.ENOTFOUND, "there is no calendar at this address")
	}
	list, _, err := s.db.ListWorkshops(ctx, praxis.WorkshopFilter{From: s.now().Add(-feedPast), Facilitator: userID, Limit: 1000})
	if err != nil {
		return err
	}
	s.setTitles(ctx, list)
	cal := ical.Calendar{Name: "My praxis workshops (" + person.Name + ")", Method: "PUBLISH"}
	for _, item := range list {
		cal.Events = append(cal.Events, s.event(item, true))
	}
	return ical.Write(out, cal)
}

// CalendarToken returns the token of a person's private calendar address,
// making one the first time.
func (s *Service) CalendarToken(ctx context.Context, user *praxis.User) (string, error) {
	if err := access.Authorize(user, access.Volunteer); err != nil {
		return "", err
	}
	return s.db.CalendarToken(ctx, user.ID, newToken())
}

// ResetCalendarToken gives a person a new private calendar address; the old
// one stops working.
func (s *Service) ResetCalendarToken(ctx context.Context, user *praxis.User) (string, error) {
	if err := access.Authorize(user, access.Volunteer); err != nil {
		return "", err
	}
	token := newToken()
	return token, s.db.ResetCalendarToken(ctx, user.ID, token)
}
