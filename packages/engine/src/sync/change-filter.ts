// Where a sync decides, record by record, what a run sends: each record's digests are checked
// against the previous state as it is built (on the run's thread or a worker's), so an unchanged
// record is counted and never serialised into a request.

import type { LookRow } from "../look/types.js";
import type { Record_ } from "../transform/path.js";
import { RecordDigests, type DigestSetup } from "./digests.js";
import { DIGEST_BYTES, RECORD_DIGEST_BYTES } from "./digest-bytes.js";
import { grownBytes } from "../grow-bytes.js";
import { KeyState, Snapshot, type SnapshotBuffers } from "./snapshot.js";
import { describeKeySource } from "./sync-mode.js";
import { IdentityPart, type ClearSetup } from "./clearing.js";
import { seal } from "./seal.js";

/** Which rows a sync sends: those new or changed since the last confirmed run, or every one. */
export type RowsToSend = "changed" | "all";

/** What a processor needs to filter a sync's records; plain data, given to each worker. */
export interface ChangeFilterSetup extends DigestSetup {
  readonly rows: RowsToSend;
  readonly snapshot: SnapshotBuffers;
  /** The mode declares a clear: each record sent keeps its identity part, sealed. */
  readonly clear?: ClearSetup;
}

/** A chunk's records against the previous state, for the run's thread to add up. */
export interface ChunkSyncFigures {
  readonly new: number;
  readonly changed: number;
  readonly unchanged: number;
  /** Rows whose key an earlier row of the run had, among keys the previous state holds. */
  readonly duplicates: number;
  /** Keys new to the state, 16 bytes each, with their rows: only the run's thread sees them all, in row order, to find one given twice. */
  readonly newKeys: Uint8Array;
  readonly newKeyRows: number[];
}

/** What the report's warning for a key given twice says. */
export function duplicateKeyWarning(setup: Pick<DigestSetup, "keys">): string {
  return `sync key given by an earlier row too (${describeKeySource(setup.keys)}): the rows are both sent, and each run counts them changed until the Look gives the key once`;
}

export class ChangeFilter {
  private readonly digests: RecordDigests;
  private readonly snapshot: Snapshot;
  private readonly seen = { duplicate: false };
  private readonly duplicateWarning: string;
  /** The digests of the record last admitted: its key's, then its content's. */
  readonly last = new Uint8Array(RECORD_DIGEST_BYTES);
  /** The sealed identity of the record last admitted, in a mode with a clear. */
  lastSealed: Uint8Array | undefined;
  private readonly identity: IdentityPart | undefined;
  private counts = { new: 0, changed: 0, unchanged: 0, duplicates: 0 };
  private newKeys: Uint8Array = new Uint8Array(64 * DIGEST_BYTES);
  private newKeyRows: number[] = [];

  constructor(private readonly setup: ChangeFilterSetup) {
    this.digests = new RecordDigests(setup);
    this.snapshot = Snapshot.attach(setup.snapshot);
    this.duplicateWarning = duplicateKeyWarning(setup);
    this.identity = setup.clear === undefined ? undefined : new IdentityPart(setup.clear);
  }

  /**
   * Digests the record into `last` and says whether it is sent: with `rows: "changed"`, only when
   * its key is new or its content changed. A key met twice is warned about, never merged.
   * `contentBytes`: the UTF-8 bytes of `content`, when the caller has them.
   */
  admit(row: LookRow, record: Record_, content: string, rowNumber: number, warnings: Array<{ row: number; reason: string; detail: string }>, contentBytes?: Uint8Array): boolean {
    const sent = this.classify(row, record, content, rowNumber, warnings, contentBytes);
    // Only a record sent is confirmed, so only its identity is sealed.
    this.lastSealed = sent && this.identity !== undefined ? seal(this.setup.clear!.sealKey, this.identity.of(record), this.last.subarray(DIGEST_BYTES)) : undefined;
    return sent;
  }

  private classify(row: LookRow, record: Record_, content: string, rowNumber: number, warnings: Array<{ row: number; reason: string; detail: string }>, contentBytes: Uint8Array | undefined): boolean {
    this.digests.write(row, record, content, this.last, 0, contentBytes);
    const state = this.snapshot.check(this.last, 0, this.seen);
    if (this.seen.duplicate) {
      this.counts.duplicates++;
      warnings.push({ row: rowNumber, reason: this.duplicateWarning, detail: `row ${rowNumber} has the key of an earlier row` });
    }
    switch (state) {
      case KeyState.New: {
        this.counts.new++;
        const used = this.newKeyRows.length * DIGEST_BYTES;
        this.newKeys = grownBytes(this.newKeys, used, used + DIGEST_BYTES);
        this.newKeys.set(this.last.subarray(0, DIGEST_BYTES), used);
        this.newKeyRows.push(rowNumber);
        return true;
      }
      case KeyState.Changed:
        this.counts.changed++;
        return true;
      case KeyState.Unchanged:
        this.counts.unchanged++;
        return this.setup.rows === "all";
    }
  }

  /** Whether a rejected row's key is told from its record (see `stillPresent`). */
  get keyedBySubject(): boolean {
    return this.setup.keys.kind === "subject";
  }

  /**
   * Marks the key of a rejected row seen: the row is in the Look, so its subject is not removed,
   * and its state is kept for the run that sends it. The key comes from the row's primary-key
   * dimensions, or, keyed by subject, from `validPart` (the record without the values that broke
   * their rules: see validPartOf), when it has the subject's identities. A row keyed by its
   * content has no key without its record.
   */
  stillPresent(row: LookRow, validPart: (() => Record_) | undefined): void {
    if (this.setup.keys.kind === "primaryKey") this.digests.writeKey(row, this.last, 0);
    else if (validPart === undefined || !this.digests.writeSubjectKey(validPart(), this.last, 0)) return;
    this.snapshot.markSeen(this.last, 0);
  }

  /** The figures since the last call. */
  take(): ChunkSyncFigures {
    const figures: ChunkSyncFigures = { ...this.counts, newKeys: this.newKeys.slice(0, this.newKeyRows.length * DIGEST_BYTES), newKeyRows: this.newKeyRows };
    this.counts = { new: 0, changed: 0, unchanged: 0, duplicates: 0 };
    this.newKeyRows = [];
    return figures;
  }
}
