package db_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// TestUpgradeFromEveryVersion builds a database as each earlier praxis left
// it, with data in every table it had, opens it with this praxis, and checks
// the schema is current and the data is all there.
func TestUpgradeFromEveryVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	latest := db.SchemaVersion()
	for from := 1; from < latest; from++ {
		t.Run(fmt.Sprintf("from %d", from), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "praxis.db")
			old, err := db.OpenAt(ctx, path, from)
			if err != nil {
				t.Fatal(err)
			}
			if v, _ := old.Version(ctx); v != from {
				t.Fatalf("opened at version %d, want %d", v, from)
			}
			when := time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)
			commit := "1111111111111111111111111111111111111111"
			if err := old.AddCommits(ctx, []praxis.CommitRecord{record(commit, nil, when, "exploring-class-2-stigma", "stigma")}); err != nil {
				t.Fatal(err)
			}
			var userID, forkID, deliveryID int64
			if from >= 2 {
				userID, err = old.CreateUser(ctx, &praxis.User{Email: "old@example.org", Name: "Old Timer", Status: praxis.StatusActive,
					Roles: []praxis.Role{praxis.RoleFacilitator}, CreatedAt: when}, "hash")
				if err != nil {
					t.Fatal(err)
				}
			}
			if from >= 3 {
				forkID, err = old.CreateFork(ctx, &praxis.Fork{UserID: userID, Module: "exploring-class-2-stigma", Branch: "forks/1/exploring-class-2-stigma", CreatedAt: when})
				if err != nil {
					t.Fatal(err)
				}
			}
			if from >= 5 {
				// As praxis wrote it then: today's CreateDelivery writes columns
				// later migrations add.
				db.Exec(t, old, fmt.Sprintf(`INSERT INTO deliveries (facilitator_id, module, version, date, duration, format,
					country, host_type, participants, first_time, feedback_token, created_at, updated_at)
					VALUES (%d, 'exploring-class-2-stigma', '%s', '2025-05-02', 120, 'online', 'GB', 'other', 9, 2, 'token',
					'2025-05-01 10:00:00', '2025-05-01 10:00:00')`, userID, commit))
				deliveryID = 1
			}
			if from >= 6 {
				if err := old.CountDownload(ctx, "exploring-class-2-stigma", "pdf", commit, "2025-05-03"); err != nil {
					t.Fatal(err)
				}
			}
			var oldRequestID int64
			if from >= db.MigrationVersion(t, "workshops ahead") {
				// As praxis wrote it then: today's CreateRequest records an
				// event with columns later migrations add.
				db.Exec(t, old, `INSERT INTO workshop_requests (group_name, group_type, contact_name, contact_email, region,
					language, status, status_token, created_at, updated_at) VALUES ('Old branch', 'union', 'Bo', 'bo@example.org',
					'Leeds', 'en', 'new', 'old-status-token', '2025-05-01 10:00:00', '2025-05-01 10:00:00')`)
				db.Exec(t, old, `INSERT INTO workshop_request_modules (request_id, module, position)
					SELECT id, 'exploring-class-2-stigma', 0 FROM workshop_requests WHERE status_token = 'old-status-token'`)
				oldRequestID = 1
			}
			var oldUnread int64
			if from >= db.MigrationVersion(t, "notifications") {
				if err := old.AddActivity(ctx, praxis.Activity{Kind: praxis.ActivityAccountApproved, ActorID: userID, SubjectID: userID}); err != nil {
					t.Fatal(err)
				}
				list, err := old.ListActivity(ctx, praxis.ActivityFilter{Kinds: []string{praxis.ActivityAccountApproved}})
				if err != nil || len(list) != 1 {
					t.Fatalf("events before the upgrade = %+v %v", list, err)
				}
				if err := old.Notify(ctx, list[0], []db.NotificationDraft{{UserID: userID, Kind: praxis.NotifyAccount, Topic: "old", Subject: "s", URL: "/"}}, nil); err != nil {
					t.Fatal(err)
				}
				oldUnread = 1
			}
			old.Close()

			d, err := db.Open(ctx, path)
			if err != nil {
				t.Fatalf("upgrade from %d: %v", from, err)
			}
			defer d.Close()
			if v, _ := d.Version(ctx); v != latest {
				t.Errorf("version after the upgrade %d, want %d", v, latest)
			}
			if n := db.MigrationRows(t, d); n != latest {
				t.Errorf("%d migrations recorded, want %d", n, latest)
			}
			if indexed, err := d.IndexedCommits(ctx, []string{commit}); err != nil || !indexed[commit] {
				t.Errorf("the history index lost its commit: %v", err)
			}
			if userID != 0 {
				if u, err := d.FindUser(ctx, userID); err != nil || u.Name != "Old Timer" {
					t.Errorf("user after the upgrade: %+v %v", u, err)
				}
			}
			if forkID != 0 {
				if f, err := d.FindFork(ctx, forkID); err != nil || f.UserID != userID {
					t.Errorf("fork after the upgrade: %+v %v", f, err)
				}
			}
			if deliveryID != 0 {
				if got, err := d.FindDelivery(ctx, deliveryID); err != nil || got.Participants != 9 {
					t.Errorf("delivery after the upgrade: %+v %v", got, err)
				}
			}
			// Every table of the latest schema works after the upgrade.
			if err := d.CountDownload(ctx, "exploring-class-2-stigma", "odt", commit, "2025-06-01"); err != nil {
				t.Errorf("downloads after the upgrade: %v", err)
			}
			if _, err := d.SearchState(ctx, "commit"); err != nil {
				t.Errorf("search state after the upgrade: %v", err)
			}
			if userID != 0 {
				if err := d.RecordAttributions(ctx, []praxis.Attribution{{Object: commit, UserID: userID, Action: praxis.ActionSaved, AuthorName: "Old Timer"}}); err != nil {
					t.Errorf("attributions after the upgrade: %v", err)
				} else if got, err := d.Attributions(ctx, []string{commit}); err != nil || got[commit] == nil || got[commit].Name != "Old Timer" {
					t.Errorf("attributions after the upgrade: %v %v", got, err)
				}
			}
			// Commits indexed before renames were recorded are scanned once;
			// later ones were looked at when indexed.
			scan, err := d.RenameScan(ctx)
			if from < db.MigrationVersion(t, "module renames") {
				if err != nil || len(scan) != 1 || scan[0].ID != commit {
					t.Fatalf("rename scan after the upgrade = %+v %v, want the old commit", scan, err)
				}
				if err := d.FinishRenameScan(ctx, map[int64][]praxis.ModuleRename{scan[0].Seq: {{From: "stigma", To: "exploring-class-2-stigma", Parents: 1, Score: 100}}}); err != nil {
					t.Fatal(err)
				}
				if scan, err := d.RenameScan(ctx); err != nil || len(scan) != 0 {
					t.Errorf("rename scan after finishing = %+v %v, want none", scan, err)
				}
				if h, err := d.LoadHistory(ctx, 0); err != nil || len(h) != 1 || len(h[0].Renames) != 1 {
					t.Errorf("history after the scan = %+v %v, want the rename", h, err)
				}
			} else if err != nil || len(scan) != 0 {
				t.Errorf("rename scan after the upgrade = %+v %v, want none", scan, err)
			}
			if oldRequestID != 0 {
				if r, err := d.FindRequest(ctx, oldRequestID); err != nil || r.GroupName != "Old branch" || len(r.Modules) != 1 {
					t.Errorf("request from before the upgrade = %+v %v", r, err)
				}
			}
			// The workshops' tables ("workshops ahead"): a request, a
			// workshop for it and a registration.
			if userID != 0 {
				requestID, err := d.CreateRequest(ctx, &praxis.WorkshopRequest{GroupName: "Branch 12", GroupType: "union",
					ContactName: "Ana", ContactEmail: "ana@example.org", Region: "London", Modules: []string{"exploring-class-2-stigma"},
					Participants: 12, Language: "en", Status: praxis.RequestNew, StatusToken: "status-token", CreatedAt: when}, nil)
				if err != nil {
					t.Fatalf("request after the upgrade: %v", err)
				}
				starts := time.Now().UTC().AddDate(0, 0, 30).Truncate(time.Hour)
				w := &praxis.Workshop{Module: "exploring-class-2-stigma", Version: commit, Title: "Stigma", StartsAt: starts,
					EndsAt: starts.Add(2 * time.Hour), Timezone: praxis.DefaultTimezone, Format: "in-person", Venue: "Hall",
					Region: "London", Capacity: 10, Language: "en", Visibility: praxis.VisibilityListed, Status: praxis.WorkshopScheduled,
					Key: "key", RequestID: requestID, CreatedBy: userID, CreatedAt: when, UpdatedAt: when,
					Facilitators: []praxis.WorkshopFacilitator{{UserID: userID, Role: praxis.FacilitatorLead}}}
				if _, err := d.SaveWorkshop(ctx, w, praxis.RequestNote{}, nil); err != nil {
					t.Fatalf("workshop after the upgrade: %v", err)
				}
				if err := d.Register(ctx, &praxis.Registration{WorkshopID: w.ID, Name: "Pat", Email: "pat@example.org",
					Token: "reg-token", CreatedAt: when}, nil); err != nil {
					t.Fatalf("registration after the upgrade: %v", err)
				}
				if r, err := d.FindRequest(ctx, requestID); err != nil || r.Status != praxis.RequestScheduled || len(r.Modules) != 1 {
					t.Errorf("request after scheduling = %+v %v", r, err)
				}
				if regs, err := d.Registrations(ctx, w.ID); err != nil || len(regs) != 1 || regs[0].Status != praxis.RegistrationRegistered {
					t.Errorf("registrations after the upgrade = %+v %v", regs, err)
				}
				// Notifications and webhooks (issue 20): an old event
				// reaches someone, their choices and watches are kept, an
				// email is recorded, a webhook logs an attempt.
				checkNotifications(t, d, userID, oldUnread)
				checkWebhooks(t, d, userID)
			}
			if ok, err := d.IntegrityCheck(ctx); err != nil || !ok {
				t.Errorf("integrity after the upgrade: %v %v", ok, err)
			}
		})
	}
}

// checkNotifications uses every notification table of an upgraded database,
// where userID had oldUnread notifications unread before the upgrade.
func checkNotifications(t *testing.T, d *db.DB, userID, oldUnread int64) {
	t.Helper()
	ctx := context.Background()
	if err := d.AddActivity(ctx, praxis.Activity{Kind: praxis.ActivityTrainingAwarded, ActorID: userID, SubjectID: userID, Module: "m"}); err != nil {
		t.Fatalf("event after the upgrade: %v", err)
	}
	events, err := d.ListActivity(ctx, praxis.ActivityFilter{Kinds: []string{}})
	if err != nil || len(events) == 0 || events[0].SubjectID != userID {
		t.Fatalf("events after the upgrade = %+v %v", events, err)
	}
	err = d.Notify(ctx, events[0], []db.NotificationDraft{{UserID: userID, Kind: praxis.NotifyAccount, Topic: "t", Subject: "s", URL: "/", Digest: true}}, nil)
	if err != nil {
		t.Fatalf("notify after the upgrade: %v", err)
	}
	if n, err := d.UnreadCount(ctx, userID); err != nil || n != 1+oldUnread {
		t.Errorf("unread after the upgrade = %d %v, want %d", n, err, 1+oldUnread)
	}
	if err := d.SetNotificationSettings(ctx, userID, map[string]string{praxis.NotifyAccount: praxis.EmailOff}); err != nil {
		t.Error(err)
	}
	if err := d.SetWatch(ctx, userID, praxis.WatchCurriculum, praxis.WatchReleases); err != nil {
		t.Error(err)
	}
	if err := d.RecordMailSent(ctx, db.SentMail{Key: "k", UserID: userID, MessageID: "<k@example.org>"}, nil); err != nil {
		t.Error(err)
	}
	if _, err := d.SetProposalConflict(ctx, 0, nil, db.ProposalConflict{}, praxis.Activity{}); err == nil {
		t.Error("a conflict of no proposal was recorded")
	}
}

// checkWebhooks uses the webhook and feed token tables of an upgraded
// database.
func checkWebhooks(t *testing.T, d *db.DB, userID int64) {
	t.Helper()
	ctx := context.Background()
	w := praxis.Webhook{URL: "https://example.org/hook", Events: []string{praxis.ActivityReleaseCut, praxis.ActivityComment}, Secret: "s", CreatedBy: userID}
	if err := d.CreateWebhook(ctx, &w); err != nil {
		t.Fatalf("webhook after the upgrade: %v", err)
	}
	if err := d.RecordWebhookAttempt(ctx, praxis.WebhookAttempt{WebhookID: w.ID, Delivery: "e1-w1", EventKind: praxis.ActivityReleaseCut, Attempt: 1, StatusCode: 204, At: time.Now()}, nil); err != nil {
		t.Errorf("webhook attempt after the upgrade: %v", err)
	}
	if got, err := d.FindWebhook(ctx, w.ID); err != nil || len(got.Events) != 2 || got.CreatedBy != userID {
		t.Errorf("webhook after the upgrade = %+v %v", got, err)
	}
	if log, err := d.WebhookAttempts(ctx, w.ID, 10); err != nil || len(log) != 1 || log[0].StatusCode != 204 {
		t.Errorf("webhook log after the upgrade = %+v %v", log, err)
	}
	if err := d.SetFeedToken(ctx, userID, "hash"); err != nil {
		t.Error(err)
	}
	if id, err := d.FeedTokenUser(ctx, "hash"); err != nil || id != userID {
		t.Errorf("feed token after the upgrade = %d %v", id, err)
	}
	if err := d.DeleteWebhook(ctx, w.ID); err != nil {
		t.Error(err)
	}
	if log, err := d.WebhookAttempts(ctx, w.ID, 10); err != nil || len(log) != 0 {
		t.Errorf("a deleted webhook's log = %+v %v, want none", log, err)
	}
}
