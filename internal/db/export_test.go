package db

import (
	"context"
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
func Exec(t *testing.T, d *DB, sql string) {
	t.Helper()
	if err := d.gorm.Exec(sql).Error; err != nil {
		t.Fatal(err)
	}
}

// OpenAt opens a database migrated only up to version, as an older praxis
// left it.
func OpenAt(ctx context.Context, path string, version int) (*DB, error) {
	return openAt(ctx, path, version)
}
