-- The files table of a file-ingestion pipeline on PostgreSQL: the same
-- columns as on SQLite, one row a file, its lifecycle state, an
-- optimistic-concurrency version, and what each transition records.
CREATE TABLE IF NOT EXISTS files (
    path              TEXT PRIMARY KEY,
    state             TEXT NOT NULL CHECK (state IN ('untracked', 'uploading', 'processing', 'indexed', 'failed')),
    version           BIGINT NOT NULL DEFAULT 0,
    size_bytes        BIGINT NOT NULL DEFAULT 0,
    attempts          BIGINT NOT NULL DEFAULT 0,
    upload_id         TEXT,
    import_id         TEXT,
    error             TEXT,
    created_at        BIGINT NOT NULL,  -- unix milliseconds
    updated_at        BIGINT NOT NULL,
    upload_started_at BIGINT,
    uploaded_at       BIGINT,
    indexed_at        BIGINT,
    failed_at         BIGINT
);
CREATE INDEX IF NOT EXISTS files_state ON files (state);
