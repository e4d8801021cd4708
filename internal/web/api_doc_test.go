package web_test

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestAPIDocNamesEveryEndpoint: docs/API.md has a section for every API
// route praxis serves and for no other, each section names every query
// parameter the endpoint takes, and its pagination table gives each list's
// default and largest limit as the server has them.
func TestAPIDocNamesEveryEndpoint(t *testing.T) {
	a := newAccountApp(t)
	doc, err := os.ReadFile("../../docs/API.md")
	if err != nil {
		t.Fatal(err)
	}
	_, endpoints, ok := strings.Cut(string(doc), "\n## Endpoints\n")
	if !ok {
		t.Fatal("docs/API.md has no Endpoints section")
	}
	heading := regexp.MustCompile(`(?m)^### (GET|POST|PUT|PATCH|DELETE) (/api/v1/\S+)$`)
	sections := map[string]string{}
	matches := heading.FindAllStringSubmatchIndex(endpoints, -1)
	for i, m := range matches {
		end := len(endpoints)
		if i+1 < len(matches) {
			end = matches[i+1][0]
		}
		key := endpoints[m[2]:m[3]] + " " + endpoints[m[4]:m[5]]
		if _, dup := sections[key]; dup {
			t.Errorf("docs/API.md describes %s twice", key)
		}
		sections[key] = endpoints[m[1]:end]
	}

	var spec struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name, In string
				Schema   struct {
					Default *int
					Maximum *int
				}
			}
		}
	}
	res := a.rawCall(http.MethodGet, "/api/v1/openapi.json", nil)
	if err := json.Unmarshal([]byte(res.body), &spec); err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, r := range a.handler.Routes() {
		if !strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		path := strings.NewReplacer(":slug", "{slug}", ":id", "{id}", ":token", "{token}", "*", "{path}").Replace(r.Path)
		key := r.Method + " " + path
		served[key] = true
		section, ok := sections[key]
		if !ok {
			t.Errorf("docs/API.md has no section \"### %s\"", key)
			continue
		}
		for _, p := range spec.Paths[path][strings.ToLower(r.Method)].Parameters {
			if p.In == "query" && !strings.Contains(section, "`"+p.Name+"`") {
				t.Errorf("docs/API.md, %s: the query parameter `%s` is not named", key, p.Name)
			}
		}
	}
	for key := range sections {
		if !served[key] {
			t.Errorf("docs/API.md describes %s, which praxis does not serve", key)
		}
	}

	// The pagination table.
	_, table, _ := strings.Cut(string(doc), "| list | default limit | largest limit | also |")
	rows := 0
	for _, line := range strings.Split(table, "\n")[2:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		cells := strings.Split(line, "|")
		for _, m := range regexp.MustCompile("`GET (/api/v1/[^`]+)`").FindAllStringSubmatch(cells[1], -1) {
			rows++
			var def, max *int
			for _, p := range spec.Paths[m[1]]["get"].Parameters {
				if p.Name == "limit" {
					def, max = p.Schema.Default, p.Schema.Maximum
				}
			}
			wantDef := strings.TrimSpace(cells[2])
			if def == nil && wantDef != "the whole list" || def != nil && wantDef != strconv.Itoa(*def) {
				t.Errorf("docs/API.md: %s's default limit is %q, the server's %s", m[1], wantDef, limitText(def))
			}
			if max == nil || strings.TrimSpace(cells[3]) != strconv.Itoa(*max) {
				t.Errorf("docs/API.md: %s's largest limit is %q, the server's %s", m[1], strings.TrimSpace(cells[3]), limitText(max))
			}
		}
	}
	if rows < 15 {
		t.Errorf("the pagination table names %d lists, want every one (15)", rows)
	}
}

// limitText writes a limit from the OpenAPI document, or "none".
func limitText(n *int) string {
	if n == nil {
		return "none"
	}
	return strconv.Itoa(*n)
}
