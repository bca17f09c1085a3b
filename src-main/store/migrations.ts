/**
 * Numbered schema migrations. `PRAGMA user_version` holds the number applied; each migration
 * runs in its own transaction. Never edit a released migration: append a new one.
 */
export const MIGRATIONS: string[] = [
  // 1: runs, per-epoch metrics (with the EB trace) and spline distance rows
  `
  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    config_json TEXT NOT NULL,
    dataset TEXT NOT NULL,
    model TEXT NOT NULL,
    method TEXT NOT NULL,
    epochs INTEGER NOT NULL,
    epochs_done INTEGER NOT NULL DEFAULT 0,
    backend TEXT,
    test_accuracy REAL,
    eb_epoch INTEGER,
    params INTEGER,
    layers_json TEXT,
    probe_json TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    heartbeat_at TEXT,
    wall_seconds REAL,
    error TEXT
  );
  CREATE INDEX runs_created ON runs(created_at);
  CREATE TABLE epoch_metrics (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL,
    phase TEXT NOT NULL,
    train_loss REAL,
    train_accuracy REAL,
    test_loss REAL,
    test_accuracy REAL,
    lr REAL,
    seconds REAL,
    spline_seconds REAL,
    eb_max_distance REAL,
    eb_threshold REAL,
    PRIMARY KEY (run_id, epoch)
  ) WITHOUT ROWID;
  CREATE TABLE spline_distances (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    layer TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    row BLOB NOT NULL,
    PRIMARY KEY (run_id, layer, epoch)
  ) WITHOUT ROWID;
  `,
  // 2: imported datasets; the data lives in the cache file, this row is the catalogue entry
  `
  CREATE TABLE datasets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    source_path TEXT NOT NULL,
    format TEXT NOT NULL,
    content_key TEXT NOT NULL,
    cache_file TEXT NOT NULL,
    task TEXT NOT NULL,
    input_shape_json TEXT NOT NULL,
    num_classes INTEGER NOT NULL,
    train_count INTEGER NOT NULL,
    test_count INTEGER NOT NULL,
    info_json TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX datasets_source ON datasets(source_path);
  `,
  // 3: pruning results, the BN-mask EB trace, sweeps
  `
  ALTER TABLE runs ADD COLUMN criterion TEXT;
  ALTER TABLE runs ADD COLUMN ratio REAL;
  ALTER TABLE runs ADD COLUMN macs REAL;
  ALTER TABLE runs ADD COLUMN flops REAL;
  ALTER TABLE runs ADD COLUMN train_flops REAL;
  ALTER TABLE runs ADD COLUMN bn_eb_epoch INTEGER;
  ALTER TABLE runs ADD COLUMN sweep_id TEXT;
  ALTER TABLE runs ADD COLUMN arch_before_json TEXT;
  ALTER TABLE runs ADD COLUMN arch_after_json TEXT;
  ALTER TABLE runs ADD COLUMN pruning_json TEXT;
  CREATE INDEX runs_sweep ON runs(sweep_id);
  ALTER TABLE epoch_metrics ADD COLUMN bn_eb_max_distance REAL;
  ALTER TABLE epoch_metrics ADD COLUMN bn_eb_threshold REAL;
  `,
  // 4: crash safety: each epoch row names its checkpoint file (committed only once the file is
  // durable); a run records the process training it (host:pid) and how often it was resumed
  `
  ALTER TABLE epoch_metrics ADD COLUMN checkpoint TEXT;
  ALTER TABLE runs ADD COLUMN owner TEXT;
  ALTER TABLE runs ADD COLUMN resumes INTEGER NOT NULL DEFAULT 0;
  `,
  // 5: the defaults each run's plan resolved (criterion, BN-L1, fine-tuning, augmentation, MACs target)
  `
  ALTER TABLE runs ADD COLUMN resolved_json TEXT;
  `,
]
