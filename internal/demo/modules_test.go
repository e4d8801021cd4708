package demo_test

import (
	"slices"
	"testing"
	"testing/fstest"

	"github.com/praxis-coop/praxis/internal/demo"
	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Generated modules must be valid, or benchmarks measure the error path.
func TestGeneratedModulesAreLintClean(t *testing.T) {
	fsys := fstest.MapFS{}
	files := demo.Modules(60, 1, demo.ModuleOptions{BodyBytes: 10_000})
	for _, f := range files {
		fsys[f.Path] = &fstest.MapFile{Data: f.Content}
	}
	for _, p := range module.Lint(fsys) {
		t.Error(p)
	}
	plan := fsys["modules/module-0001/module.md"].Data
	if len(plan) < 10_000 || len(plan) > 14_000 {
		t.Errorf("plan is %d bytes, want about 10 KB", len(plan))
	}
	small := fstest.MapFS{}
	for _, f := range demo.Modules(20, 2, demo.ModuleOptions{BodyBytes: 300}) {
		small[f.Path] = &fstest.MapFile{Data: f.Content}
	}
	for _, p := range module.Lint(small) {
		t.Errorf("small: %s", p)
	}
	again := demo.Modules(60, 1, demo.ModuleOptions{BodyBytes: 10_000})
	if string(again[5].Content) != string(files[5].Content) {
		t.Error("the same seed gave different modules")
	}
}

func TestDemoRegionsAreTheOnesFormsOffer(t *testing.T) {
	for _, r := range demo.Regions {
		if !slices.Contains(praxis.Regions, r.Name) {
			t.Errorf("demo region %q is not in praxis.Regions", r.Name)
		}
	}
}
