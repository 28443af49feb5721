// One chunk of rows through transform, serialisation and packing. The same code runs on the
// run's own thread or in a worker thread (see row-workers.ts); its result is plain data, so it
// crosses threads as is and the report is kept in one place.

import { TextDecoder } from "node:util";
import { RecordPacker, TOO_LARGE, type Packed, type RequestShape, type Room } from "../batch/batcher.js";
import type { Connector } from "../manifest/connector.js";
import type { Limits } from "../generated/manifest.js";
import { eachRawRow, type RawRows, type SkippedRow } from "../look/raw-rows.js";
import type { LookRow } from "../look/types.js";
import type { RowProgram } from "../transform/program.js";
import { FirstOccurrenceIds, RecordIds } from "../transform/ids.js";
import { scopeOf, transformRow, validPartOf, Rejection, type RecordJson, type RowWarning, type RunContext } from "../transform/transform.js";
import { compileColumnWriters, type WriteColumns } from "../transform/column-writers.js";
import type { Record_ } from "../transform/path.js";
import { ChangeFilter, type ChangeFilterSetup, type ChunkSyncFigures } from "../sync/change-filter.js";
import { SpareBuffers } from "../batch/spare-buffers.js";
import { groupDigits } from "../group-digits.js";

/** A rejected row or a warning, as the report takes it. */
export interface RowNote {
  readonly row: number;
  readonly reason: string;
  readonly detail: string;
}

/** A row the reader skipped for its size, as its rejection (`firstRow`: the number of its chunk's first row). */
export const skippedRowNote = (skipped: SkippedRow, firstRow: number): RowNote => ({ row: firstRow + skipped.index, reason: skipped.reason, detail: skipped.detail });

/** Where a row's warnings and the requests its record completes go. */
export interface RowSink {
  readonly warnings: RowNote[];
  readonly packed: Packed[];
}

export interface ChunkResult {
  /** Rows taken from the chunk: all of them, unless `error` stopped it. */
  readonly read: number;
  readonly rejected: RowNote[];
  readonly warnings: RowNote[];
  /** Requests the chunk's records completed. */
  readonly packed: Packed[];
  /** Why the chunk stopped early (a malformed row): the Look cannot be read past it. */
  readonly error?: string;
  /** Rows that could not be processed at all (their worker thread stopped), and why. */
  readonly lost?: { readonly rows: number[]; readonly reason: string };
  /** With `idsCounted: false`: the ids the chunk's rows took, to count (see run/repeat-ids.ts). */
  readonly ids?: TakenIds;
  /** In a sync: the chunk's records against the previous state. */
  readonly sync?: ChunkSyncFigures;
}

/** Record ids a chunk gave as first occurrences: the rows in order, and their content digests. */
export interface TakenIds {
  readonly rows: Float64Array;
  /** The rows' 64-hex-digit digests, back to back (`DigestBytes`): bytes are handed to the other thread, not copied. */
  readonly digests: Uint8Array;
}

/** What sizes a request, besides the manifest's limits. */
export interface PackingSetup {
  readonly limits: Limits;
  /** Room the request envelope takes around the records (see RequestShape). */
  readonly room: Room;
  /** Destination label, for the too-large rejection. */
  readonly label: string;
}

/** How a connector's requests are sized, around the envelope `shape` writes. */
export function packingOf(connector: Connector, shape: RequestShape): PackingSetup {
  return { limits: connector.manifest.wire.limits, room: shape.room, label: connector.manifest.label };
}

export class ChunkProcessor {
  private readonly packer: RecordPacker;
  private readonly decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  private readonly warningBuffer: RowWarning[] = [];
  private readonly tooLarge: string;
  /**
   * Record ids over the whole run, when all its rows go through this processor in row order; or
   * first-occurrence ids whose digests the chunk result carries, when they are counted elsewhere.
   */
  private readonly ids: RecordIds | FirstOccurrenceIds;
  private readonly idRows: number[] = [];
  /** Ids given before this chunk's (`FirstOccurrenceIds.given` when the last chunk ended). */
  private idsGiven = 0;
  /** A row's record JSON when the transform wrote it already (see RecordJson). */
  private readonly json: RecordJson;
  /** In a sync: which records are sent, and their digests. */
  private readonly filter: ChangeFilter | undefined;
  /** In a sync keyed by subjects: the columns whose values pass their rules, to tell a rejected row's subject. */
  private readonly writeValidColumns: WriteColumns | undefined;

  constructor(
    private readonly program: RowProgram,
    private readonly run: RunContext,
    packing: PackingSetup,
    /** False: the rows are a part of the run, and whoever sees them all counts repeats. */
    idsCounted = true,
    sync?: ChangeFilterSetup,
    /** Buffers of requests already answered, which the packer fills again. */
    buffers: SpareBuffers = new SpareBuffers(),
  ) {
    this.filter = sync === undefined ? undefined : new ChangeFilter(sync);
    this.writeValidColumns = this.filter?.keyedBySubject === true ? compileColumnWriters(program.writers, true) : undefined;
    this.json = { head: undefined, tail: "", keepContent: sync !== undefined };
    this.packer = new RecordPacker(packing.limits, packing.room, buffers);
    this.ids = idsCounted ? new RecordIds(scopeOf(program, run)) : new FirstOccurrenceIds(scopeOf(program, run));
    this.tooLarge = `record larger than the ${groupDigits(this.packer.maxRecordBytes)} bytes ${packing.label} accepts`;
  }

  rows(rows: ReadonlyArray<LookRow>, firstRow: number): ChunkResult {
    const out = emptyResult();
    for (let i = 0; i < rows.length; i++) this.one(rows[i]!, firstRow + i, out);
    return this.withSync(this.withIds({ ...out, read: rows.length }));
  }

  /**
   * Parses each row here, then as `rows`; a malformed row ends the chunk with `error`. A row the
   * reader skipped for its size is rejected in its place, with the reader's reason.
   */
  raw(raw: RawRows, firstRow: number): ChunkResult {
    const out = emptyResult();
    let read = 0;
    const error = eachRawRow(
      raw,
      this.decoder,
      firstRow,
      (row, i) => {
        this.one(row, firstRow + i, out);
        read++;
      },
      (skipped) => {
        out.rejected.push(skippedRowNote(skipped, firstRow));
        read++;
      },
    );
    return this.withSync(this.withIds(error === undefined ? { ...out, read } : { ...out, read, error: error.message }));
  }

  /** The result with the sync figures of its rows, in a sync. */
  private withSync(result: ChunkResult): ChunkResult {
    return this.filter === undefined ? result : { ...result, sync: this.filter.take() };
  }

  /** The result with the ids its rows took, when they are counted elsewhere. */
  private withIds(result: ChunkResult): ChunkResult {
    if (!(this.ids instanceof FirstOccurrenceIds)) return result;
    const ids: TakenIds = { rows: Float64Array.from(this.idRows), digests: this.ids.taken.take() };
    this.idRows.length = 0;
    this.idsGiven = this.ids.given;
    return { ...result, ids };
  }

  /** The last, partly filled request. */
  flush(): Packed | undefined {
    return this.packer.flush();
  }

  /**
   * One row's verdict, the same whichever command asks (send, a dry run, preview): the record as
   * it is sent (transformed, checked, serialised and within the API's size limit), or why the row
   * is rejected. An accepted record is packed (in a sync, unless it is unchanged: it is counted
   * instead); a request it completes goes to `out.packed`.
   */
  verdict(row: LookRow, n: number, out: RowSink): Record_ | Rejection {
    const warnings = this.warningBuffer;
    const result = transformRow(this.program, row, n, this.run, warnings, this.ids, this.json);
    if (this.ids instanceof FirstOccurrenceIds && this.ids.given > this.idsGiven + this.idRows.length) this.idRows.push(n);
    if (warnings.length > 0) {
      for (const w of warnings) out.warnings.push({ row: w.rowNumber, reason: w.reason, detail: w.detail });
      warnings.length = 0;
    }
    if (result instanceof Rejection) return result;
    const { head, tail } = this.json;
    let whole: string | undefined;
    let digests: Uint8Array | undefined;
    let sealed: Uint8Array | undefined;
    if (this.filter !== undefined) {
      // Without run fills the record is its content, and that JSON is the one packed.
      const content = this.json.content ?? (whole = JSON.stringify(result));
      // With `head`, the id source's last content is this record's content as UTF-8 (see RecordJson).
      if (!this.filter.admit(row, result, content, n, out.warnings, head !== undefined ? this.ids.lastContent : undefined)) return result;
      digests = this.filter.last;
      sealed = this.filter.lastSealed;
    }
    const packed = head !== undefined ? this.packer.addParts(head, tail, n, digests, sealed) : this.packer.add(whole ?? JSON.stringify(result), n, digests, sealed);
    if (packed === TOO_LARGE) return new Rejection(this.tooLarge, `record is ${groupDigits(this.packer.lastRecordBytes)} bytes`);
    if (packed !== undefined) out.packed.push(packed);
    return result;
  }

  private one(row: LookRow, n: number, out: Omit<ChunkResult, "read">): void {
    const result = this.verdict(row, n, out);
    if (!(result instanceof Rejection)) return;
    out.rejected.push({ row: n, reason: result.reason, detail: result.detail });
    // A rejected row is still in the Look: its subject is not a removed one.
    const lenient = this.writeValidColumns;
    this.filter?.stillPresent(row, lenient === undefined ? undefined : () => validPartOf(this.program, lenient, row, n, this.run));
  }
}

function emptyResult(): { rejected: RowNote[]; warnings: RowNote[]; packed: Packed[] } {
  return { rejected: [], warnings: [], packed: [] };
}
