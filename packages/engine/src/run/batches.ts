// Reads the rest of the Look through the row stage into requests ready to send, and counts in the
// report what the rows came to before they are sent (rejected rows, warnings, a broken-off Look).

import * as Effect from "effect/Effect";
import * as Stream from "effect/Stream";
import type { Batch, Packed } from "../batch/batcher.js";
import type { LookEvent } from "../look/read-look.js";
import { rowCount, type SkippedRow } from "../look/raw-rows.js";
import type { LookRow } from "../look/types.js";
import { skippedRowNote, type ChunkResult } from "./chunk-processor.js";
import { SourceError } from "./errors.js";
import { errorText, type OpenRun } from "./open-run.js";
import type { RowStage } from "./row-stage.js";
import type { RunStopping } from "./run-stop.js";

export interface RunBatches {
  /** The run's requests, in row order; never fails: a Look that breaks off ends it, counted in the report. */
  readonly batches: Stream.Stream<Batch>;
  /** Whether the Look was read to its end (false while reading, or when the run stopped first). */
  readToEnd(): boolean;
  /** Whether the Look broke off or a malformed row ended the reading. */
  brokeOff(): boolean;
  /** Whether a row was skipped unread (over the size limit): its key is unknown, so a sync infers no removal. */
  skippedRows(): boolean;
  /** When (monotonic ms) the Look's last event was read, once it was read to its end. */
  readEndedAt(): number | undefined;
}

export function batchesOf(open: OpenRun, stage: RowStage, stopping: RunStopping): RunBatches {
  const { report } = open.tally;
  let nextRow = 1;
  let stopped = false;
  let readToEnd = false;
  let brokeOff = false;
  let skippedRows = false;
  let readEndedAt: number | undefined;

  const recycle = (buffer: ArrayBuffer) => stage.recycle(buffer);
  const toBatches = (packed: ReadonlyArray<Packed>): Batch[] => packed.map((p) => open.shape.wrap(p, recycle));
  const account = (result: ChunkResult): Batch[] => {
    report.rowsRead(result.read);
    for (const w of result.warnings) report.warn(w.row, w.reason, w.detail);
    for (const r of result.rejected) report.reject(r.row, r.reason, r.detail);
    if (result.sync !== undefined) open.sync.sync?.account(result.sync, report);
    if (result.lost !== undefined) report.batchFailed(result.lost.rows, result.lost.reason);
    if (result.error !== undefined) {
      // Rows after a malformed one cannot be trusted to be where they seem: stop reading there.
      report.sourceFailed(result.error);
      stopped = true;
      brokeOff = true;
    }
    open.tally.tell();
    return toBatches(result.packed);
  };
  const push = (event: Exclude<LookEvent, { kind: "header" }>): Effect.Effect<Batch[]> => {
    const firstRow = nextRow;
    nextRow += rowCount(event.rows);
    const skipped = event.kind === "raw" ? event.rows.skipped : event.skipped;
    if (skipped !== undefined) skippedRows = true;
    if (event.kind === "rows" && skipped !== undefined) return pushAround(event.rows, skipped, firstRow);
    return Effect.map(stage.push(event.rows, firstRow, event.kind === "raw" ? event.recycle : undefined), (results) => results.flatMap(account));
  };
  /** Parsed rows with skipped ones among them: those are rejected here, the rows between go to the stage as they would. */
  const pushAround = (rows: LookRow[], skipped: ReadonlyArray<SkippedRow>, firstRow: number): Effect.Effect<Batch[]> =>
    Effect.gen(function* () {
      const batches: Batch[] = [];
      let from = 0;
      for (const skip of [...skipped, undefined]) {
        const to = skip === undefined ? rows.length : skip.index;
        if (to > from) batches.push(...(yield* stage.push(rows.slice(from, to), firstRow + from)).flatMap(account));
        if (skip === undefined) break;
        batches.push(...account({ read: 1, rejected: [skippedRowNote(skip, firstRow)], warnings: [], packed: [] }));
        from = skip.index + 1;
      }
      return batches;
    });
  const finish: Effect.Effect<Batch[]> = Effect.map(stage.finish, ({ results, packed, lost }) => {
    const batches = results.flatMap(account);
    for (const l of lost) report.batchFailed(l.rows, l.reason);
    return [...batches, ...toBatches(packed)];
  });

  const stoppedReading: IteratorResult<LookEvent> = { done: true, value: undefined };
  const rest: AsyncIterable<LookEvent> = {
    [Symbol.asyncIterator]: () => ({
      // A stopped run reads no further; what it read is still transformed and accounted for.
      next: async () => {
        const next = await stopping.orStop(open.rows.next(), stoppedReading);
        if (next.done === true && next !== stoppedReading) {
          readToEnd = true;
          readEndedAt = performance.now();
        }
        return next;
      },
    }),
  };
  const batches = Stream.fromAsyncIterable(rest, (e) => new SourceError({ reason: errorText(e) })).pipe(
    // A Look that breaks off mid-way still has its read rows delivered and accounted for.
    Stream.catchAll((e) => {
      report.sourceFailed(e.reason);
      brokeOff = true;
      return Stream.empty;
    }),
    Stream.takeWhile(() => !stopped),
    Stream.mapEffect((event) => (event.kind === "header" ? Effect.succeed([]) : push(event))),
    Stream.concat(Stream.fromEffect(finish)),
    Stream.flattenIterables,
  );
  return { batches, readToEnd: () => readToEnd, brokeOff: () => brokeOff, skippedRows: () => skippedRows, readEndedAt: () => readEndedAt };
}
