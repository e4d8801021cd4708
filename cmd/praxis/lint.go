package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
)

func runLint(_ context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "lint", "lint [DIR]",
		`Checks a curriculum folder (default ./curriculum): every module's front matter
and plan, every series file, and how they refer to each other. Each problem is
printed as path:line: message. The exit status is 1 when there are problems.`)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		fmt.Fprintln(env.stderr, "praxis lint takes one folder")
		return exitError{code: 2}
	}
	dir := "curriculum"
	if fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	info, err := os.Stat(dir)
	if err != nil || !info.IsDir() {
		return praxis.Errorf(praxis.EINVALID, "%s is not a folder", dir)
	}
	problems := module.Lint(os.DirFS(dir))
	for _, p := range problems {
		p.Path = filepath.Join(dir, filepath.FromSlash(p.Path))
		fmt.Fprintln(env.stdout, p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(env.stderr, "%d problems\n", len(problems))
		return exitError{code: 1}
	}
	return nil
}
