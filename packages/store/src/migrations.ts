// The store's schema, as numbered steps applied in order at start-up on either backend. A step is
// never edited once released: a change is a new step. The database records the steps it has in
// `tagwire_migrations`, so a start-up applies only the missing ones, and one that finds a step it
// does not know (written by a newer tagwire) refuses to run rather than guess.

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sqlite: string;
  readonly postgres: string;
}

export const MIGRATIONS: ReadonlyArray<Migration> = [
  {
    version: 1,
    name: "syncs, their state as digests, and run history",
    sqlite: `
      CREATE TABLE syncs (
        id TEXT PRIMARY KEY,
        instance TEXT NOT NULL,
        plan TEXT NOT NULL,
        action TEXT NOT NULL,
        workspace TEXT NOT NULL,
        connector TEXT NOT NULL,
        salt BLOB NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE sync_state (
        sync_id TEXT NOT NULL REFERENCES syncs (id) ON DELETE CASCADE,
        key BLOB NOT NULL,
        content BLOB NOT NULL,
        sealed BLOB,
        PRIMARY KEY (sync_id, key)
      ) WITHOUT ROWID;
      -- Confirmed digests as they arrive, folded into sync_state in key order in large transactions
      -- (see sqlite.ts): random keys written straight into sync_state would rewrite most of its pages
      -- at every commit.
      CREATE TABLE sync_confirmed (
        seq INTEGER PRIMARY KEY,
        sync_id TEXT NOT NULL,
        key BLOB NOT NULL,
        content BLOB NOT NULL,
        sealed BLOB
      );
      CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        sync_id TEXT,
        connector TEXT NOT NULL,
        action TEXT,
        source TEXT NOT NULL,
        webhook_id TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        figures TEXT,
        rejected_groups TEXT,
        failed_groups TEXT,
        success INTEGER
      );
      CREATE INDEX runs_by_start ON runs (started_at);
      CREATE INDEX runs_by_sync ON runs (sync_id, started_at);
    `,
    postgres: `
      CREATE TABLE syncs (
        id text PRIMARY KEY,
        instance text NOT NULL,
        plan text NOT NULL,
        action text NOT NULL,
        workspace text NOT NULL,
        connector text NOT NULL,
        salt bytea NOT NULL,
        created_at timestamptz NOT NULL
      );
      CREATE TABLE sync_state (
        sync_id text NOT NULL REFERENCES syncs (id) ON DELETE CASCADE,
        key bytea NOT NULL CHECK (length(key) = 16),
        content bytea NOT NULL CHECK (length(content) = 16),
        sealed bytea,
        PRIMARY KEY (sync_id, key)
      );
      CREATE TABLE runs (
        run_id text PRIMARY KEY,
        sync_id text,
        connector text NOT NULL,
        action text,
        source text NOT NULL,
        webhook_id text,
        started_at timestamptz NOT NULL,
        finished_at timestamptz,
        figures jsonb,
        rejected_groups jsonb,
        failed_groups jsonb,
        success boolean
      );
      CREATE INDEX runs_by_start ON runs (started_at);
      CREATE INDEX runs_by_sync ON runs (sync_id, started_at);
    `,
  },
  {
    version: 2,
    name: "holding a sync for one run at a time, and the rate budgets replicas share",
    // One host: a lease a process takes atomically and renews while its run goes on; a process
    // killed without releasing it lets it expire (see sqlite-database.ts).
    sqlite: `
      CREATE TABLE sync_leases (
        sync_id TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
    `,
    // Replicas hold a sync with a session advisory lock (postgres.ts), which needs no table. The
    // budgets' table is the one rate-limiter-flexible's RateLimiterPostgres reads and writes
    // (shared-rate-budgets.ts), created here rather than by the library at run time.
    postgres: `
      CREATE TABLE tagwire_rate_budgets (
        key varchar(255) PRIMARY KEY,
        points integer NOT NULL DEFAULT 0,
        expire bigint
      );
    `,
  },
  {
    version: 3,
    name: "how long each run's reading and sending took",
    // Milliseconds; null for runs recorded before, for a Look not read to its end, and for a run that sent nothing.
    sqlite: `
      ALTER TABLE runs ADD COLUMN read_ms INTEGER;
      ALTER TABLE runs ADD COLUMN send_ms INTEGER;
    `,
    postgres: `
      ALTER TABLE runs ADD COLUMN read_ms bigint, ADD COLUMN send_ms bigint;
    `,
  },
  {
    version: 4,
    name: "confirmed rows staged, then folded into the state in key order",
    // The SQLite file has staged them since version 1 (sync_confirmed above).
    sqlite: `
      -- nothing to change
    `,
    // No index: a page is appended as it came, and a fold takes a sync's rows in one pass (postgres.ts).
    postgres: `
      CREATE TABLE sync_confirmed (
        seq bigint GENERATED ALWAYS AS IDENTITY,
        sync_id text NOT NULL,
        key bytea NOT NULL CHECK (length(key) = 16),
        content bytea NOT NULL CHECK (length(content) = 16),
        sealed bytea
      );
    `,
  },
];

/** The steps a database that has `applied` still needs; refuses a database that has steps this code does not know. */
export function pendingMigrations(applied: ReadonlyArray<number>, known: ReadonlyArray<Migration> = MIGRATIONS): ReadonlyArray<Migration> | { readonly newer: number } {
  const latest = known.reduce((max, m) => Math.max(max, m.version), 0);
  const newest = applied.reduce((max, v) => Math.max(max, v), 0);
  if (newest > latest) return { newer: newest };
  const have = new Set(applied);
  return known.filter((m) => !have.has(m.version));
}

export const newerSchema = (newer: number) =>
  `the store's schema is at version ${newer}, written by a newer tagwire; this one knows versions up to ${MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0)}: upgrade tagwire`;
