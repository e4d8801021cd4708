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
			// Commits indexed before renames were recorded (before migration
			// 10) are scanned once; later ones were looked at when indexed.
			scan, err := d.RenameScan(ctx)
			if from < 10 {
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
			// The workshops' tables (migration 11): a request, a workshop for
			// it and a registration.
			if userID != 0 {
				requestID, err := d.CreateRequest(ctx, &praxis.WorkshopRequest{GroupName: "Branch 12", GroupType: "union",
					ContactName: "Ana", ContactEmail: "ana@example.org", Region: "London", Modules: []string{"exploring-class-2-stigma"},
					Participants: 12, Language: "en", Status: praxis.RequestNew, StatusToken: "status-token", CreatedAt: when})
				if err != nil {
					t.Fatalf("request after the upgrade: %v", err)
				}
				starts := time.Now().UTC().AddDate(0, 0, 30).Truncate(time.Hour)
				w := &praxis.Workshop{Module: "exploring-class-2-stigma", Version: commit, Title: "Stigma", StartsAt: starts,
					EndsAt: starts.Add(2 * time.Hour), Timezone: praxis.DefaultTimezone, Format: "in-person", Venue: "Hall",
					Region: "London", Capacity: 10, Language: "en", Visibility: praxis.VisibilityListed, Status: praxis.WorkshopScheduled,
					Key: "key", RequestID: requestID, CreatedBy: userID, CreatedAt: when, UpdatedAt: when,
					Facilitators: []praxis.WorkshopFacilitator{{UserID: userID, Role: praxis.FacilitatorLead}}}
				if _, err := d.SaveWorkshop(ctx, w, praxis.RequestNote{}); err != nil {
					t.Fatalf("workshop after the upgrade: %v", err)
				}
				if err := d.Register(ctx, &praxis.Registration{WorkshopID: w.ID, Name: "Pat", Email: "pat@example.org",
					Token: "reg-token", CreatedAt: when}); err != nil {
					t.Fatalf("registration after the upgrade: %v", err)
				}
				if r, err := d.FindRequest(ctx, requestID); err != nil || r.Status != praxis.RequestScheduled || len(r.Modules) != 1 {
					t.Errorf("request after scheduling = %+v %v", r, err)
				}
				if regs, err := d.Registrations(ctx, w.ID); err != nil || len(regs) != 1 || regs[0].Status != praxis.RegistrationRegistered {
					t.Errorf("registrations after the upgrade = %+v %v", regs, err)
				}
			}
			if ok, err := d.IntegrityCheck(ctx); err != nil || !ok {
				t.Errorf("integrity after the upgrade: %v %v", ok, err)
			}
		})
	}
}
