// A sync's side of one run, on the run's thread: the previous state read into a shared snapshot
// before the first row, the chunk figures added up (and new keys given twice found, in row
// order), the digests of confirmed records handed to the store, and the rows that left the Look
// found once it was read to its end.

import * as Effect from "effect/Effect";
import * as Deferred from "effect/Deferred";
import * as FiberId from "effect/FiberId";
import type * as Scope from "effect/Scope";
import type { Sync } from "../generated/manifest.js";
import type { LookFields } from "../look/types.js";
import { DIGEST_BYTES, RECORD_DIGEST_BYTES } from "./digest-bytes.js";
import { grownBytes } from "../grow-bytes.js";
import { duplicateKeyWarning, type ChangeFilterSetup, type ChunkSyncFigures, type RowsToSend } from "./change-filter.js";
import { shapeFingerprint } from "./digests.js";
import { KeySet, Snapshot } from "./snapshot.js";
import { keySourceOf } from "./sync-mode.js";
import { DEFAULT_SYNC_WAIT_MS } from "./sync-hold.js";
import { StoreError, SyncBusy, type DigestPage, type SyncIdentity, type SyncRecord, type SyncStore } from "./store.js";
import type { Clearing } from "../generated/manifest.js";
import type { Record_ } from "../transform/path.js";
import { clearingRecord } from "./clearing.js";
import { sealKeyOf, unseal } from "./seal.js";

/** What a subject whose row left the Look gets: only counted and forgotten, or a clearing record. */
export type RemovedRows = "ignore" | "clear";

/** A runtime's request that a run be a sync: its identity as the runtime knows it, and the form's choices. */
export interface SyncRequest {
  /** Looker's `X-Looker-Instance`, or the CLI's `--sync` name. */
  readonly instance: string;
  /** The scheduled plan id, or the CLI's `--sync` name; absent (a one-off send from Looker): every row is sent, and the report says so. */
  readonly plan?: string;
  /** Default `changed`. */
  readonly rows?: RowsToSend;
  /** Default `ignore`. */
  readonly removed?: RemovedRows;
  /** How long to wait while another run holds the sync (default DEFAULT_SYNC_WAIT_MS). */
  readonly waitMs?: number;
}

/** A sync's figures in the run report (row counts). */
export interface SyncFigures {
  readonly new: number;
  readonly changed: number;
  readonly unchanged: number;
  /** Rows of the previous state the Look no longer has (inferred only from a Look read to its end). */
  readonly removed: number;
  /** Removed rows whose clearing record the destination confirmed. */
  readonly cleared: number;
  /** Removed rows to clear whose clearing record was not sent or not taken; they are cleared by a later run. */
  readonly notCleared: number;
  readonly duplicateKeys: number;
}

export interface SyncReport extends SyncFigures {
  /** The sync's id, as `tagwire syncs` shows it. */
  readonly id: string;
  readonly rows: RowsToSend;
  readonly removedRows: RemovedRows;
  /** False when the run did not read the Look to its end: nothing was inferred removed. */
  readonly removalsInferred: boolean;
  /** The store failed while the run went on: state it did not take is sent again by the next run. */
  readonly storeError?: string;
  /** Why removed rows were not cleared, or some of them (a few reasons). */
  readonly clearProblems?: ReadonlyArray<string>;
}

/** Where a run reports what its sync found. */
export interface SyncReportSink {
  warn(row: number, reason: string, detail: string): void;
}

/** Confirmed records handed to the store together: one write per this many, not one per request. */
const CONFIRM_PAGE = 4096;
/**
 * ...or at least this often while records are confirmed: a send paced by the destination's limit
 * takes long to fill a page, and a replica killed mid-send leaves only this much for the next run to
 * send again.
 */
const CONFIRM_EVERY_MS = 1000;
/** Entries per page of the previous state as the store reads it: 512 KB of digests. */
const STATE_PAGE = 16_384;

export class SyncRun {
  private figures = { new: 0, changed: 0, unchanged: 0, removed: 0, cleared: 0, notCleared: 0, duplicateKeys: 0 };
  /** Keys new to the state seen so far, by their first 8 bytes (see KeySet). */
  private readonly newKeys = new KeySet();
  private confirmedSealed: Uint8Array[] = [];
  /** How many removed rows are to be cleared, until their clearing records are built. */
  private toClear: number | undefined;
  private readonly clearProblems = new Set<string>();
  private readonly duplicateWarning: string;
  private confirmed: Uint8Array = new Uint8Array(0);
  private confirmedCount = 0;
  private flushedAt = performance.now();
  private storeError: string | undefined;
  private removalsInferred = false;
  /** Done when the last page of confirmed records handed to the store is written (or given up): pages are written one at a time, in order. */
  private written: Deferred.Deferred<void> | undefined;

  private constructor(
    private readonly store: SyncStore,
    readonly record: SyncRecord,
    readonly setup: ChangeFilterSetup,
    private readonly snapshot: Snapshot,
    readonly removed: RemovedRows,
    /** A dry run reads the state and counts, and changes nothing. */
    private readonly dryRun: boolean,
    /** The mode's clear, when it declares one. */
    private readonly clear: Clearing | undefined,
    /** The run's scope: a page being written when it closes (the run was interrupted) is given up, and sent again by the next run. */
    private readonly scope: Scope.Scope,
  ) {
    this.duplicateWarning = duplicateKeyWarning(setup);
  }

  /**
   * Opens the sync, holds it for the run (released when the caller's scope closes; a dry run,
   * which changes nothing, holds nothing) and reads its state: the state another run left once it
   * ended, never one it is still changing. `fields` and `shape` make the fingerprint every content
   * digest includes; `mode` is the connector's declaration for the send's options.
   */
  static open(
    store: SyncStore,
    input: {
      readonly identity: SyncIdentity;
      readonly connector: string;
      readonly mode: Sync;
      readonly fields: LookFields;
      readonly shape: Parameters<typeof shapeFingerprint>[1];
      readonly request: SyncRequest;
      readonly dryRun: boolean;
      /** The destination's sensitive settings: the key of the sealed identities is derived from them. */
      readonly sensitive: Readonly<Record<string, string | undefined>>;
      /** Top-level keys the manifest's fills write (see ClearSetup). */
      readonly fillKeys: ReadonlyArray<string>;
      /** Gives what the store calls if the run's hold on the sync is lost. */
      readonly holdWatch?: () => (why: string) => void;
    },
  ): Effect.Effect<SyncRun, StoreError | SyncBusy, Scope.Scope> {
    return Effect.gen(function* () {
      const record = yield* store.openSync(input.identity, input.connector);
      if (!input.dryRun) {
        const waitMs = input.request.waitMs ?? DEFAULT_SYNC_WAIT_MS;
        const held = yield* store.holdSync(record.id, waitMs, input.holdWatch?.());
        if (!held) return yield* Effect.fail(new SyncBusy({ syncId: record.id, waitedMs: waitMs }));
      }
      const snapshot = yield* Effect.tryPromise({
        try: () => Snapshot.fromPages(store.readState(record.id, STATE_PAGE)),
        catch: stateReadError,
      });
      const clear = input.mode.clear;
      const removed = input.request.removed ?? "ignore";
      // Sealing is most of what a sync adds to a first run (about 10 us a record), so only a sync
      // that clears keeps seals: one that starts clearing later clears the rows it sends from then
      // on (a run with rows=all seals every row).
      const sealKey = clear === undefined || removed !== "clear" ? undefined : sealKeyOf(input.sensitive, record.salt);
      const setup: ChangeFilterSetup = {
        salt: record.salt,
        fingerprint: shapeFingerprint(input.fields, input.shape),
        keys: keySourceOf(input.fields, input.mode),
        rows: input.request.rows ?? "changed",
        snapshot: snapshot.buffers,
        ...(clear !== undefined && sealKey !== undefined ? { clear: { clear, fillKeys: input.fillKeys, sealKey } } : {}),
      };
      return new SyncRun(store, record, setup, snapshot, removed, input.dryRun, clear, yield* Effect.scope);
    });
  }

  /** Adds a chunk's figures, in row order: a key new to the state given by an earlier row too is a duplicate. */
  account(chunk: ChunkSyncFigures, report: SyncReportSink): void {
    this.figures.new += chunk.new;
    this.figures.changed += chunk.changed;
    this.figures.unchanged += chunk.unchanged;
    this.figures.duplicateKeys += chunk.duplicates;
    for (let i = 0; i < chunk.newKeyRows.length; i++) {
      if (this.newKeys.add(chunk.newKeys, i * DIGEST_BYTES)) continue;
      const row = chunk.newKeyRows[i]!;
      this.figures.duplicateKeys++;
      report.warn(row, this.duplicateWarning, `row ${row} has the key of an earlier row`);
    }
  }

  /** Rows of the Look that were not sent because they are unchanged. */
  get notSent(): number {
    return this.setup.rows === "changed" ? this.figures.unchanged : 0;
  }

  /**
   * The destination took these records of a request (`digests`: RECORD_DIGEST_BYTES each), but
   * those at `refused`: the state takes them. Written in pages; `flush` writes the rest.
   */
  confirm(batch: { readonly digests: Uint8Array; readonly sealed?: ReadonlyArray<Uint8Array>; readonly count: number }, refused: ReadonlySet<number>): Effect.Effect<void> {
    if (this.dryRun) return Effect.void;
    const { digests, sealed, count } = batch;
    const used = this.confirmedCount * RECORD_DIGEST_BYTES;
    this.confirmed = grownBytes(this.confirmed, used, used + count * RECORD_DIGEST_BYTES, CONFIRM_PAGE * RECORD_DIGEST_BYTES);
    for (let i = 0; i < count; i++) {
      if (refused.has(i)) continue;
      this.confirmed.set(digests.subarray(i * RECORD_DIGEST_BYTES, (i + 1) * RECORD_DIGEST_BYTES), this.confirmedCount * RECORD_DIGEST_BYTES);
      if (sealed !== undefined) this.confirmedSealed.push(sealed[i]!);
      this.confirmedCount++;
    }
    return this.confirmedCount >= CONFIRM_PAGE || performance.now() - this.flushedAt >= CONFIRM_EVERY_MS ? this.flush : Effect.void;
  }

  /** The destination took these clearing records (keys in `digests`, as `confirm` takes them), but those at `refused`: their subjects leave the state. */
  cleared(batch: { readonly digests: Uint8Array; readonly count: number }, refused: ReadonlySet<number>): Effect.Effect<void> {
    const keys = new Uint8Array((batch.count - refused.size) * DIGEST_BYTES);
    let at = 0;
    for (let i = 0; i < batch.count; i++) {
      if (refused.has(i)) continue;
      keys.set(batch.digests.subarray(i * RECORD_DIGEST_BYTES, i * RECORD_DIGEST_BYTES + DIGEST_BYTES), at);
      at += DIGEST_BYTES;
    }
    this.figures.cleared += at / DIGEST_BYTES;
    return at === 0 ? Effect.void : this.guard(this.store.forget(this.record.id, keys));
  }

  /** Clearing records not sent or not taken: their subjects stay in the state, for a later run to clear. */
  notCleared(count: number, reason: string): void {
    this.figures.notCleared += count;
    this.clearProblems.add(reason);
  }

  /**
   * Hands the confirmed records not written yet to the store. The write goes on while the run
   * sends (a send does not wait for the store's commit, nor for its folds, which took 0.8 s of a
   * million-row first run); a page waits only for the one before it, so at most two are held.
   */
  get flush(): Effect.Effect<void> {
    // The page is taken and its write started in one step, which an interruption cannot split.
    const handOver = Effect.suspend(() => {
      if (this.confirmedCount === 0) return Effect.succeed(undefined);
      this.flushedAt = performance.now();
      const page = pageOf(this.confirmed, this.confirmedCount, this.confirmedSealed);
      this.confirmedCount = 0;
      this.confirmedSealed = [];
      const previous = this.written;
      const done = Deferred.unsafeMake<void>(FiberId.none);
      this.written = done;
      const write = Effect.zipRight(awaitWritten(previous), this.guard(this.store.confirm(this.record.id, page))).pipe(Effect.ensuring(Deferred.succeed(done, undefined)));
      return Effect.as(Effect.forkIn(write, this.scope), previous);
    });
    // The send that handed a page over waits for the one before it: at most two are held.
    return Effect.flatMap(Effect.uninterruptible(handOver), awaitWritten);
  }

  /** Waits until every page handed to the store is written. */
  private get allWritten(): Effect.Effect<void> {
    return Effect.suspend(() => awaitWritten(this.written));
  }

  /**
   * After the last request of the Look's rows: the confirmed records written, then, when the
   * Look was read to its end and the run not stopped, the keys no row had are the removed rows.
   * Ignored ones are forgotten, so a row that comes back is sent as new; ones to clear wait for
   * `clearingRecords`. The snapshot keeps keys by their first 8 bytes, so the removed rows' full
   * keys are read from the store again, only when there are any.
   */
  finishRows(readToEnd: boolean): Effect.Effect<void> {
    return Effect.gen(this, function* () {
      yield* this.flush;
      yield* this.allWritten;
      if (!readToEnd) return;
      this.removalsInferred = true;
      const count = this.snapshot.unseenCount();
      this.figures.removed = count;
      if (count === 0) return;
      if (this.removed === "clear") {
        // A mode with nothing to clear ignores its removed rows (the report says why): no run could clear them.
        if (this.clear === undefined) this.clearProblems.add(NO_CLEARING_RECORD);
        else if (this.setup.clear === undefined) this.notCleared(count, NO_SEAL_KEY);
        else {
          // The run clears them once its rows are delivered; a dry run counts those it would (the
          // removed rows whose sealed identities open).
          if (this.dryRun) this.figures.cleared = (yield* this.openRemoved(count))?.records.length ?? 0;
          else this.toClear = count;
          return;
        }
      }
      if (this.dryRun) return;
      const keys = new Uint8Array(count * DIGEST_BYTES);
      let at = 0;
      yield* this.guard(
        this.readRemoved((page, i) => {
          // More than counted only when a key this run confirmed shares a removed key's first 8 bytes: it stays.
          if (at === keys.length) return;
          keys.set(page.keys.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES), at);
          at += DIGEST_BYTES;
        }),
      );
      if (at > 0) yield* this.guard(this.store.forget(this.record.id, keys.subarray(0, at)));
    });
  }

  /** Reads the state again and calls `each` for every entry of a removed row (a key no row of the run had). */
  private readRemoved(each: (page: DigestPage, index: number) => void): Effect.Effect<void, StoreError> {
    return Effect.tryPromise({
      try: async () => {
        for await (const page of this.store.readState(this.record.id, STATE_PAGE)) {
          for (let i = 0; i < page.count; i++) if (this.snapshot.isUnseen(page.keys, i * DIGEST_BYTES)) each(page, i);
        }
      },
      catch: stateReadError,
    });
  }

  /**
   * The clearing record of each removed row to clear, before the manifest's fills, with its key:
   * built from the identities the state keeps sealed (read again, for the removed keys only). A
   * seal the credentials cannot open is reported and forgotten, never guessed.
   */
  clearingRecords(): Effect.Effect<Array<{ readonly key: Uint8Array; readonly record: Record_ }>> {
    return Effect.gen(this, function* () {
      const removed = this.toClear;
      this.toClear = undefined;
      if (removed === undefined) return [];
      const opened = yield* this.openRemoved(removed);
      if (opened === undefined) return [];
      if (opened.unopened.length > 0) yield* this.guard(this.store.forget(this.record.id, Buffer.concat(opened.unopened)));
      return opened.records;
    });
  }

  /**
   * The `removed` rows' clearing records, from the identities the state keeps sealed (read again,
   * for the removed keys only), and the keys whose seal does not open. The rows without a record are
   * counted as not cleared, with why; undefined (all of them not cleared) when the state cannot be read.
   */
  private openRemoved(removed: number): Effect.Effect<{ readonly records: Array<{ key: Uint8Array; record: Record_ }>; readonly unopened: Uint8Array[] } | undefined> {
    return Effect.suspend(() => {
      const setup = this.setup.clear!;
      const records: Array<{ key: Uint8Array; record: Record_ }> = [];
      const unopened: Uint8Array[] = [];
      const read = this.readRemoved((page, i) => {
        const key = page.keys.slice(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES);
        const sealed = page.sealed?.[i];
        const text = sealed === undefined ? undefined : unseal(setup.sealKey, sealed);
        const record = text === undefined ? undefined : clearingRecord(text, this.clear!);
        if (record === undefined) unopened.push(key);
        else records.push({ key, record });
      });
      return Effect.match(read, {
        onFailure: (e) => {
          this.notCleared(removed, `the sealed identities could not be read: ${e.reason}`);
          return undefined;
        },
        onSuccess: () => {
          // A removed key with no entry read back, or one whose seal did not open, has no clearing record.
          if (removed > records.length) this.notCleared(removed - records.length, UNOPENED_SEALS);
          return { records, unopened };
        },
      });
    });
  }

  report(): SyncReport {
    return {
      id: this.record.id,
      rows: this.setup.rows,
      removedRows: this.clear === undefined ? "ignore" : this.removed,
      removalsInferred: this.removalsInferred,
      ...this.figures,
      ...(this.storeError !== undefined ? { storeError: this.storeError } : {}),
      ...(this.clearProblems.size > 0 ? { clearProblems: [...this.clearProblems].slice(0, 3) } : {}),
    };
  }

  /** A store failure once rows flow does not stop the run: it is reported, and the next run sends again what the state did not take. */
  private guard(write: Effect.Effect<void, StoreError>): Effect.Effect<void> {
    return Effect.catchAll(write, (e) => Effect.sync(() => void (this.storeError ??= e.reason)));
  }
}

// Why removed rows to clear were not (the report says how many).
const NO_CLEARING_RECORD = "this mode declares no clearing record";
const NO_SEAL_KEY = "no credentials to open the sealed identities with";
const UNOPENED_SEALS =
  "their sealed identities cannot be opened with the destination's current credentials, or none was kept (rows delivered while the sync ignored removed rows: one run with rows=all keeps them)";

/** A failure while the state was read, as the store words it (or said to be one). */
const stateReadError = (e: unknown): StoreError => (e instanceof StoreError ? e : new StoreError({ reason: `the sync's state could not be read: ${e instanceof Error ? e.message : String(e)}` }));

const awaitWritten = (written: Deferred.Deferred<void> | undefined): Effect.Effect<void> => (written === undefined ? Effect.void : Deferred.await(written));

/** Interleaved record digests (key then content, per record) as the store's columnar page. */
function pageOf(digests: Uint8Array, count: number, sealed: ReadonlyArray<Uint8Array>): DigestPage {
  const keys = new Uint8Array(count * DIGEST_BYTES);
  const contents = new Uint8Array(count * DIGEST_BYTES);
  for (let i = 0; i < count; i++) {
    keys.set(digests.subarray(i * RECORD_DIGEST_BYTES, i * RECORD_DIGEST_BYTES + DIGEST_BYTES), i * DIGEST_BYTES);
    contents.set(digests.subarray(i * RECORD_DIGEST_BYTES + DIGEST_BYTES, (i + 1) * RECORD_DIGEST_BYTES), i * DIGEST_BYTES);
  }
  return { count, keys, contents, ...(sealed.length === count ? { sealed } : {}) };
}
