package search

import (
	"database/sql"
	"regexp"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, match, again string
	}{
		{"stigma", `"stigma"`, "stigma"},
		{"  Organising   POWER ", `"organising" "power"`, "organising power"},
		{`"power map" tenants`, `"power map" "tenants"`, `"power map" tenants`},
		{"organ*", `"organ*"`, "organ*"},
		{"strike -grunwick", `"strike" NOT "grunwick"`, "strike -grunwick"},
		{"one-to-one", `"one" "one"`, "one one"}, // a hyphen inside a word is not an exclusion; "to" is a stop word
		{"tenants' union", `"tenants" "union"`, "tenants union"},
		{"the and of", ``, ""}, // only stop words
		{`a OR b AND (c`, ``, ""},
		{`'; DROP TABLE users; --`, `"drop" "table" "users"`, "drop table users"},
		{`NEAR/3 stigma^2 "unclosed`, `"near" "3" "stigma" "2" "unclosed"`, "near 3 stigma 2 unclosed"},
		{"Siân Łukasz রবীন্দ্রনাথ", `"siân" "łukasz" "রবীন্দ্রনাথ"`, "siân łukasz রবীন্দ্রনাথ"},
		{`"" ** -- ()`, ``, ""},
		{"2026 strike", `"2026" "strike"`, "2026 strike"},
	} {
		q := Parse(c.in)
		if got := q.Match(); got != c.match {
			t.Errorf("Parse(%q).Match() = %s, want %s", c.in, got, c.match)
		}
		if got := q.String(); got != c.again {
			t.Errorf("Parse(%q).String() = %q, want %q", c.in, got, c.again)
		}
	}
	long := Parse(strings.Repeat("word ", 1000))
	if len(long.Terms) > MaxTerms {
		t.Errorf("a long query kept %d terms", len(long.Terms))
	}
}

// safeMatch is the only shape Match may produce.
var safeMatch = regexp.MustCompile(`^(("[\p{L}\p{N}\p{M} ]+\*?")( "[\p{L}\p{N}\p{M} ]+\*?")*( NOT "[\p{L}\p{N}\p{M}]+")*)?$`)

// FuzzParse checks that nothing anyone types makes an invalid or unsafe MATCH
// expression: each one runs against a real FTS4 table.
func FuzzParse(f *testing.F) {
	conn, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		f.Fatal(err)
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	if _, err := conn.Exec(`CREATE VIRTUAL TABLE t USING fts4(title, body, tokenize=porter)`); err != nil {
		f.Fatal(err)
	}
	if _, err := conn.Exec(`INSERT INTO t VALUES ('Organising a tenants'' union', 'One-to-one conversations build power')`); err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{"stigma", `"power map"`, "organ* -strike", `a OR b AND (c`, `'; DROP TABLE t; --`,
		`NEAR/3 x^2 "unclosed`, "\xff\xfe", "-", "*", `"-"`, "Siân", strings.Repeat("(", 300)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		q := Parse(in)
		match := q.Match()
		if !safeMatch.MatchString(match) {
			t.Fatalf("Parse(%q).Match() = %q is not of the safe shape", in, match)
		}
		if match == "" {
			return
		}
		var n int
		if err := conn.QueryRow(`SELECT count(*) FROM t WHERE t MATCH ?`, match).Scan(&n); err != nil {
			t.Fatalf("Parse(%q).Match() = %q fails in SQLite: %v", in, match, err)
		}
	})
}
