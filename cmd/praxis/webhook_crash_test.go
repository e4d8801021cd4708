package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// hookSink is a webhook receiver that checks signatures, keeps the delivery
// id of each request, and can hold its answer (having kept the request) to
// let a test kill praxis in between.
type hookSink struct {
	*httptest.Server
	mu       sync.Mutex
	secret   string
	got      []string // X-Praxis-Delivery, in order
	badSigs  int
	hold     bool
	held     chan struct{}
	released chan struct{}
}

func newHookSink(t *testing.T) *hookSink {
	s := &hookSink{held: make(chan struct{}, 1), released: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		mac := hmac.New(sha256.New, []byte(s.secret))
		mac.Write(body)
		if r.Header.Get("X-Praxis-Signature") != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
			s.badSigs++
			s.mu.Unlock()
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		s.got = append(s.got, r.Header.Get("X-Praxis-Delivery"))
		hold := s.hold
		s.hold = false
		s.mu.Unlock()
		if hold {
			s.held <- struct{}{}
			<-s.released
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(func() {
		s.release()
		s.Close()
	})
	return s
}

func (s *hookSink) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.released:
	default:
		close(s.released)
	}
}

func (s *hookSink) deliveries() ([]string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.got...), s.badSigs
}

func (s *hookSink) wait(t *testing.T, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if got, _ := s.deliveries(); len(got) >= n {
			return
		}
		if time.Now().After(deadline) {
			got, bad := s.deliveries()
			t.Fatalf("the receiver has %v (%d badly signed), want %d deliveries within %s", got, bad, n, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestWebhooksSurviveCrashes kills the real binary (SIGKILL) between an
// event being queued for a webhook and its delivery being recorded, and
// checks that every event reaches a real HTTP receiver, signed:
//
//  1. right after the change that queues it was acknowledged: delivered
//     once after the restart;
//  2. after the receiver took it and before praxis heard its answer: the one
//     window HTTP leaves open. praxis delivers it again after the restart,
//     with the same X-Praxis-Delivery, which the receiver can dedupe on; no
//     delivery is ever sent under another id.
func TestWebhooksSurviveCrashes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts praxis three times and waits for its job queue to take up jobs a crash left running")
	}
	ctx := context.Background()
	sink := newHookSink(t)
	dataDir := t.TempDir()
	tokens := map[string]string{}
	for _, u := range []struct{ email, name, role string }{
		{"ada@example.org", "Ada Admin", "admin"},
		{"max@example.org", "Max Maintainer", "maintainer"},
		{"fay@example.org", "Fay Facilitator", "facilitator"},
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
	// The receiver is on the loopback interface.
	flags := []string{"--webhooks-allow-private", "--base-url", "https://praxis.example.org", "--job-timeout", "3s"}
	p := startChild(t, dataDir, flags...)
	code, hook := apiDo(p.base, http.MethodPost, "/api/v1/webhooks", tokens["ada@example.org"],
		map[string]any{"url": sink.URL + "/hook", "events": []string{"release.cut", "proposal.opened"}})
	if code != http.StatusCreated {
		t.Fatalf("add the webhook = %d %v", code, hook)
	}
	sink.mu.Lock()
	sink.secret = hook["secret"].(string)
	sink.mu.Unlock()

	// 1. A release; praxis dies the moment it is acknowledged.
	if code, body := apiDo(p.base, http.MethodPost, "/api/v1/releases", tokens["max@example.org"],
		map[string]string{"name": "v2026.10", "notes": "The starter curriculum."}); code != http.StatusCreated {
		t.Fatalf("release = %d %v", code, body)
	}
	p.kill()
	p = startChild(t, dataDir, flags...)
	sink.wait(t, 1, 90*time.Second)

	// 2. A proposal; the receiver takes it and holds its answer, and
	// praxis dies before it hears it.
	sink.mu.Lock()
	sink.hold = true
	sink.mu.Unlock()
	if code, body := apiDo(p.base, http.MethodPost, "/api/v1/proposals", tokens["fay@example.org"], map[string]any{"module": "exploring-class-2-stigma",
		"title": "A welcome", "changes": []map[string]any{{"path": "handouts/welcome.md", "content": "# Welcome\n"}}}); code != http.StatusCreated {
		t.Fatalf("open a proposal = %d %v", code, body)
	}
	waitFor(t, sink.held, "the receiver to take the proposal")
	p.kill()
	sink.release()
	p = startChild(t, dataDir, flags...)
	sink.wait(t, 3, 90*time.Second)
	// Time for any further (wrong) delivery to show.
	time.Sleep(3 * time.Second)

	got, bad := sink.deliveries()
	if bad != 0 {
		t.Errorf("%d deliveries were badly signed", bad)
	}
	count := map[string]int{}
	for _, id := range got {
		count[id]++
	}
	if len(got) != 3 || len(count) != 2 || count[got[1]] != 2 || got[1] != got[2] || count[got[0]] != 1 {
		t.Errorf("deliveries = %v, want the release once and the proposal twice under one id", got)
	}
	// The log shows the delivered attempts.
	code, detail := apiDo(p.base, http.MethodGet, "/api/v1/webhooks/"+jsonID(hook["id"]), tokens["ada@example.org"], nil)
	if code != http.StatusOK || len(detail["deliveries"].([]any)) < 2 {
		t.Errorf("webhook detail = %d %v", code, detail)
	}
	p.stop()
}

func jsonID(v any) string {
	f, _ := v.(float64)
	return fmt.Sprint(int64(f))
}
