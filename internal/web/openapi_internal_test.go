package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// servedOpenAPI builds a server and asks it for its OpenAPI document.
func servedOpenAPI(t *testing.T) (*Server, []byte) {
	t.Helper()
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/v1/openapi.json = %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	return s, rec.Body.Bytes()
}

// TestOpenAPINamesEveryAPIRouteAndNoOther walks the routes Echo serves: the
// document must describe every one under /api/v1, and nothing else.
func TestOpenAPINamesEveryAPIRouteAndNoOther(t *testing.T) {
	s, body := servedOpenAPI(t)
	var doc struct {
		Paths map[string]map[string]json.RawMessage
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, r := range s.echo.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") || r.Path == "/api/v1/*" {
			continue
		}
		path, _ := openAPIPath(r.Path)
		method := strings.ToLower(r.Method)
		served[method+" "+path] = true
		if _, ok := doc.Paths[path][method]; !ok {
			t.Errorf("the OpenAPI document lacks %s %s (route %s)", r.Method, path, r.Path)
		}
	}
	if len(served) < 40 {
		t.Fatalf("only %d API routes found", len(served))
	}
	for path, item := range doc.Paths {
		for method := range item {
			if !served[method+" "+path] {
				t.Errorf("the OpenAPI document names %s %s, which no route serves", strings.ToUpper(method), path)
			}
		}
	}
}

// TestOpenAPIDocumentIsValid checks the document against the OpenAPI 3.1
// schema published by the OpenAPI Initiative (testdata), and what that
// schema cannot: every $ref resolves, every path parameter is declared and
// used, operation ids are unique, security schemes exist, and every schema
// is a valid JSON Schema 2020-12.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	_, body := servedOpenAPI(t)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	oas, err := os.ReadFile("testdata/openapi-3.1.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	oasDoc, err := jsonschema.UnmarshalJSON(bytes.NewReader(oas))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("oas-3.1.json", oasDoc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("oas-3.1.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("the document is not valid OpenAPI 3.1: %v", err)
	}

	var d struct {
		OpenAPI    string
		Paths      map[string]map[string]openAPIOperation
		Components struct {
			Schemas         map[string]json.RawMessage
			SecuritySchemes map[string]json.RawMessage
		}
	}
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d.OpenAPI, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", d.OpenAPI)
	}
	for _, ref := range regexp.MustCompile(`"\$ref":"([^"]+)"`).FindAllStringSubmatch(string(body), -1) {
		name, ok := strings.CutPrefix(ref[1], "#/components/schemas/")
		if _, found := d.Components.Schemas[name]; !ok || !found {
			t.Errorf("$ref %s does not resolve", ref[1])
		}
	}
	ids := map[string]string{}
	template := regexp.MustCompile(`\{([a-z_]+)\}`)
	for path, item := range d.Paths {
		for method, op := range item {
			where := strings.ToUpper(method) + " " + path
			if other, dup := ids[op.OperationID]; dup || op.OperationID == "" {
				t.Errorf("%s: operationId %q is empty or also %s's", where, op.OperationID, other)
			}
			ids[op.OperationID] = where
			var declared []string
			for _, p := range op.Parameters {
				if p.In == "path" {
					declared = append(declared, p.Name)
				}
			}
			var used []string
			for _, m := range template.FindAllStringSubmatch(path, -1) {
				used = append(used, m[1])
			}
			slices.Sort(declared)
			slices.Sort(used)
			if !slices.Equal(declared, used) {
				t.Errorf("%s declares path parameters %v, its path uses %v", where, declared, used)
			}
			if _, ok := op.Responses["default"]; !ok || len(op.Responses) < 2 {
				t.Errorf("%s: responses %v lack a success or the default", where, op.Responses)
			}
			for _, req := range op.Security {
				for scheme := range req {
					if _, ok := d.Components.SecuritySchemes[scheme]; !ok {
						t.Errorf("%s: security scheme %s is not defined", where, scheme)
					}
				}
			}
		}
	}
	// Every schema compiles as JSON Schema 2020-12 with its references.
	sc := jsonschema.NewCompiler()
	sc.DefaultDraft(jsonschema.Draft2020)
	if err := sc.AddResource("openapi.json", doc); err != nil {
		t.Fatal(err)
	}
	for name := range d.Components.Schemas {
		if _, err := sc.Compile("openapi.json#/components/schemas/" + name); err != nil {
			t.Errorf("schema %s: %v", name, err)
		}
	}
}

type openAPIOperation struct {
	OperationID string `json:"operationId"`
	Parameters  []struct {
		Name, In string
	}
	Responses map[string]json.RawMessage
	Security  []map[string][]string
}
