package web

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode"
)

// jsonSchema is a JSON Schema (draft 2020-12, as OpenAPI 3.1 uses it) for
// the parts of the API's types that JSON shows.
type jsonSchema struct {
	Ref                  string                 `json:"$ref,omitempty"`
	Type                 any                    `json:"type,omitempty"` // a name, or a list of names with "null"
	Format               string                 `json:"format,omitempty"`
	Description          string                 `json:"description,omitempty"`
	Enum                 []string               `json:"enum,omitempty"`
	Properties           map[string]*jsonSchema `json:"properties,omitempty"`
	Required             []string               `json:"required,omitempty"`
	AdditionalProperties *jsonSchema            `json:"additionalProperties,omitempty"`
	Items                *jsonSchema            `json:"items,omitempty"`
	AnyOf                []*jsonSchema          `json:"anyOf,omitempty"`
	OneOf                []*jsonSchema          `json:"oneOf,omitempty"`
	Minimum              *int                   `json:"minimum,omitempty"`
	Maximum              *int                   `json:"maximum,omitempty"`
	Default              any                    `json:"default,omitempty"`
}

// schemaMaker turns Go types into JSON Schemas as encoding/json writes
// them, collecting named structs as reusable components.
type schemaMaker struct {
	components map[string]*jsonSchema
	names      map[reflect.Type]string
}

func newSchemaMaker() *schemaMaker {
	return &schemaMaker{components: map[string]*jsonSchema{}, names: map[reflect.Type]string{}}
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	marshalerType = reflect.TypeFor[json.Marshaler]()
)

// of returns the schema of values of t.
func (m *schemaMaker) of(t reflect.Type) *jsonSchema {
	if t.Implements(marshalerType) && t != timeType && t != reflect.PointerTo(timeType) {
		panic(fmt.Sprintf("web: openapi: %s marshals itself; describe it by hand", t))
	}
	switch t.Kind() {
	case reflect.Pointer:
		return nullable(m.of(t.Elem()))
	case reflect.String:
		return &jsonSchema{Type: "string"}
	case reflect.Bool:
		return &jsonSchema{Type: "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &jsonSchema{Type: "integer"}
	case reflect.Float32, reflect.Float64:
		return &jsonSchema{Type: "number"}
	case reflect.Slice, reflect.Array:
		return &jsonSchema{Type: "array", Items: m.of(t.Elem())}
	case reflect.Map:
		return &jsonSchema{Type: "object", AdditionalProperties: m.of(t.Elem())}
	case reflect.Interface:
		return &jsonSchema{}
	case reflect.Struct:
		if t == timeType {
			return &jsonSchema{Type: "string", Format: "date-time"}
		}
		if t.Name() == "" {
			return m.object(t)
		}
		return m.ref(t)
	}
	panic(fmt.Sprintf("web: openapi: cannot describe %s", t))
}

// ref returns a reference to the component of a named struct, making it
// the first time.
func (m *schemaMaker) ref(t reflect.Type) *jsonSchema {
	name, ok := m.names[t]
	if !ok {
		name = componentName(t)
		if _, taken := m.components[name]; taken {
			pkg := t.PkgPath()[strings.LastIndex(t.PkgPath(), "/")+1:]
			name = capitalise(pkg) + name
		}
		m.names[t] = name
		m.components[name] = &jsonSchema{} // a placeholder while it is made, for types that hold themselves
		*m.components[name] = *m.object(t)
	}
	return &jsonSchema{Ref: "#/components/schemas/" + name}
}

// componentName names a type's component: apiModuleSummary is
// ModuleSummary, praxis.Problem is Problem.
func componentName(t reflect.Type) string {
	name := strings.TrimPrefix(t.Name(), "api")
	return capitalise(name)
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// object describes a struct's JSON object: its exported fields under their
// JSON names, with those of embedded structs promoted, and every field
// without omitempty or omitzero required.
func (m *schemaMaker) object(t reflect.Type) *jsonSchema {
	s := &jsonSchema{Type: "object", Properties: map[string]*jsonSchema{}}
	m.fields(t, s, map[string]bool{})
	return s
}

// fields adds t's fields to s; seen holds the names set at a shallower
// depth, which win as they do in encoding/json.
func (m *schemaMaker) fields(t reflect.Type, s *jsonSchema, seen map[string]bool) {
	var embedded []reflect.Type
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				embedded = append(embedded, ft)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		s.Properties[name] = m.of(f.Type)
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
			s.Required = append(s.Required, name)
		}
	}
	for _, e := range embedded {
		m.fields(e, s, seen)
	}
}

// nullable lets a schema be null too.
func nullable(s *jsonSchema) *jsonSchema {
	if name, ok := s.Type.(string); ok && s.Ref == "" {
		out := *s
		out.Type = []string{name, "null"}
		return &out
	}
	return &jsonSchema{AnyOf: []*jsonSchema{s, {Type: "null"}}}
}
