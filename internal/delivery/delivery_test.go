package delivery_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/delivery"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/history"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/review"
	"github.com/praxis-coop/praxis/internal/testenv"
)

const stigma = "exploring-class-2-stigma"

var today = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

type fixture struct {
	t                     *testing.T
	svc                   *delivery.Service
	db                    *db.DB
	store                 *gitstore.Store
	review                *review.Service
	releases              *history.Releases
	catalog               *catalog.Catalog
	index                 *history.Index
	seed, revised         string // main's commits: 2025-01-10, 2026-03-01
	alice, bob, carol     *praxis.User
	coordinator, maintain *praxis.User
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	env := testenv.New(t, testenv.Options{Author: praxis.Signature{Name: "praxis", When: time.Date(2025, 1, 10, 9, 0, 0, 0, time.UTC)}})
	database, store, index := env.DB, env.Store, env.History
	f := &fixture{t: t, db: database, store: store, index: index, seed: env.Main(t)}
	var err error
	f.revised, err = store.WriteCommit(ctx, gitstore.CommitRequest{Branch: "main", Expected: f.seed,
		Changes: []praxis.FileChange{{Path: "modules/" + stigma + "/handouts/extra.md", Content: []byte("# Extra\n\nA new handout.\n")}},
		Message: "Add a handout", Author: praxis.Signature{Name: "Maya", When: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}})
	if err != nil {
		t.Fatal(err)
	}
	f.catalog, f.releases = env.Catalog, env.Releases
	f.review = review.New(review.Config{DB: database, Store: store, Catalog: f.catalog})
	f.svc = delivery.New(delivery.Config{DB: database, Catalog: f.catalog, History: index, Releases: f.releases,
		Forks: f.review, Now: func() time.Time { return today }})
	accounts := account.New(account.Config{Hashing: testenv.PasswordHashing(), DB: database})
	add := func(email string, role praxis.Role) *praxis.User {
		u, _, err := accounts.AddUser(ctx, account.NewUser{Email: email, Name: strings.Split(email, "@")[0], Roles: []praxis.Role{role}})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.alice = add("alice@example.org", praxis.RoleFacilitator)
	f.bob = add("bob@example.org", praxis.RoleFacilitator)
	f.carol = add("carol@example.org", praxis.RoleFacilitator)
	f.coordinator = add("cora@example.org", praxis.RoleCoordinator)
	f.maintain = add("maya@example.org", praxis.RoleMaintainer)
	return f
}

func valid() delivery.Input {
	return delivery.Input{Module: stigma, Date: "2026-06-01", Duration: 120, Format: "in-person", Town: "Leeds",
		Region: "Yorkshire and the Humber", Country: "gb", Host: "Unite Leeds community branch", HostType: "union branch",
		Participants: 14, FirstTime: 5, Worked: "The stigma line-up opened people up.", Change: "Start the debrief earlier."}
}

// all makes a change that sets every field to in's.
func all(in delivery.Input) func(*delivery.Input) {
	return func(to *delivery.Input) { *to = in }
}

func (f *fixture) create(user *praxis.User, in delivery.Input) *praxis.Delivery {
	f.t.Helper()
	d, err := f.svc.Create(context.Background(), user, in)
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

func TestCreatePinsTheVersionCurrentOnTheDay(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, c := range []struct {
		date, want string
	}{
		{"2026-06-01", f.revised},
		{"2026-03-01", f.revised}, // the revision landed that morning
		{"2026-02-28", f.seed},
		{"2025-06-01", f.seed},
		{"2024-01-01", f.seed}, // before the curriculum existed: its first version
	} {
		in := valid()
		in.Date = c.date
		d := f.create(f.alice, in)
		if d.Version != c.want {
			t.Errorf("delivered %s: version %s, want %s", c.date, praxis.ShortID(d.Version), praxis.ShortID(c.want))
		}
		if d.Country != "GB" || d.FeedbackToken == "" || d.ID == 0 {
			t.Errorf("delivery not filled in: %+v", d)
		}
	}
	in := valid()
	in.Country = " uk "
	if d := f.create(f.alice, in); d.Country != "GB" {
		t.Errorf("UK stored as %q, want GB", d.Country)
	}
	in.Version = praxis.ShortID(f.seed)
	if d := f.create(f.alice, in); d.Version != f.seed {
		t.Errorf("an explicit short version was pinned as %s, want %s", d.Version, f.seed)
	}
}

func TestBadInputNamesTheFieldAndChangesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	long := strings.Repeat("x", delivery.MaxReflection+1)
	for _, c := range []struct {
		field string
		edit  func(*delivery.Input)
	}{
		{"module", func(in *delivery.Input) { in.Module = "" }},
		{"module", func(in *delivery.Input) { in.Module = "no-such-module" }},
		{"module", func(in *delivery.Input) { in.Module = "../../etc/passwd" }},
		{"version", func(in *delivery.Input) { in.Version = "not-a-version" }},
		{"date", func(in *delivery.Input) { in.Date = "01/06/2026" }},
		{"date", func(in *delivery.Input) { in.Date = "2027-01-01" }},
		{"date", func(in *delivery.Input) { in.Date = "1066-10-14" }},
		{"duration", func(in *delivery.Input) { in.Duration = 0 }},
		{"duration", func(in *delivery.Input) { in.Duration = 100000 }},
		{"format", func(in *delivery.Input) { in.Format = "telepathy" }},
		{"country", func(in *delivery.Input) { in.Country = "ZZ" }},
		{"country", func(in *delivery.Input) { in.Country = "EU" }},
		{"country", func(in *delivery.Input) { in.Country = "Britain" }},
		{"host_type", func(in *delivery.Input) { in.HostType = "pub quiz" }},
		{"participants", func(in *delivery.Input) { in.Participants = 0 }},
		{"participants", func(in *delivery.Input) { in.Participants = 5000 }},
		{"first_time", func(in *delivery.Input) { in.FirstTime = 15 }},
		{"first_time", func(in *delivery.Input) { in.FirstTime = -1 }},
		{"town", func(in *delivery.Input) { in.Town = "Leeds\x00" }},
		{"region", func(in *delivery.Input) { in.Region = strings.Repeat("r", 200) }},
		{"reflection_worked", func(in *delivery.Input) { in.Worked = long }},
		{"reflection_change", func(in *delivery.Input) { in.Change = "\xff\xfe" }},
		{"co_facilitators", func(in *delivery.Input) { in.CoFacilitators = []int64{999} }},
		{"co_facilitators", func(in *delivery.Input) { in.CoFacilitators = []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12} }},
		{"fork_id", func(in *delivery.Input) { in.ForkID = 77 }},
	} {
		in := valid()
		c.edit(&in)
		_, err := f.svc.Create(context.Background(), f.alice, in)
		if praxis.ErrorField(err) != c.field || praxis.ErrorCode(err) != praxis.EINVALID {
			t.Errorf("%s: got %v, want an error on %s", c.field, err, c.field)
		}
	}
	if _, total, _ := f.db.ListDeliveries(context.Background(), praxis.DeliveryFilter{}); total != 0 {
		t.Errorf("bad input stored %d deliveries", total)
	}
}

func TestEditingIsForTheFacilitatorAndCoordinators(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	in := valid()
	in.CoFacilitators = []int64{f.bob.ID, f.alice.ID, f.bob.ID} // self and repeats dropped
	d := f.create(f.alice, in)
	if fmt.Sprint(d.CoFacilitators) != fmt.Sprint([]int64{f.bob.ID}) {
		t.Fatalf("co-facilitators %v", d.CoFacilitators)
	}
	// The co-facilitator sees it, a stranger does not.
	if _, err := f.svc.Find(ctx, f.bob, d.ID); err != nil {
		t.Errorf("co-facilitator cannot see the delivery: %v", err)
	}
	if _, err := f.svc.Find(ctx, f.carol, d.ID); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("a stranger sees someone's delivery: %v", err)
	}
	in.Participants = 20
	if _, err := f.svc.Update(ctx, f.bob, d.ID, 0, all(in)); praxis.ErrorCode(err) != praxis.EFORBIDDEN {
		t.Errorf("a co-facilitator changed the record: %v", err)
	}
	if err := f.svc.Delete(ctx, f.carol, d.ID); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("a stranger deleted the record: %v", err)
	}
	updated, err := f.svc.Update(ctx, f.coordinator, d.ID, 0, all(in))
	if err != nil || updated.Participants != 20 || updated.FacilitatorID != f.alice.ID {
		t.Fatalf("coordinator's edit: %+v, %v", updated, err)
	}
	stored, _ := f.svc.Find(ctx, f.alice, d.ID)
	if stored.Participants != 20 || stored.FeedbackToken != d.FeedbackToken {
		t.Errorf("edit not stored, or the feedback link changed: %+v", stored)
	}
	if err := f.svc.Delete(ctx, f.alice, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Find(ctx, f.alice, d.ID); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("deleted delivery still found: %v", err)
	}
}

func TestDeliveringAnAdaptedCopy(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	fork, head, err := f.review.CreateFork(ctx, f.alice, stigma)
	if err != nil {
		t.Fatal(err)
	}
	in := valid()
	in.Module, in.ForkID = "", fork.ID
	d := f.create(f.alice, in)
	if d.Module != stigma || d.ForkID != fork.ID || d.Version != head {
		t.Errorf("fork delivery: module %s fork %d version %s, want %s %d %s", d.Module, d.ForkID, d.Version, stigma, fork.ID, head)
	}
	if _, err := f.svc.Create(ctx, f.bob, in); praxis.ErrorField(err) != "fork_id" {
		t.Errorf("someone else's fork accepted: %v", err)
	}
}

func TestFeedbackOncePerBrowserCappedAndRateLimited(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	in := valid()
	in.Participants, in.FirstTime = 2, 0
	d := f.create(f.alice, in)
	if _, err := f.svc.AddFeedback(ctx, d.FeedbackToken, delivery.FeedbackInput{Rating: 6, Browser: "b0", IP: "10.0.0.1"}); praxis.ErrorCode(err) != praxis.EINVALID {
		t.Errorf("rating 6 accepted: %v", err)
	}
	if _, err := f.svc.AddFeedback(ctx, "nope", delivery.FeedbackInput{Rating: 4, Browser: "b0", IP: "10.0.0.1"}); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("unknown link: %v", err)
	}
	if _, err := f.svc.AddFeedback(ctx, d.FeedbackToken, delivery.FeedbackInput{Rating: 4, Valued: "The stories", Browser: "b1", IP: "10.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AddFeedback(ctx, d.FeedbackToken, delivery.FeedbackInput{Rating: 1, Browser: "b1", IP: "10.0.0.1"}); praxis.ErrorCode(err) != praxis.ECONFLICT {
		t.Errorf("second answer from one browser: %v", err)
	}
	// The cap is participants + 10: twelve answers in all.
	for i := 2; i <= 12; i++ {
		if _, err := f.svc.AddFeedback(ctx, d.FeedbackToken, delivery.FeedbackInput{Rating: 5, Browser: fmt.Sprint("b", i), IP: "10.0.0.1"}); err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
	}
	if _, err := f.svc.AddFeedback(ctx, d.FeedbackToken, delivery.FeedbackInput{Rating: 5, Browser: "b13", IP: "10.0.0.2"}); praxis.ErrorCode(err) != praxis.ETOOMANY {
		t.Errorf("answer past the cap: %v", err)
	}
	list, err := f.svc.Feedback(ctx, f.alice, d.ID)
	if err != nil || len(list) != 12 {
		t.Fatalf("feedback %d, %v", len(list), err)
	}
	got, _ := f.svc.Find(ctx, f.alice, d.ID)
	if got.FeedbackCount != 12 || got.FeedbackAverage() != (4+11*5)/12.0 {
		t.Errorf("feedback totals %d %.2f", got.FeedbackCount, got.FeedbackAverage())
	}
	if _, err := f.svc.Feedback(ctx, f.carol, d.ID); err == nil {
		t.Error("a stranger read the feedback")
	}
	// A script on one address runs out of its allowance; a room of people does not.
	big := valid()
	big.Participants = 500
	d2 := f.create(f.alice, big)
	limited := 0
	for i := range 100 {
		_, err := f.svc.AddFeedback(ctx, d2.FeedbackToken, delivery.FeedbackInput{Rating: 3, Browser: fmt.Sprint("s", i), IP: "192.0.2.9"})
		if praxis.ErrorCode(err) == praxis.ETOOMANY {
			limited++
		}
	}
	if limited == 0 || limited > 50 {
		t.Errorf("100 answers at once from one address: %d refused, want some but not most", limited)
	}
}

func TestReflectionsAreSharedWithTheNetwork(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.create(f.alice, valid())
	quiet := valid()
	quiet.Worked, quiet.Change = "", ""
	f.create(f.bob, quiet)
	list, err := f.svc.Reflections(ctx, f.carol, stigma, 10, 0)
	if err != nil || len(list) != 1 || list[0].Facilitator != "alice" {
		t.Fatalf("reflections: %d %v", len(list), err)
	}
	if _, err := f.svc.Reflections(ctx, nil, stigma, 10, 0); err == nil {
		t.Error("anonymous visitors read reflections")
	}
}

// TestStatsAgreeWithTheRecords checks the in-memory statistics against sums
// over the records, after creates, edits, deletes and feedback, and against a
// fresh load from the database.
func TestStatsAgreeWithTheRecords(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.Report(ctx, f.alice, delivery.Filter{}, nil); praxis.ErrorCode(err) != praxis.EFORBIDDEN {
		t.Fatalf("a facilitator read the dashboard: %v", err)
	}
	regions := []string{"London", "Scotland", "Wales", ""}
	formats := praxis.Formats
	people := []*praxis.User{f.alice, f.bob, f.carol}
	var made []*praxis.Delivery
	for i := range 60 {
		in := valid()
		in.Date = time.Date(2025, time.Month(1+i%12), 1+i%27, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
		in.Region, in.Format = regions[i%len(regions)], formats[i%len(formats)]
		in.Participants, in.FirstTime = 5+i, i%5
		in.HostType = praxis.HostTypes[i%len(praxis.HostTypes)]
		if i%2 == 1 {
			in.Module = "organising-1-one-to-ones"
		}
		if i%7 == 0 {
			in.CoFacilitators = []int64{people[(i+1)%3].ID}
		}
		made = append(made, f.create(people[i%3], in))
	}
	in := valid()
	in.Participants = 99
	if _, err := f.svc.Update(ctx, f.coordinator, made[0].ID, 0, all(in)); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Delete(ctx, f.coordinator, made[1].ID); err != nil {
		t.Fatal(err)
	}
	for i, rating := range []int{5, 4, 2} {
		if _, err := f.svc.AddFeedback(ctx, made[2].FeedbackToken, delivery.FeedbackInput{Rating: rating, Browser: fmt.Sprint(i), IP: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	report, err := f.svc.Report(ctx, f.coordinator, delivery.Filter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	all, total, err := f.db.ListDeliveries(ctx, praxis.DeliveryFilter{Limit: 1000})
	if err != nil || total != 59 {
		t.Fatalf("records: %d, %v", total, err)
	}
	want := delivery.Totals{}
	facilitators := map[int64]bool{}
	byRegion := map[string]int{}
	for _, d := range all {
		want.Deliveries++
		want.Participants += d.Participants
		want.FirstTime += d.FirstTime
		facilitators[d.FacilitatorID] = true
		for _, c := range d.CoFacilitators {
			facilitators[c] = true
		}
		byRegion[d.Region] += d.Participants
	}
	got := report.Totals
	if got.Deliveries != want.Deliveries || got.Participants != want.Participants || got.FirstTime != want.FirstTime ||
		got.Facilitators != len(facilitators) || got.Regions != 4 || got.FeedbackCount != 3 {
		t.Errorf("totals %+v, want %+v with %d facilitators", got, want, len(facilitators))
	}
	if got.FeedbackAverage == nil || *got.FeedbackAverage != 11.0/3 {
		t.Errorf("feedback average %v", got.FeedbackAverage)
	}
	for _, g := range report.Table("region").Groups {
		if byRegion[g.Key] != g.Participants {
			t.Errorf("region %q: %d participants, want %d", g.Key, g.Participants, byRegion[g.Key])
		}
	}
	months := report.Table("month").Groups
	if len(months) != 18 || months[0].Key != "2025-01" || months[0].Label != "Jan 2025" {
		t.Errorf("months: %d from %+v", len(months), months[0])
	}
	freq := report.Table("frequency").Groups
	if freq[0].Key != "never" || *freq[0].Facilitators != 2 { // the coordinator and the maintainer
		t.Errorf("never taught: %+v", freq[0])
	}
	sum := 0
	for _, g := range freq {
		sum += *g.Facilitators
	}
	if sum != 5 {
		t.Errorf("frequency bands hold %d facilitators, want all 5 accounts", sum)
	}
	fb := report.Table("feedback").Groups
	if len(fb) != 1 || fb[0].FeedbackCount != 3 {
		t.Errorf("feedback table: %+v", fb)
	}

	// A fresh service loads the same picture from the database.
	fresh := delivery.New(delivery.Config{DB: f.db, Catalog: f.catalog, History: f.index, Releases: f.releases, Forks: f.review, Now: func() time.Time { return today }})
	again, err := fresh.Report(ctx, f.coordinator, delivery.Filter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := again.Totals, report.Totals; *a.FeedbackAverage != *b.FeedbackAverage || a.Participants != b.Participants ||
		a.Deliveries != b.Deliveries || a.Facilitators != b.Facilitators || a.Regions != b.Regions || a.FirstTime != b.FirstTime {
		t.Errorf("reloaded totals %+v, in step %+v", again.Totals, report.Totals)
	}
	for i := range report.Tables {
		if a, b := fmt.Sprint(deref(again.Tables[i].Groups)), fmt.Sprint(deref(report.Tables[i].Groups)); a != b {
			t.Errorf("%s: reloaded %s, in step %s", report.Tables[i].GroupBy, a, b)
		}
	}

	// Filters narrow every figure; a value never seen matches nothing.
	london, err := f.svc.Report(ctx, f.coordinator, delivery.Filter{Region: "London", From: "2025-03-01", To: "2025-06-30", Format: "online"}, []string{"region"})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range all {
		if d.Region == "London" && d.Date >= "2025-03-01" && d.Date <= "2025-06-30" && d.Format == "online" {
			n++
		}
	}
	if london.Totals.Deliveries != n || len(london.Tables) != 1 {
		t.Errorf("filtered: %d deliveries, want %d", london.Totals.Deliveries, n)
	}
	series, err := f.svc.Report(ctx, f.coordinator, delivery.Filter{Series: "organising-fundamentals"}, []string{"module"})
	if err != nil {
		t.Fatal(err)
	}
	if g := series.Table("module").Groups; len(g) != 1 || g[0].Key != "organising-1-one-to-ones" {
		t.Errorf("series filter: %+v", g)
	}
	none, _ := f.svc.Report(ctx, f.coordinator, delivery.Filter{Region: "Atlantis"}, nil)
	if none.Totals.Deliveries != 0 {
		t.Errorf("unknown region matched %d", none.Totals.Deliveries)
	}
	for _, bad := range []delivery.Filter{{From: "yesterday"}, {From: "2026-01-02", To: "2026-01-01"}, {Format: "x"}, {Series: "nope"}} {
		if _, err := f.svc.Report(ctx, f.coordinator, bad, nil); praxis.ErrorField(err) == "" {
			t.Errorf("filter %+v: %v", bad, err)
		}
	}
	if _, err := f.svc.Report(ctx, f.coordinator, delivery.Filter{}, []string{"colour"}); praxis.ErrorCode(err) != praxis.EINVALID {
		t.Errorf("unknown grouping: %v", err)
	}
}

func deref(groups []delivery.Group) []string {
	out := make([]string, len(groups))
	for i, g := range groups {
		avg, fac := "-", "-"
		if g.FeedbackAverage != nil {
			avg = fmt.Sprintf("%.3f", *g.FeedbackAverage)
		}
		if g.Facilitators != nil {
			fac = fmt.Sprint(*g.Facilitators)
		}
		out[i] = fmt.Sprintf("%s %s %d %d %d %d %s %s", g.Key, g.Label, g.Deliveries, g.Participants, g.FirstTime, g.FeedbackCount, avg, fac)
	}
	return out
}

func TestVersionsInUseCountOlderReleases(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	commit := func(when time.Time) {
		t.Helper()
		main, _ := f.store.Branch(ctx, "main")
		_, err := f.store.WriteCommit(ctx, gitstore.CommitRequest{Branch: "main", Expected: main,
			Changes: []praxis.FileChange{{Path: "modules/" + stigma + "/handouts/extra.md", Content: []byte("# Extra\n\n" + when.String() + "\n")}},
			Message: "Revise the handout", Author: praxis.Signature{Name: "Maya", When: when}})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.releases.CreateRelease(ctx, f.maintain, "v2026.04", "First release"); err != nil {
		t.Fatal(err)
	}
	commit(time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC))
	if _, err := f.releases.CreateRelease(ctx, f.maintain, "v2026.10", "Second release"); err != nil {
		t.Fatal(err)
	}
	commit(time.Date(2026, 11, 15, 9, 0, 0, 0, time.UTC))
	for _, date := range []string{"2025-05-01", "2025-05-02", "2026-06-01", "2026-11-10", "2026-11-18"} {
		in := valid()
		in.Date = date
		f.create(f.alice, in)
	}
	report, err := f.svc.Report(ctx, f.coordinator, delivery.Filter{}, []string{"version"})
	if err != nil {
		t.Fatal(err)
	}
	if report.Totals.LatestRelease != "v2026.10" || report.Totals.OlderThanLatest != 3 {
		t.Errorf("totals %+v", report.Totals)
	}
	got := fmt.Sprint(deref(report.Table("version").Groups))
	want := "[ Not yet released 1 14 5 0 - - v2026.10 v2026.10 (latest) 1 14 5 0 - - v2026.04 v2026.04 3 42 15 0 - -]"
	if got != want {
		t.Errorf("versions:\n got %s\nwant %s", got, want)
	}
}

// TestConcurrentWritesKeepStatsInStep runs writers against readers of the
// dashboard (under -race in CI) and checks the final picture.
func TestConcurrentWritesKeepStatsInStep(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.Report(ctx, f.coordinator, delivery.Filter{}, nil); err != nil { // load first
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w, u := range []*praxis.User{f.alice, f.bob, f.carol} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				in := valid()
				in.Participants = 10 + w
				d, err := f.svc.Create(ctx, u, in)
				if err != nil {
					t.Error(err)
					return
				}
				if i%3 == 0 {
					if err := f.svc.Delete(ctx, u, d.ID); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 20 {
			if _, err := f.svc.Report(ctx, f.coordinator, delivery.Filter{}, nil); err != nil {
				t.Error(err)
			}
		}
	}()
	wg.Wait()
	report, _ := f.svc.Report(ctx, f.coordinator, delivery.Filter{}, nil)
	if report.Totals.Deliveries != 18 || report.Totals.Participants != 6*(10+11+12) {
		t.Errorf("after concurrent writes: %+v", report.Totals)
	}
}

// TestConcurrentEditsAndDeletesKeepStatsInStep edits deliveries from many
// goroutines at once, each changing one field, while others delete some of
// them: every edit keeps its change, and the statistics in memory agree with
// a fresh load from the database, grouping by grouping.
func TestConcurrentEditsAndDeletesKeepStatsInStep(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.Report(ctx, f.coordinator, delivery.Filter{}, nil); err != nil { // load first
		t.Fatal(err)
	}
	var made []*praxis.Delivery
	for range 8 {
		made = append(made, f.create(f.alice, valid()))
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 15 {
				d := made[(w+i)%len(made)]
				_, err := f.svc.Update(ctx, f.alice, d.ID, 0, func(in *delivery.Input) {
					switch w {
					case 0:
						in.Participants = 20 + i
					case 1:
						in.Region = fmt.Sprintf("Region %d", i)
					case 2:
						in.FirstTime = i % 5
					default:
						in.Format = praxis.Formats[i%len(praxis.Formats)]
					}
				})
				if err != nil && praxis.ErrorCode(err) != praxis.ENOTFOUND {
					t.Error(err)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, d := range made[:3] {
			if err := f.svc.Delete(ctx, f.alice, d.ID); err != nil {
				t.Error(err)
			}
		}
	}()
	wg.Wait()

	fresh := delivery.New(delivery.Config{DB: f.db, Catalog: f.catalog, History: f.index, Releases: f.releases,
		Forks: f.review, Now: func() time.Time { return today }})
	live, err := f.svc.Report(ctx, f.coordinator, delivery.Filter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := fresh.Report(ctx, f.coordinator, delivery.Filter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(live.Totals) != fmt.Sprint(loaded.Totals) {
		t.Errorf("totals in memory %+v, fresh from the database %+v", live.Totals, loaded.Totals)
	}
	for i := range live.Tables {
		if got, want := deref(live.Tables[i].Groups), deref(loaded.Tables[i].Groups); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s in memory %v, fresh from the database %v", live.Tables[i].GroupBy, got, want)
		}
	}
	if live.Totals.Deliveries != 5 {
		t.Errorf("deliveries = %d, want 5", live.Totals.Deliveries)
	}
}
