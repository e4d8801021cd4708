package db_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// TestRebuildKeepsRowsIdsIndexesAndForeignKeys upgrades a database with rows
// in every table the "ids never reused" migration rebuilds, with gaps in the
// ids and a column it does not know of, and checks every row keeps its id and
// values, every index and foreign key is as it was, foreign keys still
// cascade, and new ids follow the highest ever used.
func TestRebuildKeepsRowsIdsIndexesAndForeignKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	version := db.MigrationVersion(t, "ids never reused; delivery revisions")
	path := filepath.Join(t.TempDir(), "praxis.db")
	old, err := db.OpenAt(ctx, path, version-1)
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)
	var users []int64
	for i := range 3 {
		id, err := old.CreateUser(ctx, &praxis.User{Email: fmt.Sprintf("u%d@example.org", i), Name: "U", Status: praxis.StatusActive,
			Roles: []praxis.Role{praxis.RoleFacilitator}, CreatedAt: when}, "hash")
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, id)
	}
	var deliveries []int64
	for i := range 4 {
		// As praxis wrote them before the migration.
		id := int64(i + 1)
		db.Exec(t, old, fmt.Sprintf(`INSERT INTO deliveries (id, facilitator_id, module, version, date, duration, format,
			country, host_type, participants, first_time, worked, change, feedback_token, created_at, updated_at)
			VALUES (%d, %d, 'm', 'v', '2025-05-02', %d, 'online', 'GB', 'other', %d, 2, 'worked', 'change', 'token-%d',
			'2025-05-01 10:00:00', '2025-05-01 10:00:00')`, id, users[0], 90+i, 9+i, i))
		for _, u := range users[1:] {
			db.Exec(t, old, fmt.Sprintf(`INSERT INTO delivery_cofacilitators (delivery_id, user_id) VALUES (%d, %d)`, id, u))
		}
		deliveries = append(deliveries, id)
		// Feedback and trainings as praxis wrote them then: today's
		// AddFeedback and AwardTraining record events in columns later
		// migrations add.
		for j := range 2 {
			db.Exec(t, old, fmt.Sprintf(`INSERT INTO feedback (delivery_id, rating, valued, improve, browser, created_at)
				VALUES (%d, %d, 'v', '', 'b%d-%d', '2025-05-01 10:00:00')`, id, 1+j, i, j))
			db.Exec(t, old, fmt.Sprintf(`UPDATE deliveries SET feedback_count = feedback_count + 1, feedback_sum = feedback_sum + %d WHERE id = %d`, 1+j, id))
		}
	}
	for i := range 3 {
		if _, err := old.CreateToken(ctx, praxis.Token{UserID: users[i], Name: "t", Prefix: "p", CreatedAt: when}, []byte(fmt.Sprintf("token-%d", i))); err != nil {
			t.Fatal(err)
		}
		if _, err := old.CreateSession(ctx, praxis.Session{UserID: users[i], CreatedAt: when, ExpiresAt: when.Add(time.Hour), LastSeenAt: when, UserAgent: "ua", IP: "ip"}, []byte(fmt.Sprintf("session-%d", i))); err != nil {
			t.Fatal(err)
		}
		db.Exec(t, old, fmt.Sprintf(`INSERT INTO trainings (user_id, module, awarded_by, awarded_at, note) VALUES (%d, 'm', %d, '2025-05-01 10:00:00', 'n')`, users[i], users[0]))
	}
	// Gaps: a deleted delivery in the middle, and the newest token.
	db.Exec(t, old, fmt.Sprintf("DELETE FROM deliveries WHERE id = %d", deliveries[1]))
	if err := old.DeleteToken(ctx, users[2], 3); err != nil {
		t.Fatal(err)
	}

	// A column another branch's migration may have added before this one
	// runs is kept.
	db.Exec(t, old, `ALTER TABLE sessions ADD COLUMN "device label" TEXT NOT NULL DEFAULT 'phone'`)
	db.Exec(t, old, `UPDATE sessions SET "device label" = 'laptop' WHERE id = 2`)

	tables := map[string]string{
		"deliveries": `id, facilitator_id, module, fork_id, version, date, duration, format, town, region, country, host,
			host_type, participants, first_time, worked, change, feedback_token, feedback_count, feedback_sum, created_at, updated_at`,
		"feedback":                "*",
		"delivery_cofacilitators": "*",
		"sessions":                "*",
		"api_tokens":              "*",
		"trainings":               "*",
	}
	type snapshot struct{ rows, indexes, foreignKeys map[string][]string }
	take := func(d *db.DB) snapshot {
		s := snapshot{map[string][]string{}, map[string][]string{}, map[string][]string{}}
		for table, columns := range tables {
			s.rows[table] = db.Rows(t, d, fmt.Sprintf("SELECT %s FROM %s ORDER BY 1, 2", columns, table))
			s.indexes[table] = db.Rows(t, d, fmt.Sprintf("SELECT name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'index' AND tbl_name = '%s' ORDER BY name", table))
			s.foreignKeys[table] = db.Rows(t, d, fmt.Sprintf("SELECT \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list('%s') ORDER BY 1, 2", table))
		}
		return s
	}
	before := take(old)
	old.Close()

	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer d.Close()
	after := take(d)
	for table := range tables {
		if len(before.rows[table]) == 0 {
			t.Errorf("%s: the test put no rows in it", table)
		}
		for what, pair := range map[string][2][]string{
			"rows":         {before.rows[table], after.rows[table]},
			"indexes":      {before.indexes[table], after.indexes[table]},
			"foreign keys": {before.foreignKeys[table], after.foreignKeys[table]},
		} {
			if !slices.Equal(pair[0], pair[1]) {
				t.Errorf("%s: %s before the rebuild\n%s\nafter\n%s", table, what, strings.Join(pair[0], "\n"), strings.Join(pair[1], "\n"))
			}
		}
	}
	for _, table := range []string{"deliveries", "feedback", "sessions", "api_tokens", "trainings"} {
		sql := db.Rows(t, d, fmt.Sprintf("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '%s'", table))
		if len(sql) != 1 || !strings.Contains(sql[0], "AUTOINCREMENT") || !strings.Contains(sql[0], "CREATE TABLE \"") && !strings.Contains(sql[0], "CREATE TABLE "+table) {
			t.Errorf("%s after the rebuild: %v", table, sql)
		}
	}
	if leftovers := db.Rows(t, d, "SELECT name FROM sqlite_master WHERE name LIKE '%rebuilt%'"); len(leftovers) > 0 {
		t.Errorf("left over: %v", leftovers)
	}
	if fk := db.Pragma(t, d, "foreign_keys"); fk != "1" {
		t.Errorf("foreign_keys = %s after the migration, want 1", fk)
	}
	if broken := db.Rows(t, d, "PRAGMA foreign_key_check"); len(broken) > 0 {
		t.Errorf("foreign key check: %v", broken)
	}
	if ok, err := d.IntegrityCheck(ctx); err != nil || !ok {
		t.Errorf("integrity: %v %v", ok, err)
	}

	// Cascades still work, revisions start at 1, and the next id follows the
	// highest ever used.
	if err := d.DeleteDelivery(ctx, deliveries[0]); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"feedback", "delivery_cofacilitators"} {
		if rows := db.Rows(t, d, fmt.Sprintf("SELECT * FROM %s WHERE delivery_id = %d", table, deliveries[0])); len(rows) > 0 {
			t.Errorf("deleting a delivery left its %s: %v", table, rows)
		}
	}
	if got, err := d.FindDelivery(ctx, deliveries[2]); err != nil || got.Revision != 1 || got.Participants != 11 || len(got.CoFacilitators) != 2 {
		t.Errorf("a delivery after the upgrade: %+v %v", got, err)
	}
	id, err := d.CreateDelivery(ctx, &praxis.Delivery{FacilitatorID: users[0], Module: "m", Version: "v", Date: "2025-05-02",
		Duration: 60, Format: "online", Country: "GB", HostType: "other", Participants: 5, FeedbackToken: "new", CreatedAt: when, UpdatedAt: when})
	if err != nil || id != deliveries[3]+1 {
		t.Errorf("new delivery id %d (%v), want %d", id, err, deliveries[3]+1)
	}
	// The token deleted before the upgrade was the newest: its id is the one
	// id the upgrade cannot know was used, so the counter starts after the
	// highest kept.
	first, err := d.CreateToken(ctx, praxis.Token{UserID: users[0], Name: "t", Prefix: "p", CreatedAt: when}, []byte("new"))
	if err != nil || first != 3 {
		t.Errorf("first token after the upgrade: id %d (%v), want 3", first, err)
	}
	if err := d.DeleteToken(ctx, users[0], first); err != nil {
		t.Fatal(err)
	}
	if next, err := d.CreateToken(ctx, praxis.Token{UserID: users[0], Name: "t", Prefix: "p", CreatedAt: when}, []byte("newer")); err != nil || next != 4 {
		t.Errorf("token after deleting the newest: id %d (%v), want 4", next, err)
	}
}
