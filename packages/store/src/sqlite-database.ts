// The embedded store's database: one SQLite file (better-sqlite3), used by the store's own thread
// (sqlite-thread.ts) only, since every call blocks the thread that makes it. WAL lets
// `tagwire runs` read while a server writes; every write of a page is one transaction of prepared
// statements, and state is read in key order, a page per query, so no statement stays open between
// pages while the engine confirms.
//
// Keys are digests, so a page of confirmed rows lands all over sync_state's B-tree: written there
// directly, every commit would rewrite most of the tree's pages (22,000 rows/s at 1M rows). A page is
// appended to sync_confirmed instead (one commit, durable), and the appended rows are folded into
// sync_state in key order, in one transaction: when the thread is idle (after a run's last
// confirm), once FOLD_ROWS have gathered, and before anything reads or removes state. Each fold
// rewrites most of the tree, so few large folds cost less than many small ones. A crash between the
// two loses nothing: the next open folds what is left.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Sqlite from "better-sqlite3";
import type BetterSqlite3 from "better-sqlite3";
// Types only from the engine's index: this module runs on the store's thread, which loads no engine code but the digests' size.
import type { DigestPage, RunRecord, SyncIdentity, SyncRecord, SyncSummary } from "@tagwire/engine";
import { DIGEST_BYTES } from "@tagwire/engine/digest-bytes";
import { DatabaseFailure, failureReason } from "./failure-reason.js";
import { asBuffer, checkKeys, checkPage, digestAt } from "./digest-pages.js";
import { MIGRATIONS, newerSchema, pendingMigrations } from "./migrations.js";
import { newSalt, RUN_COLUMNS, runColumns, runRecordOf, syncIdOf, syncOf, type StoredRun, type SyncRow } from "./records.js";

type Database = BetterSqlite3.Database;

const failure = (describe: string, doing: string, cause: unknown) => new DatabaseFailure(failureReason(describe, doing, cause));

/**
 * Confirmed rows gathered before they are folded into the state while confirms keep coming. A
 * million rows confirmed took 2.8 s of the thread in appends and folds of 262,144, against 0.7 s
 * of appends and one 1.2 s fold at the end, which the thread makes when it is idle (measured on
 * the 2-core machine).
 */
const FOLD_ROWS = 1_048_576;
/** Confirmed rows appended by one statement: a statement's run costs about as much as the rows it inserts. */
const APPEND_ROWS = 64;
/**
 * State rows read by one statement as hex text (one string per column): reading a million rows so
 * took 0.7 s against 3 s for a Buffer per row, and left the thread no garbage per row. Small
 * enough that the strings stay in the young generation.
 */
const HEX_ROWS = 2048;
type Statement = BetterSqlite3.Statement;


/** SQLite's form of a run's columns: booleans as 0/1. */
const sqliteRun = (run: RunRecord) => {
  const columns = runColumns(run);
  return { ...columns, success: columns.success === null ? null : columns.success ? 1 : 0 };
};

/** Opens and migrates the file; throws a DatabaseFailure that says what failed. */
export function openSqliteDatabase(path: string): SqliteDatabase {
  const describe = `sqlite:${path}`;
  let db: Database;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    db = new Sqlite(path, { timeout: 10_000 });
  } catch (e) {
    throw failure(describe, "cannot open the database file", e);
  }
  try {
    db.pragma("journal_mode = WAL");
    // WAL with NORMAL survives a process crash; a power loss may lose the last transactions, which
    // only means their rows are sent again.
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    // 4 MiB of page cache: a fold and a read of the state pass over it in key order, so they need
    // no more; the cache is filled by a first run's appends and is also what a fold's sort may hold.
    // 16 MiB cost a 1M-row first run about 20 MB of the server's memory and measured no faster.
    db.pragma("cache_size = -4096");
    migrate(db);
    return new SqliteDatabase(db, describe);
  } catch (e) {
    db.close();
    throw failure(describe, "cannot prepare the database", e);
  }
}

function migrate(db: Database): void {
  db.exec("CREATE TABLE IF NOT EXISTS tagwire_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
  // IMMEDIATE: a second process starting at the same time waits for the first one's steps, then finds them applied.
  db.transaction(() => {
    const applied = db.prepare("SELECT version FROM tagwire_migrations").pluck().all() as number[];
    const pending = pendingMigrations(applied);
    if ("newer" in pending) throw new Error(newerSchema(pending.newer));
    const record = db.prepare("INSERT INTO tagwire_migrations (version, name, applied_at) VALUES (?, ?, ?)");
    for (const step of pending) {
      db.exec(step.sqlite);
      record.run(step.version, step.name, new Date().toISOString());
    }
  }).immediate();
}

/** The store's calls, answered synchronously; each failure is thrown as a DatabaseFailure (the server's thread makes it a StoreError). */
export class SqliteDatabase {
  /** Rows this process appended since it last folded; another process's are found by `foldAny`. */
  private appended = 0;

  private readonly statements: {
    readonly insertSync: Statement;
    readonly selectSync: Statement;
    readonly page: Statement;
    readonly hexPage: Statement;
    readonly stateSize: Statement;
    readonly append: Statement;
    readonly appendMany: Statement;
    readonly anyAppended: Statement;
    readonly fold: Statement;
    readonly clearAppended: Statement;
    readonly remove: Statement;
    readonly syncExists: Statement;
    readonly clearState: Statement;
    readonly upsertRun: Statement;
    readonly runById: Statement;
    readonly lastRun: Statement;
    readonly prune: Statement;
    readonly takeLease: Statement;
    readonly renewLease: Statement;
    readonly releaseLease: Statement;
  };

  constructor(
    private readonly db: Database,
    readonly describe: string,
  ) {
    const named = RUN_COLUMNS.map((c) => `@${c}`).join(", ");
    const updates = RUN_COLUMNS.filter((c) => c !== "run_id").map((c) => `${c} = excluded.${c}`).join(", ");
    this.statements = {
      insertSync: db.prepare("INSERT INTO syncs (id, instance, plan, action, workspace, connector, salt, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"),
      selectSync: db.prepare("SELECT * FROM syncs WHERE id = ?"),
      page: db.prepare("SELECT key, content, sealed FROM sync_state WHERE sync_id = ? AND key > ? ORDER BY key LIMIT ?").raw(),
      hexPage: db.prepare(
        "SELECT count(*), group_concat(hex(key), '' ORDER BY key), group_concat(hex(content), '' ORDER BY key), count(sealed) FROM (SELECT key, content, sealed FROM sync_state WHERE sync_id = ? AND key > ? ORDER BY key LIMIT ?)",
      ).raw(),
      stateSize: db.prepare("SELECT count(*) FROM sync_state WHERE sync_id = ?").pluck(),
      append: db.prepare("INSERT INTO sync_confirmed (sync_id, key, content, sealed) VALUES (?, ?, ?, ?)"),
      appendMany: db.prepare(`INSERT INTO sync_confirmed (sync_id, key, content, sealed) VALUES ${Array.from({ length: APPEND_ROWS }, () => "(?, ?, ?, ?)").join(", ")}`),
      anyAppended: db.prepare("SELECT EXISTS (SELECT 1 FROM sync_confirmed)").pluck(),
      // In key order, and for a key confirmed more than once, in the order confirmed: the last one wins.
      fold: db.prepare(
        "INSERT INTO sync_state (sync_id, key, content, sealed) SELECT sync_id, key, content, sealed FROM sync_confirmed WHERE true ORDER BY sync_id, key, seq ON CONFLICT (sync_id, key) DO UPDATE SET content = excluded.content, sealed = excluded.sealed",
      ),
      clearAppended: db.prepare("DELETE FROM sync_confirmed"),
      remove: db.prepare("DELETE FROM sync_state WHERE sync_id = ? AND key = ?"),
      syncExists: db.prepare("SELECT 1 FROM syncs WHERE id = ?").pluck(),
      clearState: db.prepare("DELETE FROM sync_state WHERE sync_id = ?"),
      upsertRun: db.prepare(`INSERT INTO runs (${RUN_COLUMNS.join(", ")}) VALUES (${named}) ON CONFLICT (run_id) DO UPDATE SET ${updates}`),
      runById: db.prepare("SELECT * FROM runs WHERE run_id = ?"),
      lastRun: db.prepare("SELECT * FROM runs WHERE sync_id = ? ORDER BY started_at DESC, run_id DESC LIMIT 1"),
      prune: db.prepare("DELETE FROM runs WHERE started_at < ?"),
      // Taken when free or expired, in one statement: two processes cannot both see it free.
      takeLease: db.prepare(
        "INSERT INTO sync_leases (sync_id, holder, expires_at) VALUES (@sync, @holder, @until) ON CONFLICT (sync_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at WHERE sync_leases.expires_at <= @now",
      ),
      renewLease: db.prepare("UPDATE sync_leases SET expires_at = @until WHERE sync_id = @sync AND holder = @holder"),
      releaseLease: db.prepare("DELETE FROM sync_leases WHERE sync_id = ? AND holder = ?"),
    };
    this.fold();
  }

  /** Folds the appended rows into the state (IMMEDIATE: one process at a time). */
  private fold(): void {
    this.db
      .transaction(() => {
        this.statements.fold.run();
        this.statements.clearAppended.run();
      })
      .immediate();
    this.appended = 0;
  }

  /** Before state is read or removed: folds whatever any process appended. */
  private foldAny(): void {
    if (this.appended > 0 || this.statements.anyAppended.get() === 1) this.fold();
  }

  private attempt<A>(doing: string, run: () => A): A {
    try {
      return run();
    } catch (e) {
      throw failure(this.describe, doing, e);
    }
  }

  openSync(identity: SyncIdentity, connector: string): SyncRecord {
    return this.attempt("cannot open the sync", () => {
      const id = syncIdOf(identity);
      this.statements.insertSync.run(id, identity.instance, identity.plan, identity.action, identity.workspace, connector, Buffer.from(newSalt()), new Date().toISOString());
      return syncOf(this.statements.selectSync.get(id) as SyncRow);
    });
  }

  /**
   * The state's first `size` entries whose key sorts after `after` (empty: from the start, and the
   * page says how many entries the state holds), read to the page's end. With `into` (room for
   * `size` keys then `size` contents), the page's columns are written there and are views of it.
   */
  readPage(syncId: string, after: Uint8Array, size: number, into?: SharedArrayBuffer): DigestPage {
    try {
      this.foldAny();
    } catch (e) {
      throw failure(this.describe, "cannot read the sync's state", e);
    }
    const columnBytes = size * DIGEST_BYTES;
    if (into !== undefined && into.byteLength < 2 * columnBytes) throw new DatabaseFailure(`a page of ${size} entries needs ${2 * columnBytes} bytes; ${into.byteLength} were given`);
    const memory = into ?? new ArrayBuffer(2 * columnBytes);
    const keys = new Uint8Array(memory, 0, columnBytes);
    const contents = new Uint8Array(memory, columnBytes, columnBytes);
    let sealed: Array<Uint8Array | undefined> | undefined;
    let count = 0;
    let total: number | undefined;
    try {
      if (after.length === 0) total = this.statements.stateSize.get(syncId) as number;
      let from = asBuffer(after);
      while (count < size) {
        const want = Math.min(HEX_ROWS, size - count);
        // Once part of a page held sealed identities (syncs that clear removed rows keep one a row),
        // the rest of it is read row by row at once rather than as text first.
        const hex = sealed === undefined ? (this.statements.hexPage.get(syncId, from, want) as [number, string | null, string | null, number]) : undefined;
        let rows = 0;
        if (hex !== undefined && hex[3] === 0) {
          rows = hex[0];
          if (rows === 0) break;
          hexInto(keys, count, hex[1]!);
          hexInto(contents, count, hex[2]!);
        } else {
          // A Buffer a row, for the sealed identities.
          for (const row of this.statements.page.iterate(syncId, from, want) as IterableIterator<[Buffer, Buffer, Buffer | null]>) {
            const i = count + rows;
            keys.set(row[0], i * DIGEST_BYTES);
            contents.set(row[1], i * DIGEST_BYTES);
            if (row[2] !== null) (sealed ??= new Array<Uint8Array | undefined>(size))[i] = new Uint8Array(row[2]);
            rows++;
          }
          if (rows === 0) break;
        }
        count += rows;
        from = Buffer.from(keys.subarray((count - 1) * DIGEST_BYTES, count * DIGEST_BYTES));
        if (rows < want) break;
      }
      // The read's last page: the cache it filled is not needed by the run that follows (docs/performance.md).
      if (count < size) this.db.pragma("shrink_memory");
    } catch (e) {
      throw failure(this.describe, "cannot read the sync's state", e);
    }
    return {
      count,
      keys: keys.subarray(0, count * DIGEST_BYTES),
      contents: contents.subarray(0, count * DIGEST_BYTES),
      ...(sealed !== undefined ? { sealed: sealed.slice(0, count) } : {}),
      ...(total !== undefined ? { total } : {}),
    };
  }

  confirm(syncId: string, page: DigestPage): void {
    const bad = checkPage(page);
    if (bad !== undefined) throw new DatabaseFailure(bad);
    this.attempt("cannot record confirmed rows", () => {
      this.db.transaction(() => {
        const { append, appendMany } = this.statements;
        // Entry i's four parameters, added to `into`.
        const bind = (into: unknown[], i: number) => {
          const seal = page.sealed?.[i];
          into.push(syncId, digestAt(page.keys, i), digestAt(page.contents, i), seal !== undefined ? asBuffer(seal) : null);
          return into;
        };
        const many: unknown[] = [];
        let i = 0;
        for (; i + APPEND_ROWS <= page.count; i += APPEND_ROWS) {
          many.length = 0;
          for (let j = i; j < i + APPEND_ROWS; j++) bind(many, j);
          appendMany.run(many);
        }
        for (; i < page.count; i++) append.run(bind([], i));
      })();
      this.appended += page.count;
    });
  }

  /**
   * Folds the appended rows once FOLD_ROWS have gathered or, when the thread is `idle`, any. The
   * thread calls it after answering, so a confirm is not kept waiting for a fold, and once no
   * request has come for a while. A fold that fails is tried again before state is read.
   */
  foldIfDue(idle: boolean): void {
    if (this.appended === 0 || (!idle && this.appended < FOLD_ROWS)) return;
    try {
      this.fold();
    } catch {
      // The appended rows stay in sync_confirmed: foldAny folds them before anything reads the state.
    }
  }

  forget(syncId: string, keys: Uint8Array): void {
    const bad = checkKeys(keys);
    if (bad !== undefined) throw new DatabaseFailure(bad);
    this.attempt("cannot forget rows", () => {
      this.foldAny();
      this.db.transaction(() => {
        for (let i = 0; i < keys.byteLength / DIGEST_BYTES; i++) this.statements.remove.run(syncId, digestAt(keys, i));
      })();
    });
  }

  reset(syncId: string): boolean {
    return this.attempt("cannot reset the sync", () => {
      this.foldAny();
      return this.db.transaction(() => {
        if (this.statements.syncExists.get(syncId) === undefined) return false;
        this.statements.clearState.run(syncId);
        return true;
      })();
    });
  }

  listSyncs(): ReadonlyArray<SyncSummary> {
    return this.attempt("cannot list the syncs", () => {
      this.foldAny();
      const rows = this.db.prepare("SELECT s.*, (SELECT count(*) FROM sync_state st WHERE st.sync_id = s.id) AS rows FROM syncs s ORDER BY s.created_at, s.rowid").all() as Array<SyncRow & { rows: number }>;
      return rows.map((row) => {
        const { salt: _salt, ...sync } = syncOf(row);
        const last = this.statements.lastRun.get(row.id) as StoredRun | undefined;
        return { sync, rows: row.rows, ...(last !== undefined ? { lastRun: runRecordOf(last) } : {}) };
      });
    });
  }

  startRun(run: RunRecord): void {
    this.attempt("cannot record the run's start", () => this.statements.upsertRun.run(sqliteRun(run)));
  }

  finishRun(run: RunRecord): void {
    this.attempt("cannot record the run's end", () => this.statements.upsertRun.run(sqliteRun(run)));
  }

  listRuns(query: { readonly syncId?: string; readonly limit: number }): ReadonlyArray<RunRecord> {
    return this.attempt("cannot list the runs", () => {
      const limit = Math.max(0, Math.floor(query.limit));
      const rows = (
        query.syncId !== undefined
          ? this.db.prepare("SELECT * FROM runs WHERE sync_id = ? ORDER BY started_at DESC, run_id DESC LIMIT ?").all(query.syncId, limit)
          : this.db.prepare("SELECT * FROM runs ORDER BY started_at DESC, run_id DESC LIMIT ?").all(limit)
      ) as StoredRun[];
      return rows.map(runRecordOf);
    });
  }

  getRun(runId: string): RunRecord | undefined {
    return this.attempt("cannot read the run", () => {
      const row = this.statements.runById.get(runId) as StoredRun | undefined;
      return row !== undefined ? runRecordOf(row) : undefined;
    });
  }

  prune(before: Date): number {
    return this.attempt("cannot delete old runs", () => this.statements.prune.run(before.toISOString()).changes);
  }

  /** Folds what is left and closes the file. */
  /** Takes the sync's lease for `ttlMs` unless another holder's has not expired; true when taken. */
  takeLease(syncId: string, holder: string, ttlMs: number): boolean {
    const now = Date.now();
    return this.attempt("cannot hold the sync", () => this.statements.takeLease.run({ sync: syncId, holder, until: now + ttlMs, now }).changes === 1);
  }

  /** Extends the holder's lease; false when it was lost (it expired and another holder took it). */
  renewLease(syncId: string, holder: string, ttlMs: number): boolean {
    return this.attempt("cannot renew the sync's lease", () => this.statements.renewLease.run({ sync: syncId, holder, until: Date.now() + ttlMs }).changes === 1);
  }

  releaseLease(syncId: string, holder: string): void {
    this.attempt("cannot release the sync", () => this.statements.releaseLease.run(syncId, holder));
  }

  close(): void {
    if (!this.db.open) return;
    try {
      this.attempt("cannot fold the confirmed rows", () => this.fold());
    } finally {
      this.db.close();
    }
  }
}

/** Writes digests given as hex text into `column` from entry `at` on. */
function hexInto(column: Uint8Array, at: number, hex: string): void {
  Buffer.from(column.buffer, column.byteOffset + at * DIGEST_BYTES, hex.length / 2).write(hex, "hex");
}
