package account_test

import (
	"bufio"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/mail"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/testenv"
)

// smtpSink is a minimal SMTP server that keeps the messages it is sent.
type smtpSink struct {
	ln       net.Listener
	mu       sync.Mutex
	messages []string
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
				s.mu.Lock()
				s.messages = append(s.messages, data.String())
				s.mu.Unlock()
				data.Reset()
				say("250 queued")
				continue
			}
			data.WriteString(line)
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

func (s *smtpSink) wait(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		got := append([]string{}, s.messages...)
		s.mu.Unlock()
		if len(got) >= n {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d messages arrived, want %d", len(s.messages), n)
	return nil
}

func TestMailIsSentWhenConfigured(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sink := newSMTPSink(t)
	sender, err := mail.New(mail.Config{Addr: sink.ln.Addr().String(), From: "praxis <praxis@example.org>", TLS: "none"})
	if err != nil {
		t.Fatal(err)
	}
	database := testenv.NewDB(t, t.TempDir(), db.Options{})
	svc := account.New(account.Config{Hashing: testenv.PasswordHashing(), DB: database, Mail: sender, BaseURL: "https://praxis.example.org"})
	coord, _, _ := svc.AddUser(ctx, account.NewUser{Email: "coord@example.org", Name: "Cora", Roles: []praxis.Role{praxis.RoleCoordinator}, Password: goodPassword})
	fac, _, _ := svc.AddUser(ctx, account.NewUser{Email: "fac@example.org", Name: "Fay", Roles: []praxis.Role{praxis.RoleFacilitator}, Password: goodPassword})

	link, emailed, err := svc.IssueReset(ctx, coord, fac.ID)
	if err != nil || !emailed || !strings.HasPrefix(link, "https://praxis.example.org/reset/") {
		t.Fatalf("IssueReset = %q %v %v", link, emailed, err)
	}
	msgs := sink.wait(t, 1)
	if !strings.Contains(msgs[0], "To: <fac@example.org>") && !strings.Contains(msgs[0], "To: fac@example.org") {
		t.Errorf("reset email is not to the person:\n%s", msgs[0])
	}
	if !strings.Contains(strings.ReplaceAll(msgs[0], "=\r\n", ""), strings.TrimPrefix(link, "https://")) {
		t.Errorf("reset email lacks the link:\n%s", msgs[0])
	}

	// Self-service: an unknown address sends nothing but answers the same.
	if err := svc.RequestReset(ctx, "nobody@example.org", "1.2.3.4"); err != nil {
		t.Fatal(err)
	}
	if err := svc.RequestReset(ctx, "fac@example.org", "1.2.3.4"); err != nil {
		t.Fatal(err)
	}
	if msgs := sink.wait(t, 2); len(msgs) != 2 {
		t.Fatalf("%d messages after self-service requests, want 2 (none for the unknown address)", len(msgs))
	}
	if _, emailed, err := svc.CreateInvitation(ctx, coord, "new@example.org", ""); err != nil || !emailed {
		t.Fatalf("invitation by email = %v %v", emailed, err)
	}
	if msgs := sink.wait(t, 3); !strings.Contains(msgs[2], "invited you") {
		t.Errorf("invitation email:\n%s", msgs[2])
	}

	// Joining with a member's address (sign-up by approval) answers as for a
	// new address, and tells the member instead.
	u, err := svc.SignUp(ctx, account.SignUp{Name: "Not Fay", Email: "FAC@example.org", Password: "another long passphrase", AgreedToConduct: true, IP: "1.2.3.5"})
	if err != nil || u.Status != praxis.StatusPending {
		t.Fatalf("SignUp with a member's address = %+v, %v; want a pending answer", u, err)
	}
	if msgs := sink.wait(t, 4); !strings.Contains(msgs[3], "You already have a praxis account") || !strings.Contains(msgs[3], "fac@example.org") && !strings.Contains(msgs[3], "FAC@example.org") {
		t.Errorf("email to the member:\n%s", msgs[3])
	}
	if _, _, _, err := svc.LogIn(ctx, account.LogIn{Email: "fac@example.org", Password: goodPassword, IP: "1.2.3.6"}); err != nil {
		t.Errorf("the member's own password after the attempt: %v", err)
	}
}

func TestSignUpRateLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	f.svc.SetSignupMode(ctx, f.admin, praxis.SignupOpen)
	var limited error
	for i := range 10 {
		_, err := f.svc.SignUp(ctx, account.SignUp{Name: "Spammer", Email: strings.Repeat("s", i+1) + "@example.org", Password: goodPassword, AgreedToConduct: true, IP: "203.0.113.50"})
		if praxis.ErrorCode(err) == praxis.ETOOMANY {
			limited = err
			break
		}
	}
	if limited == nil {
		t.Fatal("10 sign-ups from one address were never limited")
	}
	if _, err := f.svc.SignUp(ctx, account.SignUp{Name: "Someone Else", Email: "else@example.org", Password: goodPassword, AgreedToConduct: true, IP: "198.51.100.7"}); err != nil {
		t.Fatalf("a sign-up from another address = %v", err)
	}
}
