// The shared store: a Postgres database (pg, loaded only when a store is opened), for servers that
// run as more than one replica. Pages move as whole columns: confirmed digests go up as one bytea
// per column, cut into rows by the server, and state comes back one aggregated row per page, so no
// statement costs a round trip or an object per row.
import type Pg from "pg";
import * as Effect from "effect/Effect";
import { DIGEST_BYTES, pollHold, StoreError, type DigestPage, type RunRecord, type SyncIdentity, type SyncRecord, type SyncSummary } from "@tagwire/engine";
import { describePostgres, withoutSecret } from "./config.js";
import { storeFailure } from "./failure.js";
import { asBuffer, checkKeys, checkPage, digestColumn, FOLD_WHEN_IDLE_MS } from "./digest-pages.js";
import { newerSchema, pendingMigrations } from "./migrations.js";
import { newSalt, RUN_COLUMNS, runColumns, runRecordOf, syncIdOf, syncOf, type StoredRun, type SyncRow } from "./records.js";
import type { OpenedStore } from "./opened-store.js";

/** Connections per process: executes share them; a page's statement holds one only while it runs. */
const POOL_SIZE = 4;
/**
 * Rows of state per fetch, at most: the driver makes an array and a Buffer per column of each row
 * it fetches, so a fetch of 65,536 rows held about 40 MB of heap until its page was built.
 */
const FETCH_ROWS = 8192;

// Confirmed pages are staged as they come (a heap append: 0.9 s for a million rows, against 5.6 to
// 6.0 s upserted into the state's index, on the 2-core machine) and folded into sync_state in key
// order, in one statement per sync: once this process has confirmed nothing for the sync for a
// second (after a run's last page), and before anything reads, removes or counts its state. Staged
// rows are committed; any process folds them, so a replica that stops with rows staged loses none.
const STAGE = `
  INSERT INTO sync_confirmed (sync_id, key, content, sealed)
  SELECT $1, substring($2::bytea FROM i * 16 + 1 FOR 16), substring($3::bytea FROM i * 16 + 1 FOR 16), ($4::bytea[])[i + 1]
  FROM generate_series(0, $5::int - 1) AS i ORDER BY i`;

// One sync's staged rows ($1), or every sync's (null). For a key confirmed more than once the last
// one wins (ON CONFLICT may touch a row once per statement). Two folds at once take each row once:
// the second waits for the rows the first deletes, then finds them gone.
const FOLD = `
  WITH moved AS (DELETE FROM sync_confirmed WHERE $1::text IS NULL OR sync_id = $1 RETURNING sync_id, key, content, sealed, seq)
  INSERT INTO sync_state (sync_id, key, content, sealed)
  SELECT DISTINCT ON (sync_id, key) sync_id, key, content, sealed FROM moved ORDER BY sync_id, key, seq DESC
  ON CONFLICT (sync_id, key) DO UPDATE SET content = EXCLUDED.content, sealed = EXCLUDED.sealed`;

const FORGET = `
  DELETE FROM sync_state WHERE sync_id = $1 AND key IN (
    SELECT substring($2::bytea FROM i * 16 + 1 FOR 16) FROM generate_series(0, $3::int - 1) AS i)`;

/** Fetched rows as a page's columns. */
function pageOf(rows: ReadonlyArray<readonly [Buffer, Buffer, Buffer | null]>): DigestPage {
  const keys = new Uint8Array(rows.length * DIGEST_BYTES);
  const contents = new Uint8Array(rows.length * DIGEST_BYTES);
  let sealed: Array<Uint8Array | undefined> | undefined;
  rows.forEach(([key, content, seal], i) => {
    keys.set(key, i * DIGEST_BYTES);
    contents.set(content, i * DIGEST_BYTES);
    if (seal !== null) (sealed ??= new Array<Uint8Array | undefined>(rows.length))[i] = new Uint8Array(seal);
  });
  return { count: rows.length, keys, contents, ...(sealed !== undefined ? { sealed } : {}) };
}

const RUN_UPSERT = `INSERT INTO runs (${RUN_COLUMNS.join(", ")}) VALUES (${RUN_COLUMNS.map((_, i) => `$${i + 1}`).join(", ")})
  ON CONFLICT (run_id) DO UPDATE SET ${RUN_COLUMNS.filter((c) => c !== "run_id").map((c) => `${c} = EXCLUDED.${c}`).join(", ")}`;

/**
 * Tries the sync's session advisory lock, keyed by the schema (tagwire's tables in two schemas are
 * two stores) and the sync's id.
 */
const TRY_HOLD = "SELECT pg_try_advisory_lock(hashtextextended('tagwire.sync:' || current_schema() || ':' || $1, 0)) AS held";

export async function openPostgres(url: string): Promise<OpenedStore> {
  const describe = describePostgres(url);
  const scrub = (text: string) => withoutSecret(text, url);
  let pool: Pg.Pool;
  let pg: typeof Pg;
  try {
    pg = (await import("pg")).default;
    pool = new pg.Pool({ connectionString: url, max: POOL_SIZE, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000 });
  } catch (e) {
    throw storeFailure(describe, "cannot use the database URL", e, scrub);
  }
  // A connection that breaks while idle is dropped by the pool; unhandled, the error would end the process.
  pool.on("error", () => undefined);
  try {
    await migrate(pool);
    return new PostgresStore(pool, describe, scrub, () => new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, keepAlive: true }));
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw storeFailure(describe, "cannot prepare the database", e, scrub);
  }
}

async function migrate(pool: Pg.Pool): Promise<void> {
  const client = await pool.connect();
  let broken: unknown;
  try {
    // Replicas starting together take turns: the second finds the steps applied by the first.
    await client.query("SELECT pg_advisory_lock(hashtext('tagwire.migrations:' || current_schema()))");
    try {
      await client.query("CREATE TABLE IF NOT EXISTS tagwire_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)");
      const applied = (await client.query<{ version: number }>("SELECT version FROM tagwire_migrations")).rows.map((r) => r.version);
      const pending = pendingMigrations(applied);
      if ("newer" in pending) throw new StoreError({ reason: newerSchema(pending.newer) });
      for (const step of pending) {
        await client.query("BEGIN");
        try {
          await client.query(step.postgres);
          await client.query("INSERT INTO tagwire_migrations (version, name, applied_at) VALUES ($1, $2, now())", [step.version, step.name]);
          await client.query("COMMIT");
        } catch (e) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw e;
        }
      }
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext('tagwire.migrations:' || current_schema()))");
    }
  } catch (e) {
    broken = e;
    throw e;
  } finally {
    // A client whose session may still hold the lock is closed, not returned to the pool.
    client.release(broken instanceof Error ? broken : undefined);
  }
}

class PostgresStore implements OpenedStore {
  /** Each sync with rows this process staged: its fold, due once it has had no confirm for a while. */
  private readonly dueFolds = new Map<string, ReturnType<typeof setTimeout>>();
  /** Folds started by those timers and not yet ended: closing waits for them. */
  private readonly folding = new Set<Promise<unknown>>();

  constructor(
    private readonly pool: Pg.Pool,
    readonly describe: string,
    private readonly scrub: (text: string) => string,
    /** A connection of its own, outside the pool: a held sync keeps one for its whole run. */
    private readonly connection: () => Pg.Client,
  ) {}

  private attempt<A>(doing: string, run: () => Promise<A>) {
    return Effect.tryPromise({ try: run, catch: (e) => storeFailure(this.describe, doing, e, this.scrub) });
  }

  openSync(identity: SyncIdentity, connector: string) {
    return this.attempt("cannot open the sync", async () => {
      const id = syncIdOf(identity);
      await this.pool.query(
        "INSERT INTO syncs (id, instance, plan, action, workspace, connector, salt, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now()) ON CONFLICT (id) DO NOTHING",
        [id, identity.instance, identity.plan, identity.action, identity.workspace, connector, Buffer.from(newSalt())],
      );
      const { rows } = await this.pool.query<SyncRow>("SELECT * FROM syncs WHERE id = $1", [id]);
      return syncOf(rows[0]!);
    });
  }

  /**
   * A session advisory lock on a connection of its own, held until the scope closes: outside the
   * pool, so runs holding their syncs never take the connections their pages need. The server ends
   * the session's locks when the connection ends, the holder's process killed included; a
   * connection that ends while the lock is held (the server restarted, the session was ended, the
   * network broke) ends the hold, and `onLost` says so.
   */
  holdSync(syncId: string, waitMs: number, onLost?: (why: string) => void) {
    let held = false;
    let released = false;
    const lost = (why: string) => {
      if (!held || released) return;
      released = true;
      onLost?.(why);
    };
    const connect = this.attempt("cannot hold the sync", async () => {
      const client = this.connection();
      // Unhandled, a broken connection's error would end the process.
      client.on("error", (e) => lost(`the connection holding its lock in ${this.describe} broke: ${this.scrub(e.message)}`));
      client.on("end", () => lost(`the connection holding its lock in ${this.describe} ended`));
      await client.connect();
      return client;
    });
    const release = (client: Pg.Client) =>
      Effect.promise(() => {
        released = true;
        return client.end().catch(() => undefined);
      });
    return Effect.acquireRelease(connect, release).pipe(
      Effect.flatMap((client) => pollHold(this.attempt("cannot hold the sync", async () => (await client.query<{ held: boolean }>(TRY_HOLD, [syncId])).rows[0]!.held), waitMs)),
      Effect.tap((taken) => Effect.sync(() => void (held = taken))),
    );
  }

  async *readState(syncId: string, pageSize: number): AsyncIterable<DigestPage> {
    const size = Math.min(FETCH_ROWS, Math.max(1, Math.floor(pageSize)));
    let client: Pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw storeFailure(this.describe, "cannot read the sync's state", e, this.scrub);
    }
    let finished = false;
    try {
      // One snapshot for the whole read, through a cursor in table order: pages in key order would
      // fetch each row from a different table page once the state outgrows the cache.
      await client.query(FOLD, [syncId]);
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      const counted = await client.query<{ total: number }>("SELECT count(*)::int AS total FROM sync_state WHERE sync_id = $1", [syncId]);
      let total: number | undefined = counted.rows[0]!.total;
      await client.query(`DECLARE state NO SCROLL CURSOR FOR SELECT key, content, sealed FROM sync_state WHERE sync_id = ${client.escapeLiteral(syncId)}`);
      for (;;) {
        const { rows } = await client.query<[Buffer, Buffer, Buffer | null]>({ text: `FETCH ${size} FROM state`, rowMode: "array" });
        if (rows.length > 0) yield total === undefined ? pageOf(rows) : { ...pageOf(rows), total };
        total = undefined;
        if (rows.length < size) break;
      }
      await client.query("COMMIT");
      finished = true;
    } catch (e) {
      throw storeFailure(this.describe, "cannot read the sync's state", e, this.scrub);
    } finally {
      // A read that failed or was given up part-way leaves its transaction open: that connection is closed, not reused.
      client.release(finished ? undefined : new Error("state read not finished"));
    }
  }

  confirm(syncId: string, page: DigestPage) {
    const bad = checkPage(page);
    if (bad !== undefined) return Effect.fail(new StoreError({ reason: bad }));
    if (page.count === 0) return Effect.void;
    const sealed = page.sealed?.slice(0, page.count).map((s) => (s !== undefined ? asBuffer(s) : null)) ?? null;
    return this.attempt("cannot record confirmed rows", async () => {
      await this.pool.query(STAGE, [syncId, digestColumn(page.keys, page.count), digestColumn(page.contents, page.count), sealed, page.count]);
      this.foldWhenIdle(syncId);
    });
  }

  /** (Re)starts the sync's idle timer; a fold that fails leaves the rows staged, for the next one. */
  private foldWhenIdle(syncId: string): void {
    clearTimeout(this.dueFolds.get(syncId));
    const timer = setTimeout(() => {
      this.dueFolds.delete(syncId);
      const fold = this.pool.query(FOLD, [syncId]).catch(() => undefined);
      this.folding.add(fold);
      void fold.finally(() => this.folding.delete(fold));
    }, FOLD_WHEN_IDLE_MS);
    // A fold due is no reason to keep the process alive: any process folds the rows before reading them.
    timer.unref();
    this.dueFolds.set(syncId, timer);
  }

  forget(syncId: string, keys: Uint8Array) {
    const bad = checkKeys(keys);
    if (bad !== undefined) return Effect.fail(new StoreError({ reason: bad }));
    const count = keys.byteLength / DIGEST_BYTES;
    if (count === 0) return Effect.void;
    return this.attempt("cannot forget rows", async () => {
      await this.pool.query(FOLD, [syncId]);
      await this.pool.query(FORGET, [syncId, asBuffer(keys), count]);
    });
  }

  reset(syncId: string) {
    return this.attempt("cannot reset the sync", async () => {
      const { rows } = await this.pool.query<{ found: boolean }>(
        "WITH staged AS (DELETE FROM sync_confirmed WHERE sync_id = $1), cleared AS (DELETE FROM sync_state WHERE sync_id = $1) SELECT EXISTS (SELECT 1 FROM syncs WHERE id = $1) AS found",
        [syncId],
      );
      return rows[0]!.found;
    });
  }

  listSyncs() {
    return this.attempt("cannot list the syncs", async (): Promise<ReadonlyArray<SyncSummary>> => {
      await this.pool.query(FOLD, [null]);
      const { rows } = await this.pool.query<SyncRow & { rows: number }>(
        "SELECT s.*, (SELECT count(*) FROM sync_state st WHERE st.sync_id = s.id)::int AS rows FROM syncs s ORDER BY s.created_at, s.id",
      );
      const summaries: SyncSummary[] = [];
      for (const row of rows) {
        const { salt: _salt, ...sync } = syncOf(row);
        const last = (await this.pool.query<StoredRun>("SELECT * FROM runs WHERE sync_id = $1 ORDER BY started_at DESC, run_id DESC LIMIT 1", [row.id])).rows[0];
        summaries.push({ sync, rows: row.rows, ...(last !== undefined ? { lastRun: runRecordOf(last) } : {}) });
      }
      return summaries;
    });
  }

  private upsertRun(doing: string, run: RunRecord) {
    return this.attempt(doing, async () => {
      const columns = runColumns(run);
      await this.pool.query(
        RUN_UPSERT,
        RUN_COLUMNS.map((c) => columns[c]),
      );
    });
  }

  startRun(run: RunRecord) {
    return this.upsertRun("cannot record the run's start", run);
  }

  finishRun(run: RunRecord) {
    return this.upsertRun("cannot record the run's end", run);
  }

  listRuns(query: { readonly syncId?: string; readonly limit: number }) {
    return this.attempt("cannot list the runs", async () => {
      const limit = Math.max(0, Math.floor(query.limit));
      const { rows } =
        query.syncId !== undefined
          ? await this.pool.query<StoredRun>("SELECT * FROM runs WHERE sync_id = $1 ORDER BY started_at DESC, run_id DESC LIMIT $2", [query.syncId, limit])
          : await this.pool.query<StoredRun>("SELECT * FROM runs ORDER BY started_at DESC, run_id DESC LIMIT $1", [limit]);
      return rows.map(runRecordOf);
    });
  }

  getRun(runId: string) {
    return this.attempt("cannot read the run", async () => {
      const row = (await this.pool.query<StoredRun>("SELECT * FROM runs WHERE run_id = $1", [runId])).rows[0];
      return row !== undefined ? runRecordOf(row) : undefined;
    });
  }

  prune(before: Date) {
    return this.attempt("cannot delete old runs", async () => (await this.pool.query("DELETE FROM runs WHERE started_at < $1", [before])).rowCount ?? 0);
  }

  async close(): Promise<void> {
    // Rows still staged stay committed: the next process to read a sync's state folds them.
    for (const timer of this.dueFolds.values()) clearTimeout(timer);
    this.dueFolds.clear();
    await Promise.all(this.folding);
    if (!this.pool.ended) await this.pool.end();
  }
}
