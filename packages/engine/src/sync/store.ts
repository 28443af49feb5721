// The state a sync keeps between runs, and the history of every run, as the engine asks for them.
// The engine declares what it needs; a runtime provides a backend (an embedded file or a shared
// database) as the SyncStoreService, or none, and then every run sends every row and keeps no
// history. The store never holds a row's values: keys and record contents are kept as digests
// salted per sync, so what it holds cannot be read back into personal data.

import * as Context from "effect/Context";
import * as Data from "effect/Data";
import type * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";

export { DIGEST_BYTES } from "./digest-bytes.js";

/** What makes two executes the same recurring sync. */
export interface SyncIdentity {
  /** Looker's `X-Looker-Instance`, or the CLI's `--sync` name for CLI syncs. */
  readonly instance: string;
  /** Looker's scheduled plan id; for the CLI, the `--sync` name again. */
  readonly plan: string;
  /** The Looker action (connector action name). */
  readonly action: string;
  /** Digest of the settings that name the destination workspace. */
  readonly workspace: string;
}

/** A sync as the store knows it. */
export interface SyncRecord {
  /** Stable id of the sync: a digest of its identity, shown to people (`tagwire syncs`). */
  readonly id: string;
  readonly identity: SyncIdentity;
  readonly connector: string;
  /** Random per sync, never shown: salts every key and content digest of the sync. */
  readonly salt: Uint8Array;
  readonly createdAt: string;
}

/**
 * Digests of rows, column by column: entry i is `keys[i*16 .. i*16+16]` with
 * `contents[i*16 .. i*16+16]`. Columnar bytes cross threads and fill hash tables without a copy per row.
 */
export interface DigestPage {
  readonly count: number;
  readonly keys: Uint8Array;
  readonly contents: Uint8Array;
  /**
   * Per entry, what a clearing record needs to address the row's subject (its identities),
   * sealed with a key derived from the destination's credentials, which the store never holds;
   * empty where none was kept.
   */
  readonly sealed?: ReadonlyArray<Uint8Array | undefined>;
  /**
   * On the first page `readState` gives: how many entries the whole state holds, so the run's
   * table of it is made that size at once rather than grown (a growth holds both tables).
   */
  readonly total?: number;
}

/** One run, as history keeps it. Figures are row counts. */
export interface RunRecord {
  readonly runId: string;
  /** Absent for a run that is not a sync (stateless or without a scheduled plan). */
  readonly syncId?: string;
  readonly connector: string;
  readonly action?: string;
  /** Where the rows came from: `looker`, `file:<name>`, ... */
  readonly source: string;
  /** Looker's webhook id, when Looker sent the run. */
  readonly webhookId?: string;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly figures?: RunFigures;
  /** Rejection reasons with example rows, failed ranges with their last status (the run report's groups). */
  readonly rejected?: ReadonlyArray<{ readonly reason: string; readonly count: number; readonly examples: ReadonlyArray<{ readonly row: number; readonly detail: string }> }>;
  readonly failed?: ReadonlyArray<{ readonly reason: string; readonly status?: number; readonly count: number; readonly rows: string }>;
  /** How long reading the Look took, ms: until its last byte was read (a download's, through the spool, ahead of the sending). */
  readonly readMs?: number;
  /** How long sending took, ms: from the first request to the last answer. */
  readonly sendMs?: number;
  readonly success?: boolean;
}

export interface RunFigures {
  readonly read: number;
  readonly delivered: number;
  readonly rejected: number;
  readonly failed: number;
  readonly new?: number;
  readonly changed?: number;
  readonly unchanged?: number;
  readonly removed?: number;
  readonly cleared?: number;
  readonly duplicateKeys?: number;
  // How a sync's run went where it differs from the usual, as the run report says it (absent: the
  // changed rows were sent, removals were looked for, every removed row to clear was cleared).
  /** The run sent every row, unchanged ones too (rows=all). */
  readonly rows?: "all";
  /** The Look was not read to its end: no row was inferred removed. */
  readonly removalsInferred?: false;
  /** Removed rows to clear whose clearing record was not sent or not taken. */
  readonly notCleared?: number;
  /** The sync was running elsewhere: the execute waited this long for it, then sent nothing (see SyncBusy). */
  readonly busy?: { readonly waitedMs: number };
}

export interface SyncSummary {
  readonly sync: Omit<SyncRecord, "salt">;
  /** Rows the state holds for the sync. */
  readonly rows: number;
  readonly lastRun?: RunRecord;
}

/** The store could not be read or written; `reason` never carries a row value or a secret. */
export class StoreError extends Data.TaggedError("StoreError")<{ readonly reason: string }> {
  override get message(): string {
    return this.reason;
  }
}

/**
 * Another run of the sync (on this replica or another sharing the store) held it for the whole
 * wait: nothing of this run was sent, so the next run sends what that one did not confirm.
 */
export class SyncBusy extends Data.TaggedError("SyncBusy")<{ readonly syncId: string; readonly waitedMs: number }> {
  override get message(): string {
    return `sync ${this.syncId} is running elsewhere: another execute of this schedule (on this server or another replica) did not finish within ${formatWait(this.waitedMs)}`;
  }
}

const formatWait = (ms: number) => (ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`);

export interface SyncStore {
  /** Which backend, for messages: `sqlite:/path/tagwire.db` or `postgres://host/db` (no password). */
  readonly describe: string;
  /** The sync with this identity, created (with a fresh salt) on first use. */
  openSync(identity: SyncIdentity, connector: string): Effect.Effect<SyncRecord, StoreError>;
  /**
   * Holds the sync for one run until the scope closes, so replicas sharing the store never run it
   * twice at once: waits up to `waitMs` while another run holds it; false when the wait ran out. A
   * holder that dies without closing its scope (kill -9) lets go by itself: Postgres ends its
   * session's advisory lock, SQLite's lease expires. `onLost` is called (once, with why) if the
   * hold ends before the scope closes: the connection holding the lock broke, or the lease could
   * not be renewed in time and another holder took it.
   */
  holdSync(syncId: string, waitMs: number, onLost?: (why: string) => void): Effect.Effect<boolean, StoreError, Scope.Scope>;
  /**
   * Every row the sync's state holds, in pages of at most `pageSize` entries, in no set order. A
   * page's memory may be used again once the next page is asked for: what a caller keeps, it copies.
   */
  readState(syncId: string, pageSize: number): AsyncIterable<DigestPage>;
  /** Rows the destination confirmed: their key's content digest is set (inserted or replaced). */
  confirm(syncId: string, page: DigestPage): Effect.Effect<void, StoreError>;
  /** Rows whose removal the destination confirmed (or that are forgotten): their keys leave the state. */
  forget(syncId: string, keys: Uint8Array): Effect.Effect<void, StoreError>;
  /** Forgets the sync's whole state: its next run sends every row. False when there is no such sync. */
  reset(syncId: string): Effect.Effect<boolean, StoreError>;
  listSyncs(): Effect.Effect<ReadonlyArray<SyncSummary>, StoreError>;
  startRun(run: RunRecord): Effect.Effect<void, StoreError>;
  finishRun(run: RunRecord): Effect.Effect<void, StoreError>;
  listRuns(query: { readonly syncId?: string; readonly limit: number }): Effect.Effect<ReadonlyArray<RunRecord>, StoreError>;
  getRun(runId: string): Effect.Effect<RunRecord | undefined, StoreError>;
  /** Deletes history of runs that started before this time. Returns how many runs were deleted. */
  prune(before: Date): Effect.Effect<number, StoreError>;
}

/** The process's store; absent when `TAGWIRE_DATABASE_URL=none`. */
export class SyncStoreService extends Context.Tag("@tagwire/engine/SyncStore")<SyncStoreService, SyncStore>() {}
