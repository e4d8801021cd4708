package workshop

import (
	"fmt"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/mail"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// When says when a workshop runs, in its own time zone: "Saturday 14 March
// 2026, 18:00–20:30 GMT (Europe/London)".
func When(w *praxis.Workshop) string {
	loc := w.Location()
	start, end := w.StartsAt.In(loc), w.EndsAt.In(loc)
	s := start.Format("Monday 2 January 2006, 15:04")
	if start.Format("2006-01-02") == end.Format("2006-01-02") {
		s += "–" + end.Format("15:04 MST")
	} else {
		s += " to " + end.Format("Monday 2 January, 15:04 MST")
	}
	return s + " (" + w.Timezone + ")"
}

// Where says where a workshop runs, for those who may see the online link
// (withLink) or not.
func Where(w *praxis.Workshop, withLink bool) string {
	var parts []string
	if w.Format != praxis.FormatOnline {
		parts = append(parts, strings.Join(nonEmpty(strings.ReplaceAll(w.Venue, "\n", ", "), w.Town), ", "))
	}
	if w.Format != praxis.FormatInPerson {
		if withLink && w.OnlineURL != "" {
			parts = append(parts, "Online: "+w.OnlineURL)
		} else {
			parts = append(parts, "Online (the link is sent to the people registered)")
		}
	}
	return strings.Join(parts, "\n")
}

func ics(data []byte) []mail.Attachment {
	if len(data) == 0 {
		return nil
	}
	return []mail.Attachment{{Name: "workshop.ics", ContentType: CalendarContentType + "; method=PUBLISH", Data: data}}
}

func requestReceivedMessage(r *praxis.WorkshopRequest, titles []string, statusURL string) mail.Message {
	return mail.Message{
		To:      r.ContactEmail,
		Subject: "We have your request for a workshop",
		Body: fmt.Sprintf(`Hello %s,

Thank you for asking for a workshop for %s. We have your request for:

%s

A coordinator will look for trained facilitators near you and write to you.
You can see where your request stands at any time at this private link:

%s

Keep the link to yourself: anyone with it can see your request's status.
`, r.ContactName, r.GroupName, "  - "+strings.Join(titles, "\n  - "), statusURL),
	}
}

func requestDeclinedMessage(r *praxis.WorkshopRequest, statusURL string) mail.Message {
	return mail.Message{
		To:      r.ContactEmail,
		Subject: "About your request for a workshop",
		Body: fmt.Sprintf(`Hello %s,

Thank you for asking for a workshop for %s. We are sorry: we cannot run
it this time. The coordinator wrote:

%s

Your request's page: %s
`, r.ContactName, r.GroupName, r.DeclineMessage, statusURL),
	}
}

func placeMessage(w *praxis.Workshop, r *praxis.Registration, movedUp bool, cancelURL, pageURL string, calendar []byte) mail.Message {
	registered := r.Status == praxis.RegistrationRegistered
	subject, opening := "Your place at "+w.Title, "You have a place at this workshop:"
	switch {
	case registered && movedUp:
		subject, opening = "A place came free: you are in "+w.Title, "Someone cancelled, so you have moved up from the waiting list. You have a place at:"
	case !registered:
		subject, opening = "You are on the waiting list for "+w.Title, "The workshop is full, so you are on its waiting list. If someone cancels, you move up\nautomatically and we write to you. The workshop:"
	}
	body := fmt.Sprintf(`Hello %s,

%s

  %s
  %s
  %s

`, r.Name, opening, w.Title, When(w), strings.ReplaceAll(Where(w, registered), "\n", "\n  "))
	if w.AccessInfo != "" {
		body += "Access: " + w.AccessInfo + "\n\n"
	}
	if registered {
		body += "The calendar entry attached adds it to your calendar.\n\n"
	}
	body += fmt.Sprintf(`If you cannot come, cancel here so someone else can have the place:
%s

The workshop's page: %s
`, cancelURL, pageURL)
	return mail.Message{To: r.Email, Subject: subject, Body: body, Attachments: ics(calendar)}
}

// cancelledMessage tells r that w was cancelled, with the calendar entry
// that takes it out of their calendar (without the online link: it is no
// longer needed).
func (s *Service) cancelledMessage(w *praxis.Workshop, r *praxis.Registration, reason string) mail.Message {
	body := fmt.Sprintf(`Hello %s,

We are sorry: this workshop is cancelled.

  %s
  %s
`, r.Name, w.Title, When(w))
	if reason != "" {
		body += "\n" + reason + "\n"
	}
	var calendar []byte
	if r.Status == praxis.RegistrationRegistered {
		calendar = s.calendarAttachment(w, false, true)
		body += "\nThe calendar entry attached takes it out of your calendar.\n"
	}
	return mail.Message{To: r.Email, Subject: "Cancelled: " + w.Title, Body: body, Attachments: ics(calendar)}
}

// changedMessage tells r of w's time or place as it is now, with the
// calendar entry that updates theirs when they have a place.
func (s *Service) changedMessage(w *praxis.Workshop, r *praxis.Registration) mail.Message {
	registered := r.Status == praxis.RegistrationRegistered
	body := fmt.Sprintf(`Hello %s,

The time or place of this workshop has changed. It is now:

  %s
  %s
  %s

`, r.Name, w.Title, When(w), strings.ReplaceAll(Where(w, registered), "\n", "\n  "))
	if w.AccessInfo != "" {
		body += "Access: " + w.AccessInfo + "\n\n"
	}
	var calendar []byte
	if registered {
		calendar = s.calendarAttachment(w, true, false)
		body += "The calendar entry attached updates the one in your calendar.\n\n"
	} else {
		body += "You are on the waiting list: if someone cancels, you move up automatically\nand we write to you.\n\n"
	}
	cancel := "If you can no longer come, cancel here so someone else can have the place:"
	if !registered {
		cancel = "If you no longer want a place, take your name off the waiting list here:"
	}
	body += fmt.Sprintf("%s\n%s\n\nThe workshop's page: %s\n", cancel, s.URL(CancelPath(r)), s.URL(WorkshopPath(w)))
	return mail.Message{To: r.Email, Subject: "Changed: " + w.Title, Body: body, Attachments: ics(calendar)}
}

// participantReminderMessage reminds r of w, sent at now: "today" or
// "tomorrow" as the workshop's own calendar counts days.
func participantReminderMessage(w *praxis.Workshop, r *praxis.Registration, cancelURL string, now time.Time) mail.Message {
	day := "tomorrow"
	if loc := w.Location(); now.In(loc).Format("2006-01-02") == w.StartsAt.In(loc).Format("2006-01-02") {
		day = "today"
	}
	body := fmt.Sprintf(`Hello %s,

A reminder: the workshop is `+day+`.

  %s
  %s
  %s

`, r.Name, w.Title, When(w), strings.ReplaceAll(Where(w, true), "\n", "\n  "))
	if w.AccessInfo != "" {
		body += "Access: " + w.AccessInfo + "\n\n"
	}
	body += "If you cannot come after all, cancel so someone on the waiting list can have\nyour place: " + cancelURL + "\n"
	return mail.Message{To: r.Email, Subject: strings.ToUpper(day[:1]) + day[1:] + ": " + w.Title, Body: body}
}

func facilitatorReminderMessage(w *praxis.Workshop, person *praxis.User, b Brief) mail.Message {
	body := fmt.Sprintf(`Hello %s,

You are facilitating in a week:

  %s
  %s
  %s
  %d registered, %d on the waiting list.

The plan, at the version you will deliver:
%s

`, person.Name, w.Title, When(w), strings.ReplaceAll(Where(w, true), "\n", "\n  "), w.Registered, w.Waitlisted, b.PlanURL)
	switch {
	case b.ChangesURL != "":
		body += fmt.Sprintf("The module has changed since you last delivered it (%s). What changed:\n%s\n\n", b.LastDate, b.ChangesURL)
	case b.LastVersion != "":
		body += fmt.Sprintf("The module is as it was when you last delivered it (%s).\n\n", b.LastDate)
	default:
		body += "This will be your first time delivering it.\n\n"
	}
	body += "Registrations and the check-in list: " + b.WorkshopURL + "\n"
	return mail.Message{To: person.Email, Subject: "In a week: " + w.Title, Body: body}
}

func feedbackMessage(w *praxis.Workshop, r *praxis.Registration, link string) mail.Message {
	return mail.Message{
		To:      r.Email,
		Subject: "How was " + w.Title + "?",
		Body: fmt.Sprintf(`Hello %s,

Thank you for coming to %s. Would you tell the facilitators what you
valued and what they could do better? It takes two minutes and is
anonymous:

%s
`, r.Name, w.Title, link),
	}
}
