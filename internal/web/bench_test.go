package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/demo"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/testenv"
	"github.com/praxis-coop/praxis/internal/web"
)

// benchApp builds praxis over a repository of n generated modules.
func benchApp(b *testing.B, n int) (http.Handler, string) {
	b.Helper()
	fsys := fstest.MapFS{}
	for _, f := range demo.Modules(n, 42, demo.ModuleOptions{}) {
		fsys[f.Path] = &fstest.MapFile{Data: f.Content}
	}
	env := testenv.New(b, testenv.Options{Seed: fsys, Author: praxis.Signature{Name: "bench"}})
	store := env.Store
	handler, err := web.New(testConfig(env, account.New(account.Config{DB: env.DB})))
	if err != nil {
		b.Fatal(err)
	}
	return handler, store.Path()
}

func serve(b *testing.B, h http.Handler, path string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s = %d", path, rec.Code)
	}
}

// BenchmarkModulePage serves a module page whose rendering is cached, in a
// curriculum of 1,000 modules: the cost of git lookups, the template and the
// middleware.
func BenchmarkModulePage(b *testing.B) {
	h, _ := benchApp(b, 1000)
	serve(b, h, "/modules/"+demo.ModuleSlug(500))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		serve(b, h, "/modules/"+demo.ModuleSlug(500))
	}
}

// BenchmarkModulePageParallel is the same page served to concurrent readers.
func BenchmarkModulePageParallel(b *testing.B) {
	h, _ := benchApp(b, 1000)
	serve(b, h, "/modules/"+demo.ModuleSlug(500))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			serve(b, h, "/modules/"+demo.ModuleSlug(500))
		}
	})
}

// BenchmarkCatalogue1000 serves the catalogue page of 1,000 modules once the
// listing is cached (the steady state between changes to main).
func BenchmarkCatalogue1000(b *testing.B) {
	h, _ := benchApp(b, 1000)
	serve(b, h, "/modules")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		serve(b, h, "/modules")
	}
}

// BenchmarkCatalogue1000Filtered serves a filtered catalogue of 1,000 modules.
func BenchmarkCatalogue1000Filtered(b *testing.B) {
	h, _ := benchApp(b, 1000)
	serve(b, h, "/modules")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		serve(b, h, "/modules?format=online&max_duration=90&tag=stigma")
	}
}

// BenchmarkListing1000Cold builds the listing of 1,000 modules with empty
// caches: every plan read from git, parsed and validated. This is the first
// request after a start.
func BenchmarkListing1000Cold(b *testing.B) {
	_, repo := benchApp(b, 1000)
	for b.Loop() {
		b.StopTimer()
		store, _, err := gitstore.Open(repo, gitstore.Options{})
		if err != nil {
			b.Fatal(err)
		}
		fresh := catalog.New(store, nil)
		b.StartTimer()
		if _, err := fresh.Listing(context.Background(), ""); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		store.Close()
		b.StartTimer()
	}
}
