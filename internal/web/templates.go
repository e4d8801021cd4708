package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/delivery"
	"github.com/praxis-coop/praxis/internal/diff"
	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/quota"
	"github.com/praxis-coop/praxis/internal/workshop"
	"github.com/praxis-coop/praxis/ui"
)

// view is what every page template receives.
type view struct {
	// Title is the page's title, before " · praxis".
	Title string
	// Section marks the current item of the main navigation.
	Section string
	// Data is the page's own data.
	Data any

	// Set by render for every page:
	User  *praxis.User // who is signed in, or nil
	CSRF  formToken    // the token forms repeat
	Flash string       // a message left by the previous request
	// Unread is how many unread notifications the person has (the bell).
	Unread int64
	// Watch, when set by a page, draws its watch form.
	Watch *watchState
	// Feeds are the Atom feeds the page announces in its head.
	Feeds []feedLink
}

// pages holds one parsed template set per page: the layout, the partials and
// the page itself.
type pages struct {
	byName map[string]*template.Template
}

func parsePages(assets *assets) (*pages, error) {
	funcs := templateFuncs(assets)
	names, err := fs.Glob(ui.FS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, name := range names {
		t, err := template.New("").Funcs(funcs).ParseFS(ui.FS, "templates/layout.html", "templates/partials/*.html", name)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", name, err)
		}
		p.byName[strings.TrimSuffix(path.Base(name), ".html")] = t
	}
	for _, required := range []string{"home", "modules", "module", "series", "series-index", "handout", "error",
		"signup", "login", "forgot", "reset", "conduct", "account-profile", "account-password", "account-tokens",
		"account-sessions", "account-data", "person", "facilitators", "admin-users", "admin-user",
		"admin-invitations", "admin-audit", "admin-settings", "fork", "editor", "stale", "resolve", "propose",
		"proposals", "proposal", "history", "compare", "changes", "releases", "release-new",
		"deliveries", "delivery-form", "delivery", "feedback", "stats", "print", "search", "move",
		"workshops", "workshop", "workshop-form", "registration", "checkin", "workshop-delivery", "request-form",
		"request-status", "requests", "request", "opportunities", "my-workshops", "workshop-stats",
		"notifications", "account-notifications", "unsubscribe", "admin-jobs", "admin-webhooks", "admin-webhook",
		"admin-webhook-delete"} {
		if p.byName[required] == nil {
			return nil, fmt.Errorf("web: template pages/%s.html is missing", required)
		}
	}
	return p, nil
}

// render executes a page into a buffer first, so a template failure becomes a
// clean error response rather than half a page.
func (s *Server) render(c echo.Context, status int, page string, v view) error {
	html, err := s.renderBytes(c, page, v)
	if err != nil {
		return err
	}
	return c.HTMLBlob(status, html)
}

// renderBytes executes a page for the request without sending it.
func (s *Server) renderBytes(c echo.Context, page string, v view) ([]byte, error) {
	t, ok := s.pages.byName[page]
	if !ok {
		return nil, fmt.Errorf("web: no page template %q", page)
	}
	v.User = currentUser(c)
	v.CSRF = s.formToken(c)
	v.Flash = s.takeFlash(c)
	if v.User != nil && s.notify != nil {
		// A failure to count leaves the bell without a number, never the
		// page unshown.
		v.Unread, _ = s.notify.Unread(c.Request().Context(), v.User)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return nil, fmt.Errorf("web: render %s: %w", page, err)
	}
	return buf.Bytes(), nil
}

func templateFuncs(assets *assets) template.FuncMap {
	return template.FuncMap{
		"asset": assets.URL,
		// safeHTML marks HTML that module.Render has already sanitised.
		"safeHTML": func(s string) template.HTML { return template.HTML(s) },
		"minutes":  formatMinutes,
		"clock": func(m int) string {
			return fmt.Sprintf("%d:%02d", m/60, m%60)
		},
		"short": func(id string) string {
			if len(id) > 7 {
				return id[:7]
			}
			return id
		},
		"date":      func(t time.Time) string { return t.UTC().Format("2 January 2006") },
		"isoDate":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"join":      strings.Join,
		"plural":    plural,
		"sub":       func(a, b int) int { return a - b },
		"firstLine": firstLine,
		"bytes":     formatBytes,
		"mb":        quota.MB,
		"handoutName": func(name string) string {
			base := strings.TrimSuffix(path.Base(name), path.Ext(name))
			base = strings.NewReplacer("-", " ", "_", " ").Replace(base)
			if base == "" {
				return name
			}
			return strings.ToUpper(base[:1]) + base[1:]
		},
		"language":   workshop.LanguageName,
		"wordDiff":   func(segs []diff.Segment) template.HTML { return template.HTML(wordDiffHTML(segs)) },
		"diffLines":  diffLines,
		"lineKey":    func(p string, line int) string { return fmt.Sprintf("%s:%d", p, line) },
		"field":      field,
		"stars":      stars,
		"num":        thousands,
		"rating":     func(avg float64) string { return fmt.Sprintf("%.1f", avg) },
		"formatName": delivery.FormatLabel,
		"dateLong": func(d string) string {
			t, err := time.Parse("2006-01-02", d)
			if err != nil {
				return d
			}
			return t.Format("2 January 2006")
		},
		"deref": func(p *float64) float64 {
			if p == nil {
				return 0
			}
			return *p
		},
		"derefInt": func(p *int) int {
			if p == nil {
				return 0
			}
			return *p
		},
		"markdown": func(src string) string { return module.Render(src, module.RenderOptions{}).HTML },
		"list":     func(items ...string) []string { return items },
		"int":      func(n int64) int { return int(n) },
		"hasRoleExact": func(u *praxis.User, r praxis.Role) bool {
			return slices.Contains(u.Roles, r)
		},
		"can":          func(u *praxis.User, action string) bool { return access.Can(u, access.Action(action)) },
		"jobLabel":     jobLabel,
		"hasRole":      func(u *praxis.User, role string) bool { return u.HasRole(praxis.Role(role)) },
		"visibilities": func() []praxis.Visibility { return praxis.Visibilities },
		"roles":        func() []praxis.Role { return praxis.AllRoles },
		"dateTime":     func(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 UTC") },
		"when":         workshop.When,
		"where":        workshop.Where,
		"localDay": func(w *praxis.Workshop) string {
			return w.StartsAt.In(w.Location()).Format("Mon 2 Jan 2006")
		},
		"localTime":    func(w *praxis.Workshop, t time.Time) string { return t.In(w.Location()).Format("15:04 MST") },
		"workshopPath": workshop.WorkshopPath,
		"statusLabel": func(s string) string {
			return map[string]string{"new": "New", "matching": "Finding facilitators", "scheduled": "Scheduled", "declined": "Declined",
				"delivered": "Delivered", "cancelled": "Cancelled", "registered": "Registered", "waitlisted": "On the waiting list",
				"attended": "Came", "no_show": "Did not come", "": "Not marked", "lead": "leads", "co": "co-facilitates",
				"mentee": "co-facilitates to learn", "public": "Public (listed)", "unlisted": "Unlisted (anyone with the link)",
				"private": "Private (not open to sign up)"}[s]
		},
		"has": func(values []string, v string) bool { return slices.Contains(values, v) },
		"pct": func(p *float64) string {
			if p == nil {
				return "–"
			}
			return fmt.Sprintf("%.0f%%", *p*100)
		},
		"days": func(p *float64) string {
			if p == nil {
				return "–"
			}
			return fmt.Sprintf("%.1f days", *p)
		},
		"moduleTitle": func(l *catalog.Listing, slug string) string {
			if m, ok := l.Module(slug); ok {
				return m.Title
			}
			return slug
		},
	}
}

// formatMinutes writes a duration the way a facilitator would say it.
func formatMinutes(m int) string {
	switch {
	case m < 60:
		return fmt.Sprintf("%d min", m)
	case m%60 == 0:
		h := m / 60
		if h == 1 {
			return "1 hour"
		}
		return fmt.Sprintf("%d hours", h)
	default:
		return fmt.Sprintf("%d h %d min", m/60, m%60)
	}
}

func formatBytes(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.0f KB", float64(n)/1024)
	default:
		return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// thousands writes a count with thousands separators: 1,298,938.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
