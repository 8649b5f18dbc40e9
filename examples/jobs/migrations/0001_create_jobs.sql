-- Jobs of the async API: one row per POST /api/jobs, moved through its states by the consumer.
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',   -- pending | in_progress | completed | failed
    attempts INTEGER NOT NULL DEFAULT 0,      -- deliveries the consumer has started
    runs INTEGER NOT NULL DEFAULT 0,          -- times it completed (more than 1 would be a duplicate)
    result TEXT,
    error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status);

-- One row per notification the second queue's consumer delivered.
CREATE TABLE IF NOT EXISTS notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL,
    status TEXT NOT NULL,
    sent_at INTEGER NOT NULL
);
