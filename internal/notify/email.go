package notify

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"html/template"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode/utf8"

	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/jobs"
	"github.com/praxis-coop/praxis/internal/mail"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// maxExcerpt is how much of a comment or review an email quotes.
const maxExcerpt = 600

// EmailKey is the idempotency key of the email telling a person of an
// event: recorded when the mail server accepts it, so the job never sends
// it again. Its Message-ID is made from it too.
func EmailKey(eventID, userID int64) string { return fmt.Sprintf("event-%d-user-%d", eventID, userID) }

// DigestKey is the idempotency key of a person's digest of one day.
func DigestKey(day string, userID int64) string { return fmt.Sprintf("digest-%s-user-%d", day, userID) }

// messageID makes a Message-ID (before the sender's domain) from a key:
// every attempt to send the same email carries the same one, so a copy sent
// twice (praxis stopped after the server took it and before it was
// recorded) can be recognised as the same message.
func messageID(key string) string { return "praxis." + key }

// unsent returns the person an email under key is for, or nil when it was
// sent already or they are gone (nothing to send).
func (s *Service) unsent(ctx context.Context, key string, userID int64) (*praxis.User, error) {
	if sent, err := s.db.MailSent(ctx, key); err != nil || sent {
		return nil, err
	}
	u, err := s.db.FindUser(ctx, userID)
	if praxis.ErrorCode(err) == praxis.ENOTFOUND {
		return nil, nil
	}
	return u, err
}

// email sends one person the email of one event, once.
func (s *Service) email(ctx context.Context, job *jobs.Job[emailArgs]) error {
	key := EmailKey(job.Args.EventID, job.Args.UserID)
	u, err := s.unsent(ctx, key, job.Args.UserID)
	if err != nil || u == nil {
		return err
	}
	receipt, err := s.db.FindReceipt(ctx, job.Args.EventID, u.ID)
	if praxis.ErrorCode(err) == praxis.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	e, err := s.db.FindActivity(ctx, job.Args.EventID)
	if err != nil {
		return err
	}
	settings, err := s.db.NotificationSettings(ctx, u.ID)
	if err != nil {
		return err
	}
	switch {
	case u.Email == "":
	case u.Status != praxis.StatusActive && !(e.Kind == praxis.ActivityAccountDeclined && u.Status == praxis.StatusSuspended):
	case receipt.Notification.Read: // seen in the app meanwhile
	case choice(settings, u, receipt.Kind) != praxis.EmailImmediately: // changed their mind meanwhile
	default:
		msg, err := s.composeEvent(ctx, u, e, receipt)
		if err != nil {
			return err
		}
		return s.send(ctx, msg, db.SentMail{Key: key, UserID: u.ID, MessageID: msg.MessageID}, func(tx *sql.Tx) error {
			return jobs.CompleteTx(ctx, tx, job)
		})
	}
	return nil
}

// send hands a message to the mail server, then records it and calls
// complete in one transaction. Between the two, praxis could stop: the job
// is then tried again and the message sent again, with the same Message-ID.
func (s *Service) send(ctx context.Context, msg mail.Message, record db.SentMail, complete func(tx *sql.Tx) error) error {
	if err := s.mail.Send(ctx, msg); err != nil {
		if praxis.ErrorCode(err) == praxis.EINVALID || mail.Permanent(err) {
			return jobs.Cancel(err)
		}
		return err
	}
	record.MessageID = msg.MessageID
	err := s.db.RecordMailSent(ctx, record, complete)
	if praxis.ErrorCode(err) == praxis.ECONFLICT {
		return nil // recorded by an earlier attempt
	}
	return err
}

// digestTime is when the digest of a day goes out: it carries what was
// news before then; what came after waits for the next day's.
func (s *Service) digestTime(day string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return time.Time{}, fmt.Errorf("notify: digest day %q: %w", day, err)
	}
	return d.Add(time.Duration(s.digestHour) * time.Hour), nil
}

// QueueDigests starts the digests of a day (YYYY-MM-DD) now, as the daily
// schedule does at the digest hour (or at start, for a day whose digest
// hour passed while praxis was stopped): once per day, whoever asks. Each
// digest carries what was news before that day's digest hour.
func (s *Service) QueueDigests(ctx context.Context, day string) error {
	return s.db.WithTx(ctx, func(tx *sql.Tx) error {
		_, err := s.queue.InsertTx(ctx, tx, digestsArgs{Day: day}, jobs.Options{Unique: true})
		return err
	})
}

// startDigests queues the day's digest of everyone with notifications
// waiting for one, and completes, in one transaction.
func (s *Service) startDigests(ctx context.Context, job *jobs.Job[digestsArgs]) error {
	if !s.mail.Enabled() {
		return nil
	}
	cutoff, err := s.digestTime(job.Args.Day)
	if err != nil {
		return jobs.Cancel(err)
	}
	users, err := s.db.DigestUsers(ctx, cutoff)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *sql.Tx) error {
		for _, id := range users {
			if _, err := s.queue.InsertTx(ctx, tx, digestArgs{UserID: id, Day: job.Args.Day}, jobs.Options{Queue: queueMail, Unique: true}); err != nil {
				return err
			}
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
}

// digest sends one person their digest of a day, once.
func (s *Service) digest(ctx context.Context, job *jobs.Job[digestArgs]) error {
	key := DigestKey(job.Args.Day, job.Args.UserID)
	u, err := s.unsent(ctx, key, job.Args.UserID)
	if err != nil || u == nil {
		return err
	}
	cutoff, err := s.digestTime(job.Args.Day)
	if err != nil {
		return jobs.Cancel(err)
	}
	waiting, err := s.db.DigestNotifications(ctx, u.ID, cutoff)
	if err != nil {
		return err
	}
	settings, err := s.db.NotificationSettings(ctx, u.ID)
	if err != nil {
		return err
	}
	var carried, dropped []int64
	var included []praxis.Notification
	for _, n := range waiting {
		if choice(settings, u, n.Kind) == praxis.EmailDigest && !n.Read {
			included = append(included, n)
			carried = append(carried, n.ID)
		} else {
			dropped = append(dropped, n.ID)
		}
	}
	if err := s.db.ClearDigest(ctx, u.ID, dropped); err != nil {
		return err
	}
	if len(included) == 0 || u.Email == "" || u.Status != praxis.StatusActive {
		return s.db.ClearDigest(ctx, u.ID, carried)
	}
	msg, err := s.composeDigest(ctx, u, job.Args.Day, included)
	if err != nil {
		return err
	}
	return s.send(ctx, msg, db.SentMail{Key: key, UserID: u.ID, Digested: carried}, func(tx *sql.Tx) error {
		return jobs.CompleteTx(ctx, tx, job)
	})
}

// emailView is what the email templates show.
type emailView struct {
	Name        string
	Sentence    string
	Excerpt     string
	URL         string
	Reason      string
	Settings    string
	Unsubscribe string
	StopWhat    string
	Groups      []digestGroup
	Count       int
}

type digestGroup struct {
	Label string
	Items []digestItem
}

type digestItem struct {
	Sentence string
	URL      string
	Times    int
}

// composeEvent writes the email of one notification.
func (s *Service) composeEvent(ctx context.Context, u *praxis.User, e praxis.Activity, receipt db.Receipt) (mail.Message, error) {
	n := receipt.Notification
	kind, _ := KindInfo(receipt.Kind)
	unsubscribe, err := s.UnsubscribeURL(ctx, u.ID, receipt.Kind)
	if err != nil {
		return mail.Message{}, err
	}
	sentence := sentence(n)
	// The notification tells of its latest event, which may be a later one
	// on the same topic than the event this email was queued for: quote
	// that one, so the words shown are the named person's.
	quoted := e
	if receipt.LatestEventID != 0 && receipt.LatestEventID != e.ID {
		if latest, err := s.db.FindActivity(ctx, receipt.LatestEventID); err == nil {
			quoted = latest
		} else {
			quoted = praxis.Activity{}
		}
	}
	v := emailView{Name: u.Name, Sentence: sentence, Excerpt: s.excerpt(ctx, quoted), URL: s.link(n.URL),
		Reason:   fmt.Sprintf("You get this email because of your setting for %q: %s", kind.Label, lowerFirst(kind.Description)),
		Settings: s.link("/account/notifications"), Unsubscribe: unsubscribe, StopWhat: "emails about " + strings.ToLower(kind.Label)}
	text, html, err := render(eventText, eventHTML, v)
	if err != nil {
		return mail.Message{}, err
	}
	return mail.Message{To: u.Email, Subject: truncate(strings.TrimSuffix(sentence, "."), 150), Body: text, HTML: html,
		MessageID: messageID(EmailKey(e.ID, u.ID)), Unsubscribe: unsubscribe, Bulk: true}, nil
}

// composeDigest writes a person's digest: notifications grouped by kind,
// in the settings page's order.
func (s *Service) composeDigest(ctx context.Context, u *praxis.User, day string, ns []praxis.Notification) (mail.Message, error) {
	unsubscribe, err := s.UnsubscribeURL(ctx, u.ID, unsubscribeDigest)
	if err != nil {
		return mail.Message{}, err
	}
	v := emailView{Name: u.Name, Count: len(ns), Settings: s.link("/account/notifications"), Unsubscribe: unsubscribe,
		Reason: "You get this digest because you chose a daily digest for these kinds of news.", StopWhat: "daily digests",
		URL: s.link("/notifications")}
	for _, k := range Kinds {
		g := digestGroup{Label: k.Label}
		for _, n := range ns {
			if n.Kind == k.Kind {
				g.Items = append(g.Items, digestItem{Sentence: sentence(n), URL: s.link(n.URL), Times: n.Count})
			}
		}
		if len(g.Items) > 0 {
			v.Groups = append(v.Groups, g)
		}
	}
	text, html, err := render(digestText, digestHTML, v)
	if err != nil {
		return mail.Message{}, err
	}
	return mail.Message{To: u.Email, Subject: fmt.Sprintf("Your praxis digest: %s", plural(len(ns), "thing to look at", "things to look at")),
		Body: text, HTML: html, MessageID: messageID(DigestKey(day, u.ID)), Unsubscribe: unsubscribe, Bulk: true}, nil
}

// excerpt is the text of the comment or review an event made, shortened.
func (s *Service) excerpt(ctx context.Context, e praxis.Activity) string {
	var body string
	switch e.Kind {
	case praxis.ActivityComment:
		if c, err := s.db.FindComment(ctx, e.ObjectID); err == nil {
			body = c.Body
		}
	case praxis.ActivityReview:
		if reviews, err := s.db.ListReviews(ctx, e.ProposalID); err == nil {
			for _, r := range reviews {
				if r.ID == e.ObjectID {
					body = r.Body
				}
			}
		}
	}
	return truncate(strings.TrimSpace(body), maxExcerpt)
}

// sentence is a notification as one sentence.
func sentence(n praxis.Notification) string {
	text := n.Subject
	if n.Count > 1 {
		text += fmt.Sprintf(" (and %d more %s)", n.Count-1, map[bool]string{true: "time", false: "times"}[n.Count == 2])
	}
	if !strings.HasSuffix(text, ".") {
		text += "."
	}
	return text
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r, size := utf8.DecodeRuneInString(s)
	return strings.ToLower(string(r)) + s[size:]
}

func render(text *texttemplate.Template, html *template.Template, v emailView) (string, string, error) {
	var t, h bytes.Buffer
	if err := text.Execute(&t, v); err != nil {
		return "", "", fmt.Errorf("notify: email text: %w", err)
	}
	if err := html.Execute(&h, v); err != nil {
		return "", "", fmt.Errorf("notify: email html: %w", err)
	}
	return t.String(), h.String(), nil
}

var funcs = template.FuncMap{
	"quoteLines": func(s string) string { return "> " + strings.ReplaceAll(s, "\n", "\n> ") },
	"plural":     plural,
}

var (
	eventText = texttemplate.Must(texttemplate.New("event.txt").Funcs(texttemplate.FuncMap(funcs)).Parse(`Hello {{.Name}},

{{.Sentence}}
{{if .Excerpt}}
{{quoteLines .Excerpt}}
{{end}}
Open it: {{.URL}}

--
{{.Reason}}
Choose what praxis emails you: {{.Settings}}
Stop {{.StopWhat}}: {{.Unsubscribe}}
`))
	eventHTML = template.Must(template.New("event.html").Funcs(funcs).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1d1d1f; max-width: 36rem; margin: 0 auto; padding: 1rem;">
<p>Hello {{.Name}},</p>
<p>{{.Sentence}}</p>
{{if .Excerpt}}<blockquote style="margin: 0 0 1rem; padding: 0 1rem; border-left: 4px solid #ccc; white-space: pre-wrap;">{{.Excerpt}}</blockquote>{{end}}
<p><a href="{{.URL}}" style="display: inline-block; padding: .5rem 1rem; background: #8a1c1c; color: #fff; text-decoration: none; border-radius: 4px;">Open it in praxis</a></p>
<hr style="border: 0; border-top: 1px solid #ddd;">
<p style="font-size: .875rem; color: #555;">{{.Reason}}<br>
<a href="{{.Settings}}">Choose what praxis emails you</a> · <a href="{{.Unsubscribe}}">Stop {{.StopWhat}}</a></p>
</body></html>
`))
	digestText = texttemplate.Must(texttemplate.New("digest.txt").Funcs(texttemplate.FuncMap(funcs)).Parse(`Hello {{.Name}},

Here is what happened since your last digest ({{plural .Count "thing" "things"}}).
{{range .Groups}}
{{.Label}}
{{range .Items}}- {{.Sentence}}
  {{.URL}}
{{end}}{{end}}
All your notifications: {{.URL}}

--
{{.Reason}}
Choose what praxis emails you: {{.Settings}}
Stop {{.StopWhat}}: {{.Unsubscribe}}
`))
	digestHTML = template.Must(template.New("digest.html").Funcs(funcs).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1d1d1f; max-width: 36rem; margin: 0 auto; padding: 1rem;">
<p>Hello {{.Name}},</p>
<p>Here is what happened since your last digest ({{plural .Count "thing" "things"}}).</p>
{{range .Groups}}<h2 style="font-size: 1.1rem; margin: 1.5rem 0 .5rem;">{{.Label}}</h2>
<ul>{{range .Items}}<li><a href="{{.URL}}">{{.Sentence}}</a></li>{{end}}</ul>
{{end}}
<p><a href="{{.URL}}">All your notifications</a></p>
<hr style="border: 0; border-top: 1px solid #ddd;">
<p style="font-size: .875rem; color: #555;">{{.Reason}}<br>
<a href="{{.Settings}}">Choose what praxis emails you</a> · <a href="{{.Unsubscribe}}">Stop {{.StopWhat}}</a></p>
</body></html>
`))
)
