package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/praxis-coop/praxis/curriculum"
	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/delivery"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/history"
	"github.com/praxis-coop/praxis/internal/mail"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/review"
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
	versions *history.Versions
	delivery *delivery.Service
}

// options are the settings that shape the app beyond its data directory.
type options struct {
	baseURL string
	mail    *mail.Sender
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
	index := history.New(database)
	store, created, err := gitstore.Open(filepath.Join(dataDir, repositoryDir), gitstore.Options{Indexer: index, Logger: log})
	if err != nil {
		database.Close()
		return nil, err
	}
	a := &app{log: log, db: database, store: store, catalog: catalog.New(store, database), history: index}
	a.versions = history.NewVersions(index, store, database)
	a.review = review.New(review.Config{DB: database, Store: store, Catalog: a.catalog, Logger: log})
	a.delivery = delivery.New(delivery.Config{DB: database, Catalog: a.catalog, History: index, Versions: a.versions, Forks: a.review, Logger: log})
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
	return a, nil
}

func (a *app) close() error {
	return errors.Join(a.store.Close(), a.db.Close())
}

// prepareDataDir makes sure the data directory exists and can be written, and
// says so in one sentence when it cannot.
func prepareDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
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
