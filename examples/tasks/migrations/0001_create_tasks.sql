-- One row per accepted task; idempotency_key is unique, so a key seen twice is one task.
CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    image_url TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued',   -- queued | retrying | done
    format TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,     -- deliveries that did the work or failed at it
    effects INTEGER NOT NULL DEFAULT 0,      -- times the effect was written: 1, whatever was delivered twice
    duplicates INTEGER NOT NULL DEFAULT 0,   -- deliveries that found the task already done
    error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
