package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/scenrun/scenrun/fsm"
	"github.com/scenrun/scenrun/fsm/postgres"
	"github.com/scenrun/scenrun/fsm/sqlite"
	"github.com/scenrun/scenrun/scenario"
)

// A trialStore is one trial's database and what to do with it afterwards.
type trialStore struct {
	fsm.Store
	// walBytes is the WAL written during the trial where the database
	// counts it (PostgreSQL); nil elsewhere.
	walBytes func(context.Context) (int64, error)
	// kept is what to print of a kept database: SQLite's file path,
	// PostgreSQL's database name.
	kept string
	// remove deletes what the trial created (SQLite's temporary directory);
	// PostgreSQL drops its database on Close unless kept.
	remove func() error
}

// openStore creates a fresh database for one trial of run: a file in a
// temporary directory under tmpRoot for SQLite, a new database on the
// server for PostgreSQL (SPEC §10).
func openStore(ctx context.Context, run scenario.Run, w *fsm.Workload, tmpRoot string) (*trialStore, error) {
	cfg := run.Config
	if cfg.Database == "postgres" {
		db, err := postgres.Open(ctx, cfg.Postgres, dbOptions("", cfg, w), cfg.Isolation)
		if err != nil {
			return nil, err
		}
		ts := &trialStore{Store: db, walBytes: db.WALBytes, remove: func() error { return nil }}
		if cfg.KeepDB {
			db.Keep()
			ts.kept = db.Name()
		}
		return ts, nil
	}
	dir, err := os.MkdirTemp(tmpRoot, "scenrun-"+run.Name+"-")
	if err != nil {
		return nil, fmt.Errorf("create database directory: %w", err)
	}
	path := filepath.Join(dir, "scenrun.db")
	ts := &trialStore{remove: func() error { return os.RemoveAll(dir) }}
	if cfg.KeepDB {
		ts.kept, ts.remove = path, func() error { return nil }
	}
	db, err := sqlite.Open(ctx, dbOptions(path, cfg, w))
	if err != nil {
		return ts, err
	}
	ts.Store = db
	return ts, nil
}

// attachStore opens, in a worker process, the database of the trial whose
// parent opened it at path (a file, or a PostgreSQL database's URL).
func attachStore(ctx context.Context, path string, cfg scenario.Config, w *fsm.Workload) (fsm.Store, error) {
	if cfg.Database == "postgres" {
		return postgres.Attach(ctx, path, dbOptions("", cfg, w), cfg.Isolation)
	}
	return sqlite.Open(ctx, dbOptions(path, cfg, w))
}

// dbOptions are the options every connection of a run is opened with, in
// the parent and in every worker process alike. Pragmas and txlock are
// SQLite's; a PostgreSQL run has its isolation instead.
func dbOptions(path string, cfg scenario.Config, w *fsm.Workload) fsm.Options {
	if cfg.Database == "postgres" {
		return fsm.Options{ConnectSQL: cfg.ConnectSQL, Workload: w}
	}
	return fsm.Options{Path: path, Pragmas: cfg.Pragmas, TxLock: cfg.TxLock, ConnectSQL: cfg.ConnectSQL, Workload: w}
}

// stmtError places a statement the server refused when the trial started
// (PostgreSQL prepares every statement before seeding) at its position in
// the spec, which validate could not check without the server.
func stmtError(err error, wl *scenario.Workload) error {
	var se *fsm.SQLError
	if !errors.As(err, &se) || wl == nil {
		return err
	}
	at := func(s scenario.Statement) (scenario.Pos, bool) { return s.Pos, s.Text == se.Stmt && s.Pos.Line > 0 }
	var cands []scenario.Statement
	for _, s := range wl.Schema {
		cands = append(cands, s)
	}
	cands = append(cands, wl.Seed)
	for _, st := range wl.Steps {
		cands = append(cands, st.SQL...)
	}
	if wl.Readers != nil {
		cands = append(cands, wl.Readers.SQL)
	}
	for _, c := range cands {
		if pos, ok := at(c); ok {
			return fmt.Errorf("workload %q, line %d col %d: %w", wl.Name, pos.Line, pos.Col, err)
		}
	}
	return err
}
