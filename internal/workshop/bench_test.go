package workshop_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/delivery"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/review"
	"github.com/praxis-coop/praxis/internal/testenv"
	"github.com/praxis-coop/praxis/internal/workshop"
)

// benchFacilitators and benchWorkshops size the network the benchmarks run
// over: a busy season, each facilitator running one workshop a day.
const (
	benchFacilitators = 50
	benchWorkshops    = 500
)

type benchFixture struct {
	svc         *workshop.Service
	coordinator *praxis.User
	workshops   []*praxis.Workshop
	date        string
}

// newBenchFixture schedules benchWorkshops public workshops over the next
// days, run by benchFacilitators trained facilitators (no email is sent).
func newBenchFixture(b *testing.B) *benchFixture {
	b.Helper()
	ctx := context.Background()
	env := testenv.New(b, testenv.Options{})
	accounts := account.New(account.Config{DB: env.DB, Modules: func(context.Context, string) bool { return true }})
	rev := review.New(review.Config{DB: env.DB, Store: env.Store, Catalog: env.Catalog, History: env.History})
	deliveries := delivery.New(delivery.Config{DB: env.DB, Catalog: env.Catalog, History: env.History, Releases: env.Releases, Forks: rev})
	svc := workshop.New(workshop.Config{DB: env.DB, Catalog: env.Catalog, History: env.History, Releases: env.Releases,
		Deliveries: deliveries, Forks: rev, BaseURL: "https://praxis.example.org"})
	add := func(email, name string, role praxis.Role) *praxis.User {
		u, _, err := accounts.AddUser(ctx, account.NewUser{Email: email, Name: name, Roles: []praxis.Role{role}})
		if err != nil {
			b.Fatal(err)
		}
		if u, err = accounts.UpdateProfile(ctx, u, account.ProfileUpdate{Name: name, Region: "London"}); err != nil {
			b.Fatal(err)
		}
		return u
	}
	admin := add("admin@example.org", "Ada Admin", praxis.RoleAdmin)
	f := &benchFixture{svc: svc, coordinator: add("coordinator@example.org", "Cora Coordinator", praxis.RoleCoordinator)}
	people := make([]*praxis.User, benchFacilitators)
	for i := range people {
		people[i] = add(fmt.Sprintf("f%d@example.org", i), fmt.Sprintf("Facilitator %d", i), praxis.RoleFacilitator)
		if err := accounts.AwardTraining(ctx, admin, people[i].ID, stigma, ""); err != nil {
			b.Fatal(err)
		}
	}
	start := time.Now().In(london()).AddDate(0, 0, 2)
	f.date = start.Format("2006-01-02")
	for i := range benchWorkshops {
		day := start.AddDate(0, 0, i/benchFacilitators).Format("2006-01-02")
		w, _, err := svc.Schedule(ctx, f.coordinator, workshop.WorkshopInput{Module: stigma, Date: day, Start: "18:00", End: "20:30",
			Timezone: "Europe/London", Format: praxis.FormatInPerson, Venue: "Unite House", Town: "London", Region: "London",
			Capacity: 1000, Language: "en", Visibility: praxis.VisibilityListed,
			Facilitators: []praxis.WorkshopFacilitator{{UserID: people[i%benchFacilitators].ID}}})
		if err != nil {
			b.Fatal(err)
		}
		f.workshops = append(f.workshops, w)
	}
	return f
}

// BenchmarkRegister is one person signing up: the place counted and taken
// in one immediate transaction (no email).
func BenchmarkRegister(b *testing.B) {
	f := newBenchFixture(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		w := f.workshops[i%len(f.workshops)]
		if _, err := f.svc.Register(ctx, nil, w.ID, workshop.RegistrationInput{Name: "Pat", Email: fmt.Sprintf("p%d@example.org", i),
			Address: fmt.Sprint(i)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPublicFeed writes /workshops.ics with every upcoming public
// workshop (benchWorkshops events).
func BenchmarkPublicFeed(b *testing.B) {
	f := newBenchFixture(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if err := f.svc.WritePublicFeed(ctx, io.Discard, workshop.FeedFilter{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSuggest ranks the benchFacilitators trained facilitators for a
// day on which some of them are booked.
func BenchmarkSuggest(b *testing.B) {
	f := newBenchFixture(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		list, err := f.svc.Suggest(ctx, f.coordinator, workshop.MatchQuery{Module: stigma, Region: "London", Language: "en", Date: f.date})
		if err != nil || len(list) != benchFacilitators {
			b.Fatalf("Suggest = %d suggestions, %v", len(list), err)
		}
	}
}
