-- Images: the original is in R2 at <id>/original, its variants at <id>/<variant>.
CREATE TABLE IF NOT EXISTS images (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    content_type TEXT NOT NULL,
    status TEXT NOT NULL,                      -- uploaded | ready | failed | deleted
    variants_ready INTEGER NOT NULL DEFAULT 0,
    backup_status TEXT NOT NULL DEFAULT 'pending',  -- pending | backed_up | removed
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS images_status ON images (status, updated_at);

-- Custom domains, verified by the DOMAINS queue until their DNS record shows up.
CREATE TABLE IF NOT EXISTS domains (
    id TEXT PRIMARY KEY,
    hostname TEXT NOT NULL,
    status TEXT NOT NULL,                      -- pending | active | failed
    checks INTEGER NOT NULL DEFAULT 0,
    dns_ready INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
