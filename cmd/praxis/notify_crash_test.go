package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/smtpsink"
)

// TestNotificationsSurviveCrashes kills the real binary (SIGKILL) at the
// three points between a notification being queued and its email being
// recorded as sent, restarts it each time, and checks that every
// notification is in its inbox and every email reached a real SMTP server:
//
//  1. right after the change that queues it was acknowledged (the fan-out
//     and the email not yet done);
//  2. while the email is being sent, before the server took it (the sink
//     stalls before answering MAIL FROM);
//  3. after the server took it and before praxis recorded it (the sink
//     keeps the message and holds its "250"): the one window SMTP leaves
//     open. praxis sends it again after the restart, with the same
//     Message-ID, so the receiving side sees one message twice and can
//     drop the copy; no message is sent twice under another Message-ID.
func TestNotificationsSurviveCrashes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts praxis four times and waits for its job queue to take up jobs a crash left running")
	}
	ctx := context.Background()
	sink := smtpsink.Start(t)
	dataDir := t.TempDir()
	tokens := map[string]string{}
	for _, u := range []struct{ email, name, role string }{
		{"fay@example.org", "Fay Facilitator", "facilitator"},
		{"max@example.org", "Max Maintainer", "maintainer"},
		{"wen@example.org", "Wen Watcher", "facilitator"},
		{"cora@example.org", "Cora Coordinator", "coordinator"},
	} {
		if err := run(ctx, []string{"user", "add", "--data", dataDir, "--email", u.email, "--name", u.name, "--role", u.role},
			noEnv, strings.NewReader(""), io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := run(ctx, []string{"token", "create", "--data", dataDir, "--email", u.email}, noEnv, strings.NewReader(""), &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		tokens[u.email] = strings.TrimSpace(out.String())
	}
	flags := []string{"--smtp-addr", sink.Addr(), "--smtp-from", "praxis <praxis@example.org>", "--smtp-tls", "none",
		"--base-url", "https://praxis.example.org", "--job-timeout", "3s"}
	p := startChild(t, dataDir, flags...)
	fay, max := tokens["fay@example.org"], tokens["max@example.org"]

	// 1. Fay opens a proposal and Max replies; praxis dies the moment the
	// reply is acknowledged.
	code, prop := apiDo(p.base, http.MethodPost, "/api/v1/proposals", fay, map[string]any{"module": "exploring-class-2-stigma",
		"title": "A welcome", "changes": []map[string]any{{"path": "handouts/welcome.md", "content": "# Welcome\n"}}})
	if code != http.StatusCreated {
		t.Fatalf("open a proposal = %d %v", code, prop)
	}
	comments := fmt.Sprintf("/api/v1/proposals/%v/comments", prop["id"])
	if code, body := apiDo(p.base, http.MethodPost, comments, max, map[string]any{"body": "Thank you: one thought."}); code != http.StatusCreated {
		t.Fatalf("comment = %d %v", code, body)
	}
	p.kill()
	p = startChild(t, dataDir, flags...)
	sink.Wait(t, 1, 60*time.Second)

	// 2. Max mentions Wen; praxis dies while it is sending, before the
	// server took the message.
	sink.StallMail()
	if code, _ := apiDo(p.base, http.MethodPost, comments, max, map[string]any{"body": "@Wen Watcher, you ran this one: does the welcome fit?"}); code != http.StatusCreated {
		t.Fatalf("comment = %d", code)
	}
	waitFor(t, sink.Stalled(), "praxis to start sending the mention")
	p.kill()
	sink.Release()
	p = startChild(t, dataDir, flags...)
	sink.Wait(t, 2, 90*time.Second)

	// 3. Max mentions Cora; the server takes the message, and praxis dies
	// before it hears so.
	sink.HoldReplies()
	if code, _ := apiDo(p.base, http.MethodPost, comments, max, map[string]any{"body": "@Cora Coordinator can this go in the next release?"}); code != http.StatusCreated {
		t.Fatalf("comment = %d", code)
	}
	waitFor(t, sink.Held(), "the server to take the mention")
	p.kill()
	sink.Release()
	p = startChild(t, dataDir, flags...)
	sink.Wait(t, 4, 90*time.Second)
	// Time for any further (wrong) send to show.
	time.Sleep(3 * time.Second)

	byRecipient := map[string][]string{}
	for _, m := range sink.Messages() {
		byRecipient[m.To[0]] = append(byRecipient[m.To[0]], m.MessageID)
	}
	for who, want := range map[string]int{"fay@example.org": 1, "wen@example.org": 1, "cora@example.org": 2} {
		if got := byRecipient[who]; len(got) != want {
			t.Errorf("%s received %d messages %v, want %d", who, len(got), got, want)
		}
	}
	if got := byRecipient["cora@example.org"]; len(got) == 2 && got[0] != got[1] {
		t.Errorf("the message resent after the crash has another Message-ID: %v", got)
	}
	if sink.Distinct() != 3 {
		t.Errorf("%d distinct messages, want 3: %v", sink.Distinct(), byRecipient)
	}
	if dup := sink.Duplicates(); len(dup) != 1 || dup[byRecipient["cora@example.org"][0]] != 2 {
		t.Errorf("duplicates = %v, want only the one whose acceptance praxis never heard of", dup)
	}
	// No notification was lost: each is in its inbox.
	for who, kind := range map[string]string{"fay@example.org": "reply", "wen@example.org": "mention", "cora@example.org": "mention"} {
		code, body := apiDo(p.base, http.MethodGet, "/api/v1/notifications", tokens[who], nil)
		if code != http.StatusOK {
			t.Fatalf("notifications of %s = %d", who, code)
		}
		found := false
		for _, n := range body["notifications"].([]any) {
			if n.(map[string]any)["kind"] == kind {
				found = true
			}
		}
		if !found {
			t.Errorf("%s has no %s notification: %v", who, kind, body)
		}
	}
	p.stop()
}

func waitFor(t *testing.T, signal <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-signal:
	case <-time.After(60 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}
