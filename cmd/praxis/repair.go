package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
)

func runRepair(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "repair", "repair --data DIR",
		`Puts a damaged main branch back: when the file of main is empty, garbled or
missing, or names a commit the repository lacks (after a crash or a full
disk), main is pointed at the newest commit in its reflog that the repository
still has whole, or else at the newest commit of the history index. It says
what it did. Stale lock files are removed. A usable main is left alone. Run it
while praxis is stopped.`)
	dataDir := fs.String("data", envOr(env, "PRAXIS_DATA", defaultDataDir), "`DIR` holding the database and the curriculum (env PRAXIS_DATA)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	repoPath := filepath.Join(*dataDir, repositoryDir)
	if _, err := os.Stat(filepath.Join(repoPath, "HEAD")); err != nil {
		return praxis.Errorf(praxis.EINVALID, "%s holds no curriculum repository (%s)", *dataDir, repoPath)
	}
	log := slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	store, _, err := gitstore.Open(repoPath, gitstore.Options{Logger: log})
	if err != nil {
		return err
	}
	defer store.Close()
	// The history index knows the head of main when it last caught up: the
	// fallback when the reflog has nothing usable.
	var fallbacks []string
	if _, err := os.Stat(filepath.Join(*dataDir, databaseFile)); err == nil {
		if database, err := db.Open(ctx, filepath.Join(*dataDir, databaseFile)); err == nil {
			if id, err := database.NewestIndexedCommit(ctx); err == nil && id != "" {
				fallbacks = append(fallbacks, id)
			}
			database.Close()
		}
	}
	rep, err := store.RepairMain(ctx, fallbacks...)
	if err != nil {
		if praxis.ErrorCode(err) == praxis.ENOTFOUND {
			return praxis.Errorf(praxis.EINVALID, "main cannot be repaired: %s; restore a backup with praxis restore", praxis.ErrorMessage(err))
		}
		return err
	}
	subject := firstLine(rep.Commit.Message)
	if rep.Problem == "" {
		fmt.Fprintf(env.stdout, "main is fine: it points at %s (%q). Nothing to repair.\n", praxis.ShortID(rep.Commit.ID), subject)
		return nil
	}
	from := "the newest commit of the history index (main's reflog names none the repository still has)"
	if rep.Source == gitstore.FromReflog {
		from = "the newest commit in main's reflog that the repository still has"
		if !rep.When.IsZero() {
			from += " (main moved there at " + rep.When.Format("2006-01-02 15:04 UTC") + ")"
		}
	}
	fmt.Fprintf(env.stdout, "Repaired main: %s %s; it now points at %s (%q, committed %s), %s.\n",
		filepath.Join(repoPath, "refs", "heads", praxis.MainBranch), rep.Problem, praxis.ShortID(rep.Commit.ID), subject,
		rep.Commit.Committer.When.Format("2006-01-02 15:04 UTC"), from)
	if rep.Skipped > 0 {
		fmt.Fprintf(env.stdout, "Skipped %d newer reflog %s whose commit the repository no longer has.\n", rep.Skipped, plural(rep.Skipped, "entry", "entries"))
	}
	fmt.Fprintln(env.stdout, "Start praxis again.")
	return nil
}

// firstLine returns a commit message's subject.
func firstLine(message string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(message), "\n")
	return line
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
