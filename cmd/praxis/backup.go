package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/praxis-coop/praxis/internal/backup"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/praxis"
)

func runBackup(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "backup", "backup --data DIR --out FILE",
		`Writes one archive (.tar.gz) of a data directory: a consistent copy of the
database and of the curriculum repository, and a manifest with versions and
checksums. Safe while praxis serves: the database is copied from one snapshot
and the repository from its refs at one moment. Restore it with praxis restore.`)
	dataDir := fs.String("data", envOr(env, "PRAXIS_DATA", defaultDataDir), "`DIR` holding the database and the curriculum (env PRAXIS_DATA)")
	out := fs.String("out", "", "`FILE` to write the backup to")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if *out == "" {
		return praxis.Errorf(praxis.EINVALID, "give --out FILE: where to write the backup")
	}
	if _, err := os.Stat(filepath.Join(*dataDir, backup.DatabaseFile)); err != nil {
		return praxis.Errorf(praxis.EINVALID, "%s holds no praxis database", *dataDir)
	}
	m, err := writeBackup(ctx, *dataDir, *out)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "Backed up %s to %s: %d files, main at %s.\n", *dataDir, *out, len(m.Files), praxis.ShortID(m.Main))
	return nil
}

// writeBackup writes a backup to a temporary file beside out and renames it
// into place, so a failed backup never leaves half a file under the name.
func writeBackup(ctx context.Context, dataDir, out string) (*backup.Manifest, error) {
	tmp, err := os.CreateTemp(filepath.Dir(out), ".praxis-backup-*")
	if err != nil {
		return nil, praxis.Errorf(praxis.EINVALID, "cannot write to %s: %s", filepath.Dir(out), reason(err))
	}
	defer os.Remove(tmp.Name())
	version, _ := praxisVersion()
	m, err := backup.Create(ctx, dataDir, tmp, backup.Options{PraxisVersion: version, SchemaVersion: db.SchemaVersion()})
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return nil, err
	}
	return m, nil
}

func runRestore(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "restore", "restore --from FILE --data DIR [--force]",
		`Restores a backup made by praxis backup into a data directory. Every file is
checked against the backup's checksums before anything is written. The
directory must be empty unless --force is given (then its database and
repository are replaced). Stop praxis before restoring over its data.`)
	from := fs.String("from", "", "the backup `FILE`")
	dataDir := fs.String("data", envOr(env, "PRAXIS_DATA", defaultDataDir), "`DIR` to restore into (env PRAXIS_DATA)")
	force := fs.Bool("force", false, "replace the data in a directory that is not empty")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if *from == "" {
		return praxis.Errorf(praxis.EINVALID, "give --from FILE: the backup to restore")
	}
	f, err := os.Open(*from)
	if err != nil {
		return praxis.Errorf(praxis.EINVALID, "cannot read %s: %s", *from, reason(err))
	}
	defer f.Close()
	m, err := backup.Restore(ctx, f, *dataDir, *force)
	if err != nil {
		return err
	}
	if m.SchemaVersion > db.SchemaVersion() {
		return praxis.Errorf(praxis.EINVALID, "restored, but the backup's database (schema %d) is newer than this praxis (schema %d): upgrade praxis to use it", m.SchemaVersion, db.SchemaVersion())
	}
	fmt.Fprintf(env.stdout, "Restored %s (made %s by praxis %s) into %s: main at %s.\n", *from,
		m.CreatedAt.Format(time.RFC3339), m.Praxis, *dataDir, praxis.ShortID(m.Main))
	return nil
}

// scheduleBackups writes a backup into dir every interval and keeps the
// newest keep, until ctx ends.
func scheduleBackups(ctx context.Context, dataDir, dir string, every time.Duration, keep int, log *slog.Logger) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		log.Error("scheduled backups: cannot create the folder", "dir", dir, "err", err)
		return
	}
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		start := time.Now()
		out := filepath.Join(dir, backup.FileName(start))
		if _, err := writeBackup(ctx, dataDir, out); err != nil {
			log.Error("scheduled backup failed", "err", err)
			continue
		}
		if err := backup.Prune(dir, keep); err != nil {
			log.Error("scheduled backups: pruning", "err", err)
		}
		log.Info("backup written", "file", out, "took", time.Since(start).Round(time.Millisecond))
	}
}
