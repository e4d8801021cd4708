package workshop

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/jobs"
	"github.com/praxis-coop/praxis/internal/mail"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// TickEvery is how often the scheduled work (Tick) runs through the job
// queue.
const TickEvery = 5 * time.Minute

// queueMail is the queue of jobs that send email, shared with the
// notifications: one SMTP window at a time per worker.
const queueMail = "mail"

// Job arguments: ids only; each job loads what it needs and writes the
// email when it sends it. Their kinds and fields are stored in the queue:
// never rename them.
type (
	// tickArgs: one round of Tick, for the slot of TickEvery starting at
	// Slot (so a round is run once, however many processes schedule it).
	tickArgs struct {
		Slot string `json:"slot"`
	}
	// participantReminderArgs: remind one participant of their workshop.
	participantReminderArgs struct {
		RegistrationID int64 `json:"registration_id"`
	}
	// placeArgs: tell a person of their place at a workshop (or on its
	// waiting list) when they register, or that they moved up from the
	// waiting list.
	placeArgs struct {
		RegistrationID int64 `json:"registration_id"`
		MovedUp        bool  `json:"moved_up,omitempty"`
	}
	// requestReceivedArgs: acknowledge a request to its contact.
	requestReceivedArgs struct {
		RequestID int64 `json:"request_id"`
	}
	// requestDeclinedArgs: tell a request's contact it was declined.
	requestDeclinedArgs struct {
		RequestID int64 `json:"request_id"`
	}
	// facilitatorReminderArgs: remind one facilitator of a workshop.
	facilitatorReminderArgs struct {
		WorkshopID int64 `json:"workshop_id"`
		UserID     int64 `json:"user_id"`
	}
	// changedArgs: tell everyone registered or waiting that a workshop's
	// time or place changed; Changed is the change's time (Unix seconds),
	// so each change is told once.
	changedArgs struct {
		WorkshopID int64 `json:"workshop_id"`
		Changed    int64 `json:"changed"`
	}
	// cancelledArgs: tell everyone registered or waiting that a workshop
	// was cancelled, with the coordinator's reason.
	cancelledArgs struct {
		WorkshopID int64  `json:"workshop_id"`
		Reason     string `json:"reason"`
	}
)

func (tickArgs) Kind() string                { return "workshop.tick" }
func (participantReminderArgs) Kind() string { return "workshop.participant_reminder" }
func (facilitatorReminderArgs) Kind() string { return "workshop.facilitator_reminder" }
func (requestReceivedArgs) Kind() string     { return "workshop.request_received" }
func (requestDeclinedArgs) Kind() string     { return "workshop.request_declined" }
func (placeArgs) Kind() string               { return "workshop.place" }
func (changedArgs) Kind() string             { return "workshop.changed" }
func (cancelledArgs) Kind() string           { return "workshop.cancelled" }

// JobLabels say in plain words what each kind of the service's jobs does,
// for the admins' jobs page.
var JobLabels = map[string]string{
	tickArgs{}.Kind():                "Send workshop reminders due and delete old participants' details",
	participantReminderArgs{}.Kind(): "Email a participant the day before a workshop",
	facilitatorReminderArgs{}.Kind(): "Email a facilitator a week before a workshop",
	requestReceivedArgs{}.Kind():     "Email a group that their workshop request arrived",
	requestDeclinedArgs{}.Kind():     "Email a group that their workshop request was declined",
	placeArgs{}.Kind():               "Email a participant their place (or that they moved up)",
	changedArgs{}.Kind():             "Email a workshop's participants that its time or place changed",
	cancelledArgs{}.Kind():           "Email a workshop's participants that it was cancelled",
}

// RegisterJobs adds the service's jobs to queue, before the queue is
// Ready. From then on the reminders are queued in the transaction that
// records them and sent by the queue's workers; without RegisterJobs
// (tests of other packages) they are sent at once.
func (s *Service) RegisterJobs(queue *jobs.Queue) {
	s.queue = queue
	jobs.Handle(queue, s.tickJob, jobs.HandlerOptions{})
	jobs.Handle(queue, s.participantReminderJob, jobs.HandlerOptions{Queue: queueMail, Workers: 2})
	jobs.Handle(queue, s.facilitatorReminderJob, jobs.HandlerOptions{Queue: queueMail, Workers: 2})
	jobs.Handle(queue, s.placeJob, jobs.HandlerOptions{Queue: queueMail, Workers: 2})
	jobs.Handle(queue, s.requestReceivedJob, jobs.HandlerOptions{Queue: queueMail, Workers: 2})
	jobs.Handle(queue, s.requestDeclinedJob, jobs.HandlerOptions{Queue: queueMail, Workers: 2})
	jobs.Handle(queue, s.changedJob, jobs.HandlerOptions{Queue: queueMail, Workers: 2})
	jobs.Handle(queue, s.cancelledJob, jobs.HandlerOptions{Queue: queueMail, Workers: 2})
}

// ScheduleTick makes queue run Tick every TickEvery, and at start, before
// the queue is Ready (after RegisterJobs). Several processes sharing the
// database run each round once: the queue's leader inserts it, and it is
// unique per slot of TickEvery.
func (s *Service) ScheduleTick(queue *jobs.Queue) {
	queue.Schedule(jobs.Periodic{
		Next: func(t time.Time) time.Time { return t.Truncate(TickEvery).Add(TickEvery) },
		Make: func(t time.Time) (jobs.Args, jobs.Options) {
			return tickArgs{Slot: t.UTC().Truncate(TickEvery).Format(time.RFC3339)}, jobs.Options{Unique: true}
		},
		OnStart: true,
	})
}

// tickJob runs one round of Tick.
func (s *Service) tickJob(ctx context.Context, _ *jobs.Job[tickArgs]) error {
	res, err := s.Tick(ctx)
	if err != nil {
		return err
	}
	if res != (TickResult{}) {
		s.log.Info("workshop reminders and retention", "participants_reminded", res.ParticipantReminders,
			"facilitators_reminded", res.FacilitatorReminders, "workshops_purged", res.Purged)
	}
	return nil
}

// queued returns the function that queues a job inside the transaction
// recording its cause, unique per its arguments; nil without a queue.
func (s *Service) queued(ctx context.Context, args jobs.Args, queue string) func(tx *sql.Tx) error {
	if s.queue == nil {
		return nil
	}
	return func(tx *sql.Tx) error {
		_, err := s.queue.InsertTx(ctx, tx, args, jobs.Options{Queue: queue, Unique: true})
		return err
	}
}

// RequestKey is the idempotency key of the email acknowledging a request
// (declined false) or telling its contact it was declined: once per
// request.
func RequestKey(requestID int64, declined bool) string {
	if declined {
		return fmt.Sprintf("workshop-request-%d-declined", requestID)
	}
	return fmt.Sprintf("workshop-request-%d-received", requestID)
}

// requestReceivedJob acknowledges a request to its contact.
func (s *Service) requestReceivedJob(ctx context.Context, job *jobs.Job[requestReceivedArgs]) error {
	return sendJob(ctx, s, job, RequestKey(job.Args.RequestID, false), 0, func() (mail.Message, bool, error) {
		r, err := s.db.FindRequest(ctx, job.Args.RequestID)
		if err != nil {
			return mail.Message{}, false, err
		}
		return requestReceivedMessage(r, s.titles(ctx, r.Modules), s.URL(StatusPath(r))), true, nil
	})
}

// requestDeclinedJob tells a request's contact it was declined, with the
// coordinator's message: nothing when it was reopened meanwhile.
func (s *Service) requestDeclinedJob(ctx context.Context, job *jobs.Job[requestDeclinedArgs]) error {
	return sendJob(ctx, s, job, RequestKey(job.Args.RequestID, true), 0, func() (mail.Message, bool, error) {
		r, err := s.db.FindRequest(ctx, job.Args.RequestID)
		if err != nil || r.Status != praxis.RequestDeclined {
			return mail.Message{}, false, err
		}
		return requestDeclinedMessage(r, s.URL(StatusPath(r))), true, nil
	})
}

// PlaceKey is the idempotency key of the email telling a person of their
// place when they registered (movedUp false) or that they moved up from the
// waiting list.
func PlaceKey(registrationID int64, movedUp bool) string {
	if movedUp {
		return fmt.Sprintf("workshop-moved-up-registration-%d", registrationID)
	}
	return fmt.Sprintf("workshop-place-registration-%d", registrationID)
}

// placeJob emails a person their place, as it is when the email is sent
// (with the calendar entry when they have one): nothing when the
// registration was cancelled or purged, or the workshop cancelled,
// meanwhile.
func (s *Service) placeJob(ctx context.Context, job *jobs.Job[placeArgs]) error {
	return sendJob(ctx, s, job, PlaceKey(job.Args.RegistrationID, job.Args.MovedUp), 0, func() (mail.Message, bool, error) {
		w, r, err := s.registrationAndWorkshop(ctx, job.Args.RegistrationID)
		if err != nil || w == nil || r.Status == praxis.RegistrationCancelled || (job.Args.MovedUp && r.Status != praxis.RegistrationRegistered) {
			return mail.Message{}, false, err
		}
		var attachment []byte
		if r.Status == praxis.RegistrationRegistered {
			attachment = s.calendarAttachment(w, true, false)
		}
		return placeMessage(w, r, job.Args.MovedUp, s.URL(CancelPath(r)), s.URL(WorkshopPath(w)), attachment), true, nil
	})
}

// registrationAndWorkshop reads a registration with an email and its
// scheduled workshop: nil, nil when either is gone, the registration has
// no email, or the workshop is no longer scheduled.
func (s *Service) registrationAndWorkshop(ctx context.Context, registrationID int64) (*praxis.Workshop, *praxis.Registration, error) {
	r, err := s.db.FindRegistration(ctx, registrationID)
	if err != nil || r.Email == "" {
		return nil, nil, err
	}
	w, err := s.withTitle(ctx, r.WorkshopID)
	if err != nil || w.Status != praxis.WorkshopScheduled {
		return nil, nil, err
	}
	return w, r, nil
}

// ReminderKey is the idempotency key of a participant's reminder: recorded
// when the mail server accepts it, so it is never sent again. Its
// Message-ID is made from it.
func ReminderKey(registrationID int64) string {
	return fmt.Sprintf("workshop-reminder-registration-%d", registrationID)
}

// FacilitatorReminderKey is the idempotency key of a facilitator's
// reminder of a workshop.
func FacilitatorReminderKey(workshopID, userID int64) string {
	return fmt.Sprintf("workshop-%d-reminder-user-%d", workshopID, userID)
}

// participantReminderJob emails a participant the day before: nothing
// when the registration was cancelled, moved or purged meanwhile, or the
// workshop cancelled.
func (s *Service) participantReminderJob(ctx context.Context, job *jobs.Job[participantReminderArgs]) error {
	return sendJob(ctx, s, job, ReminderKey(job.Args.RegistrationID), 0, func() (mail.Message, bool, error) {
		w, r, err := s.registrationAndWorkshop(ctx, job.Args.RegistrationID)
		if err != nil || w == nil || r.Status != praxis.RegistrationRegistered {
			return mail.Message{}, false, err
		}
		return participantReminderMessage(w, r, s.URL(CancelPath(r)), s.now()), true, nil
	})
}

// facilitatorReminderJob emails a facilitator a week before: nothing when
// they no longer facilitate it, or it was cancelled, meanwhile. The brief
// (what changed since they last delivered the module) is worked out now.
func (s *Service) facilitatorReminderJob(ctx context.Context, job *jobs.Job[facilitatorReminderArgs]) error {
	return sendJob(ctx, s, job, FacilitatorReminderKey(job.Args.WorkshopID, job.Args.UserID), job.Args.UserID, func() (mail.Message, bool, error) {
		w, err := s.withTitle(ctx, job.Args.WorkshopID)
		if err != nil || w.Status != praxis.WorkshopScheduled ||
			!slices.ContainsFunc(w.Facilitators, func(f praxis.WorkshopFacilitator) bool { return f.UserID == job.Args.UserID }) {
			return mail.Message{}, false, err
		}
		person, err := s.db.FindUser(ctx, job.Args.UserID)
		if err != nil || person.Email == "" || person.Status != praxis.StatusActive {
			return mail.Message{}, false, err
		}
		brief, err := s.FacilitatorBrief(ctx, w, person.ID)
		if err != nil {
			return mail.Message{}, false, err
		}
		return facilitatorReminderMessage(w, person, brief), true, nil
	})
}

// sendJob sends the one email a job stands for, once: nothing when key was
// sent already, or when compose finds nothing to send (false: what the
// email was about is gone, ENOTFOUND, or no longer calls for it).
func sendJob[T jobs.Args](ctx context.Context, s *Service, job *jobs.Job[T], key string, userID int64, compose func() (mail.Message, bool, error)) error {
	if sent, err := s.db.MailSent(ctx, key); err != nil || sent {
		return err
	}
	msg, ok, err := compose()
	if praxis.ErrorCode(err) == praxis.ENOTFOUND {
		return nil
	}
	if err != nil || !ok {
		return err
	}
	return sendOnce(ctx, s, job, key, userID, msg)
}

// sendOnce hands msg to the mail server with a Message-ID made from key,
// then records key as sent and completes the job in one transaction.
// Between the two praxis could stop: the job is then tried again and the
// message sent again with the same Message-ID (the one SMTP window). A
// permanent refusal gives the job up; without mail configured it completes
// without sending.
func sendOnce[T jobs.Args](ctx context.Context, s *Service, job *jobs.Job[T], key string, userID int64, msg mail.Message) error {
	if s.mail == nil || msg.To == "" {
		return nil
	}
	msg.MessageID = "praxis." + key
	if err := s.mail.Send(ctx, msg); err != nil {
		switch {
		case praxis.ErrorCode(err) == praxis.ENOTIMPLEMENTED:
			return nil
		case praxis.ErrorCode(err) == praxis.EINVALID || mail.Permanent(err):
			return jobs.Cancel(err)
		}
		return err
	}
	err := s.db.RecordMailSent(ctx, db.SentMail{Key: key, UserID: userID, MessageID: msg.MessageID}, func(tx *sql.Tx) error {
		return jobs.CompleteTx(ctx, tx, job)
	})
	if praxis.ErrorCode(err) == praxis.ECONFLICT {
		return nil // recorded by an earlier attempt
	}
	return err
}

// ChangedKey is the idempotency key of the email telling a registration
// of a workshop's change at changed (Unix seconds).
func ChangedKey(workshopID, changed, registrationID int64) string {
	return fmt.Sprintf("workshop-%d-changed-%d-registration-%d", workshopID, changed, registrationID)
}

// CancelledKey is the idempotency key of the email telling a registration
// its workshop was cancelled.
func CancelledKey(workshopID, registrationID int64) string {
	return fmt.Sprintf("workshop-%d-cancelled-registration-%d", workshopID, registrationID)
}

// changedJob tells everyone registered or waiting of the workshop as it is
// now (a later change tells its own): nothing when it was cancelled
// meanwhile. Each person's email is recorded as sent when the server takes
// it, so a retry sends only the rest.
func (s *Service) changedJob(ctx context.Context, job *jobs.Job[changedArgs]) error {
	return s.tellEach(ctx, job.Args.WorkshopID, praxis.WorkshopScheduled, func(w *praxis.Workshop, r *praxis.Registration) (string, mail.Message) {
		return ChangedKey(w.ID, job.Args.Changed, r.ID), s.changedMessage(w, r)
	})
}

// cancelledJob tells everyone registered or waiting that the workshop was
// cancelled, with the calendar entry that takes it out of their calendar.
func (s *Service) cancelledJob(ctx context.Context, job *jobs.Job[cancelledArgs]) error {
	return s.tellEach(ctx, job.Args.WorkshopID, praxis.WorkshopCancelled, func(w *praxis.Workshop, r *praxis.Registration) (string, mail.Message) {
		return CancelledKey(w.ID, r.ID), s.cancelledMessage(w, r, job.Args.Reason)
	})
}

// tellEach sends one email to each person registered or waiting for a
// workshop that is still in status (nothing when it is gone or has moved
// on), once: each is recorded as sent, under the key compose gives it,
// when the mail server takes it. A failure stops the round, and the job's
// retry sends the rest; a permanent refusal of one address skips it.
func (s *Service) tellEach(ctx context.Context, workshopID int64, status string, compose func(*praxis.Workshop, *praxis.Registration) (string, mail.Message)) error {
	w, err := s.withTitle(ctx, workshopID)
	if praxis.ErrorCode(err) == praxis.ENOTFOUND {
		return nil
	}
	if err != nil || w.Status != status || s.mail == nil {
		return err
	}
	regs, err := s.db.Registrations(ctx, workshopID)
	if err != nil {
		return err
	}
	for _, r := range regs {
		if r.Email == "" || r.Status == praxis.RegistrationCancelled {
			continue
		}
		key, msg := compose(w, r)
		if sent, err := s.db.MailSent(ctx, key); err != nil || sent {
			if err != nil {
				return err
			}
			continue
		}
		msg.MessageID = "praxis." + key
		if err := s.mail.Send(ctx, msg); err != nil {
			switch {
			case praxis.ErrorCode(err) == praxis.ENOTIMPLEMENTED:
				return nil
			case praxis.ErrorCode(err) == praxis.EINVALID || mail.Permanent(err):
				s.log.Warn("workshop email refused", "key", key, "err", err)
				continue
			}
			return err
		}
		if err := s.db.RecordMailSent(ctx, db.SentMail{Key: key, MessageID: msg.MessageID}, nil); err != nil && praxis.ErrorCode(err) != praxis.ECONFLICT {
			return err
		}
	}
	return nil
}
