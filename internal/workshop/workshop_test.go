package workshop_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/delivery"
	"github.com/praxis-coop/praxis/internal/jobs"
	pmail "github.com/praxis-coop/praxis/internal/mail"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/review"
	"github.com/praxis-coop/praxis/internal/testenv"
	"github.com/praxis-coop/praxis/internal/workshop"
)

const stigma = "exploring-class-2-stigma"

// fixture is praxis's services over a test data directory, a clock the test
// moves, people in each role, and a real SMTP server that keeps what it is
// sent.
type fixture struct {
	t        *testing.T
	env      *testenv.Env
	accounts *account.Service
	svc      *workshop.Service
	clock    *clock
	sink     *smtpSink
	people   map[string]*praxis.User
	// queue works svc's jobs until stopQueue.
	queue     *jobs.Queue
	stopQueue func()
	mail      *pmail.Sender
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	env := testenv.New(t, testenv.Options{})
	if err := jobs.Migrate(ctx, env.DB.Pool()); err != nil {
		t.Fatal(err)
	}
	sink := newSMTPSink(t)
	sender, err := pmail.New(pmail.Config{Addr: sink.ln.Addr().String(), From: "praxis <praxis@example.org>", TLS: "none"})
	if err != nil {
		t.Fatal(err)
	}
	accounts := account.New(account.Config{DB: env.DB, Modules: func(context.Context, string) bool { return true }})
	rev := review.New(review.Config{DB: env.DB, Store: env.Store, Catalog: env.Catalog, History: env.History})
	deliveries := delivery.New(delivery.Config{DB: env.DB, Catalog: env.Catalog, History: env.History, Releases: env.Releases, Forks: rev})
	clk := &clock{now: time.Now().UTC().Truncate(time.Second)}
	svc := workshop.New(workshop.Config{DB: env.DB, Catalog: env.Catalog, History: env.History, Releases: env.Releases,
		Deliveries: deliveries, Forks: rev, Mail: sender, BaseURL: "https://praxis.example.org", Now: clk.Now})
	f := &fixture{t: t, env: env, accounts: accounts, svc: svc, clock: clk, sink: sink, people: map[string]*praxis.User{}}
	f.mail = sender
	f.queue, f.stopQueue = f.startQueue(svc, false)
	f.person("coordinator", "Cora Coordinator", "London", praxis.RoleCoordinator)
	f.person("admin", "Ada Admin", "", praxis.RoleAdmin)
	for _, name := range []string{"fay", "gil", "hal", "ivy"} {
		f.person(name, strings.ToUpper(name[:1])+name[1:]+" Facilitator", "London", praxis.RoleFacilitator)
	}
	f.train("fay", stigma)
	f.train("gil", stigma)
	f.train("hal", stigma)
	if _, err := accounts.UpdateProfile(ctx, f.people["hal"], account.ProfileUpdate{Name: "Hal Facilitator", Region: "Wales", Languages: []string{"cy", "en"}}); err != nil {
		t.Fatal(err)
	}
	return f
}

// startQueue gives svc a job queue over the fixture's database, working
// its jobs until the test ends (and scheduling Tick when tick is set). It
// returns the queue and a function that stops it.
func (f *fixture) startQueue(svc *workshop.Service, tick bool) (*jobs.Queue, func()) {
	f.t.Helper()
	q := jobs.New(jobs.Config{Pool: f.env.DB.Pool(), PollInterval: 20 * time.Millisecond, Timeout: 10 * time.Second})
	svc.RegisterJobs(q)
	if tick {
		svc.ScheduleTick(q)
	}
	if err := q.Ready(); err != nil {
		f.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := q.Start(ctx); err != nil {
		f.t.Fatal(err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			stopCtx, done := context.WithTimeout(context.Background(), 10*time.Second)
			defer done()
			if err := q.Stop(stopCtx); err != nil {
				f.t.Error(err)
			}
			cancel()
		})
	}
	f.t.Cleanup(stop)
	return q, stop
}

func (f *fixture) person(key, name, region string, role praxis.Role) *praxis.User {
	f.t.Helper()
	ctx := context.Background()
	u, _, err := f.accounts.AddUser(ctx, account.NewUser{Email: key + "@example.org", Name: name, Roles: []praxis.Role{role}})
	if err != nil {
		f.t.Fatal(err)
	}
	if region != "" {
		if u, err = f.accounts.UpdateProfile(ctx, u, account.ProfileUpdate{Name: name, Region: region}); err != nil {
			f.t.Fatal(err)
		}
	}
	f.people[key] = u
	return u
}

func (f *fixture) train(key, module string) {
	f.t.Helper()
	if err := f.accounts.AwardTraining(context.Background(), f.people["admin"], f.people[key].ID, module, ""); err != nil {
		f.t.Fatal(err)
	}
}

// input is a valid workshop a few days ahead, in London, led by fay.
func (f *fixture) input(days int) workshop.WorkshopInput {
	day := f.clock.Now().In(london()).AddDate(0, 0, days).Format("2006-01-02")
	return workshop.WorkshopInput{Module: stigma, Date: day, Start: "18:00", End: "20:30", Timezone: "Europe/London",
		Format: praxis.FormatInPerson, Venue: "Unite House", Town: "London", Region: "London", Capacity: 3, Language: "en",
		Visibility: praxis.VisibilityListed, Facilitators: []praxis.WorkshopFacilitator{{UserID: f.people["fay"].ID}}}
}

func (f *fixture) schedule(in workshop.WorkshopInput) *praxis.Workshop {
	f.t.Helper()
	w, _, err := f.svc.Schedule(context.Background(), f.people["coordinator"], in)
	if err != nil {
		f.t.Fatalf("Schedule: %v", err)
	}
	return w
}

// dayWord is how a participant's reminder sent at now names the day of w:
// "Today" or "Tomorrow", as London's calendar counts days.
func dayWord(now time.Time, w *praxis.Workshop) string {
	if now.In(london()).Format("2006-01-02") == w.StartsAt.In(london()).Format("2006-01-02") {
		return "Today"
	}
	return "Tomorrow"
}

func london() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return loc
}

func fieldsOf(err error) map[string]string {
	out := map[string]string{}
	for _, fe := range praxis.FieldErrors(err) {
		out[fe.Field] = fe.Message
	}
	return out
}

func TestRequestBadInputNamesEveryFieldAndWritesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.svc.CreateRequest(ctx, workshop.RequestInput{GroupName: "", GroupType: "book club", ContactName: "Rosa",
		ContactEmail: "not an address", Modules: []string{"made-up-module"}, Participants: 0, Language: "!!", Address: "192.0.2.1"})
	got := fieldsOf(err)
	for _, field := range []string{"group_name", "group_type", "contact_email", "town", "modules", "participants", "language"} {
		if got[field] == "" {
			t.Errorf("no message for %s (got %v)", field, got)
		}
	}
	if !strings.Contains(got["modules"], "made-up-module") {
		t.Errorf("modules: %q, want it to name the made-up module", got["modules"])
	}
	if list, total, err := f.env.DB.ListRequests(ctx, praxis.RequestFilter{}); err != nil || total != 0 || len(list) != 0 {
		t.Errorf("requests stored after bad input: %d %v", total, err)
	}
	if _, err := f.svc.CreateRequest(ctx, workshop.RequestInput{Honeypot: "http://spam.example", GroupName: "x"}); !errors.Is(err, workshop.ErrSpam) {
		t.Errorf("a filled honeypot: %v, want ErrSpam", err)
	}
}

func goodRequest(address string) workshop.RequestInput {
	return workshop.RequestInput{GroupName: "Leeds Tenants' Union", GroupType: "tenants' union", ContactName: "Rosa Parks",
		ContactEmail: "rosa@example.net", Town: "Leeds", Region: "London", Modules: []string{stigma, "series:organising-fundamentals"},
		PreferredDates: "Saturdays in March", Participants: 12, Language: "en", Address: address}
}

func TestRequestIsConfirmedWithAPrivateStatusLinkAndRateLimited(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	r, err := f.svc.CreateRequest(ctx, goodRequest("192.0.2.1"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != praxis.RequestNew || len(r.Modules) != 7 || r.Series != "organising-fundamentals" {
		t.Errorf("request %+v, want new with the module and the six of the series", r)
	}
	msg := f.sink.wait(t, 1)[0]
	link := "https://praxis.example.org" + workshop.StatusPath(r)
	if msg.to != "rosa@example.net" || !strings.Contains(msg.body, link) || len(r.StatusToken) < 40 {
		t.Errorf("confirmation to %s lacks the status link %s:\n%s", msg.to, link, msg.body)
	}
	got, _, err := f.svc.RequestStatus(ctx, r.StatusToken)
	if err != nil || got.ID != r.ID {
		t.Errorf("status by token: %v %v", got, err)
	}
	if _, _, err := f.svc.RequestStatus(ctx, "guess"); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("a guessed token: %v", err)
	}
	// The same email, from other addresses: the third is the last let through.
	for i := 0; i < 2; i++ {
		if _, err := f.svc.CreateRequest(ctx, goodRequest(fmt.Sprintf("192.0.2.%d", 10+i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.CreateRequest(ctx, goodRequest("192.0.2.20")); praxis.ErrorCode(err) != praxis.ETOOMANY {
		t.Errorf("a fourth request from one email: %v, want ETOOMANY", err)
	}
	// One address, other emails: five, then refused.
	for i := 0; i < 6; i++ {
		in := goodRequest("198.51.100.7")
		in.ContactEmail = fmt.Sprintf("person%d@example.net", i)
		_, err := f.svc.CreateRequest(ctx, in)
		if i < 5 && err != nil {
			t.Fatal(err)
		}
		if i == 5 && praxis.ErrorCode(err) != praxis.ETOOMANY {
			t.Errorf("the sixth request from one address with a different email: %v, want ETOOMANY", err)
		}
	}
}

func TestScheduleBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		edit  func(*workshop.WorkshopInput)
		field string
		words string
	}{
		{"ends before it starts", func(in *workshop.WorkshopInput) { in.End = "17:00" }, "ends_at", "ends before it starts"},
		{"in the past", func(in *workshop.WorkshopInput) {
			in.Date = f.clock.Now().AddDate(0, 0, -2).Format("2006-01-02")
		}, "starts_at", "in the past"},
		{"capacity 0", func(in *workshop.WorkshopInput) { in.Capacity = 0 }, "capacity", "from 1"},
		{"online without a link", func(in *workshop.WorkshopInput) { in.Format = praxis.FormatOnline }, "online_url", "needs the link"},
		{"made-up module", func(in *workshop.WorkshopInput) { in.Module = "made-up-module" }, "module", "made-up-module"},
		{"unknown time zone", func(in *workshop.WorkshopInput) { in.Timezone = "Europe/Atlantis" }, "timezone", "Europe/Atlantis"},
		{"no facilitator", func(in *workshop.WorkshopInput) { in.Facilitators = nil }, "facilitators", "who facilitates"},
		{"less than a second long", func(in *workshop.WorkshopInput) {
			day := f.clock.Now().AddDate(0, 0, 5).Format("2006-01-02")
			in.StartsAt, in.EndsAt = day+"T10:00:00.5Z", day+"T10:00:00.9Z"
		}, "ends_at", "ends before it starts"},
		{"a time the clocks skip", func(in *workshop.WorkshopInput) {
			in.Date, in.Start, in.End = "2027-03-28", "01:30", "03:00"
		}, "starts_at", "does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := f.input(5)
			tc.edit(&in)
			_, _, err := f.svc.Schedule(ctx, f.people["coordinator"], in)
			got := fieldsOf(err)
			if !strings.Contains(got[tc.field], tc.words) {
				t.Errorf("%s: %v, want %s to say %q", tc.name, got, tc.field, tc.words)
			}
		})
	}
	if list, total, _ := f.env.DB.ListWorkshops(ctx, praxis.WorkshopFilter{}); total != 0 || len(list) != 0 {
		t.Errorf("%d workshops stored after bad input", total)
	}
	if _, _, err := f.svc.Schedule(ctx, f.people["fay"], f.input(5)); praxis.ErrorCode(err) != praxis.EFORBIDDEN {
		t.Errorf("a facilitator scheduling: %v, want EFORBIDDEN", err)
	}
}

func TestTimesAreInstantsWithTheirZoneAcrossSummerTime(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// The Saturday before the clocks go back in 2027, and one after.
	f.clock.Set(time.Date(2027, 10, 1, 9, 0, 0, 0, time.UTC))
	before := f.input(0)
	before.Date = "2027-10-30"
	w1 := f.schedule(before)
	after := f.input(0)
	after.Date, after.Facilitators = "2027-11-06", []praxis.WorkshopFacilitator{{UserID: f.people["gil"].ID}}
	w2 := f.schedule(after)
	if want := time.Date(2027, 10, 30, 17, 0, 0, 0, time.UTC); !w1.StartsAt.Equal(want) || w1.Timezone != "Europe/London" {
		t.Errorf("18:00 on 30 October (BST) stored as %s %s, want %s", w1.StartsAt, w1.Timezone, want)
	}
	if want := time.Date(2027, 11, 6, 18, 0, 0, 0, time.UTC); !w2.StartsAt.Equal(want) {
		t.Errorf("18:00 on 6 November (GMT) stored as %s, want %s", w2.StartsAt, want)
	}
	if got := workshop.When(w1); got != "Saturday 30 October 2027, 18:00–20:30 BST (Europe/London)" {
		t.Errorf("When = %q", got)
	}
	// An instant with an offset is taken as it is.
	in := f.input(0)
	in.Date, in.Start, in.End = "", "", ""
	in.StartsAt, in.EndsAt, in.Timezone = "2027-12-01T09:00:00-05:00", "2027-12-01T11:00:00-05:00", "America/New_York"
	in.Facilitators = []praxis.WorkshopFacilitator{{UserID: f.people["hal"].ID}}
	w3 := f.schedule(in)
	if !w3.StartsAt.Equal(time.Date(2027, 12, 1, 14, 0, 0, 0, time.UTC)) || w3.LocalDate() != "2027-12-01" {
		t.Errorf("New York workshop at %s on %s", w3.StartsAt, w3.LocalDate())
	}
}

func TestAFacilitatorBookedThatDayIsRefusedAndNearbyIsWarned(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	first := f.schedule(f.input(10))
	// Fay again the same day, at another time: refused, naming the clash.
	same := f.input(10)
	same.Start, same.End = "10:00", "12:00"
	_, _, err := f.svc.Schedule(ctx, f.people["coordinator"], same)
	var clash *praxis.ClashError
	if !errors.As(err, &clash) || praxis.ErrorCode(err) != praxis.ECONFLICT {
		t.Fatalf("the same facilitator the same day: %v, want a clash (ECONFLICT)", err)
	}
	if msg := praxis.ErrorMessage(err); !strings.Contains(msg, "Fay Facilitator") || !strings.Contains(msg, fmt.Sprintf("workshop %d (%s)", first.ID, first.Title)) {
		t.Errorf("the clash says %q, want it to name Fay and workshop %d by its title %q", msg, first.ID, first.Title)
	}
	// A logged delivery that day is a clash too (gil delivered on day 20... in
	// the past only: log one today and schedule gil today + the clock moved back).
	d := f.input(1)
	d.Facilitators = []praxis.WorkshopFacilitator{{UserID: f.people["fay"].ID}, {UserID: f.people["gil"].ID, Role: praxis.FacilitatorCo}}
	d.Date = first.StartsAt.In(london()).AddDate(0, 0, 1).Format("2006-01-02")
	w, warnings, err := f.svc.Schedule(ctx, f.people["coordinator"], d)
	if err != nil {
		t.Fatalf("the day after: %v", err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0].Message, "Fay Facilitator also facilitates") || !strings.Contains(warnings[0].Message, "the day before") {
		t.Errorf("warnings %+v, want one about Fay the day before", warnings)
	}
	// With the warning window at 0 days there is no warning.
	if err := f.svc.SetSettings(ctx, f.people["admin"], workshop.Settings{RetentionDays: 90, WarnDays: 0}); err != nil {
		t.Fatal(err)
	}
	in := f.input(12)
	if _, warnings, err := f.svc.Schedule(ctx, f.people["coordinator"], in); err != nil || len(warnings) != 0 {
		t.Errorf("two days later with no warning window: %v %+v", err, warnings)
	}
	// Changing a workshop is no clash with itself.
	change := d
	change.Capacity = 9
	if _, _, err := f.svc.Change(ctx, f.people["coordinator"], w.ID, change); err != nil {
		t.Errorf("changing a workshop clashed with itself: %v", err)
	}
}

func TestALoggedDeliveryThatDayIsAClash(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	rev := review.New(review.Config{DB: f.env.DB, Store: f.env.Store, Catalog: f.env.Catalog, History: f.env.History})
	deliveries := delivery.New(delivery.Config{DB: f.env.DB, Catalog: f.env.Catalog, History: f.env.History, Releases: f.env.Releases, Forks: rev})
	today := time.Now().UTC().Format("2006-01-02")
	if _, err := deliveries.Create(ctx, f.people["hal"], delivery.Input{Module: stigma, Date: today, Duration: 120, Format: praxis.FormatInPerson,
		Country: "GB", HostType: "other", Participants: 5, CoFacilitators: []int64{f.people["gil"].ID}}); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(time.Now().UTC().Add(-48 * time.Hour))
	in := f.input(0)
	in.Date, in.Start, in.End = today, "23:00", "23:30"
	in.Timezone = "UTC"
	in.Facilitators = []praxis.WorkshopFacilitator{{UserID: f.people["gil"].ID}}
	_, _, err := f.svc.Schedule(ctx, f.people["coordinator"], in)
	if praxis.ErrorCode(err) != praxis.ECONFLICT || !strings.Contains(praxis.ErrorMessage(err), "a delivery of Class, stigma and shame") {
		t.Errorf("a co-facilitator of a delivery logged that day: %v, want a clash naming the delivery", err)
	}
}

func TestRegistrationsWaitingListAndCancellation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	w := f.schedule(f.input(5))
	var regs []*praxis.Registration
	for i, name := range []string{"Ann", "Bob", "Cat", "Dev", "Eve"} {
		r, err := f.svc.Register(ctx, nil, w.ID, workshop.RegistrationInput{Name: name, Email: strings.ToLower(name) + "@example.net", Address: "203.0.113.1", FirstTime: i%2 == 0})
		if err != nil {
			t.Fatal(err)
		}
		want := praxis.RegistrationRegistered
		if i >= 3 {
			want = praxis.RegistrationWaitlisted
		}
		if r.Status != want {
			t.Errorf("%s is %s, want %s", name, r.Status, want)
		}
		regs = append(regs, r)
	}
	// The queue sends them in any order: each person's, in the order they
	// registered.
	msgs := f.sink.wait(t, 5)
	msgs = []message{to(msgs, "ann@example.net"), to(msgs, "bob@example.net"), to(msgs, "cat@example.net"), to(msgs, "dev@example.net"), to(msgs, "eve@example.net")}
	if !strings.Contains(msgs[0].calendar, "BEGIN:VCALENDAR") || !strings.Contains(msgs[0].body, "https://praxis.example.org"+workshop.CancelPath(regs[0])) {
		t.Errorf("the confirmation lacks the calendar entry or the cancel link:\n%s", msgs[0].raw)
	}
	if msgs[3].calendar != "" || !strings.Contains(msgs[3].subject, "waiting list") {
		t.Errorf("the waiting list email: %q with a calendar entry: %v", msgs[3].subject, msgs[3].calendar != "")
	}
	// Twice with one email (in other case): refused, nothing written.
	_, err := f.svc.Register(ctx, nil, w.ID, workshop.RegistrationInput{Name: "Ann again", Email: "ANN@example.net", Address: "203.0.113.1"})
	if praxis.ErrorField(err) != "email" || praxis.ErrorCode(err) != praxis.ECONFLICT {
		t.Errorf("registering twice: %v, want a conflict on email", err)
	}
	// Bob cancels: Dev, first in the queue, moves up and is told.
	cancelled, promoted, err := f.svc.CancelRegistration(ctx, regs[1].Token)
	if err != nil || cancelled.Status != praxis.RegistrationCancelled || promoted == nil || promoted.ID != regs[3].ID {
		t.Fatalf("cancel: %+v promoted %+v %v, want Dev moved up", cancelled, promoted, err)
	}
	moved := f.sink.wait(t, 6)[5]
	if moved.to != "dev@example.net" || !strings.Contains(moved.subject, "A place came free") || !strings.Contains(moved.calendar, "BEGIN:VCALENDAR") {
		t.Errorf("Dev was told %q (to %s)", moved.subject, moved.to)
	}
	view, err := f.svc.Registration(ctx, regs[4].Token)
	if err != nil || view.Position != 1 {
		t.Errorf("Eve's place in the queue: %+v %v, want 1", view, err)
	}
	// Cancelling again changes nothing.
	if _, promoted, err := f.svc.CancelRegistration(ctx, regs[1].Token); err != nil || promoted != nil {
		t.Errorf("cancelling twice: %v %v", promoted, err)
	}
	// A cancelled workshop takes no registrations.
	if _, err := f.svc.Cancel(ctx, f.people["coordinator"], w.ID, "The venue flooded."); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Register(ctx, nil, w.ID, workshop.RegistrationInput{Name: "Fin", Email: "fin@example.net", Address: "203.0.113.2"})
	if praxis.ErrorCode(err) != praxis.ECONFLICT || !strings.Contains(praxis.ErrorMessage(err), "cancelled") {
		t.Errorf("registering for a cancelled workshop: %v", err)
	}
	// Those with a place get the calendar entry that takes it out of
	// their calendar; Eve, still waiting, gets the news without one; Bob,
	// who cancelled, hears nothing more.
	all := f.sink.wait(t, 10)[6:]
	for _, who := range []string{"ann@example.net", "cat@example.net", "dev@example.net", "eve@example.net"} {
		m := to(all, who)
		withEntry := who != "eve@example.net"
		if !strings.HasPrefix(m.subject, "Cancelled") || !strings.Contains(m.body, "The venue flooded.") ||
			strings.Contains(m.calendar, "STATUS:CANCELLED") != withEntry {
			t.Errorf("the cancellation email to %s: %q, calendar entry %v, want %v:\n%s", who, m.subject, m.calendar != "", withEntry, m.raw)
		}
	}
	if extra := f.sink.all(); len(extra) != 10 {
		t.Errorf("%d emails, want 10 (none to Bob, who had cancelled)", len(extra))
	}
}

// TestRequestEmailsGoThroughTheQueue: the acknowledgement of a request
// and the news that it was declined are each queued with the change and
// sent once, with the Message-ID their job fixes.
func TestRequestEmailsGoThroughTheQueue(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	r, err := f.svc.CreateRequest(ctx, workshop.RequestInput{GroupName: "Leeds Tenants' Union", GroupType: "tenants' union", ContactName: "Rosa",
		ContactEmail: "rosa@example.net", Town: "Leeds", Region: "London", Modules: []string{stigma}, Participants: 12, Address: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	got := f.sink.wait(t, 1)[0]
	if want := fmt.Sprintf("<praxis.%s@example.org>", workshop.RequestKey(r.ID, false)); got.to != "rosa@example.net" ||
		!strings.Contains(got.subject, "We have your request") || got.messageID != want || !strings.Contains(got.body, workshop.StatusPath(r)) {
		t.Errorf("acknowledgement %q to %s, %s, want %s:\n%s", got.subject, got.to, got.messageID, want, got.body)
	}
	if _, err := f.svc.UpdateRequest(ctx, f.people["coordinator"], r.ID, workshop.RequestUpdate{Status: praxis.RequestDeclined,
		DeclineReason: praxis.DeclineNotAFit, DeclineMessage: "We only run these in person."}); err != nil {
		t.Fatal(err)
	}
	got = f.sink.wait(t, 2)[1]
	if want := fmt.Sprintf("<praxis.%s@example.org>", workshop.RequestKey(r.ID, true)); got.to != "rosa@example.net" ||
		!strings.Contains(got.body, "We only run these in person.") || got.messageID != want {
		t.Errorf("declined %q to %s, %s, want %s:\n%s", got.subject, got.to, got.messageID, want, got.body)
	}
}

// TestACapacityThatGrewMovesPeopleUpAndTellsThemOnce: the moved-up email
// is queued with the change that moves them and sent once, with the
// Message-ID its job fixes.
func TestACapacityThatGrewMovesPeopleUpAndTellsThemOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	in := f.input(5)
	in.Capacity = 1
	w := f.schedule(in)
	var regs []*praxis.Registration
	for _, name := range []string{"Ann", "Bob"} {
		r, err := f.svc.Register(ctx, nil, w.ID, workshop.RegistrationInput{Name: name, Email: strings.ToLower(name) + "@example.net", Address: "203.0.113.1"})
		if err != nil {
			t.Fatal(err)
		}
		regs = append(regs, r)
	}
	f.sink.wait(t, 2)
	in.Capacity = 2
	if _, warnings, err := f.svc.Change(ctx, f.people["coordinator"], w.ID, in); err != nil || len(warnings) != 0 {
		t.Fatalf("capacity 2: %v %v", warnings, err)
	}
	moved := f.sink.wait(t, 3)[2]
	want := fmt.Sprintf("<praxis.%s@example.org>", workshop.PlaceKey(regs[1].ID, true))
	if moved.to != "bob@example.net" || !strings.Contains(moved.subject, "A place came free") || moved.messageID != want {
		t.Errorf("Bob was told %q (to %s, %s), want that a place came free, as %s", moved.subject, moved.to, moved.messageID, want)
	}
}

func TestTwiceTheCapacityRegisteringAtOnceNeverOverfills(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	in := f.input(5)
	in.Capacity = 10
	w := f.schedule(in)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.svc.Register(ctx, nil, w.ID, workshop.RegistrationInput{Name: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("p%d@example.net", i), Address: fmt.Sprintf("203.0.113.%d", i)})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := f.env.DB.FindWorkshop(ctx, w.ID)
	if err != nil || got.Registered != 10 || got.Waitlisted != 10 {
		t.Errorf("%d registered and %d waiting (%v), want 10 and 10", got.Registered, got.Waitlisted, err)
	}
	// Everyone with a place cancels at once: the queue moves up, never past
	// the capacity.
	regs, _ := f.env.DB.Registrations(ctx, w.ID)
	var cancel sync.WaitGroup
	for _, r := range regs {
		if r.Status == praxis.RegistrationRegistered {
			cancel.Add(1)
			go func() {
				defer cancel.Done()
				if _, _, err := f.svc.CancelRegistration(ctx, r.Token); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	cancel.Wait()
	if got, _ := f.env.DB.FindWorkshop(ctx, w.ID); got.Registered != 10 || got.Waitlisted != 0 {
		t.Errorf("after ten cancellations %d registered and %d waiting, want 10 and 0", got.Registered, got.Waitlisted)
	}
}

func TestSuggestionsAreRankedAndExplained(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	r, err := f.svc.CreateRequest(ctx, goodRequest("192.0.2.1"))
	if err != nil {
		t.Fatal(err)
	}
	// Gil is booked on the day; ivy (untrained) offers to learn.
	gilDay := f.input(9)
	gilDay.Facilitators = []praxis.WorkshopFacilitator{{UserID: f.people["gil"].ID}}
	f.schedule(gilDay)
	if err := f.svc.Offer(ctx, f.people["ivy"], r.ID, praxis.FacilitatorMentee, "I'd love to learn"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Offer(ctx, f.people["ivy"], r.ID, praxis.FacilitatorLead, ""); !strings.Contains(fieldsOf(err)["role"], "not recorded as trained") {
		t.Errorf("an untrained offer to lead: %v", err)
	}
	list, err := f.svc.Suggest(ctx, f.people["coordinator"], workshop.MatchQuery{Module: stigma, Region: "London", Language: "cy",
		Date: f.clock.Now().In(london()).AddDate(0, 0, 9).Format("2006-01-02"), Request: r.ID})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, s := range list {
		order = append(order, s.Name)
	}
	// Hal (in Wales, but speaks Welsh) and Fay (in London) are free; Ivy
	// is not trained; Gil is booked.
	want := []string{"Hal Facilitator", "Fay Facilitator", "Ivy Facilitator", "Gil Facilitator"}
	if strings.Join(order, ",") != strings.Join(want, ",") {
		t.Errorf("order %v, want %v", order, want)
	}
	text := func(name string) string {
		for _, s := range list {
			if s.Name == name {
				return strings.Join(s.Reasons, " ")
			}
		}
		return ""
	}
	for name, words := range map[string][]string{
		"Fay Facilitator": {"Trained to deliver", "Lives in London", "Does not list Welsh"},
		"Hal Facilitator": {"Speaks Welsh", "Lives in Wales, not London"},
		"Gil Facilitator": {"Not available: already facilitating"},
		"Ivy Facilitator": {"Not yet trained", "Offered to join it to learn"},
	} {
		for _, w := range words {
			if !strings.Contains(text(name), w) {
				t.Errorf("%s's reasons %q lack %q", name, text(name), w)
			}
		}
	}
	if _, err := f.svc.Suggest(ctx, f.people["fay"], workshop.MatchQuery{Module: stigma}); praxis.ErrorCode(err) != praxis.EFORBIDDEN {
		t.Errorf("a facilitator asking for suggestions: %v", err)
	}
}

func TestContactDetailsOnlyForCoordinatorsAndAssignedFacilitators(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	r, err := f.svc.CreateRequest(ctx, goodRequest("192.0.2.1"))
	if err != nil {
		t.Fatal(err)
	}
	see := func(who string) (bool, error) {
		v, err := f.svc.FindRequest(ctx, f.people[who], r.ID)
		if err != nil {
			return false, err
		}
		return v.Request.ContactEmail != "", nil
	}
	if ok, err := see("coordinator"); !ok || err != nil {
		t.Errorf("the coordinator: %v %v", ok, err)
	}
	if ok, err := see("gil"); ok || err != nil {
		t.Errorf("a facilitator the request is an opportunity for sees the contact: %v %v", ok, err)
	}
	if err := f.svc.Offer(ctx, f.people["gil"], r.ID, praxis.FacilitatorLead, ""); err != nil {
		t.Fatal(err)
	}
	if ok, _ := see("gil"); ok {
		t.Error("an offer not yet confirmed shows the contact")
	}
	if err := f.svc.ConfirmOffer(ctx, f.people["coordinator"], r.ID, f.people["gil"].ID); err != nil {
		t.Fatal(err)
	}
	if ok, err := see("gil"); !ok || err != nil {
		t.Errorf("a confirmed facilitator: %v %v", ok, err)
	}
	// Scheduling it for fay assigns her.
	in := f.input(5)
	in.RequestID = r.ID
	f.schedule(in)
	if ok, err := see("fay"); !ok || err != nil {
		t.Errorf("the workshop's facilitator: %v %v", ok, err)
	}
	// Once scheduled, others no longer see it at all.
	if _, err := see("hal"); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("an unassigned facilitator after scheduling: %v, want ENOTFOUND", err)
	}
	got, _ := f.env.DB.FindRequest(ctx, r.ID)
	if got.Status != praxis.RequestScheduled || got.ScheduledAt == nil {
		t.Errorf("the request after scheduling: %s %v", got.Status, got.ScheduledAt)
	}
}

func TestCheckInBecomesThePinnedDeliveryAndAttendeesGetTheFeedbackLink(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	r, err := f.svc.CreateRequest(ctx, goodRequest("192.0.2.1"))
	if err != nil {
		t.Fatal(err)
	}
	planned := f.env.Main(t)
	// Scheduled ten days ago, for three days ago; the module changes since.
	real := f.clock.Now()
	f.clock.Set(real.AddDate(0, 0, -10))
	in := f.input(7)
	in.RequestID = r.ID
	in.Facilitators = append(in.Facilitators, praxis.WorkshopFacilitator{UserID: f.people["ivy"].ID, Role: praxis.FacilitatorMentee})
	w := f.schedule(in)
	var regs []*praxis.Registration
	for i, name := range []string{"Ann", "Bob", "Cat"} {
		reg, err := f.svc.Register(ctx, nil, w.ID, workshop.RegistrationInput{Name: name, Email: strings.ToLower(name) + "@example.net", FirstTime: i == 0, Address: "203.0.113.1"})
		if err != nil {
			t.Fatal(err)
		}
		regs = append(regs, reg)
	}
	// Dee, on the waiting list, comes anyway.
	dee, err := f.svc.Register(ctx, nil, w.ID, workshop.RegistrationInput{Name: "Dee", Email: "dee@example.net", Address: "203.0.113.1"})
	if err != nil || dee.Status != praxis.RegistrationWaitlisted {
		t.Fatalf("Dee: %+v %v, want her waiting", dee, err)
	}
	f.env.Commit(t, "Change the stigma module", praxis.FileChange{Path: "modules/" + stigma + "/handouts/new.md", Content: []byte("# New\n")})
	f.clock.Set(real)
	fay := f.people["fay"]
	if err := f.svc.Attendance(ctx, fay, w.ID, dee.ID, praxis.AttendanceNoShow); praxis.ErrorCode(err) != praxis.ECONFLICT {
		t.Errorf("marking someone waiting as not come: %v, want ECONFLICT", err)
	}
	if err := f.svc.Attendance(ctx, fay, w.ID, dee.ID, praxis.AttendanceAttended); err != nil {
		t.Fatalf("marking someone waiting as come: %v", err)
	}
	// Once it has started, a place is no longer cancelled by its link.
	if _, _, err := f.svc.CancelRegistration(ctx, regs[2].Token); praxis.ErrorCode(err) != praxis.ECONFLICT {
		t.Errorf("cancelling a place after the start: %v, want ECONFLICT", err)
	}
	if view, err := f.svc.Registration(ctx, regs[2].Token); err != nil || !view.Started || view.Registration.Status != praxis.RegistrationRegistered {
		t.Errorf("Cat's registration after the start: %+v %v", view, err)
	}
	if err := f.svc.Attendance(ctx, fay, w.ID, regs[0].ID, praxis.AttendanceAttended); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Attendance(ctx, fay, w.ID, regs[1].ID, praxis.AttendanceNoShow); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.WalkIn(ctx, fay, w.ID, workshop.RegistrationInput{Name: "Walk In", Email: "walk@example.net", FirstTime: true}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Attendance(ctx, f.people["gil"], w.ID, regs[2].ID, praxis.AttendanceAttended); praxis.ErrorCode(err) != praxis.EFORBIDDEN {
		t.Errorf("someone who does not run it checking in: %v", err)
	}
	draft, err := f.svc.Draft(ctx, fay, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if draft.Input.Participants != 3 || draft.Input.FirstTime != 2 || draft.Unmarked != 1 || draft.Input.Version != planned ||
		draft.Input.Host != "Leeds Tenants' Union" || draft.Input.HostType != "tenants' union" || draft.Input.Duration != 150 ||
		len(draft.Input.CoFacilitators) != 1 || draft.Input.CoFacilitators[0] != f.people["ivy"].ID {
		t.Errorf("draft %+v (unmarked %d)", draft.Input, draft.Unmarked)
	}
	d, err := f.svc.Record(ctx, fay, w.ID, func(in *delivery.Input) { in.Worked = "The stories."; in.Version = "main" })
	if err != nil {
		t.Fatal(err)
	}
	if d.Version != planned || d.Date != w.LocalDate() || d.Participants != 3 || d.Worked != "The stories." {
		t.Errorf("delivery %+v, want pinned to %s on %s", d, planned, w.LocalDate())
	}
	if _, err := f.svc.Record(ctx, fay, w.ID, nil); praxis.ErrorCode(err) != praxis.ECONFLICT {
		t.Errorf("recording twice: %v", err)
	}
	got, _ := f.env.DB.FindRequest(ctx, r.ID)
	if got.Status != praxis.RequestDelivered {
		t.Errorf("the request is %s, want delivered", got.Status)
	}
	// Ann, Dee and the walk-in attended and get the feedback link; Bob did not.
	var feedback []string
	for _, m := range f.sink.all() {
		if strings.HasPrefix(m.subject, "How was") {
			feedback = append(feedback, m.to)
			if !strings.Contains(m.body, "https://praxis.example.org/f/"+d.FeedbackToken) {
				t.Errorf("the feedback email lacks the link:\n%s", m.body)
			}
		}
	}
	if strings.Join(feedback, ",") != "ann@example.net,dee@example.net,walk@example.net" {
		t.Errorf("feedback sent to %v", feedback)
	}
	mentored, err := f.svc.Mentoring(ctx, f.people["ivy"].ID)
	if err != nil || len(mentored) != 1 || mentored[0].Count != 1 || mentored[0].Module != stigma {
		t.Errorf("ivy's mentoring record: %+v %v", mentored, err)
	}
}

func TestRemindersGoOutOnceWithWhatChanged(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	rev := review.New(review.Config{DB: f.env.DB, Store: f.env.Store, Catalog: f.env.Catalog, History: f.env.History})
	deliveries := delivery.New(delivery.Config{DB: f.env.DB, Catalog: f.env.Catalog, History: f.env.History, Releases: f.env.Releases, Forks: rev})
	old := f.env.Main(t)
	if _, err := deliveries.Create(ctx, f.people["fay"], delivery.Input{Module: stigma, Date: time.Now().UTC().AddDate(0, 0, -30).Format("2006-01-02"),
		Version: old, Duration: 120, Format: praxis.FormatInPerson, Country: "GB", HostType: "other", Participants: 5}); err != nil {
		t.Fatal(err)
	}
	planned := f.env.Commit(t, "Change the stigma module", praxis.FileChange{Path: "modules/" + stigma + "/handouts/new.md", Content: []byte("# New\n")})
	soon := f.input(0)
	soon.StartsAt, soon.EndsAt, soon.Date, soon.Start, soon.End = f.clock.Now().Add(44*time.Hour).Format(time.RFC3339), f.clock.Now().Add(46*time.Hour).Format(time.RFC3339), "", "", ""
	w := f.schedule(soon)
	if _, err := f.svc.Register(ctx, nil, w.ID, workshop.RegistrationInput{Name: "Ann", Email: "ann@example.net", Address: "203.0.113.1"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(f.clock.Now().Add(24 * time.Hour)) // the day before
	// Bea registers within a day of the start: her confirmation is her
	// reminder.
	if _, err := f.svc.Register(ctx, nil, w.ID, workshop.RegistrationInput{Name: "Bea", Email: "bea@example.net", Address: "203.0.113.2"}); err != nil {
		t.Fatal(err)
	}
	later := f.input(20) // three weeks away: nobody is reminded yet
	later.Facilitators = []praxis.WorkshopFacilitator{{UserID: f.people["gil"].ID}}
	f.schedule(later)
	before := len(f.sink.wait(t, 2)) // Ann's and Bea's confirmations
	res, err := f.svc.Tick(ctx)
	if err != nil || res.ParticipantReminders != 1 || res.FacilitatorReminders != 1 {
		t.Fatalf("tick: %+v %v, want one participant and one facilitator reminded", res, err)
	}
	if res, _ := f.svc.Tick(ctx); res.ParticipantReminders != 0 || res.FacilitatorReminders != 0 {
		t.Errorf("a second tick reminded again: %+v", res)
	}
	msgs := f.sink.wait(t, before+2)[before:]
	var participant, facilitator message
	for _, m := range msgs {
		switch m.to {
		case "ann@example.net":
			participant = m
		case "fay@example.org":
			facilitator = m
		}
	}
	if !strings.HasPrefix(participant.subject, dayWord(f.clock.Now(), w)+":") || !strings.Contains(participant.body, "/r/") {
		t.Errorf("participant reminder %q:\n%s", participant.subject, participant.body)
	}
	compare := fmt.Sprintf("https://praxis.example.org/modules/%s/compare/%s...%s", stigma, old, planned)
	plan := fmt.Sprintf("https://praxis.example.org/modules/%s/plan.pdf?rev=%s", stigma, planned)
	if !strings.Contains(facilitator.body, compare) || !strings.Contains(facilitator.body, plan) {
		t.Errorf("facilitator reminder lacks %s or %s:\n%s", compare, plan, facilitator.body)
	}
}

// TestRemindersRecordedBeforeAStopAreSentAfterRestart stops the queue (as
// praxis stopping would) before it sends the reminders a round recorded:
// the next process's queue, running the rounds on its schedule, sends each
// exactly once, with the Message-ID fixed by its job.
func TestRemindersRecordedBeforeAStopAreSentAfterRestart(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	soon := f.input(0)
	soon.StartsAt, soon.EndsAt, soon.Date, soon.Start, soon.End = f.clock.Now().Add(44*time.Hour).Format(time.RFC3339), f.clock.Now().Add(46*time.Hour).Format(time.RFC3339), "", "", ""
	w := f.schedule(soon)
	r, err := f.svc.Register(ctx, nil, w.ID, workshop.RegistrationInput{Name: "Ann", Email: "ann@example.net", Address: "203.0.113.1"})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Set(f.clock.Now().Add(24 * time.Hour)) // the day before
	before := len(f.sink.wait(t, 1))               // Ann's confirmation
	f.stopQueue()
	if res, err := f.svc.Tick(ctx); err != nil || res.ParticipantReminders != 1 || res.FacilitatorReminders != 1 {
		t.Fatalf("tick: %+v %v, want one participant and one facilitator reminded", res, err)
	}
	if got := len(f.sink.all()); got != before {
		t.Fatalf("%d messages sent with the queue stopped", got-before)
	}
	// The next process: a new service and queue over the same database,
	// with the rounds scheduled (the first at start).
	next := workshop.New(workshop.Config{DB: f.env.DB, Catalog: f.env.Catalog, History: f.env.History, Releases: f.env.Releases,
		Mail: f.mail, BaseURL: "https://praxis.example.org", Now: f.clock.Now})
	q, _ := f.startQueue(next, true)
	f.sink.wait(t, before+2)
	// Every job done (the round at start, which found nothing new, and the
	// two reminders) before counting what was sent.
	deadline := time.Now().Add(30 * time.Second)
	for {
		done, err := q.List(ctx, jobs.StateDone, 100)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, j := range done {
			kinds[j.Kind]++
		}
		if kinds["workshop.tick"] >= 1 && kinds["workshop.participant_reminder"] == 1 && kinds["workshop.facilitator_reminder"] == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("jobs done: %v", kinds)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if res, err := next.Tick(ctx); err != nil || res != (workshop.TickResult{}) {
		t.Errorf("a round after the restart: %+v %v, want nothing to do", res, err)
	}
	got := map[string][]string{}
	for _, m := range f.sink.all()[before:] {
		got[m.to] = append(got[m.to], m.subject+" "+m.messageID)
	}
	want := map[string][]string{
		"ann@example.net": {fmt.Sprintf("%s: %s <praxis.%s@example.org>", dayWord(f.clock.Now(), w), w.Title, workshop.ReminderKey(r.ID))},
		"fay@example.org": {fmt.Sprintf("In a week: %s <praxis.%s@example.org>", w.Title, workshop.FacilitatorReminderKey(w.ID, f.people["fay"].ID))},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("sent %q, want %q", got, want)
	}
}

func TestRetentionDeletesPersonalDataAndKeepsCounts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	real := f.clock.Now()
	f.clock.Set(real.AddDate(0, 0, -120))
	w := f.schedule(f.input(10)) // 110 days ago
	recent := f.input(50)        // 70 days ago
	recent.Facilitators = []praxis.WorkshopFacilitator{{UserID: f.people["gil"].ID}}
	kept := f.schedule(recent)
	var tokens []string
	for i := range 4 {
		for _, id := range []int64{w.ID, kept.ID} {
			r, err := f.svc.Register(ctx, nil, id, workshop.RegistrationInput{Name: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("p%d@example.net", i),
				AccessNeeds: "step-free", Address: "203.0.113.1"})
			if err != nil {
				t.Fatal(err)
			}
			if id == w.ID {
				tokens = append(tokens, r.Token)
			}
		}
	}
	f.clock.Set(real)
	res, err := f.svc.Tick(ctx)
	if err != nil || res.Purged != 1 {
		t.Fatalf("tick: %+v %v, want one workshop purged", res, err)
	}
	regs, _ := f.env.DB.Registrations(ctx, w.ID)
	for _, r := range regs {
		if r.Name != "" || r.Email != "" || r.AccessNeeds != "" {
			t.Errorf("personal data kept after 90 days: %+v", r)
		}
	}
	if got, _ := f.env.DB.FindWorkshop(ctx, w.ID); got.Registered != 3 || got.Waitlisted != 1 || got.PurgedAt == nil {
		t.Errorf("counts after the purge: %d registered, %d waiting, purged %v; want 3 and 1", got.Registered, got.Waitlisted, got.PurgedAt)
	}
	if _, err := f.svc.Registration(ctx, tokens[0]); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("a purged registration's link still works: %v", err)
	}
	others, _ := f.env.DB.Registrations(ctx, kept.ID)
	if others[0].Email == "" {
		t.Error("a workshop 70 days ago was purged")
	}
	// A shorter retention takes it too.
	if err := f.svc.SetSettings(ctx, f.people["admin"], workshop.Settings{RetentionDays: 30, WarnDays: 2}); err != nil {
		t.Fatal(err)
	}
	if res, _ := f.svc.Tick(ctx); res.Purged != 1 {
		t.Errorf("after setting 30 days: %+v", res)
	}
	if err := f.svc.SetSettings(ctx, f.people["admin"], workshop.Settings{RetentionDays: 0, WarnDays: -1}); len(fieldsOf(err)) != 2 {
		t.Errorf("bad settings: %v", err)
	}
}

// --- a real SMTP server that keeps what it is sent ---

type message struct {
	to, subject, body, raw string
	messageID              string
	// calendar is the attached calendar entry, decoded.
	calendar string
}

type smtpSink struct {
	ln       net.Listener
	mu       sync.Mutex
	messages []message
}

func newSMTPSink(t *testing.T) *smtpSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(conn)
		}
	}()
	return s
}

func (s *smtpSink) serve(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	say := func(line string) { conn.Write([]byte(line + "\r\n")) }
	say("220 sink ready")
	var data strings.Builder
	inData := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if inData {
			if line == ".\r\n" {
				inData = false
				s.keep(data.String())
				data.Reset()
				say("250 queued")
				continue
			}
			data.WriteString(strings.TrimPrefix(line, "."))
			continue
		}
		switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 sink")
		case strings.HasPrefix(cmd, "MAIL"), strings.HasPrefix(cmd, "RCPT"), strings.HasPrefix(cmd, "RSET"), strings.HasPrefix(cmd, "NOOP"):
			say("250 ok")
		case cmd == "DATA":
			inData = true
			say("354 go on")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 not implemented")
		}
	}
}

// keep reads a message as a mail program would: its headers, and its text
// decoded (the first part of a multipart message).
func (s *smtpSink) keep(raw string) {
	m := message{raw: raw}
	if msg, err := mail.ReadMessage(strings.NewReader(raw)); err == nil {
		addr, _ := mail.ParseAddress(msg.Header.Get("To"))
		if addr != nil {
			m.to = addr.Address
		}
		dec := new(mime.WordDecoder)
		m.subject, _ = dec.DecodeHeader(msg.Header.Get("Subject"))
		m.messageID = msg.Header.Get("Message-Id")
		m.body, m.calendar = decodedText(msg)
	}
	s.mu.Lock()
	s.messages = append(s.messages, m)
	s.mu.Unlock()
}

// to returns the message sent to addr, the first when there are several.
func to(msgs []message, addr string) message {
	for _, m := range msgs {
		if m.to == addr {
			return m
		}
	}
	return message{}
}

func (s *smtpSink) all() []message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]message{}, s.messages...)
}

func (s *smtpSink) wait(t *testing.T, n int) []message {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if got := s.all(); len(got) >= n {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d messages arrived, want %d", len(s.all()), n)
	return nil
}

// TestAChangeReadBeforeACancellationDoesNotUndoIt: a coordinator's change
// read the workshop while it was scheduled; another cancelled it before the
// change was saved. The change is refused and the workshop stays
// cancelled (a second cancellation likewise, so nobody is told twice), and
// takes no registration.
func TestAChangeReadBeforeACancellationDoesNotUndoIt(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	w := f.schedule(f.input(5))
	stale, err := f.env.DB.FindWorkshop(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Cancel(ctx, f.people["coordinator"], w.ID, "The venue flooded."); err != nil {
		t.Fatal(err)
	}
	stale.Venue = "Another hall"
	if _, err := f.env.DB.SaveWorkshop(ctx, stale, praxis.RequestNote{}, nil); praxis.ErrorCode(err) != praxis.ECONFLICT {
		t.Errorf("saving a change read before the cancellation: %v, want ECONFLICT", err)
	}
	stale.Status = praxis.WorkshopCancelled
	if _, err := f.env.DB.SaveWorkshop(ctx, stale, praxis.RequestNote{}, nil); praxis.ErrorCode(err) != praxis.ECONFLICT {
		t.Errorf("cancelling twice: %v, want ECONFLICT", err)
	}
	// A registration checked against the workshop as it was read.
	if err := f.env.DB.Register(ctx, &praxis.Registration{WorkshopID: w.ID, Name: "Ann", Email: "ann@example.net", Token: "late",
		CreatedAt: f.clock.Now()}, nil); praxis.ErrorCode(err) != praxis.ECONFLICT {
		t.Errorf("registering for the cancelled workshop: %v, want ECONFLICT", err)
	}
	got, err := f.env.DB.FindWorkshop(ctx, w.ID)
	if err != nil || got.Status != praxis.WorkshopCancelled || got.Venue != "Unite House" {
		t.Errorf("after the stale change: %+v %v, want it cancelled at Unite House", got, err)
	}
}

// TestChangingAWorkshopKeepsWhoWasReminded: a facilitator reminded a week
// ahead is not reminded again because the venue or the team changed; when
// the day moves, they are reminded of the new day.
func TestChangingAWorkshopKeepsWhoWasReminded(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	in := f.input(3)
	w := f.schedule(in)
	if res, err := f.svc.Tick(ctx); err != nil || res.FacilitatorReminders != 1 {
		t.Fatalf("tick: %+v %v, want fay reminded", res, err)
	}
	in.Venue = "Another hall"
	in.Facilitators = append(in.Facilitators, praxis.WorkshopFacilitator{UserID: f.people["gil"].ID, Role: praxis.FacilitatorCo})
	if _, _, err := f.svc.Change(ctx, f.people["coordinator"], w.ID, in); err != nil {
		t.Fatal(err)
	}
	if res, err := f.svc.Tick(ctx); err != nil || res.FacilitatorReminders != 1 {
		t.Errorf("tick after a new venue and a co-facilitator: %+v %v, want gil reminded, not fay again", res, err)
	}
	in.Date = f.clock.Now().In(london()).AddDate(0, 0, 4).Format("2006-01-02")
	if _, _, err := f.svc.Change(ctx, f.people["coordinator"], w.ID, in); err != nil {
		t.Fatal(err)
	}
	if res, err := f.svc.Tick(ctx); err != nil || res.FacilitatorReminders != 2 {
		t.Errorf("tick after the day moved: %+v %v, want both reminded of the new day", res, err)
	}
}

// TestAMovedWorkshopTellsEveryoneOnce: a new time or place reaches everyone
// registered or waiting, once, with a calendar entry that updates the one
// they have; a change of capacity alone tells only whom it moves up.
func TestAMovedWorkshopTellsEveryoneOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	in := f.input(6)
	in.Capacity = 1
	w := f.schedule(in)
	var regs []*praxis.Registration
	for _, name := range []string{"ann", "bob"} {
		r, err := f.svc.Register(ctx, nil, w.ID, workshop.RegistrationInput{Name: name, Email: name + "@example.net", Address: "203.0.113.1"})
		if err != nil {
			t.Fatal(err)
		}
		regs = append(regs, r)
	}
	f.sink.wait(t, 2)
	f.clock.Set(f.clock.Now().Add(time.Hour))
	in.Start, in.End, in.Venue = "10:00", "12:30", "Another hall"
	if _, _, err := f.svc.Change(ctx, f.people["coordinator"], w.ID, in); err != nil {
		t.Fatal(err)
	}
	changed := f.sink.wait(t, 4)[2:]
	ann, bob := to(changed, "ann@example.net"), to(changed, "bob@example.net")
	if !strings.HasPrefix(ann.subject, "Changed:") || !strings.Contains(ann.body, "10:00") || !strings.Contains(ann.body, "Another hall") ||
		!strings.Contains(ann.calendar, "SEQUENCE:") || !strings.Contains(ann.body, workshop.CancelPath(regs[0])) {
		t.Errorf("Ann, with a place, was told %q:\n%s\n%s", ann.subject, ann.body, ann.calendar)
	}
	if !strings.HasPrefix(bob.subject, "Changed:") || bob.calendar != "" || !strings.Contains(bob.body, "waiting list") {
		t.Errorf("Bob, waiting, was told %q:\n%s", bob.subject, bob.body)
	}
	in.Capacity = 2
	if _, warnings, err := f.svc.Change(ctx, f.people["coordinator"], w.ID, in); err != nil || len(warnings) != 0 {
		t.Fatalf("capacity 2: %v %v", warnings, err)
	}
	if up := f.sink.wait(t, 5)[4]; up.to != "bob@example.net" || !strings.Contains(up.subject, "A place came free") {
		t.Errorf("after the capacity grew: %q to %s, want Bob moved up", up.subject, up.to)
	}
	// Lowered below the places taken: they keep them, and the
	// coordinator is told so.
	in.Capacity = 1
	if _, warnings, err := f.svc.Change(ctx, f.people["coordinator"], w.ID, in); err != nil || len(warnings) != 1 ||
		warnings[0].Field != "capacity" || !strings.Contains(warnings[0].Message, "2 people already have places") {
		t.Errorf("capacity 1 with 2 places taken: %+v %v, want a warning beside the capacity", warnings, err)
	}
	if got, _ := f.env.DB.FindWorkshop(ctx, w.ID); got.Registered != 2 {
		t.Errorf("%d places after lowering the capacity, want both kept", got.Registered)
	}
	time.Sleep(200 * time.Millisecond) // anything more would have been sent by now
	if got := len(f.sink.all()); got != 5 {
		t.Errorf("%d emails, want 5: two places, two changes, one moved up", got)
	}
}
