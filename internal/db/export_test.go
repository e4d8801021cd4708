package db

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// Migrations exposes the migration list to tests.
func Migrations() []migration { return migrations }

// Pragma reads a pragma's value.
func Pragma(t *testing.T, d *DB, name string) string {
	t.Helper()
	var value string
	if err := d.gorm.Raw("PRAGMA " + name).Scan(&value).Error; err != nil {
		t.Fatal(err)
	}
	return value
}

// MigrationRows counts the rows of schema_migrations.
func MigrationRows(t *testing.T, d *DB) int {
	t.Helper()
	var n int
	if err := d.gorm.Raw("SELECT COUNT(*) FROM schema_migrations").Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// Exec runs a statement.
func Exec(t testing.TB, d *DB, sql string) {
	t.Helper()
	if err := d.gorm.Exec(sql).Error; err != nil {
		t.Fatal(err)
	}
}

// OpenAt opens a database migrated only up to version, as an older praxis
// left it.
func OpenAt(ctx context.Context, path string, version int) (*DB, error) {
	return openAt(ctx, path, version, Options{})
}

// Rows runs a query and returns each row's values joined by " | ".
func Rows(t testing.TB, d *DB, query string) []string {
	t.Helper()
	rows, err := d.gorm.Raw(query).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		values := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range values {
			ptrs[i] = &values[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(values))
		for i, v := range values {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			parts[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(parts, " | "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// MigrationVersion returns the version of the migration named name.
func MigrationVersion(t *testing.T, name string) int {
	t.Helper()
	for _, m := range migrations {
		if m.name == name {
			return m.version
		}
	}
	t.Fatalf("no migration named %q", name)
	return 0
}

// FillTo makes the database full at its present size, as a full disk would:
// one connection, whose page count may not grow (SQLite then answers
// SQLITE_FULL, exactly as when the disk has no room).
func FillTo(t *testing.T, d *DB) {
	t.Helper()
	d.pool.SetMaxOpenConns(1)
	var pages int64
	if err := d.gorm.Raw("PRAGMA page_count").Scan(&pages).Error; err != nil {
		t.Fatal(err)
	}
	if err := d.gorm.Exec(fmt.Sprintf("PRAGMA max_page_count = %d", pages)).Error; err != nil {
		t.Fatal(err)
	}
}
