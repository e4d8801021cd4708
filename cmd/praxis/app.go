package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/praxis-coop/praxis/curriculum"
	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/delivery"
	"github.com/praxis-coop/praxis/internal/events"
	"github.com/praxis-coop/praxis/internal/export"
	"github.com/praxis-coop/praxis/internal/githttp"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/history"
	"github.com/praxis-coop/praxis/internal/jobs"
	"github.com/praxis-coop/praxis/internal/mail"
	"github.com/praxis-coop/praxis/internal/notify"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/quota"
	"github.com/praxis-coop/praxis/internal/review"
	"github.com/praxis-coop/praxis/internal/search"
	"github.com/praxis-coop/praxis/internal/web"
	"github.com/praxis-coop/praxis/internal/webhook"
	"github.com/praxis-coop/praxis/internal/workshop"
)

// Files in the data directory.
const (
	databaseFile   = "praxis.db"
	repositoryDir  = "curriculum.git"
	seedMessage    = "Start the curriculum from the modules that ship with praxis"
	defaultDataDir = "./data"
)

// app is praxis wired together over one data directory.
type app struct {
	log      *slog.Logger
	db       *db.DB
	store    *gitstore.Store
	catalog  *catalog.Catalog
	accounts *account.Service
	review   *review.Service
	history  *history.Index
	releases *history.Releases
	delivery *delivery.Service
	// workshops is the work before workshops: requests, scheduling,
	// registration, reminders.
	workshops *workshop.Service
	exports   *export.Service
	search    *search.Index
	git       *githttp.Server
	quota     *quota.Service
	// jobs is the durable job queue (email, digests, checks of proposals
	// against main); serve works it, other commands only insert.
	jobs *jobs.Queue
	// events hands every event to its subscriptions, in the event's
	// transaction.
	events *events.Bus
	notify *notify.Service
	// hooks posts events to the admins' webhooks.
	hooks *webhook.Service
}

// The git server asks the quota before pushes.
var _ githttp.Quota = (*quota.Service)(nil)

// The web layer checks the database for /healthz and counts its pool.
var _ web.Database = (*db.DB)(nil)

// options are the settings that shape the app beyond its data directory.
type options struct {
	baseURL string
	mail    *mail.Sender
	// curriculumFrom, on a first start, is a repository (URL or path) to
	// clone instead of seeding the starter curriculum.
	curriculumFrom string
	// git holds the limits of git over HTTP (the rest is filled in here).
	git githttp.Config
	// shared says a running praxis may be writing the repository (praxis
	// sync runs beside serve): lock files found at open are live.
	shared bool
	// jobTimeout bounds each attempt of a background job (0 for the
	// default); a job a crash left running is tried again after twice it.
	jobTimeout time.Duration
	// webhooksAllowPrivate lets webhooks reach loopback and private
	// addresses.
	webhooksAllowPrivate bool
}

// openApp opens (creating on first start) the database and the curriculum
// repository in dataDir, seeds the repository from the embedded curriculum when
// it is new, and catches the history index up with the repository.
func openApp(ctx context.Context, dataDir string, log *slog.Logger, opts options) (*app, error) {
	if err := prepareDataDir(dataDir); err != nil {
		return nil, err
	}
	database, err := db.Open(ctx, filepath.Join(dataDir, databaseFile))
	if err != nil {
		return nil, err
	}
	// The job queue's tables, in the same database (River's migrations).
	if err := jobs.Migrate(ctx, database.Pool()); err != nil {
		database.Close()
		return nil, err
	}
	index := history.New(database)
	repoPath := filepath.Join(dataDir, repositoryDir)
	if opts.curriculumFrom != "" {
		if err := cloneCurriculum(ctx, opts.curriculumFrom, repoPath, log); err != nil {
			database.Close()
			return nil, err
		}
	}
	store, created, err := gitstore.Open(repoPath, gitstore.Options{Indexer: index, Logger: log, Shared: opts.shared})
	if err != nil {
		database.Close()
		return nil, err
	}
	if err := store.CheckMain(ctx); err != nil {
		store.Close()
		database.Close()
		var damaged *gitstore.DamagedRefError
		if errors.As(err, &damaged) {
			return nil, praxis.Errorf(praxis.EINVALID, "the curriculum's main branch is damaged (%s); run \"praxis repair --data %s\" while praxis is stopped to point it back at its last good commit", damaged, dataDir)
		}
		return nil, err
	}
	index.Follow(store)
	a := &app{log: log, db: database, store: store, catalog: catalog.New(store, index), history: index}
	a.releases = history.NewReleases(index, store, database)
	a.quota = quota.New(quota.Config{DB: database, Store: store})
	a.review = review.New(review.Config{DB: database, Store: store, Catalog: a.catalog, History: index, Logger: log, Quota: a.quota})
	a.delivery = delivery.New(delivery.Config{DB: database, Catalog: a.catalog, History: index, Releases: a.releases, Forks: a.review, Logger: log})
	var mailer workshop.Mailer
	if opts.mail != nil {
		mailer = opts.mail
	}
	a.workshops = workshop.New(workshop.Config{DB: database, Catalog: a.catalog, History: index, Releases: a.releases,
		Deliveries: a.delivery, Forks: a.review, Mail: mailer, BaseURL: opts.baseURL, Logger: log})
	a.search = search.New(database, a.catalog)
	a.exports = export.New(export.Config{Catalog: a.catalog, Releases: a.releases, DB: database, Logger: log})
	gitCfg := opts.git
	gitCfg.Repository, gitCfg.Logger = store.Path(), log
	gitCfg.Authenticate = func(r *http.Request) (*praxis.User, error) {
		email, token, ok := r.BasicAuth()
		if !ok {
			return nil, nil
		}
		return a.accounts.AuthenticateBasic(r.Context(), email, token)
	}
	gitCfg.CanPush = func(u *praxis.User) bool { return access.Can(u, access.ProposeChange) }
	gitCfg.PublicRead = func(ctx context.Context) bool { return a.accounts.GitReadPublic(ctx) }
	gitCfg.Pushed = a.pushed
	gitCfg.Quota = a.quota
	gitCfg.HoldObjects = store.HoldObjects
	a.git, err = githttp.New(gitCfg)
	if err != nil {
		store.Close()
		database.Close()
		return nil, err
	}
	a.accounts = account.New(account.Config{
		DB: database, Mail: opts.mail, Logger: log, BaseURL: opts.baseURL,
		Modules: func(ctx context.Context, slug string) bool {
			listing, err := a.catalog.Listing(ctx, "")
			if err != nil {
				return false
			}
			_, ok := listing.Module(slug)
			return ok
		},
	})
	// Events fan out through the job queue from here on: every event is
	// recorded with the jobs it calls for, in one transaction.
	a.jobs = jobs.New(jobs.Config{Pool: database.Pool(), Logger: log, Timeout: opts.jobTimeout})
	a.events = events.NewBus(a.jobs)
	a.notify = notify.New(notify.Config{DB: database, Catalog: a.catalog, Mail: opts.mail, BaseURL: opts.baseURL, Logger: log,
		ReleaseModules: a.releaseModules, Conflicts: a.review.CheckConflicts})
	a.notify.Register(a.jobs, a.events)
	a.hooks = webhook.New(webhook.Config{DB: database, BaseURL: opts.baseURL, AllowPrivate: opts.webhooksAllowPrivate, Logger: log})
	a.hooks.Register(a.jobs, a.events)
	// Workshop emails, and the reminders due and the deletion of
	// participants' details after the retention period every few minutes.
	a.workshops.RegisterJobs(a.jobs)
	a.workshops.ScheduleTick(a.jobs)
	if err := a.jobs.Ready(); err != nil {
		store.Close()
		database.Close()
		return nil, err
	}
	database.OnEvent(a.events.Publish)
	if created {
		seed, err := fs.Sub(curriculum.FS, ".")
		if err == nil {
			_, err = store.Seed(ctx, seed, praxis.Signature{Name: "praxis", Email: "praxis@localhost"}, seedMessage)
		}
		if err != nil {
			a.close()
			return nil, fmt.Errorf("seed the curriculum repository: %w", err)
		}
		log.Info("created the curriculum repository from the starter curriculum", "path", store.Path())
	}
	start := time.Now()
	n, err := store.CatchUp(ctx)
	if err != nil {
		a.close()
		return nil, fmt.Errorf("catch up the history index: %w", err)
	}
	if n > 0 {
		log.Info("history index caught up", "commits", n, "took", time.Since(start).Round(time.Millisecond))
	}
	// A history index from a praxis that did not record module renames is
	// looked through for them once.
	if n, err := index.ScanRenames(ctx, store.CommitRenames); err != nil {
		a.close()
		return nil, fmt.Errorf("look for module renames in the history index: %w", err)
	} else if n > 0 {
		log.Info("history index scanned for module renames", "commits", n)
	}
	// What a crash or a restore left half done: proposals are brought into
	// line with the refs before anyone reads them.
	done, err := a.review.Reconcile(ctx)
	if err != nil {
		log.Error("reconciling proposals with the repository", "err", err)
	}
	if done.Changed() {
		log.Info("proposals reconciled with the repository", "opened", done.Opened, "merged", done.Merged, "closed", done.Closed,
			"removed", done.Removed, "updated", done.Updated, "forks", done.Forks)
	}
	return a, nil
}

// pushed runs after each request of a git push: each proposal branch
// becomes or updates a proposal (and any of the person's branches without
// one gets one), and the history and search indexes catch up.
func (a *app) pushed(ctx context.Context, u *praxis.User, updates []githttp.Update) {
	prefix := githttp.PushPrefix(u.ID)
	refs := make([]review.RefUpdate, 0, len(updates))
	for _, up := range updates {
		if !strings.HasPrefix(up.Ref, prefix) {
			continue // the hook refuses these; nothing to do
		}
		if err := a.history.RecordPush(ctx, u, up.Commits); err != nil {
			a.log.Error("git push: record who pushed", "ref", up.Ref, "err", err)
		}
		refs = append(refs, review.RefUpdate{Ref: up.Ref, Old: up.Old, New: up.New})
	}
	proposals, err := a.review.Pushed(ctx, u, refs)
	if err != nil {
		a.log.Error("git push: proposals", "user", u.ID, "err", err)
	}
	for _, p := range proposals {
		a.log.Info("git push", "user", u.ID, "branch", p.Branch, "proposal", p.ID)
	}
	if len(updates) == 0 {
		return
	}
	if _, err := a.store.CatchUp(ctx); err != nil {
		a.log.Error("git push: history index", "err", err)
	}
	if _, err := a.search.Update(ctx); err != nil {
		a.log.Error("git push: search index", "err", err)
	}
}

// releaseModules lists the modules a release changed since the one before.
func (a *app) releaseModules(ctx context.Context, name string) ([]string, error) {
	releases, err := a.releases.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range releases {
		if r.Name == name {
			modules := make([]string, len(r.Modules))
			for i, m := range r.Modules {
				modules[i] = m.Slug
			}
			return modules, nil
		}
	}
	return nil, nil
}

// cloneCurriculum makes the data directory's repository a bare clone of
// another curriculum, on a first start only (an existing repository is left
// alone). It needs git.
func cloneCurriculum(ctx context.Context, from, repoPath string, log *slog.Logger) error {
	if entries, err := os.ReadDir(repoPath); err == nil && len(entries) > 0 {
		log.Info("the curriculum repository exists; --curriculum-from is used only on a first start", "path", repoPath)
		return nil
	}
	git, err := exec.LookPath("git")
	if err != nil {
		return praxis.Errorf(praxis.EINVALID, "--curriculum-from needs the git program, which is not installed")
	}
	tmp := repoPath + ".cloning"
	os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, git, "clone", "--bare", "--quiet", "--", from, tmp)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(tmp)
		return praxis.Errorf(praxis.EINVALID, "cannot clone the curriculum from %s: %s", from, strings.TrimSpace(string(out)))
	}
	if _, err := os.Stat(filepath.Join(tmp, "refs", "heads", praxis.MainBranch)); err != nil {
		if out, err := exec.CommandContext(ctx, git, "-C", tmp, "show-ref", "--verify", "--quiet", "refs/heads/"+praxis.MainBranch).CombinedOutput(); err != nil {
			os.RemoveAll(tmp)
			return praxis.Errorf(praxis.EINVALID, "the repository at %s has no branch %q to serve as the curriculum%s", from, praxis.MainBranch, strings.TrimSpace(string(out)))
		}
	}
	os.RemoveAll(repoPath) // an empty folder
	if err := os.Rename(tmp, repoPath); err != nil {
		return fmt.Errorf("clone the curriculum: %w", err)
	}
	log.Info("cloned the curriculum", "from", from, "path", repoPath)
	return nil
}

func (a *app) close() error {
	return errors.Join(a.store.Close(), a.db.Close())
}

// prepareDataDir makes sure the data directory exists and can be written, and
// says so in one sentence when it cannot.
func prepareDataDir(dir string) error {
	// A new data directory is the owner's only: it holds the database and
	// backups. An existing one keeps the mode its operator gave it.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return praxis.Errorf(praxis.EINVALID, "cannot use %s as the data directory: %s", dir, reason(err))
	}
	probe, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return praxis.Errorf(praxis.EINVALID, "the data directory %s is not writable: %s", dir, reason(err))
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}

// reason returns the operating system's words for why a file operation failed.
func reason(err error) string {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		if errors.Is(pathErr.Err, syscall.ENOTDIR) {
			return "a file is in the way of the folder"
		}
		return pathErr.Err.Error()
	}
	return err.Error()
}
