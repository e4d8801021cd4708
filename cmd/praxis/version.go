package main

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/praxis-coop/praxis/internal/db"
)

func runVersion(_ context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "version", "version", "Prints the version of praxis, of Go, and of the database schema it writes.")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	version, goVersion := praxisVersion()
	fmt.Fprintf(env.stdout, "praxis %s\n%s\ndatabase schema %d\n", version, goVersion, db.SchemaVersion())
	return nil
}

// praxisVersion returns praxis's version (module version and commit, or
// "(devel)") and the Go version it was built with.
func praxisVersion() (version, goVersion string) {
	version, goVersion = "(devel)", "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		goVersion = info.GoVersion
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				version += " " + s.Value
			}
		}
	}
	return version, goVersion
}
