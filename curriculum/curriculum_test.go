package curriculum_test

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/curriculum"
	"github.com/praxis-coop/praxis/internal/module"
)

// The shipped curriculum must always pass praxis lint: CI fails on an edit that
// would make a printed plan unusable.
func TestShippedCurriculumIsLintClean(t *testing.T) {
	for _, p := range module.Lint(curriculum.FS) {
		t.Errorf("%s", p)
	}
}

func TestShippedCurriculumHasTheSeries(t *testing.T) {
	want := map[string]int{"exploring-class": 6, "organising-fundamentals": 6}
	for slug, n := range want {
		src, err := fs.ReadFile(curriculum.FS, module.SeriesPath(slug))
		if err != nil {
			t.Fatalf("series %s: %v", slug, err)
		}
		doc, problems := module.ParseSeries(module.SeriesPath(slug), slug, src)
		if len(problems) > 0 || doc == nil {
			t.Fatalf("series %s: %v", slug, problems)
		}
		if len(doc.Series.Modules) != n {
			t.Errorf("series %s has %d modules, want %d", slug, len(doc.Series.Modules), n)
		}
	}
	if _, err := fs.Stat(curriculum.FS, module.PlanPath("train-the-trainer")); err != nil {
		t.Errorf("train-the-trainer: %v", err)
	}
}

// Every module has at least one handout, linked from its plan.
func TestEveryModuleLinksAHandout(t *testing.T) {
	entries, err := fs.ReadDir(curriculum.FS, module.ModulesDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 13 {
		t.Fatalf("%d modules, want at least 13", len(entries))
	}
	for _, e := range entries {
		plan, err := fs.ReadFile(curriculum.FS, module.PlanPath(e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		handouts, err := fs.ReadDir(curriculum.FS, module.Dir(e.Name())+"/handouts")
		if err != nil || len(handouts) == 0 {
			t.Errorf("%s has no handouts: %v", e.Name(), err)
			continue
		}
		for _, h := range handouts {
			if !strings.Contains(string(plan), "(handouts/"+h.Name()) {
				t.Errorf("%s: handout %s is not linked from the plan", e.Name(), h.Name())
			}
		}
	}
}
