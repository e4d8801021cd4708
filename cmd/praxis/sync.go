package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"

	"github.com/praxis-coop/praxis/internal/praxis"
)

// upstreamBranch is where praxis sync fetches upstream's main.
const upstreamBranch = "upstream/main"

func runSync(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "sync", "sync --data DIR --from URL [--as EMAIL]",
		`Fetches the main branch of an upstream curriculum (the one this curriculum was
cloned from, or any other) into the branch upstream/main, and opens a proposal
with the changes main lacks, or updates the open one: upstream improvements flow
in through review like any other change. Runs beside a running praxis. Needs git.`)
	dataDir := fs.String("data", envOr(env, "PRAXIS_DATA", defaultDataDir), "`DIR` holding the database and the curriculum (env PRAXIS_DATA)")
	from := fs.String("from", "", "the upstream curriculum's git `URL` or path")
	as := fs.String("as", "", "email `ADDRESS` of the account that opens the proposal; the first admin when empty")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if *from == "" {
		return praxis.Errorf(praxis.EINVALID, "give --from: the upstream curriculum's git URL or path")
	}
	git, err := exec.LookPath("git")
	if err != nil {
		return praxis.Errorf(praxis.EINVALID, "praxis sync needs the git program, which is not installed")
	}
	a, err := openApp(ctx, *dataDir, slog.New(slog.DiscardHandler), options{shared: true})
	if err != nil {
		return err
	}
	defer a.close()
	user, err := syncAuthor(ctx, a, *as)
	if err != nil {
		return err
	}
	// The fetched objects land before the branch that reaches them moves:
	// no prune may run meanwhile.
	release, err := a.store.HoldObjects()
	if err != nil {
		return err
	}
	defer release()
	cmd := exec.CommandContext(ctx, git, "-C", a.store.Path(), "fetch", "--quiet", "--no-tags", "--", *from,
		"+refs/heads/"+praxis.MainBranch+":refs/heads/"+upstreamBranch)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return praxis.Errorf(praxis.EINVALID, "cannot fetch main from %s: %s", *from, strings.TrimSpace(string(out)))
	}
	if _, err := a.store.CatchUp(ctx); err != nil {
		return err
	}
	p, err := a.review.UpstreamProposal(ctx, user, upstreamBranch, *from)
	if err != nil {
		return err
	}
	if p == nil {
		fmt.Fprintf(env.stdout, "Up to date with %s: main already has everything upstream has.\n", *from)
		return nil
	}
	fmt.Fprintf(env.stdout, "Proposal %d, %q, holds the changes from %s for review.\n", p.ID, p.Title, *from)
	return nil
}

// syncAuthor is the account the sync proposal is opened as.
func syncAuthor(ctx context.Context, a *app, email string) (*praxis.User, error) {
	if email != "" {
		u, err := a.accounts.FindActiveByEmail(ctx, email)
		if err != nil {
			return nil, praxis.Errorf(praxis.EINVALID, "there is no active account with the email %s", email)
		}
		return u, nil
	}
	admins, _, err := a.db.ListUsers(ctx, praxis.UserFilter{Role: praxis.RoleAdmin, Status: praxis.StatusActive, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(admins) == 0 {
		return nil, praxis.Errorf(praxis.EINVALID, "there is no admin to open the proposal as; give --as EMAIL")
	}
	return admins[0], nil
}
