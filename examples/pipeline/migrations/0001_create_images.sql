-- The table the seed's routes and consumer read and write (types as in `shared { type ImageRecord }`).
CREATE TABLE IF NOT EXISTS images (
    id TEXT PRIMARY KEY,
    original_key TEXT NOT NULL,
    processed_key TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS images_status ON images (status);
