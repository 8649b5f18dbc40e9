-- One row per POST /api/analyses; the input text itself is in R2 under input_key.
CREATE TABLE IF NOT EXISTS analyses (
    id TEXT PRIMARY KEY,
    input_key TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',   -- pending | in_progress | completed | failed
    label TEXT,                               -- the model's top label (POSITIVE / NEGATIVE)
    score REAL,
    attempts INTEGER NOT NULL DEFAULT 0,      -- inferences started
    runs INTEGER NOT NULL DEFAULT 0,          -- times it completed (more than 1 would be a duplicate)
    error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS analyses_status ON analyses (status);
