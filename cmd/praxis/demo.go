package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"time"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/demo"
	"github.com/praxis-coop/praxis/internal/praxis"
)

func runDemo(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "demo", "demo --data DIR [--facilitators N] [--deliveries N] [--seed S] [--force]",
		`Fills an instance with generated facilitators and the workshops they delivered,
spread over UK regions, modules, four years, formats and host groups, with
reflections and participant feedback: for trying the coordinators' dashboard and
for benchmarks. Generated accounts have addresses at `+demo.DemoDomain+` and cannot sign in.

It refuses a data directory that holds real accounts unless --force is given:
demo records would mix with the real network's statistics. Sign in with an
account of your own (praxis user add --role coordinator) to see the dashboard.`)
	dataDir := fs.String("data", envOr(env, "PRAXIS_DATA", defaultDataDir), "`DIR` holding the database and the curriculum (env PRAXIS_DATA)")
	facilitators := fs.Int("facilitators", 300, "how many facilitators to generate")
	deliveries := fs.Int("deliveries", 5000, "how many deliveries to generate")
	seed := fs.Uint64("seed", 1, "seed of the generator: the same seed gives the same network")
	force := fs.Bool("force", false, "add demo data even where real accounts exist")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	switch {
	case *facilitators < 1 || *facilitators > 1_000_000:
		return praxis.Errorf(praxis.EINVALID, "--facilitators must be from 1 to 1,000,000")
	case *deliveries < 0 || *deliveries > 20_000_000:
		return praxis.Errorf(praxis.EINVALID, "--deliveries must be from 0 to 20,000,000")
	}
	a, err := openApp(ctx, *dataDir, slog.New(slog.DiscardHandler), options{})
	if err != nil {
		return err
	}
	defer a.close()
	real, err := a.db.CountRealUsers(ctx, demo.DemoDomain)
	if err != nil {
		return err
	}
	if real > 0 && !*force {
		return praxis.Errorf(praxis.ECONFLICT, "%s holds %d real account(s): demo data would mix with their records; use a fresh --data directory, or --force", *dataDir, real)
	}
	main, err := a.catalog.Main(ctx)
	if err != nil {
		return err
	}
	listing, err := a.catalog.Listing(ctx, main)
	if err != nil {
		return err
	}
	var modules []demo.ModuleLength
	for _, m := range listing.Modules {
		modules = append(modules, demo.ModuleLength{Slug: m.Slug, Minutes: m.Duration})
	}
	if len(modules) == 0 {
		return praxis.Errorf(praxis.EINVALID, "the curriculum in %s has no modules to deliver", *dataDir)
	}
	versions := map[string]string{}
	var versionErr error
	version := func(date string) string {
		if v, ok := versions[date]; ok {
			return v
		}
		day, _ := time.Parse("2006-01-02", date)
		v, err := a.history.MainAt(ctx, main, day.Add(24*time.Hour-time.Second))
		if err != nil && versionErr == nil {
			versionErr = err
		}
		versions[date] = v
		return v
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	hash, err := account.HashPassword(base64.RawURLEncoding.EncodeToString(secret))
	if err != nil {
		return err
	}
	start := time.Now()
	n, fb, err := demo.Populate(ctx, a.db, demo.NetworkOptions{Facilitators: *facilitators, Deliveries: *deliveries,
		Seed: *seed, Modules: modules, Now: time.Now().UTC(), Version: version}, hash)
	if err == nil {
		err = versionErr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "Added %d facilitators and %d deliveries with %d answers of feedback in %s.\n",
		*facilitators, n, fb, time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(env.stdout, "To see the dashboard: praxis user add --data %s --email you@example.org --name You --role coordinator\n", *dataDir)
	return nil
}
