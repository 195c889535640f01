package engine

import (
	"context"
	"fmt"

	"github.com/scenrun/scenrun/fsm"
)

// A mode opens the writer of one connection mode over a trial's database.
type mode func(ctx context.Context, db fsm.Store, poolSize, batchSize int) (writer, error)

// modes is the registry of connection modes, name → constructor, as
// venom's executors: the one place a mode is wired in. The names are the
// spec's vocabulary (scenario.Connections, where `connection:` is checked
// with its position); TestModesAreTheVocabulary holds the two to each other.
var modes = map[string]mode{
	"per_file": func(_ context.Context, db fsm.Store, _, _ int) (writer, error) {
		// No idle connections: every file's connection is opened for it and
		// closed after it, as the reference's aiosqlite.connect per file.
		db.SetMaxIdle(0)
		return perFile{db: db}, nil
	},
	"per_worker": func(_ context.Context, db fsm.Store, _, _ int) (writer, error) {
		// A worker's connection ends with the worker: a worker that starts
		// after another finished opens its own instead of the finished
		// one's idle connection.
		db.SetMaxIdle(0)
		return perWorker{db: db}, nil
	},
	"shared": func(ctx context.Context, db fsm.Store, _, _ int) (writer, error) {
		c, err := db.Conn(ctx)
		if err != nil {
			return nil, err
		}
		return &shared{conn: c}, nil
	},
	"pool": func(ctx context.Context, db fsm.Store, poolSize, _ int) (writer, error) {
		return newPool(ctx, db, poolSize)
	},
	"single_writer": func(ctx context.Context, db fsm.Store, _, batchSize int) (writer, error) {
		return newSingleWriter(ctx, db, batchSize)
	},
}

// newWriter returns the writer of a connection mode over db.
func newWriter(ctx context.Context, name string, db fsm.Store, poolSize, batchSize int) (writer, error) {
	m, ok := modes[name]
	if !ok {
		return nil, fmt.Errorf("unknown connection mode %q", name)
	}
	return m(ctx, db, poolSize, batchSize)
}
