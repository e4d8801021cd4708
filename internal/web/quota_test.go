package web_test

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/internal/quota"
	"github.com/praxis-coop/praxis/internal/review"
	"github.com/praxis-coop/praxis/internal/testenv"
	"github.com/praxis-coop/praxis/internal/web"
)

// withQuota gives the app the quota service, as praxis serve does.
func withQuota(cfg *web.Config, env *testenv.Env) {
	q := quota.New(quota.Config{DB: env.DB, Store: env.Store})
	cfg.Quota = q
	cfg.Review = review.New(review.Config{DB: env.DB, Store: env.Store, Catalog: env.Catalog, History: env.History, Quota: q})
}

// upload puts a file of size random bytes (they do not compress) in a fork
// through the API.
func (a *accountApp) upload(fork int, base, name string, size int) (int, map[string]any) {
	a.t.Helper()
	content := make([]byte, size)
	rand.Read(content)
	return a.apiCall(http.MethodPut, fmt.Sprintf("/api/v1/forks/%d/files/handouts/%s", fork, name), a.tokens["facilitator"],
		map[string]any{"content": base64.StdEncoding.EncodeToString(content), "encoding": "base64", "base": base, "message": "Add " + name})
}

func TestStorageAndWriteQuotas(t *testing.T) {
	t.Parallel()
	a := newAccountAppWith(t, testenv.Options{}, withQuota)
	admin := a.browser()
	admin.logIn("admin@example.org")

	// Admins set the limits; bad values are all named at once and kept.
	page := admin.do(http.MethodGet, "/admin/settings", nil)
	mustContain(t, page, `name="quota_storage_mb" type="number" value="100"`, `name="quota_write_mb_per_hour" type="number" value="50"`,
		`name="review_approvals" type="number" value="1"`)
	bad := admin.submit("/admin/settings", "/admin/settings", url.Values{"signup_mode": {"approval"}, "quota_storage_mb": {"lots"}, "quota_write_mb_per_hour": {"-3"},
		"review_approvals": {"9"}})
	if bad.status != http.StatusUnprocessableEntity {
		t.Errorf("bad limits = %d, want 422", bad.status)
	}
	mustContain(t, bad, "give the storage per person as a whole number of megabytes", "give what a person may save in an hour between 0 (no limit)",
		"give a whole number from 1 to 5", `value="lots"`, `value="-3"`, `value="9"`)
	// Good limits with a bad number of approvals change nothing either.
	if res := admin.submit("/admin/settings", "/admin/settings", url.Values{"signup_mode": {"approval"}, "quota_storage_mb": {"7"}, "quota_write_mb_per_hour": {"8"},
		"review_approvals": {"0"}}); res.status != http.StatusUnprocessableEntity {
		t.Errorf("good limits, bad approvals = %d, want 422", res.status)
	}
	mustContain(t, admin.do(http.MethodGet, "/admin/settings", nil), `name="quota_storage_mb" type="number" value="100"`, `name="review_approvals" type="number" value="1"`)
	setLimits := func(storage, write string) {
		t.Helper()
		res := admin.submit("/admin/settings", "/admin/settings", url.Values{"signup_mode": {"approval"}, "quota_storage_mb": {storage}, "quota_write_mb_per_hour": {write}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("set limits %s, %s = %d\n%s", storage, write, res.status, res.body)
		}
	}
	setLimits("6", "100")

	status, fork := a.apiCall(http.MethodPost, "/api/v1/modules/"+stigma+"/forks", a.tokens["facilitator"], nil)
	if status != http.StatusCreated {
		t.Fatalf("fork = %d %v", status, fork)
	}
	id, head := int(fork["id"].(float64)), fork["head"].(string)
	status, saved := a.upload(id, head, "photo.jpg", 4<<20)
	if status != http.StatusOK {
		t.Fatalf("a 4 MB upload under a 6 MB limit = %d %v", status, saved)
	}
	head = saved["head"].(string)
	me := a.browser()
	me.logIn("facilitator@example.org")
	mustContain(t, me.do(http.MethodGet, "/account", nil), "They use <strong>4 MB</strong> of the 6 MB each person may keep")

	// Deleting the file frees nothing: it is in the copy's history.
	status, deleted := a.apiCall(http.MethodDelete, fmt.Sprintf("/api/v1/forks/%d/files/handouts/photo.jpg", id), a.tokens["facilitator"], map[string]any{"base": head})
	if status != http.StatusOK {
		t.Fatalf("delete = %d %v", status, deleted)
	}
	head = deleted["head"].(string)
	status, refused := a.upload(id, head, "poster.pdf", 3<<20)
	want := "Your adapted copies and proposals use 4 MB of the 6 MB each person may keep, and this needs 3 MB more."
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(fmt.Sprint(refused["error"]), want) {
		t.Errorf("an upload past the storage limit = %d %v, want 413 with %q", status, refused, want)
	}
	if _, now := a.apiCall(http.MethodGet, fmt.Sprintf("/api/v1/forks/%d", id), a.tokens["facilitator"], nil); now["head"] != head {
		t.Errorf("the refused upload moved the fork to %v", now["head"])
	}

	// The write rate: 5 MB an hour (the storage limit lifted).
	setLimits("0", "5")
	if status, saved = a.upload(id, head, "one.pdf", 3<<20); status != http.StatusOK {
		t.Fatalf("3 MB of 5 MB an hour = %d %v", status, saved)
	}
	head = saved["head"].(string)
	status, refused = a.upload(id, head, "two.pdf", 3<<20)
	if status != http.StatusTooManyRequests || !strings.Contains(fmt.Sprint(refused["error"]), "You have saved as much as each person may in an hour (5 MB); try again in") {
		t.Errorf("6 MB in an hour past 5 = %d %v, want 429", status, refused)
	}
	if header := a.lastRetryAfter(id, head); header == "" {
		t.Error("the 429 has no Retry-After")
	}

	// Saving in the browser is refused alike, in words, with the draft kept.
	setLimits("1", "0")
	draft := "---\ntitle: Mine\n---\nA draft that must not be lost.\n"
	res := me.submit(fmt.Sprintf("/forks/%d/edit", id), fmt.Sprintf("/forks/%d/edit", id),
		url.Values{"file": {"module.md"}, "content": {draft}, "base": {head}, "message": {"Edit"}})
	if res.status != http.StatusRequestEntityTooLarge {
		t.Errorf("a save past the storage limit = %d, want 413", res.status)
	}
	mustContain(t, res, "Not saved: Your adapted copies and proposals use 7 MB of the 1 MB each person may keep", "A draft that must not be lost.")

	// A proposal to move a module reuses its files, but one past the
	// storage limit may not open more proposals.
	status, moved := a.apiCall(http.MethodPost, "/api/v1/proposals", a.tokens["facilitator"],
		map[string]any{"module": stigma, "move_to": "stigma-and-shame", "title": "A clearer address"})
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(fmt.Sprint(moved["error"]), "use 7 MB of the 1 MB each person may keep") {
		t.Errorf("a move proposed past the storage limit = %d %v, want 413", status, moved)
	}
	setLimits("100", "0")
	if status, moved = a.apiCall(http.MethodPost, "/api/v1/proposals", a.tokens["facilitator"],
		map[string]any{"module": stigma, "move_to": "stigma-and-shame", "title": "A clearer address"}); status != http.StatusCreated {
		t.Errorf("a move proposed within the limit = %d %v, want 201", status, moved)
	}
}

// lastRetryAfter sends one more upload the rate refuses and returns its
// Retry-After header.
func (a *accountApp) lastRetryAfter(fork int, base string) string {
	a.t.Helper()
	body := strings.NewReader(fmt.Sprintf(`{"content": %q, "encoding": "base64", "base": %q}`, base64.StdEncoding.EncodeToString(make([]byte, 3<<20)), base))
	req, _ := http.NewRequest(http.MethodPut, fmt.Sprintf("%s/api/v1/forks/%d/files/handouts/three.pdf", a.server.URL, fork), body)
	req.Header.Set("Authorization", "Bearer "+a.tokens["facilitator"])
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests {
		a.t.Errorf("a third upload = %d, want 429", res.StatusCode)
	}
	return res.Header.Get("Retry-After")
}
