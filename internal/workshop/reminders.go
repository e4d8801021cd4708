package workshop

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
)

// When reminders go out, before a workshop starts.
const (
	ParticipantReminder = 24 * time.Hour
	FacilitatorReminder = 7 * 24 * time.Hour
)

// TickResult says what one round of the scheduled work did.
type TickResult struct {
	ParticipantReminders int
	FacilitatorReminders int
	// Purged counts the workshops whose participants' personal details
	// were deleted.
	Purged int
}

// Tick does the scheduled work of workshops: it reminds participants of
// workshops starting within a day and facilitators of those starting within
// a week (each once), and deletes the names and emails of participants of
// workshops that ended more than the retention setting's days ago (counts
// kept). The job queue runs it every TickEvery (RegisterJobs); it is safe to run
// from several places at once, and a round that fails part-way is finished
// by the next.
func (s *Service) Tick(ctx context.Context) (TickResult, error) {
	var res TickResult
	var err error
	if res.ParticipantReminders, err = s.remindParticipants(ctx); err != nil {
		return res, err
	}
	if res.FacilitatorReminders, err = s.remindFacilitators(ctx); err != nil {
		return res, err
	}
	if res.Purged, err = s.Purge(ctx); err != nil {
		return res, err
	}
	return res, nil
}

// Purge deletes the names, emails and access needs of the people who
// registered for workshops that ended more than the retention setting's
// days ago; the registrations stay, without them, so every count stays.
func (s *Service) Purge(ctx context.Context) (int, error) {
	settings, err := s.Settings(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	for {
		n, err := s.db.PurgeParticipants(ctx, s.now().AddDate(0, 0, -settings.RetentionDays))
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// needsReminder says whether r is to be reminded of w: not when they
// registered within ParticipantReminder of its start, when the email
// confirming their place is the reminder.
func needsReminder(w *praxis.Workshop, r *praxis.Registration) bool {
	return !r.CreatedAt.After(w.StartsAt.Add(-ParticipantReminder))
}

// remindParticipants emails the people with places at workshops starting
// within ParticipantReminder. A reminder is recorded with its email's job
// in one transaction, so two rounds never send it twice and a stop before
// it is sent sends it after the restart (without a queue it is sent at
// once, and lost if that fails).
func (s *Service) remindParticipants(ctx context.Context) (int, error) {
	now := s.now()
	due, err := s.db.DueParticipantReminders(ctx, now, now.Add(ParticipantReminder))
	if err != nil {
		return 0, err
	}
	workshops := map[int64]*praxis.Workshop{}
	sent := 0
	for _, r := range due {
		w, ok := workshops[r.WorkshopID]
		if !ok {
			if w, err = s.withTitle(ctx, r.WorkshopID); err != nil {
				return sent, err
			}
			workshops[r.WorkshopID] = w
		}
		if !needsReminder(w, r) {
			// Recorded without an email, so it is not considered again.
			if _, err := s.db.MarkParticipantReminded(ctx, r.ID, nil); err != nil {
				return sent, err
			}
			continue
		}
		first, err := s.db.MarkParticipantReminded(ctx, r.ID, s.queued(ctx, participantReminderArgs{RegistrationID: r.ID}, queueMail))
		if err != nil {
			return sent, err
		}
		if !first {
			continue
		}
		sent++
		if s.queue == nil {
			s.send(ctx, participantReminderMessage(w, r, s.URL(CancelPath(r)), now))
		}
	}
	return sent, nil
}

// remindFacilitators emails the facilitators of workshops starting within
// FacilitatorReminder: the plan to download at the version planned, and
// what changed in the module since they last delivered it. Each reminder
// is also an event (delivery.upcoming, recorded with the reminder and its
// email's job), which the notifications put in the facilitator's inbox
// without a second email.
func (s *Service) remindFacilitators(ctx context.Context) (int, error) {
	now := s.now()
	due, err := s.db.DueFacilitatorReminders(ctx, now, now.Add(FacilitatorReminder))
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, due := range due {
		w, err := s.withTitle(ctx, due.WorkshopID)
		if err != nil {
			return sent, err
		}
		// The reminder's event (delivery.upcoming) puts it in their inbox
		// too; this email is the one email of it (notifications tell of it
		// in the app only).
		first, err := s.db.MarkFacilitatorReminded(ctx, due.WorkshopID, due.UserID, praxis.Activity{
			Kind: praxis.ActivityDeliveryUpcoming, SubjectID: due.UserID, ObjectID: w.ID, Module: w.Module,
			Title: w.Title, Detail: w.LocalDate()},
			s.queued(ctx, facilitatorReminderArgs{WorkshopID: due.WorkshopID, UserID: due.UserID}, queueMail))
		if err != nil {
			return sent, err
		}
		if !first {
			continue
		}
		sent++
		if s.queue != nil {
			continue
		}
		person, err := s.db.FindUser(ctx, due.UserID)
		if err != nil {
			return sent, err
		}
		brief, err := s.FacilitatorBrief(ctx, w, due.UserID)
		if err != nil {
			return sent, err
		}
		s.send(ctx, facilitatorReminderMessage(w, person, brief))
	}
	return sent, nil
}

// Brief is what a facilitator needs a week before a workshop.
type Brief struct {
	// PlanURL downloads the plan at the version planned.
	PlanURL string
	// WorkshopURL is the workshop's page (check-in, registrations).
	WorkshopURL string
	// LastVersion and LastDate are those of their last delivery of the
	// module ("" when they never delivered it); ChangesURL compares that
	// version with the one planned, "" when there is nothing to compare.
	LastVersion, LastDate string
	ChangesURL            string
	// Changed says the module changed between the two.
	Changed bool
}

// FacilitatorBrief works out a facilitator's brief for a workshop.
func (s *Service) FacilitatorBrief(ctx context.Context, w *praxis.Workshop, userID int64) (Brief, error) {
	b := Brief{PlanURL: s.URL(fmt.Sprintf("/modules/%s/plan.pdf?rev=%s", url.PathEscape(w.Module), w.Version)),
		WorkshopURL: s.URL(fmt.Sprintf("/workshops/%d", w.ID))}
	version, date, err := s.db.LastDeliveredVersion(ctx, userID, []string{w.Module})
	if err != nil || version == "" {
		return b, err
	}
	b.LastVersion, b.LastDate = version, date
	if version == w.Version {
		return b, nil
	}
	folder := func(rev string) string {
		snap, err := s.catalog.Snapshot(ctx, rev)
		if err != nil {
			return ""
		}
		id, err := snap.ID("modules/" + w.Module)
		if err != nil {
			return ""
		}
		return id
	}
	// The module changed when its folder differs between the two versions
	// (one that cannot be read, such as a pruned fork's, says nothing).
	then, planned := folder(version), folder(w.Version)
	b.Changed = then != "" && planned != "" && then != planned
	if b.Changed {
		b.ChangesURL = s.URL(fmt.Sprintf("/modules/%s/compare/%s...%s", url.PathEscape(w.Module), version, w.Version))
	}
	return b, nil
}
