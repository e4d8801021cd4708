package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/webhook"
)

// withHooks answers 404 when the server has no webhook service.
func (s *Server) withHooks(h echo.HandlerFunc) echo.HandlerFunc {
	return withService(func() bool { return s.hooks != nil }, "webhooks are not set up on this server", h)
}

// webhookLogSize is how many attempts the detail page and the API show.
const webhookLogSize = 50

// webhooksPage is the admins' list of webhooks with the form to add one.
type webhooksPage struct {
	Webhooks []praxis.Webhook
	Kinds    []webhook.Kind
	Form     form
	URLHint  string
}

// webhookPage is one webhook with its delivery log.
type webhookPage struct {
	Webhook  praxis.Webhook
	Attempts []praxis.WebhookAttempt
	// Secret is shown once, right after the webhook is made.
	Secret string
	Labels map[string]string
}

func kindLabels() map[string]string {
	out := map[string]string{praxis.EventPing: "Test (ping)"}
	for _, k := range webhook.Kinds {
		out[k.Kind] = k.Label
	}
	return out
}

func (s *Server) adminWebhooks(c echo.Context) error {
	return s.renderWebhooks(c, http.StatusOK, form{Values: map[string][]string{}, Errors: map[string]string{}})
}

func (s *Server) renderWebhooks(c echo.Context, status int, f form) error {
	hooks, err := s.hooks.List(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	hint := "Such as https://chat.example.org/hooks/praxis."
	if !s.hooks.AllowsPrivate() {
		hint += " Addresses on this machine or a private network are refused."
	}
	return s.render(c, status, "admin-webhooks", view{Title: "Webhooks", Section: "admin",
		Data: webhooksPage{Webhooks: hooks, Kinds: webhook.Kinds, Form: f, URLHint: hint}})
}

func (s *Server) adminCreateWebhook(c echo.Context) error {
	f := newForm(c)
	// The secret is never shown back on a refused form, like a password.
	in := webhook.Input{URL: f.Value("url"), Events: f.Values["events"], Secret: f.Value("secret")}
	hook, err := s.hooks.Create(c.Request().Context(), currentUser(c), in)
	if err != nil {
		status, err := f.fail(err)
		if err != nil {
			return err
		}
		f.Values.Del("secret")
		return s.renderWebhooks(c, status, f)
	}
	// The secret is shown this once: never kept by a cache or the history.
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.render(c, http.StatusCreated, "admin-webhook", view{Title: "Webhook " + strconv.FormatInt(hook.ID, 10), Section: "admin",
		Data: webhookPage{Webhook: hook, Secret: hook.Secret, Labels: kindLabels()}})
}

func (s *Server) adminWebhook(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	hook, attempts, err := s.hooks.Find(c.Request().Context(), currentUser(c), id, webhookLogSize)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "admin-webhook", view{Title: "Webhook " + strconv.FormatInt(id, 10), Section: "admin",
		Data: webhookPage{Webhook: hook, Attempts: attempts, Labels: kindLabels()}})
}

func (s *Server) adminTestWebhook(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.hooks.SendTest(c.Request().Context(), currentUser(c), id); err != nil {
		return err
	}
	s.setFlash(c, "A test is on its way. Reload this page in a moment to see how the receiver answered.")
	return c.Redirect(http.StatusSeeOther, "/admin/webhooks/"+strconv.FormatInt(id, 10))
}

func (s *Server) adminDeleteWebhookForm(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	hook, _, err := s.hooks.Find(c.Request().Context(), currentUser(c), id, 0)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "admin-webhook-delete", view{Title: "Delete webhook " + strconv.FormatInt(id, 10), Section: "admin",
		Data: webhookPage{Webhook: hook}})
}

func (s *Server) adminDeleteWebhook(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.hooks.Delete(c.Request().Context(), currentUser(c), id); err != nil {
		return err
	}
	s.setFlash(c, "The webhook is deleted: nothing more is sent to it.")
	return c.Redirect(http.StatusSeeOther, "/admin/webhooks")
}

// apiWebhook is a webhook in the API; Secret only in the answer to its
// creation.
type apiWebhook struct {
	ID        int64     `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	CreatedAt time.Time `json:"created_at"`
	Secret    string    `json:"secret,omitempty"`
}

// apiWebhookDetail is one webhook with its newest delivery attempts,
// newest first.
type apiWebhookDetail struct {
	apiWebhook
	Deliveries []apiWebhookAttempt `json:"deliveries"`
}

// apiWebhookAttempt is one attempt of the delivery log.
type apiWebhookAttempt struct {
	praxis.WebhookAttempt
	DurationMS int64 `json:"duration_ms"`
}

func toAPIWebhook(h praxis.Webhook) apiWebhook {
	return apiWebhook{ID: h.ID, URL: h.URL, Events: h.Events, CreatedAt: h.CreatedAt}
}

// apiWebhookList is the answer to GET /api/v1/webhooks.
type apiWebhookList struct {
	Webhooks []apiWebhook `json:"webhooks"`
	// Total counts the webhooks, on every page.
	Total int64   `json:"total"`
	Next  *string `json:"next"`
}

// webhookList is how the webhooks page in the API: the whole list unless a
// limit is asked for (admins keep a handful).
var webhookList = listSize{Default: 0, Max: 1000}

func (s *Server) apiListWebhooks(c echo.Context) error {
	q := queryOf(c)
	page := q.page(webhookList)
	if err := q.Err(); err != nil {
		return err
	}
	hooks, err := s.hooks.List(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	shown, more := slice(page, hooks)
	out := make([]apiWebhook, len(shown))
	for i, h := range shown {
		out[i] = toAPIWebhook(h)
	}
	return c.JSON(http.StatusOK, apiWebhookList{Webhooks: out, Total: int64(len(hooks)), Next: s.nextPage(c, page, more)})
}

func (s *Server) apiCreateWebhook(c echo.Context) error {
	var in webhook.Input
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	hook, err := s.hooks.Create(c.Request().Context(), currentUser(c), in)
	if err != nil {
		return err
	}
	out := toAPIWebhook(hook)
	out.Secret = hook.Secret
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/webhooks/"+strconv.FormatInt(hook.ID, 10))
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) apiShowWebhook(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	hook, attempts, err := s.hooks.Find(c.Request().Context(), currentUser(c), id, webhookLogSize)
	if err != nil {
		return err
	}
	out := apiWebhookDetail{apiWebhook: toAPIWebhook(hook), Deliveries: make([]apiWebhookAttempt, len(attempts))}
	for i, a := range attempts {
		out.Deliveries[i] = apiWebhookAttempt{WebhookAttempt: a, DurationMS: a.Duration.Milliseconds()}
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiDeleteWebhook(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := decodeNoFields(c); err != nil {
		return err
	}
	if err := s.hooks.Delete(c.Request().Context(), currentUser(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiWebhookTest is the answer to POST /api/v1/webhooks/{id}/test.
type apiWebhookTest struct {
	// Queued is true: the test delivery waits in the job queue.
	Queued bool `json:"queued"`
}

func (s *Server) apiTestWebhook(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := decodeNoFields(c); err != nil {
		return err
	}
	if err := s.hooks.SendTest(c.Request().Context(), currentUser(c), id); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, apiWebhookTest{Queued: true})
}
