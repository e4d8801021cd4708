package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/feed"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// feedSize is how many entries a feed carries.
const feedSize = 50

// feedLink is a feed a page announces in its head.
type feedLink struct {
	Title string
	URL   string
}

// commitAuthor is who a commit is credited to: the account when there is
// one, otherwise git's author.
func commitAuthor(c praxis.Commit, account *praxis.Attribution) string {
	if account != nil && account.Name != "" {
		return account.Name
	}
	return c.Author.Name
}

// changesFeed is the Atom feed of the changes to main: /changes.atom.
func (s *Server) changesFeed(c echo.Context) error {
	changes, err := s.history.Changes(c.Request().Context(), feedSize, 0)
	if err != nil {
		return err
	}
	f := &feed.Feed{ID: feed.TagURI(s.baseURL, "changes"), Title: "Changes to the curriculum · praxis",
		Link: s.baseURL + "/changes", Self: s.baseURL + "/changes.atom"}
	for _, ch := range changes {
		link := s.baseURL + "/changes"
		if len(ch.Modules) == 1 {
			link = s.baseURL + "/modules/" + ch.Modules[0] + "/history"
		}
		summary := strings.TrimSpace(ch.Message)
		if len(ch.Modules) > 0 {
			summary += "\n\nWorkshops changed: " + strings.Join(ch.Modules, ", ")
		}
		f.Entries = append(f.Entries, feed.Entry{ID: feed.TagURI(s.baseURL, "commit/"+ch.ID), Title: firstLine(ch.Message),
			Link: link, Updated: ch.Committer.When, Author: commitAuthor(ch.Commit, ch.Account), Summary: summary})
	}
	return s.writeFeed(c, f, "no-cache")
}

// releasesFeed is the Atom feed of releases: /releases.atom.
func (s *Server) releasesFeed(c echo.Context) error {
	releases, err := s.releases.List(c.Request().Context())
	if err != nil {
		return err
	}
	f := &feed.Feed{ID: feed.TagURI(s.baseURL, "releases"), Title: "Releases of the curriculum · praxis",
		Link: s.baseURL + "/releases", Self: s.baseURL + "/releases.atom"}
	for i, r := range releases {
		if i == feedSize {
			break
		}
		by := r.By
		if r.Account != nil && r.Account.Name != "" {
			by = r.Account.Name
		}
		summary := strings.TrimSpace(r.Notes)
		if len(r.Modules) > 0 {
			changed := make([]string, len(r.Modules))
			for j, m := range r.Modules {
				changed[j] = fmt.Sprintf("%s (%d)", m.Slug, m.Commits)
			}
			summary = strings.TrimSpace(summary + "\n\nWorkshops changed: " + strings.Join(changed, ", "))
		}
		f.Entries = append(f.Entries, feed.Entry{ID: feed.TagURI(s.baseURL, "release/"+r.Name), Title: "Release " + r.Name,
			Link: s.baseURL + "/releases#" + r.Name, Updated: r.Date, Author: by, Summary: summary})
	}
	return s.writeFeed(c, f, "no-cache")
}

// moduleHistoryFeed is the Atom feed of a module's history on main:
// /modules/{slug}/history.atom.
func (s *Server) moduleHistoryFeed(c echo.Context) error {
	slug := c.Param("slug")
	entries, _, _, err := s.moduleHistory(c, slug, feedSize, "")
	if err != nil {
		return err
	}
	title := slug
	if v, err := s.catalog.Module(c.Request().Context(), slug, ""); err == nil {
		if v.Parsed {
			title = v.Module.Title
		}
	} else if len(entries) == 0 {
		return err
	}
	f := &feed.Feed{ID: feed.TagURI(s.baseURL, "modules/"+slug+"/history"), Title: "History of " + title + " · praxis",
		Link: s.baseURL + "/modules/" + slug + "/history", Self: s.baseURL + "/modules/" + slug + "/history.atom"}
	for _, e := range entries {
		link := s.baseURL + "/modules/" + slug + "?rev=" + e.ID
		if e.Parent != "" {
			link = s.baseURL + "/modules/" + slug + "/compare/" + e.Parent + "..." + e.ID
		}
		summary := strings.TrimSpace(e.Message)
		if e.Proposal != 0 {
			summary += fmt.Sprintf("\n\nFrom proposal #%d.", e.Proposal)
		}
		f.Entries = append(f.Entries, feed.Entry{ID: feed.TagURI(s.baseURL, "modules/"+slug+"/commit/"+e.ID), Title: firstLine(e.Message),
			Link: link, Updated: e.Committer.When, Author: commitAuthor(e.Commit, e.Account), Summary: summary})
	}
	return s.writeFeed(c, f, "no-cache")
}

// writeFeed answers with the feed, or 304 Not Modified when the reader's
// copy (If-None-Match, or If-Modified-Since without it) is current.
func (s *Server) writeFeed(c echo.Context, f *feed.Feed, cacheControl string) error {
	var body bytes.Buffer
	if err := f.Write(&body); err != nil {
		return err
	}
	sum := sha256.Sum256(body.Bytes())
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, feed.ContentType)
	h.Set("ETag", etag)
	h.Set(echo.HeaderCacheControl, cacheControl)
	updated := f.LastUpdated()
	if !updated.IsZero() {
		h.Set(echo.HeaderLastModified, updated.Format(http.TimeFormat))
	}
	req := c.Request()
	if match := req.Header.Get("If-None-Match"); match != "" {
		if etagMatches(match, etag) {
			return c.NoContent(http.StatusNotModified)
		}
	} else if since, err := http.ParseTime(req.Header.Get(echo.HeaderIfModifiedSince)); err == nil && !updated.IsZero() && !updated.After(since) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, feed.ContentType, body.Bytes())
}

// etagMatches reports whether an If-None-Match header names etag.
func etagMatches(header, etag string) bool {
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == etag || tag == "*" {
			return true
		}
	}
	return false
}

// notificationsFeedSize is how many notifications the private feed carries.
const notificationsFeedSize = 50

// newFeedToken makes the person a new private feed address and shows it,
// once, on the settings page.
func (s *Server) newFeedToken(c echo.Context) error {
	token, err := s.notify.NewFeedToken(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return s.renderNotificationSettingsFeed(c, http.StatusCreated, form{Values: map[string][]string{}, Errors: map[string]string{}},
		s.baseURL+"/notifications/feed/"+token)
}

// notificationsFeed is a person's notifications as an Atom feed, at the
// private address /notifications/feed/{token}. A token that is nobody's
// answers 404.
func (s *Server) notificationsFeed(c echo.Context) error {
	token := strings.TrimSuffix(c.Param("token"), ".atom")
	u, list, err := s.notify.FeedNotifications(c.Request().Context(), token, notificationsFeedSize)
	if err != nil {
		return err
	}
	self := s.baseURL + "/notifications/feed/" + token
	f := &feed.Feed{ID: feed.TagURI(s.baseURL, fmt.Sprintf("users/%d/notifications", u.ID)), Title: "Notifications for " + u.Name + " · praxis",
		Link: s.baseURL + "/notifications", Self: self}
	for _, n := range list {
		title := n.Subject
		if n.Count > 1 {
			title += fmt.Sprintf(" (%d times)", n.Count)
		}
		// Each collapse of repeats is news again: the id names the latest.
		f.Entries = append(f.Entries, feed.Entry{ID: feed.TagURI(s.baseURL, fmt.Sprintf("notifications/%d/%d", n.ID, n.Count)), Title: title,
			Link: s.baseURL + n.URL, Updated: n.CreatedAt, Author: n.Actor})
	}
	// Private: no shared cache may keep it.
	return s.writeFeed(c, f, "private, no-cache")
}
