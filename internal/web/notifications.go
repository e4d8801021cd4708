package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/jobs"
	"github.com/praxis-coop/praxis/internal/notify"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/workshop"
)

// withService answers 404, saying so in missing, when the service a
// handler needs is not set up on this server (up reports whether it is).
func withService(up func() bool, missing string, h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !up() {
			return praxis.Errorf(praxis.ENOTFOUND, "%s", missing)
		}
		return h(c)
	}
}

// withNotify answers 404 when the server has no notification service.
func (s *Server) withNotify(h echo.HandlerFunc) echo.HandlerFunc {
	return withService(func() bool { return s.notify != nil }, "notifications are not set up on this server", h)
}

// withJobs answers 404 when the server has no job queue.
func (s *Server) withJobs(h echo.HandlerFunc) echo.HandlerFunc {
	return withService(func() bool { return s.jobs != nil }, "there is no job queue on this server", h)
}

// inboxPageSize is how many notifications the inbox shows a page.
const inboxPageSize = 30

// inboxPage is what the notifications page shows.
type inboxPage struct {
	Notifications []praxis.Notification
	Total         int64
	Unread        bool // only unread ones are shown
	Pager         pager
	MailEnabled   bool
}

func (s *Server) showNotifications(c echo.Context) error {
	ctx, user := c.Request().Context(), currentUser(c)
	pages := newPager(c, inboxPageSize, "Pages of notifications")
	unread := c.QueryParam("unread") == "1" || c.QueryParam("unread") == "true"
	list, total, err := s.notify.Inbox(ctx, user, unread, pages.Size, pages.Offset())
	if err != nil {
		return err
	}
	pages.of(int(total))
	return s.render(c, http.StatusOK, "notifications", view{Title: "Notifications", Section: "notifications",
		Data: inboxPage{Notifications: list, Total: total, Unread: unread, Pager: pages, MailEnabled: s.notify.MailEnabled()}})
}

// openNotification marks a notification read and goes where it leads, so
// that a plain link in the inbox does both without JavaScript.
func (s *Server) openNotification(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	to, err := s.notify.Open(c.Request().Context(), currentUser(c), id)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, localRedirect(to))
}

// markNotificationsRead marks the notifications chosen (ids), or all, read.
func (s *Server) markNotificationsRead(c echo.Context) error {
	f := newForm(c)
	var ids []int64
	for _, v := range f.Values["ids"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	all := f.Value("all") != ""
	n, err := s.notify.MarkRead(c.Request().Context(), currentUser(c), ids, all)
	if err != nil {
		return err
	}
	if n > 0 {
		s.setFlash(c, "Marked "+plural(int(n), "1 notification", strconv.FormatInt(n, 10)+" notifications")+" read.")
	}
	back := "/notifications"
	if f.Value("unread") != "" {
		back += "?unread=1"
	}
	return c.Redirect(http.StatusSeeOther, back)
}

// notificationSettingsPage is what the email settings page shows.
type notificationSettingsPage struct {
	Settings    []notify.Setting
	Choices     []string
	Watches     []notify.WatchView
	Form        form
	MailEnabled bool
	// HasFeed says the person has a private feed address; FeedURL is a
	// new one, shown once.
	HasFeed bool
	FeedURL string
	// Feeds are the public feeds.
	Feeds []feedLink
}

func (s *Server) notificationSettings(c echo.Context) error {
	return s.renderNotificationSettings(c, http.StatusOK, form{Values: url.Values{}, Errors: map[string]string{}})
}

func (s *Server) renderNotificationSettings(c echo.Context, status int, f form) error {
	return s.renderNotificationSettingsFeed(c, status, f, "")
}

func (s *Server) renderNotificationSettingsFeed(c echo.Context, status int, f form, feedURL string) error {
	ctx, user := c.Request().Context(), currentUser(c)
	settings, err := s.notify.Settings(ctx, user)
	if err != nil {
		return err
	}
	watches, err := s.notify.Watches(ctx, user)
	if err != nil {
		return err
	}
	// What was typed wins over what is stored, so a refused form keeps it.
	shown := map[string]bool{}
	for i, st := range settings {
		shown["email."+st.Kind.Kind] = true
		if typed := f.Value("email." + st.Kind.Kind); typed != "" {
			settings[i].Email = typed
		}
	}
	// A mistake about a kind the page does not offer has no field to
	// stand beside: it is said above the form.
	for name, msg := range f.Errors {
		if !shown[name] {
			f.Error = strings.TrimSpace(f.Error + " " + upperFirst(msg) + ".")
			delete(f.Errors, name)
		}
	}
	hasFeed, err := s.notify.HasFeedToken(ctx, user)
	if err != nil {
		return err
	}
	return s.render(c, status, "account-notifications", view{Title: "Notifications and email", Section: "account",
		Data: notificationSettingsPage{Settings: settings, Choices: notify.Choices, Watches: watches, Form: f, MailEnabled: s.notify.MailEnabled(),
			HasFeed: hasFeed, FeedURL: feedURL, Feeds: []feedLink{{Title: "changes", URL: "/changes.atom"}, {Title: "releases", URL: "/releases.atom"}}}})
}

func (s *Server) saveNotificationSettings(c echo.Context) error {
	f := newForm(c)
	choices := map[string]string{}
	for name, values := range f.Values {
		if kind, ok := strings.CutPrefix(name, "email."); ok && len(values) > 0 {
			choices[kind] = values[0]
		}
	}
	if err := s.notify.SaveSettings(c.Request().Context(), currentUser(c), choices); err != nil {
		status, err := f.fail(err)
		if err != nil {
			return err
		}
		return s.renderNotificationSettings(c, status, f)
	}
	s.setFlash(c, "Your email settings are saved.")
	return c.Redirect(http.StatusSeeOther, "/account/notifications")
}

// watchState is what a watch form on a page needs.
type watchState struct {
	Target string
	Level  string // "", "everything" or "releases"
	Back   string // the page to come back to
	What   string // "this module", "this series", "the whole curriculum"
}

// watchFor returns the watch form's state for a target on the page asked
// for, or nil when nobody is signed in (the form is not shown).
func (s *Server) watchFor(c echo.Context, target, what string) *watchState {
	user := currentUser(c)
	if user == nil || s.notify == nil {
		return nil
	}
	level, err := s.notify.Watching(c.Request().Context(), user, target)
	if err != nil {
		s.log.Warn("could not read a watch", "err", err)
		return nil
	}
	return &watchState{Target: target, Level: level, Back: c.Request().URL.RequestURI(), What: what}
}

// setWatch starts, changes or stops a watch, then goes back to the page.
func (s *Server) setWatch(c echo.Context) error {
	f := newForm(c)
	level := f.Value("level")
	if level == "none" {
		level = ""
	}
	if err := s.notify.Watch(c.Request().Context(), currentUser(c), f.Value("target"), level); err != nil {
		return err
	}
	switch level {
	case praxis.WatchEverything:
		s.setFlash(c, "You are watching it: you will hear of proposals and releases.")
	case praxis.WatchReleases:
		s.setFlash(c, "You are watching it for releases only.")
	default:
		s.setFlash(c, "You have stopped watching it.")
	}
	return c.Redirect(http.StatusSeeOther, localRedirect(f.Value("back")))
}

// unsubscribePage is what the unsubscribe page shows.
type unsubscribePage struct {
	Token string
	What  string
	Done  bool
}

// unsubscribeForm asks before stopping: a GET changes nothing (mail
// programs and scanners follow links).
func (s *Server) unsubscribeForm(c echo.Context) error {
	u, err := s.notify.CheckUnsubscribe(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "unsubscribe", view{Title: "Stop emails", Data: unsubscribePage{Token: c.Param("token"), What: u.What}})
}

// unsubscribe stops the emails a link names: RFC 8058's one-click POST from
// a mail program (no sign-in, no CSRF token: the signed link is the
// credential), or the button on the page.
func (s *Server) unsubscribe(c echo.Context) error {
	u, err := s.notify.Unsubscribe(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "unsubscribe", view{Title: "Stopped", Data: unsubscribePage{What: u.What, Done: true}})
}

// jobLabels say in plain words what each kind of job does.
var jobLabels = map[string]string{
	"notify.fanout":       "Tell those an event concerns",
	"notify.email":        "Email one notification",
	"notify.digests":      "Start the day's digests",
	"notify.digest":       "Email one daily digest",
	"proposals.conflicts": "Check open proposals against the curriculum",
	"webhook.deliver":     "Send an event to a webhook",
}

// jobLabel is a job kind in plain words, or the kind itself.
func jobLabel(kind string) string {
	if label, ok := jobLabels[kind]; ok {
		return label
	}
	if label, ok := workshop.JobLabels[kind]; ok {
		return label
	}
	return kind
}

// jobsPage is what the admins' job queue page shows.
type jobsPage struct {
	Counts map[string]int
	State  string
	States []string
	Jobs   []jobs.Info
}

func (s *Server) adminJobs(c echo.Context) error {
	ctx := c.Request().Context()
	state := c.QueryParam("state")
	if state == "" {
		state = jobs.StateFailed
	}
	counts, err := s.jobs.Counts(ctx)
	if err != nil {
		return err
	}
	list, err := s.jobs.List(ctx, state, 100)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "admin-jobs", view{Title: "Background jobs", Section: "admin",
		Data: jobsPage{Counts: counts, State: state, Jobs: list,
			States: []string{jobs.StateFailed, jobs.StatePending, jobs.StateRunning, jobs.StateDone}}})
}

func (s *Server) adminRetryJob(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.jobs.Retry(c.Request().Context(), id); err != nil {
		return err
	}
	s.setFlash(c, "Job "+strconv.FormatInt(id, 10)+" will run again in a moment.")
	return c.Redirect(http.StatusSeeOther, "/admin/jobs?state="+url.QueryEscape(newForm(c).Value("state")))
}

// apiNotification is a notification in the API: its link made whole.
type apiNotification struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Event     string    `json:"event"`
	Subject   string    `json:"subject"`
	URL       string    `json:"url"`
	Count     int       `json:"count"`
	CreatedAt time.Time `json:"created_at"`
	Read      bool      `json:"read"`
}

// apiNotificationList is the answer to GET /api/v1/notifications: the
// keys issue 20 fixed (unread, notifications), the total that matches, and
// the next page's cursor (issue 18).
type apiNotificationList struct {
	// Unread counts the person's unread notifications, whatever the filter.
	Unread int64 `json:"unread"`
	// Total counts the notifications that match, on every page.
	Total         int64             `json:"total"`
	Notifications []apiNotification `json:"notifications"`
	Next          *string           `json:"next"`
}

// notificationList is how the inbox pages in the API.
var notificationList = listSize{Default: 50, Max: 200}

func (s *Server) apiNotifications(c echo.Context) error {
	q := queryOf(c)
	// ?unread=1 was taken before the convention; it still is.
	unreadOnly := strings.TrimSpace(q.values.Get("unread")) == "1" || q.boolean("unread")
	page := q.page(notificationList)
	if err := q.Err(); err != nil {
		return err
	}
	ctx, user := c.Request().Context(), currentUser(c)
	list, total, err := s.notify.Inbox(ctx, user, unreadOnly, page.Limit, page.Offset)
	if err != nil {
		return err
	}
	unread, err := s.notify.Unread(ctx, user)
	if err != nil {
		return err
	}
	out := make([]apiNotification, len(list))
	for i, n := range list {
		out[i] = apiNotification{ID: n.ID, Kind: n.Kind, Event: n.Event, Subject: n.Subject, URL: s.baseURL + n.URL,
			Count: n.Count, CreatedAt: n.CreatedAt, Read: n.Read}
	}
	return c.JSON(http.StatusOK, apiNotificationList{Unread: unread, Total: total, Notifications: out,
		Next: s.nextPage(c, page, int64(page.Offset+len(list)) < total)})
}

// markReadBody is the body of POST /api/v1/notifications/read: ids, or all.
type markReadBody struct {
	IDs []int64 `json:"ids,omitempty"`
	All bool    `json:"all,omitempty"`
}

// apiMarkedRead is the answer to POST /api/v1/notifications/read.
type apiMarkedRead struct {
	// Marked counts the notifications that were unread and now are read.
	Marked int64 `json:"marked"`
	Unread int64 `json:"unread"`
}

func (s *Server) apiMarkNotificationsRead(c echo.Context) error {
	var body markReadBody
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	ctx, user := c.Request().Context(), currentUser(c)
	n, err := s.notify.MarkRead(ctx, user, body.IDs, body.All)
	if err != nil {
		return err
	}
	unread, err := s.notify.Unread(ctx, user)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiMarkedRead{Marked: n, Unread: unread})
}

// apiNotificationSettings is the body of GET and PUT
// /api/v1/me/notification-settings.
type apiNotificationSettings struct {
	// Email is the choice in force per kind: "immediately", "digest" or
	// "off".
	Email map[string]string `json:"email"`
	// Kinds describe the kinds, with their defaults (GET only).
	Kinds   []apiKind  `json:"kinds,omitempty"`
	Watches []apiWatch `json:"watches"`
	// MailEnabled says whether this praxis sends email at all.
	MailEnabled bool `json:"mail_enabled"`
}

type apiKind struct {
	Kind        string `json:"kind"`
	Label       string `json:"label"`
	Description string `json:"description"`
	Email       string `json:"email"`
	Default     string `json:"default"`
}

type apiWatch struct {
	Target string `json:"target"`
	Level  string `json:"level"`
}

func (s *Server) apiNotificationSettings(c echo.Context) error {
	ctx, user := c.Request().Context(), currentUser(c)
	settings, err := s.notify.Settings(ctx, user)
	if err != nil {
		return err
	}
	watches, err := s.notify.Watches(ctx, user)
	if err != nil {
		return err
	}
	out := apiNotificationSettings{Email: map[string]string{}, Watches: []apiWatch{}, MailEnabled: s.notify.MailEnabled()}
	for _, st := range settings {
		out.Email[st.Kind.Kind] = st.Email
		out.Kinds = append(out.Kinds, apiKind{Kind: st.Kind.Kind, Label: st.Label, Description: st.Description, Email: st.Email, Default: st.Default})
	}
	for _, w := range watches {
		out.Watches = append(out.Watches, apiWatch{Target: w.Target, Level: w.Level})
	}
	return c.JSON(http.StatusOK, out)
}

// notificationSettingsBody is the body of PUT
// /api/v1/me/notification-settings.
type notificationSettingsBody struct {
	// Email is the choice per kind to change: "immediately", "digest" or
	// "off".
	Email   map[string]string `json:"email,omitempty"`
	Watches []apiWatch        `json:"watches,omitempty"`
}

// apiSaveNotificationSettings changes the email choices given (kinds left
// out keep theirs) and the watches given (level "" or "none" stops one).
// Every choice and watch is checked before any is stored.
func (s *Server) apiSaveNotificationSettings(c echo.Context) error {
	var body notificationSettingsBody
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	watches := make([]notify.WatchChange, len(body.Watches))
	for i, w := range body.Watches {
		watches[i] = notify.WatchChange{Target: w.Target, Level: w.Level}
		if w.Level == "none" {
			watches[i].Level = ""
		}
	}
	if err := s.notify.SaveAll(c.Request().Context(), currentUser(c), body.Email, watches); err != nil {
		return err
	}
	return s.apiNotificationSettings(c)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
