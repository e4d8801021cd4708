package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/smtpsink"
	"github.com/praxis-coop/praxis/internal/workshop"
)

// TestWorkshopRemindersSurviveACrash kills the real binary (SIGKILL) after
// it recorded the reminders of a workshop starting tomorrow and while it is
// sending them (the SMTP server stalls before answering MAIL FROM),
// restarts it, and checks that the participant and the facilitator each
// receive their reminder exactly once: a reminder is recorded with the job
// that sends it, and the job is tried again after the restart.
func TestWorkshopRemindersSurviveACrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts praxis twice and waits for its job queue to take up jobs a crash left running")
	}
	ctx := context.Background()
	sink := smtpsink.Start(t)
	dataDir := t.TempDir()
	for _, u := range []struct{ email, name, role string }{
		{"ada@example.org", "Ada Admin", "admin"},
		{"cora@example.org", "Cora Coordinator", "coordinator"},
		{"fay@example.org", "Fay Facilitator", "facilitator"},
	} {
		if err := run(ctx, []string{"user", "add", "--data", dataDir, "--email", u.email, "--name", u.name, "--role", u.role},
			noEnv, strings.NewReader(""), io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	// A workshop led by Fay starts in 20 hours, and Ann has a place.
	a, err := openApp(ctx, dataDir, slog.New(slog.DiscardHandler), options{})
	if err != nil {
		t.Fatal(err)
	}
	people := map[string]*praxis.User{}
	for id := int64(1); id <= 3; id++ {
		u, err := a.db.FindUser(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		people[u.Email] = u
	}
	fay := people["fay@example.org"]
	if err := a.accounts.AwardTraining(ctx, people["ada@example.org"], fay.ID, "exploring-class-2-stigma", ""); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(20 * time.Hour).Truncate(time.Minute)
	w, _, err := a.workshops.Schedule(ctx, people["cora@example.org"], workshop.WorkshopInput{Module: "exploring-class-2-stigma",
		StartsAt: start.Format(time.RFC3339), EndsAt: start.Add(2 * time.Hour).Format(time.RFC3339), Timezone: "Europe/London",
		Format: praxis.FormatInPerson, Venue: "Unite House", Town: "London", Region: "London", Capacity: 10, Language: "en",
		Visibility: praxis.VisibilityListed, Facilitators: []praxis.WorkshopFacilitator{{UserID: fay.ID}}})
	if err != nil {
		a.close()
		t.Fatal(err)
	}
	// Ann took her place two days ago (one taken within a day of the start
	// is not reminded: its confirmation is the reminder).
	if err := a.db.Register(ctx, &praxis.Registration{WorkshopID: w.ID, Name: "Ann", Email: "ann@example.net", Token: "ann-token",
		CreatedAt: time.Now().Add(-48 * time.Hour)}, nil); err != nil {
		a.close()
		t.Fatal(err)
	}
	a.close()

	// praxis starts, records both reminders (its first round runs at start)
	// and dies while sending them.
	flags := []string{"--smtp-addr", sink.Addr(), "--smtp-from", "praxis <praxis@example.org>", "--smtp-tls", "none",
		"--base-url", "https://praxis.example.org", "--job-timeout", "3s"}
	sink.StallMail()
	p := startChild(t, dataDir, flags...)
	waitFor(t, sink.Stalled(), "praxis to start sending a reminder")
	p.kill()
	sink.Release()
	p = startChild(t, dataDir, flags...)
	sink.Wait(t, 2, 90*time.Second)
	// Time for any further (wrong) send to show.
	time.Sleep(3 * time.Second)
	p.stop()

	// Fay is also told, once, that she was trained: that email is the
	// notifications', not a reminder.
	reminders := map[string][]string{}
	for _, m := range sink.Messages() {
		if subject := m.Header.Get("Subject"); strings.HasPrefix(subject, "Tomorrow: ") || strings.HasPrefix(subject, "Today: ") ||
			strings.HasPrefix(subject, "In a week: ") {
			reminders[m.To[0]] = append(reminders[m.To[0]], subject+" "+m.MessageID)
		}
	}
	// 20 hours ahead is tomorrow, or today when the test runs early.
	for who, want := range map[string]string{"ann@example.net": "To", "fay@example.org": "In a week: "} {
		got := reminders[who]
		if len(got) != 1 || !strings.HasPrefix(got[0], want) || !strings.Contains(got[0], "<praxis.workshop-") {
			t.Errorf("%s received the reminders %q, want one %q with its fixed Message-ID", who, got, want)
		}
	}
	if len(reminders) != 2 {
		t.Errorf("reminders sent: %q, want Ann's and Fay's", reminders)
	}
}
