package notify

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/jobs"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// precedence orders the reasons one event may concern one person: they are
// told once, for the first that applies.
var precedence = []string{praxis.NotifyMention, praxis.NotifyAccount, praxis.NotifySignup, praxis.NotifyProposalStatus,
	praxis.NotifyReply, praxis.NotifyWorkshop, praxis.NotifyFeedback, praxis.NotifyProposalWaiting, praxis.NotifyModuleChanged,
	praxis.NotifyRelease, praxis.NotifyWatched}

// audience collects who an event concerns and why.
type audience struct {
	actor  int64
	drafts map[int64]db.NotificationDraft
}

func newAudience(e praxis.Activity) *audience {
	return &audience{actor: e.ActorID, drafts: map[int64]db.NotificationDraft{}}
}

// add tells userID of the event as kind, unless they are its actor or are
// told already for a reason that comes first.
func (a *audience) add(userID int64, d db.NotificationDraft) {
	if userID == 0 || userID == a.actor {
		return
	}
	d.UserID = userID
	if have, ok := a.drafts[userID]; ok && slices.Index(precedence, have.Kind) <= slices.Index(precedence, d.Kind) {
		return
	}
	a.drafts[userID] = d
}

func (a *audience) list() []db.NotificationDraft {
	out := make([]db.NotificationDraft, 0, len(a.drafts))
	for _, d := range a.drafts {
		out = append(out, d)
	}
	slices.SortFunc(out, func(x, y db.NotificationDraft) int { return int(x.UserID - y.UserID) })
	return out
}

// fanout tells those an event concerns: their notifications and email jobs
// are written, and the job completed, in one transaction.
func (s *Service) fanout(ctx context.Context, job *jobs.Job[fanoutArgs]) error {
	e, err := s.db.FindActivity(ctx, job.Args.EventID)
	if praxis.ErrorCode(err) == praxis.ENOTFOUND {
		return nil // nothing to tell
	}
	if err != nil {
		return err
	}
	drafts, err := s.audience(ctx, e)
	if err != nil {
		return fmt.Errorf("notify: who event %d concerns: %w", e.ID, err)
	}
	// Email choices, as they stand now.
	immediate := map[int64]bool{}
	if s.mail.Enabled() {
		for i, d := range drafts {
			if d.InAppOnly {
				continue
			}
			u, err := s.db.FindUser(ctx, d.UserID)
			if err != nil {
				return err
			}
			settings, err := s.db.NotificationSettings(ctx, d.UserID)
			if err != nil {
				return err
			}
			switch choice(settings, u, d.Kind) {
			case praxis.EmailImmediately:
				immediate[d.UserID] = true
			case praxis.EmailDigest:
				drafts[i].Digest = true
			}
		}
	}
	return s.db.Notify(ctx, e, drafts, func(tx *sql.Tx, results []db.NotifyResult) error {
		for _, r := range results {
			// A repeat collapsed into an unread notification sends no
			// second email: the first is still waiting to be read.
			if r.Duplicate || !r.New || !immediate[r.Draft.UserID] {
				continue
			}
			if _, err := s.queue.InsertTx(ctx, tx, emailArgs{EventID: e.ID, UserID: r.Draft.UserID}, jobs.Options{Queue: queueMail, Unique: true}); err != nil {
				return err
			}
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
}

// audience decides who an event concerns, why, and what they read.
func (s *Service) audience(ctx context.Context, e praxis.Activity) ([]db.NotificationDraft, error) {
	a := newAudience(e)
	var err error
	switch e.Kind {
	case praxis.ActivityProposalOpened, praxis.ActivityProposalUpdated, praxis.ActivityComment, praxis.ActivityReview,
		praxis.ActivityProposalMerged, praxis.ActivityProposalClosed, praxis.ActivityProposalReopen, praxis.ActivityProposalConflict:
		err = s.proposalAudience(ctx, e, a)
	case praxis.ActivityReleaseCut:
		err = s.releaseAudience(ctx, e, a)
	case praxis.ActivitySignup:
		var coordinators []int64
		if coordinators, err = s.db.ActiveUserIDsWithRoles(ctx, praxis.RoleCoordinator, praxis.RoleAdmin); err == nil {
			for _, id := range coordinators {
				a.add(id, db.NotificationDraft{Kind: praxis.NotifySignup, Topic: "signups", Subject: "signed up and waits for approval",
					URL: "/admin/users?status=pending"})
			}
		}
	case praxis.ActivityAccountApproved:
		a.add(e.SubjectID, db.NotificationDraft{Kind: praxis.NotifyAccount, Topic: fmt.Sprintf("event:%d", e.ID),
			Subject: "approved your account: welcome to the network", URL: "/"})
	case praxis.ActivityAccountDeclined:
		a.add(e.SubjectID, db.NotificationDraft{Kind: praxis.NotifyAccount, Topic: fmt.Sprintf("event:%d", e.ID),
			Subject: "did not approve your request to join", URL: "/conduct"})
	case praxis.ActivityTrainingAwarded:
		a.add(e.SubjectID, db.NotificationDraft{Kind: praxis.NotifyAccount, Topic: fmt.Sprintf("event:%d", e.ID),
			Subject: "recorded that you are trained to deliver " + quote(s.moduleTitle(ctx, e.Module)), URL: "/modules/" + e.Module})
	case praxis.ActivityDeliveryUpcoming:
		err = s.upcomingAudience(ctx, e, a)
	case praxis.ActivityWorkshopRequested, praxis.ActivityRequestAssigned, praxis.ActivityWorkshopAssigned, praxis.ActivityWorkshopRegistration:
		err = s.workshopAudience(ctx, e, a)
	case praxis.ActivityFeedback:
		a.add(e.SubjectID, db.NotificationDraft{Kind: praxis.NotifyFeedback, Topic: fmt.Sprintf("delivery:%d", e.ObjectID),
			Subject: fmt.Sprintf("A participant gave feedback on your workshop %s of %s", quote(s.moduleTitle(ctx, e.Module)), e.Detail),
			URL:     fmt.Sprintf("/deliveries/%d", e.ObjectID)})
	}
	if err != nil {
		return nil, err
	}
	drafts := a.list()
	// Only active accounts hear anything, except the person turned away,
	// who is told so by email.
	out := drafts[:0]
	for _, d := range drafts {
		u, err := s.db.FindUser(ctx, d.UserID)
		if err != nil {
			return nil, err
		}
		if u.Status == praxis.StatusActive || (e.Kind == praxis.ActivityAccountDeclined && u.Status == praxis.StatusSuspended) {
			out = append(out, d)
		}
	}
	return out, nil
}

// proposalAudience: the author, those who took part, reviewers, the people
// mentioned, watchers, and (on a merge) those who delivered or adapted the
// modules it changed.
func (s *Service) proposalAudience(ctx context.Context, e praxis.Activity, a *audience) error {
	p, err := s.db.FindProposal(ctx, e.ProposalID)
	if praxis.ErrorCode(err) == praxis.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if e.Kind == praxis.ActivityProposalUpdated && e.Detail == "updated from main" {
		return nil // bringing a proposal up to date with main is nobody's news
	}
	participants, err := s.db.ProposalParticipants(ctx, p.ID)
	if err != nil {
		return err
	}
	topic := fmt.Sprintf("proposal:%d", p.ID)
	url := fmt.Sprintf("/proposals/%d", p.ID)
	title := quote(p.Title)
	draft := func(kind, subject string) db.NotificationDraft {
		return db.NotificationDraft{Kind: kind, Topic: topic, Subject: subject, URL: url}
	}
	// What watchers read, and who they are.
	watched := ""
	switch e.Kind {
	case praxis.ActivityProposalOpened:
		watched = "opened " + title
	case praxis.ActivityProposalUpdated:
		watched = "updated " + title
	case praxis.ActivityComment:
		watched = "commented on " + title
	case praxis.ActivityReview:
		watched = verdictPhrase(e.Detail) + " " + title
	case praxis.ActivityProposalMerged:
		watched = "merged " + title
	case praxis.ActivityProposalClosed:
		watched = "closed " + title
	case praxis.ActivityProposalReopen:
		watched = "reopened " + title
	}
	if e.ActorID == 0 && watched != "" {
		watched = title + " was " + passive(e.Kind)
	}

	switch e.Kind {
	case praxis.ActivityProposalOpened:
		maintainers, err := s.db.ActiveUserIDsWithRoles(ctx, praxis.RoleMaintainer, praxis.RoleAdmin)
		if err != nil {
			return err
		}
		for _, id := range maintainers {
			if id != p.AuthorID {
				a.add(id, draft(praxis.NotifyProposalWaiting, "opened "+title+", waiting for review"))
			}
		}
	case praxis.ActivityProposalUpdated:
		reviewers, err := s.reviewers(ctx, p.ID)
		if err != nil {
			return err
		}
		// Only those who still review: a former maintainer has no choice
		// for this kind on their settings page to turn it off.
		maintainers, err := s.db.ActiveUserIDsWithRoles(ctx, praxis.RoleMaintainer, praxis.RoleAdmin)
		if err != nil {
			return err
		}
		for _, id := range reviewers {
			if slices.Contains(maintainers, id) {
				a.add(id, draft(praxis.NotifyProposalWaiting, "made a new version of "+title+" to review"))
			}
		}
	case praxis.ActivityComment:
		c, err := s.db.FindComment(ctx, e.ObjectID)
		if err == nil {
			mentioned, err := s.mentions(ctx, c.Body, append([]int64{p.AuthorID}, participants...))
			if err != nil {
				return err
			}
			for _, id := range mentioned {
				a.add(id, draft(praxis.NotifyMention, "mentioned you in "+title))
			}
		}
		a.add(p.AuthorID, draft(praxis.NotifyReply, "commented on your proposal "+title))
		for _, id := range participants {
			a.add(id, draft(praxis.NotifyReply, "commented on "+title))
		}
	case praxis.ActivityReview:
		a.add(p.AuthorID, draft(praxis.NotifyReply, verdictPhrase(e.Detail)+" your proposal "+title))
		for _, id := range participants {
			a.add(id, draft(praxis.NotifyReply, verdictPhrase(e.Detail)+" "+title))
		}
	case praxis.ActivityProposalMerged, praxis.ActivityProposalClosed, praxis.ActivityProposalReopen:
		verb := map[string]string{praxis.ActivityProposalMerged: "merged", praxis.ActivityProposalClosed: "closed", praxis.ActivityProposalReopen: "reopened"}[e.Kind]
		if e.ActorID == 0 {
			a.add(p.AuthorID, draft(praxis.NotifyProposalStatus, "Your proposal "+title+" was "+passive(e.Kind)))
		} else {
			a.add(p.AuthorID, draft(praxis.NotifyProposalStatus, verb+" your proposal "+title))
		}
		for _, id := range participants {
			a.add(id, draft(praxis.NotifyReply, watched))
		}
		if e.Kind == praxis.ActivityProposalMerged {
			if err := s.moduleUsersAudience(ctx, e, p, a); err != nil {
				return err
			}
		}
	case praxis.ActivityProposalConflict:
		a.add(p.AuthorID, draft(praxis.NotifyProposalStatus,
			"Your proposal "+title+" now conflicts with a change to the curriculum: update it from main to resolve the conflict"))
	}
	if watched == "" {
		return nil
	}
	targets := []string{praxis.WatchCurriculum}
	for _, m := range p.Modules {
		targets = append(targets, "module:"+m)
	}
	for _, series := range s.seriesOf(ctx, p.Modules) {
		targets = append(targets, "series:"+series)
	}
	watchers, err := s.db.Watchers(ctx, targets)
	if err != nil {
		return err
	}
	for id, level := range watchers {
		if level == praxis.WatchEverything {
			a.add(id, draft(praxis.NotifyWatched, watched))
		}
	}
	return nil
}

// moduleUsersAudience tells those who delivered or adapted a merged
// proposal's modules what changed since the version they last delivered.
func (s *Service) moduleUsersAudience(ctx context.Context, e praxis.Activity, p *praxis.Proposal, a *audience) error {
	users, err := s.db.ModuleUsers(ctx, p.Modules)
	if err != nil {
		return err
	}
	for _, u := range users {
		title := quote(s.moduleTitle(ctx, u.Module))
		d := db.NotificationDraft{Kind: praxis.NotifyModuleChanged, Topic: "module:" + u.Module}
		what := ", which you adapted, changed: update your copy to take the change"
		d.URL = "/modules/" + u.Module + "/history"
		if u.Version != "" {
			what = ", which you delivered, changed: see what changed since the version you used"
			d.URL = fmt.Sprintf("/modules/%s/compare/%s...main", u.Module, u.Version)
		}
		d.Subject = title + what
		if e.ActorID != 0 {
			d.Subject = "merged a change to " + d.Subject
		}
		a.add(u.UserID, d)
	}
	return nil
}

// releaseAudience tells the watchers of the curriculum, and of the modules
// the release changed and their series, at any level.
func (s *Service) releaseAudience(ctx context.Context, e praxis.Activity, a *audience) error {
	targets := []string{praxis.WatchCurriculum}
	if s.releaseModules != nil {
		modules, err := s.releaseModules(ctx, e.Ref)
		if err != nil {
			s.log.Warn("could not read what a release changed; telling the curriculum's watchers only", "release", e.Ref, "err", err)
		}
		for _, m := range modules {
			targets = append(targets, "module:"+m)
		}
		for _, series := range s.seriesOf(ctx, modules) {
			targets = append(targets, "series:"+series)
		}
	}
	watchers, err := s.db.Watchers(ctx, targets)
	if err != nil {
		return err
	}
	subject := "cut the release " + e.Ref
	if e.Detail != "" {
		subject += ": " + e.Detail
	}
	for id := range watchers {
		a.add(id, db.NotificationDraft{Kind: praxis.NotifyRelease, Topic: "release:" + e.Ref, Subject: subject, URL: "/releases"})
	}
	return nil
}

// reviewers lists who reviewed a proposal.
func (s *Service) reviewers(ctx context.Context, proposalID int64) ([]int64, error) {
	reviews, err := s.db.ListReviews(ctx, proposalID)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, r := range reviews {
		if !slices.Contains(out, r.ReviewerID) {
			out = append(out, r.ReviewerID)
		}
	}
	return out, nil
}

func verdictPhrase(verdict string) string {
	switch verdict {
	case praxis.VerdictApprove:
		return "approved"
	case praxis.VerdictRequestChanges:
		return "asked for changes to"
	default:
		return "reviewed"
	}
}

func passive(kind string) string {
	switch kind {
	case praxis.ActivityProposalMerged:
		return "merged"
	case praxis.ActivityProposalClosed:
		return "closed"
	case praxis.ActivityProposalReopen:
		return "reopened"
	case praxis.ActivityProposalOpened:
		return "opened"
	default:
		return "updated"
	}
}

// workshopAudience: coordinators hear of requests (one unread entry for all
// of them), a coordinator of a request given to them, a facilitator of a
// workshop they are put on, and the facilitators of a workshop of its
// registrations (collapsed: "and 4 more times"). Participants' names are
// never in a notification.
func (s *Service) workshopAudience(ctx context.Context, e praxis.Activity, a *audience) error {
	switch e.Kind {
	case praxis.ActivityWorkshopRequested:
		coordinators, err := s.db.ActiveUserIDsWithRoles(ctx, praxis.RoleCoordinator, praxis.RoleAdmin)
		if err != nil {
			return err
		}
		for _, id := range coordinators {
			a.add(id, db.NotificationDraft{Kind: praxis.NotifyWorkshop, Topic: "workshop-requests",
				Subject: "A group asked for a workshop: " + quote(e.Title), URL: "/requests"})
		}
	case praxis.ActivityRequestAssigned:
		a.add(e.SubjectID, db.NotificationDraft{Kind: praxis.NotifyWorkshop, Topic: fmt.Sprintf("request:%d", e.ObjectID),
			Subject: "gave you the workshop request of " + quote(e.Title), URL: fmt.Sprintf("/requests/%d", e.ObjectID)})
	case praxis.ActivityWorkshopAssigned:
		role := "facilitate"
		if e.Title == praxis.FacilitatorMentee {
			role = "co-facilitate, to learn,"
		}
		a.add(e.SubjectID, db.NotificationDraft{Kind: praxis.NotifyWorkshop, Topic: fmt.Sprintf("workshop:%d", e.ObjectID),
			Subject: fmt.Sprintf("asked you to %s %s on %s", role, quote(s.moduleTitle(ctx, e.Module)), e.Detail),
			URL:     fmt.Sprintf("/workshops/%d", e.ObjectID)})
	case praxis.ActivityWorkshopRegistration:
		w, err := s.db.FindWorkshop(ctx, e.ObjectID)
		if praxis.ErrorCode(err) == praxis.ENOTFOUND {
			return nil
		}
		if err != nil {
			return err
		}
		subject := "Someone registered for your workshop " + quote(s.moduleTitle(ctx, e.Module)) + " on " + w.LocalDate()
		if e.Detail == praxis.RegistrationWaitlisted {
			subject = "Someone joined the waiting list of your workshop " + quote(s.moduleTitle(ctx, e.Module)) + " on " + w.LocalDate()
		}
		for _, f := range w.Facilitators {
			a.add(f.UserID, db.NotificationDraft{Kind: praxis.NotifyWorkshop, Topic: fmt.Sprintf("registrations:%d", w.ID),
				Subject: subject, URL: fmt.Sprintf("/workshops/%d", w.ID)})
		}
	}
	return nil
}

// upcomingAudience tells a facilitator about to deliver a module what
// changed in it since the version they last delivered, when anything did.
// From a scheduled workshop's reminder (ObjectID the workshop), the
// facilitator is told of the workshop in the app only, with what changed:
// the reminder's own email carries the same, and one reminder is enough.
func (s *Service) upcomingAudience(ctx context.Context, e praxis.Activity, a *audience) error {
	if e.ObjectID != 0 {
		return s.workshopReminderAudience(ctx, e, a)
	}
	if s.catalog == nil {
		return nil
	}
	users, err := s.db.ModuleUsers(ctx, []string{e.Module})
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.UserID != e.SubjectID || u.Version == "" {
			continue
		}
		changed, err := s.changedSince(ctx, e.Module, u.Version)
		if err != nil || !changed {
			return err
		}
		a.add(u.UserID, db.NotificationDraft{Kind: praxis.NotifyModuleChanged, Topic: "module:" + e.Module,
			Subject: fmt.Sprintf("Before your workshop on %s: %s changed since you last delivered it", e.Detail, quote(s.moduleTitle(ctx, e.Module))),
			URL:     fmt.Sprintf("/modules/%s/compare/%s...main", e.Module, u.Version)})
	}
	return nil
}

// changedSince reports whether a module's folder on main differs from the
// one at a version (a change undone since is no change).
func (s *Service) changedSince(ctx context.Context, slug, version string) (bool, error) {
	now, err := s.catalog.Snapshot(ctx, "")
	if err != nil {
		return false, err
	}
	then, err := s.catalog.Snapshot(ctx, version)
	if err != nil {
		return false, nil // a version no longer there: nothing to compare
	}
	nowID, err := now.ID("modules/" + slug)
	if err != nil {
		return false, nil // gone from main: the merge that moved it said so
	}
	thenID, _ := then.ID("modules/" + slug)
	return nowID != thenID, nil
}

// workshopReminderAudience: a week before a scheduled workshop, its
// facilitator's inbox says so, and whether the module changed since they
// last delivered it (linking to what changed), without an email.
func (s *Service) workshopReminderAudience(ctx context.Context, e praxis.Activity, a *audience) error {
	title := quote(s.moduleTitle(ctx, e.Module))
	d := db.NotificationDraft{Kind: praxis.NotifyWorkshop, Topic: fmt.Sprintf("reminder:%d", e.ObjectID), InAppOnly: true,
		Subject: fmt.Sprintf("Your workshop %s is on %s", title, e.Detail), URL: fmt.Sprintf("/workshops/%d", e.ObjectID)}
	if s.catalog != nil {
		users, err := s.db.ModuleUsers(ctx, []string{e.Module})
		if err != nil {
			return err
		}
		for _, u := range users {
			if u.UserID != e.SubjectID || u.Version == "" {
				continue
			}
			if changed, err := s.changedSince(ctx, e.Module, u.Version); err != nil {
				return err
			} else if changed {
				d.Subject += ": " + title + " changed since you last delivered it"
				d.URL = fmt.Sprintf("/modules/%s/compare/%s...main", e.Module, u.Version)
			}
		}
	}
	a.add(e.SubjectID, d)
	return nil
}
