package layers_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/praxis-coop/praxis/"

// imports returns each package of praxis (by its path below the module,
// such as "internal/web") with what it imports, test files left out: the
// packages' own dependencies.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports", module+"...")
	cmd.Dir = "../.."
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string][]string{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs[strings.TrimPrefix(p.ImportPath, module)] = p.Imports
	}
	if len(pkgs) < 20 {
		t.Fatalf("go list found %d packages; the module has more", len(pkgs))
	}
	return pkgs
}

// TestImportRules holds the rules of STYLE.md and docs/DESIGN.md: web speaks
// to services, never to the database; only db imports GORM, only gitstore
// go-git, only web Echo; praxis imports only the standard library, access
// only praxis; gitstore and db never import each other or web.
func TestImportRules(t *testing.T) {
	pkgs := imports(t)
	importsOf := func(pkg, prefix string) bool {
		return slices.ContainsFunc(pkgs[pkg], func(i string) bool { return i == prefix || strings.HasPrefix(i, prefix+"/") })
	}
	for _, rule := range []struct {
		pkg, forbidden, why string
	}{
		{"internal/web", module + "internal/db", "web reaches the database through the domain services"},
		{"internal/gitstore", module + "internal/db", "gitstore and db never import each other"},
		{"internal/db", module + "internal/gitstore", "gitstore and db never import each other"},
		{"internal/gitstore", module + "internal/web", "only cmd/praxis imports web"},
		{"internal/db", module + "internal/web", "only cmd/praxis imports web"},
	} {
		if importsOf(rule.pkg, rule.forbidden) {
			t.Errorf("%s imports %s: %s", rule.pkg, rule.forbidden, rule.why)
		}
	}
	for pkg, list := range pkgs {
		for _, imp := range list {
			for _, only := range []struct{ prefix, pkg string }{
				{"gorm.io", "internal/db"},
				{"github.com/go-git", "internal/gitstore"},
				{"github.com/labstack/echo", "internal/web"},
			} {
				if strings.HasPrefix(imp, only.prefix) && pkg != only.pkg {
					t.Errorf("%s imports %s: only %s may", pkg, imp, only.pkg)
				}
			}
			if imp == module+"internal/web" && pkg != "cmd/praxis" {
				t.Errorf("%s imports web: only cmd/praxis may", pkg)
			}
			std := !strings.Contains(strings.Split(imp, "/")[0], ".")
			switch pkg {
			case "internal/praxis":
				if !std {
					t.Errorf("praxis imports %s: it imports only the standard library", imp)
				}
			case "internal/access":
				if !std && imp != module+"internal/praxis" {
					t.Errorf("access imports %s: it imports only praxis and the standard library", imp)
				}
			}
		}
	}
}

// TestDesignPackageTable checks that the "depends on" column of the package
// table in docs/DESIGN.md names exactly the packages of praxis that each
// package imports (other words, such as the libraries, are not checked), and
// that the table has a row for every package under internal/.
func TestDesignPackageTable(t *testing.T) {
	pkgs := imports(t)
	doc, err := os.ReadFile("../../docs/DESIGN.md")
	if err != nil {
		t.Fatal(err)
	}
	ours := map[string]bool{}
	for pkg := range pkgs {
		if name, ok := strings.CutPrefix(pkg, "internal/"); ok {
			ours[name] = true
		}
	}
	ours["ui"], ours["curriculum"] = true, true
	rows := map[string]bool{}
	for _, line := range strings.Split(string(doc), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 5 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "internal/") {
			continue
		}
		pkg := strings.Fields(strings.TrimSpace(cells[1]))[0]
		rows[pkg] = true
		var named []string
		for _, word := range strings.Split(cells[3], ",") {
			word = strings.TrimSpace(word)
			if ours[word] {
				named = append(named, word)
			}
		}
		var imported []string
		for _, imp := range pkgs[pkg] {
			if name, ok := strings.CutPrefix(imp, module+"internal/"); ok {
				imported = append(imported, name)
			} else if name, ok := strings.CutPrefix(imp, module); ok {
				imported = append(imported, name)
			}
		}
		sort.Strings(named)
		sort.Strings(imported)
		if !slices.Equal(named, imported) {
			t.Errorf("docs/DESIGN.md says %s depends on %v; it imports %v", pkg, named, imported)
		}
	}
	for pkg := range pkgs {
		if strings.HasPrefix(pkg, "internal/") && !rows[pkg] {
			t.Errorf("docs/DESIGN.md's package table has no row for %s", pkg)
		}
	}
}
