package notify_test

import (
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/events"
	"github.com/praxis-coop/praxis/internal/jobs"
	"github.com/praxis-coop/praxis/internal/mail"
	"github.com/praxis-coop/praxis/internal/notify"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/review"
	"github.com/praxis-coop/praxis/internal/smtpsink"
	"github.com/praxis-coop/praxis/internal/testenv"
	"github.com/praxis-coop/praxis/internal/workshop"
)

const (
	stigma   = "exploring-class-2-stigma"
	password = "a long enough passphrase"
	base     = "https://praxis.example.org"
)

// world is praxis wired as serve wires it, with a real SMTP sink and the job
// queue working.
type world struct {
	t        *testing.T
	env      *testenv.Env
	db       *db.DB
	accounts *account.Service
	review   *review.Service
	notify   *notify.Service
	queue    *jobs.Queue
	sink     *smtpsink.Sink
	people   map[string]*praxis.User
}

type options struct {
	noMail bool
}

func newWorld(t *testing.T, opts ...options) *world {
	t.Helper()
	ctx := context.Background()
	env := testenv.New(t, testenv.Options{})
	if err := jobs.Migrate(ctx, env.DB.Pool()); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, env: env, db: env.DB, sink: smtpsink.Start(t), people: map[string]*praxis.User{}}
	var sender *mail.Sender
	if len(opts) == 0 || !opts[0].noMail {
		var err error
		sender, err = mail.New(mail.Config{Addr: w.sink.Addr(), From: "praxis <praxis@example.org>", TLS: mail.TLSNone, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
	}
	w.accounts = account.New(account.Config{DB: env.DB, Mail: sender, BaseURL: base, Modules: func(ctx context.Context, slug string) bool {
		l, err := env.Catalog.Listing(ctx, "")
		return err == nil && l.Has(slug)
	}})
	w.review = review.New(review.Config{DB: env.DB, Store: env.Store, Catalog: env.Catalog})
	w.queue = jobs.New(jobs.Config{Pool: env.DB.Pool(), PollInterval: 20 * time.Millisecond, Timeout: 10 * time.Second})
	bus := events.NewBus(w.queue)
	w.notify = notify.New(notify.Config{DB: env.DB, Catalog: env.Catalog, Mail: sender, BaseURL: base, Conflicts: w.review.CheckConflicts})
	w.notify.Register(w.queue, bus)
	if err := w.queue.Ready(); err != nil {
		t.Fatal(err)
	}
	env.DB.OnEvent(bus.Publish)
	qctx, cancel := context.WithCancel(context.Background())
	if err := w.queue.Start(qctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		w.queue.Stop(stop)
		cancel()
	})
	for _, p := range []struct {
		key  string
		name string
		role praxis.Role
	}{
		{"author", "Ana Author", praxis.RoleFacilitator},
		{"maya", "Maya Maintainer", praxis.RoleMaintainer},
		{"mo", "Mo Maintainer", praxis.RoleMaintainer},
		{"cora", "Cora Coordinator", praxis.RoleCoordinator},
		{"fay", "Fay Facilitator", praxis.RoleFacilitator},
		{"wen", "Wen Watcher", praxis.RoleFacilitator},
	} {
		u, _, err := w.accounts.AddUser(ctx, account.NewUser{Email: p.key + "@example.org", Name: p.name, Roles: []praxis.Role{p.role}, Password: password})
		if err != nil {
			t.Fatal(err)
		}
		w.people[p.key] = u
	}
	return w
}

// settle waits until the queue has nothing waiting or running.
func (w *world) settle() {
	w.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := w.queue.Counts(context.Background())
		if err != nil {
			w.t.Fatal(err)
		}
		if c[jobs.StatePending] == 0 && c[jobs.StateRunning] == 0 {
			if c[jobs.StateFailed] > 0 {
				failed, _ := w.queue.List(context.Background(), jobs.StateFailed, 10)
				w.t.Fatalf("jobs failed: %+v", failed)
			}
			return
		}
		if time.Now().After(deadline) {
			pending, _ := w.queue.List(context.Background(), jobs.StatePending, 10)
			w.t.Fatalf("the queue did not settle: %v %+v", c, pending)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (w *world) inbox(who string) []praxis.Notification {
	w.t.Helper()
	list, _, err := w.notify.Inbox(context.Background(), w.people[who], false, 100, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	return list
}

// mailTo returns the messages the sink received for someone.
func (w *world) mailTo(who string) []smtpsink.Message {
	var out []smtpsink.Message
	for _, m := range w.sink.Messages() {
		for _, to := range m.To {
			if to == who+"@example.org" {
				out = append(out, m)
			}
		}
	}
	return out
}

func (w *world) propose(who, old, new string) *praxis.Proposal {
	w.t.Helper()
	ctx := context.Background()
	snap, err := w.env.Store.Snapshot(ctx, "main")
	if err != nil {
		w.t.Fatal(err)
	}
	plan, err := snap.ReadFile("modules/" + stigma + "/module.md")
	if err != nil {
		w.t.Fatal(err)
	}
	if !strings.Contains(string(plan), old) {
		w.t.Fatalf("the plan lacks %q", old)
	}
	p, err := w.review.CreateProposal(ctx, w.people[who], review.NewProposal{Title: "Better " + old, Module: stigma,
		Edits: []review.Edit{{Path: "module.md", Content: []byte(strings.Replace(string(plan), old, new, 1))}}})
	if err != nil {
		w.t.Fatalf("CreateProposal: %v", err)
	}
	return p
}

func (w *world) comment(who string, p *praxis.Proposal, body string) {
	w.t.Helper()
	if _, err := w.review.Comment(context.Background(), w.people[who], p.ID, body, "", 0); err != nil {
		w.t.Fatal(err)
	}
}

func kinds(list []praxis.Notification) []string {
	var out []string
	for _, n := range list {
		out = append(out, n.Kind)
	}
	return out
}

// textPart returns the decoded plain-text part of a message, and its HTML
// part.
func textPart(t *testing.T, m smtpsink.Message) (text, html string) {
	t.Helper()
	media, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || media != "multipart/alternative" {
		t.Fatalf("Content-Type = %q, want multipart/alternative", m.Header.Get("Content-Type"))
	}
	parts := multipart.NewReader(strings.NewReader(string(m.Body)), params["boundary"])
	for {
		part, err := parts.NextPart()
		if err == io.EOF {
			return text, html
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(quotedprintable.NewReader(part))
		switch kind, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type")); kind {
		case "text/plain":
			text = string(data)
		case "text/html":
			html = string(data)
		}
	}
}

func TestAProposalsLifeReachesThoseItConcernsQuietly(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()

	p := w.propose("author", "## ", "## Welcome\n\n## ")
	w.settle()
	// Maintainers hear a proposal waits; the author, their own action,
	// nothing; facilitators nothing.
	for _, who := range []string{"maya", "mo"} {
		got := w.inbox(who)
		if len(got) != 1 || got[0].Kind != praxis.NotifyProposalWaiting || got[0].URL != fmt.Sprintf("/proposals/%d", p.ID) ||
			!strings.HasPrefix(got[0].Subject, "Ana Author opened “") {
			t.Errorf("%s's inbox = %+v, want one proposal waiting", who, got)
		}
	}
	for _, who := range []string{"author", "fay", "cora"} {
		if got := w.inbox(who); len(got) != 0 {
			t.Errorf("%s's inbox = %+v, want nothing", who, got)
		}
	}
	// Proposals waiting go in the maintainers' digest, not at once.
	if got := w.sink.Messages(); len(got) != 0 {
		t.Errorf("%d emails after the proposal opened, want none (maintainers get a digest)", len(got))
	}

	// Maya comments and mentions Fay: the author hears of a reply, Fay
	// of a mention, Maya nothing; both are emailed at once.
	w.comment("maya", p, "Looks good. @Fay Facilitator, you ran this last month: does it fit?")
	w.settle()
	if got := w.inbox("author"); len(got) != 1 || got[0].Kind != praxis.NotifyReply || got[0].Subject != "Maya Maintainer commented on your proposal “"+p.Title+"”" {
		t.Errorf("author's inbox = %+v, want a reply", got)
	}
	if got := w.inbox("fay"); len(got) != 1 || got[0].Kind != praxis.NotifyMention {
		t.Errorf("fay's inbox = %+v, want a mention", got)
	}
	if got := w.inbox("maya"); len(got) != 1 {
		t.Errorf("maya's inbox = %+v, want only the proposal waiting (nothing for her own comment)", got)
	}
	authorMail, fayMail := w.mailTo("author"), w.mailTo("fay")
	if len(authorMail) != 1 || len(fayMail) != 1 {
		t.Fatalf("emails to the author %d, to fay %d; want one each", len(authorMail), len(fayMail))
	}
	m := authorMail[0]
	if got := m.Header.Get("Subject"); !strings.Contains(got, "Maya Maintainer commented on your proposal") {
		dec, _ := new(mime.WordDecoder).DecodeHeader(got)
		if !strings.Contains(dec, "Maya Maintainer commented on your proposal") {
			t.Errorf("Subject = %q", dec)
		}
	}
	text, html := textPart(t, m)
	for _, want := range []string{"Hello Ana Author", "> Looks good.", fmt.Sprintf("%s/proposals/%d", base, p.ID), base + "/account/notifications", base + "/unsubscribe/"} {
		if !strings.Contains(text, want) {
			t.Errorf("the text part lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(html, fmt.Sprintf(`href="%s/proposals/%d"`, base, p.ID)) || !strings.Contains(html, "Looks good.") {
		t.Errorf("the HTML part lacks the link or the comment:\n%s", html)
	}
	unsubscribe := m.Header.Get("List-Unsubscribe")
	if !strings.HasPrefix(unsubscribe, "<"+base+"/unsubscribe/") || m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe = %q, List-Unsubscribe-Post = %q", unsubscribe, m.Header.Get("List-Unsubscribe-Post"))
	}
	receipts := w.eventsOf(p.ID, praxis.ActivityComment)
	if want := fmt.Sprintf("<praxis.%s@example.org>", notify.EmailKey(receipts[0], w.people["author"].ID)); m.MessageID != want {
		t.Errorf("Message-ID = %q, want %q (from the idempotency key)", m.MessageID, want)
	}

	// Mo comments too: the author's unread reply collapses (one entry,
	// count 2) and no second email is sent while it is unread.
	w.comment("mo", p, "Agreed.")
	w.settle()
	got := w.inbox("author")
	if len(got) != 1 || got[0].Count != 2 || !strings.HasPrefix(got[0].Subject, "Mo Maintainer") {
		t.Errorf("author's inbox after a second comment = %+v, want one entry counting 2", got)
	}
	if n := len(w.mailTo("author")); n != 1 {
		t.Errorf("%d emails to the author after a second comment while the first is unread, want 1", n)
	}
	// Maya took part: she hears of Mo's comment as a reply.
	if got := w.inbox("maya"); !contains(kinds(got), praxis.NotifyReply) {
		t.Errorf("maya's inbox = %v, want a reply for Mo's comment", kinds(got))
	}

	// Once read, the next comment is news again, and emailed.
	if _, err := w.notify.MarkRead(ctx, w.people["author"], nil, true); err != nil {
		t.Fatal(err)
	}
	w.comment("maya", p, "One more thought.")
	w.settle()
	if got := w.inbox("author"); len(got) != 2 || got[0].Read || !got[1].Read {
		t.Errorf("author's inbox = %+v, want a new unread entry above the read one", got)
	}
	if n := len(w.mailTo("author")); n != 2 {
		t.Errorf("%d emails to the author, want 2", n)
	}
	if dup := w.sink.Duplicates(); len(dup) > 0 {
		t.Errorf("messages sent twice: %v", dup)
	}
}

// eventsOf lists the ids of a proposal's events of a kind, newest first.
func (w *world) eventsOf(proposalID int64, kind string) []int64 {
	w.t.Helper()
	list, err := w.db.ListActivity(context.Background(), praxis.ActivityFilter{ProposalID: proposalID, Kinds: []string{kind}, Limit: 100})
	if err != nil {
		w.t.Fatal(err)
	}
	var out []int64
	for _, e := range list {
		out = append(out, e.ID)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestAMergeTellsItsAuthorWatchersAndThoseWhoDeliveredTheModule(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	// Fay delivered the module at the first version; Wen watches it, and
	// Cora watches the curriculum for releases only.
	first := w.env.Main(t)
	if _, err := w.db.CreateDelivery(ctx, &praxis.Delivery{FacilitatorID: w.people["fay"].ID, Module: stigma, Version: first, Date: "2025-05-02",
		Duration: 90, Format: "in-person", Country: "GB", HostType: "other", Participants: 8, FeedbackToken: "t1", CreatedAt: time.Now(), UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := w.notify.Watch(ctx, w.people["wen"], "module:"+stigma, praxis.WatchEverything); err != nil {
		t.Fatal(err)
	}
	if err := w.notify.Watch(ctx, w.people["cora"], praxis.WatchCurriculum, praxis.WatchReleases); err != nil {
		t.Fatal(err)
	}
	p := w.propose("author", "## ", "## Welcome\n\n## ")
	w.settle()
	if got := w.inbox("wen"); len(got) != 1 || got[0].Kind != praxis.NotifyWatched {
		t.Errorf("wen's inbox = %+v, want the proposal opened on the module she watches", got)
	}
	if _, err := w.review.Review(ctx, w.people["maya"], p.ID, praxis.VerdictApprove, "Good", ""); err != nil {
		t.Fatal(err)
	}
	commit, err := w.review.Merge(ctx, w.people["maya"], p.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	w.settle()
	author := w.inbox("author")
	if !contains(kinds(author), praxis.NotifyProposalStatus) || !contains(kinds(author), praxis.NotifyReply) {
		t.Errorf("author's inbox = %v, want the approval (a reply) and the merge (status)", kinds(author))
	}
	fay := w.inbox("fay")
	if len(fay) != 1 || fay[0].Kind != praxis.NotifyModuleChanged || fay[0].URL != fmt.Sprintf("/modules/%s/compare/%s...main", stigma, first) {
		t.Errorf("fay's inbox = %+v, want what changed since the version she delivered", fay)
	}
	if got := w.inbox("cora"); len(got) != 0 {
		t.Errorf("cora (releases only) = %+v, want nothing for a merge", got)
	}
	// The merge notification is emailed to the author at once; Fay's is
	// for her digest.
	if n := len(w.mailTo("fay")); n != 0 {
		t.Errorf("%d emails to fay, want none before her digest", n)
	}

	// A release reaches every watcher, at any level.
	if _, err := w.env.Releases.CreateRelease(ctx, w.people["maya"], "v2030.01", "Welcome section\n\nMore."); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if got := w.inbox("cora"); len(got) != 1 || got[0].Kind != praxis.NotifyRelease || got[0].Subject != "Maya Maintainer cut the release v2030.01: Welcome section" {
		t.Errorf("cora's inbox = %+v, want the release", got)
	}
	if n := len(w.mailTo("cora")); n != 1 {
		t.Errorf("%d emails to cora about the release, want 1 (releases go at once)", n)
	}
	_ = commit

	// A digest carries what was news before its hour: a day long past
	// sends nothing.
	if err := w.notify.QueueDigests(ctx, "2020-01-02"); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if n := len(w.mailTo("fay")); n != 0 {
		t.Errorf("%d emails to fay from a digest of 2020, want none", n)
	}
	// The day's digest: Fay's module change and the maintainers' waiting
	// proposal, one email each, grouped, and then no second digest.
	if err := w.notify.QueueDigests(ctx, "2030-01-02"); err != nil {
		t.Fatal(err)
	}
	w.settle()
	digest := w.mailTo("fay")
	if len(digest) != 1 {
		t.Fatalf("%d digests to fay, want 1", len(digest))
	}
	text, _ := textPart(t, digest[0])
	for _, want := range []string{"Modules you use", "which you delivered, changed", "/compare/" + first + "...main"} {
		if !strings.Contains(text, want) {
			t.Errorf("fay's digest lacks %q:\n%s", want, text)
		}
	}
	if digest[0].MessageID != "<praxis."+notify.DigestKey("2030-01-02", w.people["fay"].ID)+"@example.org>" {
		t.Errorf("digest Message-ID = %q", digest[0].MessageID)
	}
	if n := len(w.mailTo("mo")); n != 1 {
		t.Errorf("%d emails to mo, want his digest", n)
	}
	if err := w.notify.QueueDigests(ctx, "2030-01-02"); err != nil {
		t.Fatal(err)
	}
	if err := w.notify.QueueDigests(ctx, "2030-01-03"); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if n := len(w.mailTo("fay")); n != 1 {
		t.Errorf("%d emails to fay after more digests, want still 1: nothing new waited", n)
	}
}

func TestProposalsThatBeginToConflictTellTheirAuthors(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	first := w.propose("author", "## ", "## From Ana\n\n## ")
	second := w.propose("fay", "## ", "## From Fay\n\n## ")
	w.settle()
	if _, err := w.review.Review(ctx, w.people["maya"], first.ID, praxis.VerdictApprove, "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := w.review.Merge(ctx, w.people["maya"], first.ID, ""); err != nil {
		t.Fatal(err)
	}
	w.settle()
	var status []praxis.Notification
	for _, n := range w.inbox("fay") {
		if n.Kind == praxis.NotifyProposalStatus {
			status = append(status, n)
		}
	}
	if len(status) != 1 || !strings.Contains(status[0].Subject, "now conflicts") || status[0].URL != fmt.Sprintf("/proposals/%d", second.ID) {
		t.Fatalf("fay's status notifications = %+v, want her proposal conflicting", status)
	}
	if n := len(w.mailTo("fay")); n != 1 {
		t.Errorf("%d emails to fay, want the conflict at once", n)
	}
	// Checking again finds nothing new.
	if n, err := w.review.CheckConflicts(ctx); err != nil || n != 0 {
		t.Errorf("CheckConflicts again = %d %v, want 0", n, err)
	}
}

func TestSignupsApprovalsTrainingsAndFeedback(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	// Sign-up needs approval unless an admin changes it.
	var pending []*praxis.User
	for i, name := range []string{"Nia New", "Noor Newer"} {
		u, err := w.accounts.SignUp(ctx, account.SignUp{Name: name, Email: fmt.Sprintf("new%d@example.org", i), Password: password, AgreedToConduct: true, IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		pending = append(pending, u)
	}
	w.settle()
	// Two sign-ups collapse into one unread notification for each
	// coordinator, emailed once.
	if got := w.inbox("cora"); len(got) != 1 || got[0].Kind != praxis.NotifySignup || got[0].Count != 2 || got[0].Subject != "Noor Newer signed up and waits for approval" {
		t.Errorf("cora's inbox = %+v, want one sign-up entry counting 2", got)
	}
	if n := len(w.mailTo("cora")); n != 1 {
		t.Errorf("%d emails to cora, want 1", n)
	}
	if _, err := w.accounts.SetStatus(ctx, w.people["cora"], pending[0].ID, praxis.StatusActive); err != nil {
		t.Fatal(err)
	}
	if _, err := w.accounts.SetStatus(ctx, w.people["cora"], pending[1].ID, praxis.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	if err := w.accounts.AwardTraining(ctx, w.people["cora"], w.people["fay"].ID, stigma, ""); err != nil {
		t.Fatal(err)
	}
	// A participant's feedback on Fay's delivery.
	id, err := w.db.CreateDelivery(ctx, &praxis.Delivery{FacilitatorID: w.people["fay"].ID, Module: stigma, Version: w.env.Main(t), Date: "2025-05-02",
		Duration: 90, Format: "in-person", Country: "GB", HostType: "other", Participants: 8, FeedbackToken: "t2", CreatedAt: time.Now(), UpdatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.db.AddFeedback(ctx, &praxis.Feedback{DeliveryID: id, Rating: 5, CreatedAt: time.Now()}, []byte("browser"), 10); err != nil {
		t.Fatal(err)
	}
	w.settle()
	mailTo := func(email string) []smtpsink.Message {
		var out []smtpsink.Message
		for _, m := range w.sink.Messages() {
			if m.To[0] == email {
				out = append(out, m)
			}
		}
		return out
	}
	for email, want := range map[string]string{"new0@example.org": "approved your account", "new1@example.org": "did not approve your request"} {
		got := mailTo(email)
		if len(got) != 1 {
			t.Errorf("%d emails to %s, want 1", len(got), email)
			continue
		}
		if text, _ := textPart(t, got[0]); !strings.Contains(text, want) {
			t.Errorf("email to %s lacks %q:\n%s", email, want, text)
		}
	}
	fay := kinds(w.inbox("fay"))
	if !contains(fay, praxis.NotifyAccount) || !contains(fay, praxis.NotifyFeedback) {
		t.Errorf("fay's inbox = %v, want the training and the feedback", fay)
	}
	// The training is emailed at once; the feedback waits for the digest.
	if n := len(w.mailTo("fay")); n != 1 {
		t.Errorf("%d emails to fay, want 1 (the training)", n)
	}
	// Nothing private reaches the public activity feed.
	public, err := w.db.ListActivity(ctx, praxis.ActivityFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range public {
		if !contains(praxis.PublicActivityKinds, e.Kind) {
			t.Errorf("the activity feed shows %s", e.Kind)
		}
	}
}

func TestEmailChoicesAndUnsubscribe(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	author := w.people["author"]
	err := w.notify.SaveSettings(ctx, author, map[string]string{praxis.NotifyReply: "sometimes", praxis.NotifySignup: praxis.EmailOff, praxis.NotifyMention: praxis.EmailOff})
	if fields := praxis.FieldErrors(err); praxis.ErrorCode(err) != praxis.EINVALID || len(fields) != 2 || fields[0].Field != "email.reply" || fields[1].Field != "email.signup" {
		t.Fatalf("SaveSettings(bad) = %v, want both mistakes named", err)
	}
	if chosen, _ := w.db.NotificationSettings(ctx, author.ID); len(chosen) != 0 {
		t.Errorf("a refused form stored %v", chosen)
	}
	if err := w.notify.SaveSettings(ctx, author, map[string]string{praxis.NotifyReply: praxis.EmailOff}); err != nil {
		t.Fatal(err)
	}
	p := w.propose("author", "## ", "## Welcome\n\n## ")
	w.comment("maya", p, "A reply the author hears of only in the app.")
	w.settle()
	if n := len(w.inbox("author")); n != 1 {
		t.Errorf("author's inbox has %d, want the reply", n)
	}
	if n := len(w.mailTo("author")); n != 0 {
		t.Errorf("%d emails to the author, who turned replies off", n)
	}

	// One click stops a kind, with no sign-in; a forged link is refused.
	link, err := w.notify.UnsubscribeURL(ctx, w.people["fay"].ID, praxis.NotifyMention)
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimPrefix(link, base+"/unsubscribe/")
	forged := strings.Replace(token, token[len(token)-3:], "AAA", 1)
	if _, err := w.notify.Unsubscribe(ctx, forged); praxis.ErrorCode(err) != praxis.EINVALID {
		t.Errorf("Unsubscribe(forged) = %v, want EINVALID", err)
	}
	other, _ := w.notify.UnsubscribeURL(ctx, w.people["wen"].ID, praxis.NotifyMention)
	_, otherMAC, _ := strings.Cut(strings.TrimPrefix(other, base+"/unsubscribe/"), ".")
	payload, _, _ := strings.Cut(token, ".")
	if _, err := w.notify.Unsubscribe(ctx, payload+"."+otherMAC); praxis.ErrorCode(err) != praxis.EINVALID {
		t.Errorf("Unsubscribe with another person's signature = %v, want EINVALID", err)
	}
	u, err := w.notify.Unsubscribe(ctx, token)
	if err != nil || u.What != "emails about mentions" {
		t.Fatalf("Unsubscribe = %+v %v", u, err)
	}
	w.comment("maya", p, "@Fay Facilitator what do you think?")
	w.settle()
	if n := len(w.mailTo("fay")); n != 0 {
		t.Errorf("%d emails to fay after she unsubscribed from mentions", n)
	}
	// The digest link turns every kind emailed in the digest off.
	digest, _ := w.notify.UnsubscribeURL(ctx, w.people["maya"].ID, "digest")
	if _, err := w.notify.Unsubscribe(ctx, strings.TrimPrefix(digest, base+"/unsubscribe/")); err != nil {
		t.Fatal(err)
	}
	settings, _ := w.notify.Settings(ctx, w.people["maya"])
	for _, s := range settings {
		if s.Default == praxis.EmailDigest && s.Email != praxis.EmailOff {
			t.Errorf("maya's %s = %s after leaving the digest, want off", s.Kind.Kind, s.Email)
		}
		if s.Default == praxis.EmailImmediately && s.Email != praxis.EmailImmediately {
			t.Errorf("maya's %s = %s, want it left alone", s.Kind.Kind, s.Email)
		}
	}
	_ = url.Values{}
	_ = http.MethodPost
}

func TestWithoutMailTheInboxStillWorks(t *testing.T) {
	w := newWorld(t, options{noMail: true})
	p := w.propose("author", "## ", "## Welcome\n\n## ")
	w.comment("maya", p, "Hello")
	w.settle()
	if n := len(w.inbox("author")); n != 1 {
		t.Errorf("author's inbox has %d, want 1", n)
	}
	if n := len(w.sink.Messages()); n != 0 {
		t.Errorf("%d emails without mail configured", n)
	}
	if err := w.notify.QueueDigests(context.Background(), "2030-01-01"); err != nil {
		t.Fatal(err)
	}
	w.settle()
}

func TestAFailedSendIsRetriedAndSentOnce(t *testing.T) {
	w := newWorld(t)
	w.sink.RefuseNext(1)
	p := w.propose("author", "## ", "## Welcome\n\n## ")
	w.comment("maya", p, "Hello")
	w.settle()
	if got := w.mailTo("author"); len(got) != 1 {
		t.Fatalf("%d emails to the author after a refusal and a retry, want 1", len(got))
	}
	done, err := w.queue.List(context.Background(), jobs.StateDone, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range done {
		if j.Kind == "notify.email" && j.Attempt != 2 {
			t.Errorf("the email job took %d attempts, want 2", j.Attempt)
		}
	}
}

func TestWatchingChecksWhatIsWatched(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	fay := w.people["fay"]
	for _, c := range []struct{ target, level string }{
		{"module:no-such-module", praxis.WatchEverything},
		{"series:no-such-series", praxis.WatchReleases},
		{"everything", praxis.WatchEverything},
		{praxis.WatchCurriculum, "sometimes"},
	} {
		if err := w.notify.Watch(ctx, fay, c.target, c.level); praxis.ErrorCode(err) != praxis.EINVALID || praxis.ErrorField(err) == "" {
			t.Errorf("Watch(%s, %s) = %v, want a field error", c.target, c.level, err)
		}
	}
	if err := w.notify.Watch(ctx, fay, "series:exploring-class", praxis.WatchReleases); err != nil {
		t.Fatal(err)
	}
	watches, err := w.notify.Watches(ctx, fay)
	if err != nil || len(watches) != 1 || watches[0].URL != "/series/exploring-class" || !strings.HasPrefix(watches[0].Title, "Series “") {
		t.Fatalf("Watches = %+v %v", watches, err)
	}
	if err := w.notify.Watch(ctx, fay, "series:exploring-class", ""); err != nil {
		t.Fatal(err)
	}
	if level, _ := w.notify.Watching(ctx, fay, "series:exploring-class"); level != "" {
		t.Errorf("still watching at %q", level)
	}
}

// The hook for scheduled workshops (issue 21): before a delivery, what
// changed since the facilitator last delivered the module.
func TestBeforeADeliveryWhatChangedSinceTheLastOne(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	first := w.env.Main(t)
	deliver := func(who, version, token string) {
		t.Helper()
		if _, err := w.db.CreateDelivery(ctx, &praxis.Delivery{FacilitatorID: w.people[who].ID, Module: stigma, Version: version, Date: "2025-05-02",
			Duration: 90, Format: "in-person", Country: "GB", HostType: "other", Participants: 8, FeedbackToken: token, CreatedAt: time.Now(), UpdatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	deliver("fay", first, "t1")
	snap, _ := w.env.Store.Snapshot(ctx, "main")
	plan, _ := snap.ReadFile("modules/" + stigma + "/module.md")
	changed := w.env.Commit(t, "A welcome", praxis.FileChange{Path: "modules/" + stigma + "/module.md", Content: []byte(strings.Replace(string(plan), "## ", "## Welcome\n\n## ", 1))})
	deliver("wen", changed, "t2")
	for _, who := range []string{"fay", "wen", "mo"} {
		if err := w.db.AddActivity(ctx, praxis.Activity{Kind: praxis.ActivityDeliveryUpcoming, SubjectID: w.people[who].ID, Module: stigma, Detail: "2030-03-01"}); err != nil {
			t.Fatal(err)
		}
	}
	w.settle()
	got := w.inbox("fay")
	if len(got) != 1 || got[0].Kind != praxis.NotifyModuleChanged || got[0].URL != fmt.Sprintf("/modules/%s/compare/%s...main", stigma, first) ||
		!strings.HasPrefix(got[0].Subject, "Before your workshop on 2030-03-01: “") {
		t.Errorf("fay's inbox = %+v, want what changed since her delivery", got)
	}
	for _, who := range []string{"wen", "mo"} {
		if got := w.inbox(who); len(got) != 0 {
			t.Errorf("%s's inbox = %+v, want nothing (delivered the version on main, or never delivered it)", who, got)
		}
	}
}

func TestDeletingAnAccountDeletesItsInboxChoicesAndWatches(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	fay := w.people["fay"]
	p := w.propose("author", "## ", "## Welcome\n\n## ")
	w.comment("maya", p, "@Fay Facilitator, what do you think?")
	w.settle()
	if err := w.notify.Watch(ctx, fay, praxis.WatchCurriculum, praxis.WatchEverything); err != nil {
		t.Fatal(err)
	}
	if err := w.notify.SaveSettings(ctx, fay, map[string]string{praxis.NotifyReply: praxis.EmailOff}); err != nil {
		t.Fatal(err)
	}
	if n, _ := w.db.UnreadCount(ctx, fay.ID); n != 1 {
		t.Fatalf("fay has %d unread before, want 1", n)
	}
	if err := w.accounts.DeleteAccount(ctx, fay, password); err != nil {
		t.Fatal(err)
	}
	if n, _ := w.db.UnreadCount(ctx, fay.ID); n != 0 {
		t.Errorf("%d notifications left after deleting the account", n)
	}
	if watches, _ := w.db.Watches(ctx, fay.ID); len(watches) != 0 {
		t.Errorf("watches left: %v", watches)
	}
	if chosen, _ := w.db.NotificationSettings(ctx, fay.ID); len(chosen) != 0 {
		t.Errorf("email choices left: %v", chosen)
	}
}

// Workshops ahead (issue 21) reach the inbox through the same events: a
// request tells the coordinators, an assignment the person assigned, a
// registration the facilitators (without the participant's name), and the
// workshop's week-before reminder is one email, not two: its event puts it
// in the inbox without an email of its own, whatever the person chose.
func TestWorkshopEventsReachTheInboxAndOneReminderIsEmailed(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	cora, fay := w.people["cora"], w.people["fay"]
	if err := w.notify.SaveSettings(ctx, fay, map[string]string{praxis.NotifyWorkshop: praxis.EmailImmediately}); err != nil {
		t.Fatal(err)
	}
	// The module changed since fay last delivered it.
	first := w.env.Main(t)
	if _, err := w.db.CreateDelivery(ctx, &praxis.Delivery{FacilitatorID: fay.ID, Module: stigma, Version: first, Date: "2025-05-02",
		Duration: 90, Format: "in-person", Country: "GB", HostType: "other", Participants: 8, FeedbackToken: "t1", CreatedAt: time.Now(), UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	snap, _ := w.env.Store.Snapshot(ctx, "main")
	plan, _ := snap.ReadFile("modules/" + stigma + "/module.md")
	now := w.env.Commit(t, "A welcome", praxis.FileChange{Path: "modules/" + stigma + "/module.md", Content: []byte(strings.Replace(string(plan), "## ", "## Welcome\n\n## ", 1))})

	requestID, err := w.db.CreateRequest(ctx, &praxis.WorkshopRequest{GroupName: "Riverside tenants", GroupType: "other", ContactName: "Pat",
		ContactEmail: "pat@example.net", Region: "London", Modules: []string{stigma}, Participants: 10, Language: "en",
		Status: praxis.RequestNew, StatusToken: "status", CreatedAt: time.Now()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	starts := time.Now().UTC().Add(3 * 24 * time.Hour).Truncate(time.Hour)
	ws := &praxis.Workshop{Module: stigma, Version: now, StartsAt: starts, EndsAt: starts.Add(2 * time.Hour), Timezone: praxis.DefaultTimezone,
		Format: "in-person", Venue: "Hall", Region: "London", Capacity: 10, Language: "en", Visibility: praxis.VisibilityListed,
		Status: praxis.WorkshopScheduled, Key: "k", RequestID: requestID, CreatedBy: cora.ID, CreatedAt: time.Now(), UpdatedAt: time.Now(),
		Facilitators: []praxis.WorkshopFacilitator{{UserID: fay.ID, Role: praxis.FacilitatorLead}}}
	if _, err := w.db.SaveWorkshop(ctx, ws, praxis.RequestNote{AuthorID: cora.ID}, nil); err != nil {
		t.Fatal(err)
	}
	for i, email := range []string{"sam@example.net", "kim@example.net"} {
		if err := w.db.Register(ctx, &praxis.Registration{WorkshopID: ws.ID, Name: "Participant Name", Email: email,
			Token: fmt.Sprintf("reg-%d", i), CreatedAt: time.Now()}, nil); err != nil {
			t.Fatal(err)
		}
	}
	w.settle()
	if got := w.inbox("cora"); len(got) != 1 || got[0].Kind != praxis.NotifyWorkshop || !strings.Contains(got[0].Subject, "Riverside tenants") {
		t.Errorf("cora's inbox = %+v, want the request", got)
	}
	got := w.inbox("fay")
	if len(got) != 2 {
		t.Fatalf("fay's inbox = %+v, want her assignment and the registrations", got)
	}
	for _, n := range got {
		if n.Kind != praxis.NotifyWorkshop || strings.Contains(n.Subject, "Participant Name") {
			t.Errorf("fay's notification %+v: want a workshop notification without a participant's name", n)
		}
	}
	if got[0].Count != 2 || got[1].Count != 1 || !strings.Contains(got[1].Subject, "asked you to facilitate") {
		t.Errorf("fay's inbox = %+v, want the two registrations collapsed, and her assignment", got)
	}
	before := len(w.mailTo("fay"))
	if before != 2 {
		t.Errorf("fay had %d emails, want one for the assignment and one for the registrations (she chose at once)", before)
	}

	// The reminder, a week before: the workshop service's email, and an
	// inbox entry that says the module changed, without a second email.
	sender, err := mail.New(mail.Config{Addr: w.sink.Addr(), From: "praxis <praxis@example.org>", TLS: mail.TLSNone, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	shops := workshop.New(workshop.Config{DB: w.db, Catalog: w.env.Catalog, History: w.env.History, Releases: w.env.Releases,
		Forks: w.review, Mail: sender, BaseURL: base})
	for range 2 {
		if _, err := shops.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	w.settle()
	var reminders int
	for _, m := range w.mailTo("fay")[before:] {
		if !strings.HasPrefix(m.Header.Get("Subject"), "In a week") {
			t.Errorf("an email to fay besides the reminder: %q", m.Header.Get("Subject"))
		}
		reminders++
	}
	if reminders != 1 {
		t.Errorf("fay was emailed %d reminders, want one", reminders)
	}
	got = w.inbox("fay")
	if len(got) != 3 || got[0].URL != fmt.Sprintf("/modules/%s/compare/%s...main", stigma, first) || !strings.Contains(got[0].Subject, "changed since you last delivered it") {
		t.Errorf("fay's inbox = %+v, want the reminder with what changed", got)
	}
}

// TestACollapsedEmailQuotesThePersonItNames: Maya's comment's email is
// refused once; before its retry Mo comments, and the notification now
// says "Mo … commented (and 1 more time)". The retried email quotes Mo's
// words under Mo's name, never Maya's.
func TestACollapsedEmailQuotesThePersonItNames(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := w.propose("author", "## ", "## Welcome\n\n## ")
	w.settle()
	w.sink.RefuseNext(1)
	w.comment("maya", p, "MAYA-WORDS here")
	w.comment("mo", p, "MO-WORDS here")
	w.settle()
	mails := w.mailTo("author")
	if len(mails) == 0 {
		t.Fatal("the author got no email of the comments")
	}
	var decoder mime.WordDecoder
	for _, m := range mails {
		text, _ := textPart(t, m)
		subject, err := decoder.DecodeHeader(m.Header.Get("Subject"))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(subject, "Mo Maintainer") && strings.Contains(text, "MAYA-WORDS") ||
			strings.Contains(subject, "Maya Maintainer") && strings.Contains(text, "MO-WORDS") {
			t.Errorf("%q quotes someone else's words:\n%s", subject, text)
		}
		if strings.Contains(subject, "(and ") && !strings.Contains(subject, "(and 1 more time)") {
			t.Errorf("subject %q, want it to say (and 1 more time)", subject)
		}
		if strings.Contains(subject, "Maya Maintainer") && strings.Contains(subject, "(and ") {
			t.Errorf("subject %q names Maya, whose comment came first, as the latest", subject)
		}
	}
}

// TestConcurrentConflictChecksTellOnce: three checks of the open proposals
// at once (the jobs after two merges in a row) record one
// proposal.conflicting event for the proposal that began to conflict.
func TestConcurrentConflictChecksTellOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	first := w.propose("author", "## ", "## From Ana\n\n## ")
	second := w.propose("fay", "## ", "## From Fay\n\n## ")
	w.settle()
	if _, err := w.review.Review(ctx, w.people["maya"], first.ID, praxis.VerdictApprove, "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := w.review.Merge(ctx, w.people["maya"], first.ID, ""); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := w.review.CheckConflicts(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	w.settle()
	if got := w.eventsOf(second.ID, praxis.ActivityProposalConflict); len(got) != 1 {
		t.Errorf("%d proposal.conflicting events (%v), want 1", len(got), got)
	}
}

// TestAFormerMaintainerIsNotAskedToReviewAgain: Maya reviewed a proposal,
// then stopped being a maintainer; the author's new version asks no review
// of her (the kind is not on her settings page to turn off).
func TestAFormerMaintainerIsNotAskedToReviewAgain(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	p := w.propose("author", "## ", "## Welcome\n\n## ")
	if _, err := w.review.Review(ctx, w.people["maya"], p.ID, praxis.VerdictRequestChanges, "Say why.", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := w.review.Review(ctx, w.people["mo"], p.ID, praxis.VerdictComment, "Agreed.", ""); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if err := w.db.SetRoles(ctx, w.people["maya"].ID, []praxis.Role{praxis.RoleFacilitator}, praxis.AuditEntry{Action: "test"}); err != nil {
		t.Fatal(err)
	}
	head, err := w.env.Store.Branch(ctx, p.Branch)
	if err != nil {
		t.Fatal(err)
	}
	plan, _, err := w.review.ProposalFile(ctx, p.ID, stigma, "module.md")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.review.EditProposal(ctx, w.people["author"], p.ID, stigma, head,
		[]review.Edit{{Path: "module.md", Content: append(plan, "\nWhy: it helps.\n"...)}}, "Say why"); err != nil {
		t.Fatal(err)
	}
	w.settle()
	asked := func(who string) bool {
		for _, n := range w.inbox(who) {
			if strings.Contains(n.Subject, "made a new version") {
				return true
			}
		}
		return false
	}
	if asked("maya") || !asked("mo") {
		t.Errorf("asked to review the new version: maya %v, mo %v; want mo only", asked("maya"), asked("mo"))
	}
}
