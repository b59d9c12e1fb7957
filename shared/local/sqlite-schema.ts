import type Database from 'better-sqlite3';

/**
 * The SQLite schema of the local run store, as an ordered list of migrations. `PRAGMA user_version`
 * records how many have run; opening a file runs the missing ones, each in its own transaction, so
 * an older `.pushline/pushline.db` is upgraded in place and a newer one is refused.
 *
 * Add a migration by appending to the list — never edit one that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE runs (
    id         TEXT PRIMARY KEY,
    pipeline   TEXT NOT NULL,
    status     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    version    INTEGER NOT NULL,
    snapshot   TEXT NOT NULL
  );
  CREATE INDEX runs_by_pipeline ON runs (pipeline, id);
  CREATE INDEX runs_by_status ON runs (status, id);

  -- The event log. The implicit rowid is the commit order across runs, which the outbox follows.
  CREATE TABLE events (
    run_id        TEXT NOT NULL REFERENCES runs (id),
    seq           INTEGER NOT NULL,
    event_id      TEXT NOT NULL,
    detail_type   TEXT NOT NULL,
    detail        TEXT NOT NULL,
    disposition   TEXT NOT NULL CHECK (disposition IN ('applied', 'ignored')),
    reason        TEXT,
    recorded_at   TEXT NOT NULL,
    dispatched_at TEXT,
    UNIQUE (run_id, seq),
    UNIQUE (run_id, event_id)
  );
  -- Only applied entries are published; this index holds exactly the outbox's backlog.
  CREATE INDEX events_undispatched ON events (run_id, seq)
    WHERE dispatched_at IS NULL AND disposition = 'applied';

  CREATE TABLE deliveries (
    provider TEXT NOT NULL,
    id       TEXT NOT NULL,
    run_ids  TEXT NOT NULL,
    seen_at  TEXT NOT NULL,
    PRIMARY KEY (provider, id)
  );

  CREATE TABLE refs (
    kind   TEXT NOT NULL,
    id     TEXT NOT NULL,
    run_id TEXT NOT NULL,
    PRIMARY KEY (kind, id)
  );

  CREATE TABLE notes (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id  TEXT NOT NULL REFERENCES runs (id),
    at      TEXT NOT NULL,
    kind    TEXT NOT NULL,
    message TEXT NOT NULL
  );
  CREATE INDEX notes_by_run ON notes (run_id, id);

  CREATE TABLE attributes (
    run_id TEXT NOT NULL REFERENCES runs (id),
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
  );
  `,
  // 2: state per pipeline (its freeze), versioned for optimistic concurrency.
  `
  CREATE TABLE pipeline_states (
    pipeline TEXT PRIMARY KEY,
    version  INTEGER NOT NULL,
    state    TEXT NOT NULL
  );
  `,
  // 3: the active-run index the concurrency decisions read (RunStore.activeRuns): set while a run
  // runs, NULL once it ended. \`active_age\` is the creation time in ms (compareAge: then the id).
  // Rows written before this migration are indexed when the store opens (indexActiveRuns).
  `
  ALTER TABLE runs ADD COLUMN phase TEXT;
  ALTER TABLE runs ADD COLUMN active_age INTEGER;
  ALTER TABLE runs ADD COLUMN summary TEXT;
  CREATE INDEX runs_active ON runs (pipeline, active_age, id) WHERE phase IS NOT NULL;
  CREATE INDEX runs_active_by_phase ON runs (pipeline, phase, active_age, id) WHERE phase IS NOT NULL;
  `,
  // 4: short ids (the last 8 characters) found through an index, not by reading every id.
  `
  ALTER TABLE runs ADD COLUMN short_id TEXT GENERATED ALWAYS AS (substr(id, -8)) VIRTUAL;
  CREATE INDEX runs_by_short_id ON runs (short_id, id);
  `,
  // 5: retention finds old runs, and deletes their refs and old deliveries, without scanning
  // (SqliteRunStore.pruneRuns).
  `
  CREATE INDEX runs_by_created ON runs (created_at, id);
  CREATE INDEX refs_by_run ON refs (run_id);
  CREATE INDEX deliveries_by_seen ON deliveries (seen_at);
  `,
];

/**
 * Sets the connection up (WAL, synchronous=NORMAL, a busy timeout so a second process — `pushline
 * runs` reading while the server writes — waits instead of failing) and runs pending migrations.
 */
export function prepareDatabase(db: Database.Database, { busyTimeoutMs = 5000 } = {}): void {
  // WAL lets readers (the CLI) work while the server writes; NORMAL is durable across app crashes
  // in WAL mode, and only a power loss can lose the last commits.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
  db.pragma('foreign_keys = ON');
  // A 32 MB page cache (SQLite's default is 2 MB): a store of thousands of runs keeps its indexes
  // and recent snapshots in memory instead of reading them back from the file on every step.
  db.pragma('cache_size = -32000');
  migrate(db);
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `the database ${db.name} has schema version ${current}, newer than this Pushline (${MIGRATIONS.length}); upgrade Pushline`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}
