-- The files table of a file-ingestion pipeline: one row a file, its lifecycle
-- state, an optimistic-concurrency version, and what each transition records.
CREATE TABLE IF NOT EXISTS files (
    path              TEXT PRIMARY KEY,
    state             TEXT NOT NULL CHECK (state IN ('untracked', 'uploading', 'processing', 'indexed', 'failed')),
    version           INTEGER NOT NULL DEFAULT 0,
    size_bytes        INTEGER NOT NULL DEFAULT 0,
    attempts          INTEGER NOT NULL DEFAULT 0,
    upload_id         TEXT,
    import_id         TEXT,
    error             TEXT,
    created_at        INTEGER NOT NULL,  -- unix milliseconds
    updated_at        INTEGER NOT NULL,
    upload_started_at INTEGER,
    uploaded_at       INTEGER,
    indexed_at        INTEGER,
    failed_at         INTEGER
);
CREATE INDEX IF NOT EXISTS files_state ON files (state);
