// The run's second stage: rows to records packed into request payloads, on this thread or on the
// row worker threads. Either way chunks go in in row order and their results come out in the same
// order, so the report reads the same.

import * as Effect from "effect/Effect";
import * as Option from "effect/Option";
import type { Packed } from "../batch/batcher.js";
import type { LookRow } from "../look/types.js";
import { isRawRows, type RawRows } from "../look/raw-rows.js";
import type { Connector } from "../manifest/connector.js";
import { ChunkProcessor, type ChunkResult } from "./chunk-processor.js";
import { SpareBuffers } from "../batch/spare-buffers.js";
import { MemoryBudgetService, type MemoryBudget } from "./memory-budget.js";
import type { OpenRun } from "./open-run.js";
import { RepeatIds } from "./repeat-ids.js";
import { WorkerRun, type LostRows } from "./row-workers.js";
import type { RunInput } from "./run-input.js";
import { RunObserverService, type RunObserver } from "./run-observer.js";
import { RowWorkerPoolService } from "./services.js";
import { SpareTime } from "./spare-time.js";

/** Where a run's rows are transformed: in order in, results in the same order out. */
export interface RowStage {
  /** `recycle` takes the rows' buffer back once they are parsed, for the reader to fill again. */
  push(rows: RawRows | ReadonlyArray<LookRow>, firstRow: number, recycle?: (buffer: ArrayBuffer) => void): Effect.Effect<ChunkResult[]>;
  /** The results still out, the last part-filled requests, and rows lost with a worker. */
  readonly finish: Effect.Effect<{ results: ChunkResult[]; packed: Packed[]; lost: LostRows[] }>;
  /** Takes back the buffer of a request that was answered, for a later request (see SpareBuffers). */
  recycle(buffer: ArrayBuffer): void;
  close(): void;
}

/** The stage the run's input asks for: on worker threads when `workers` > 0, else on this thread. */
export function rowStageFor(open: OpenRun, input: RunInput): Effect.Effect<RowStage, never, RowWorkerPoolService> {
  return Effect.gen(function* () {
    const validateRecords = input.validateRecords !== false;
    const program = validateRecords ? open.plan.program : { ...open.plan.program, validateRecord: undefined };
    const threads = Math.max(0, Math.floor(input.workers ?? 0));
    const sync = open.sync.sync?.setup;
    if (threads === 0) {
      const spares = new SpareBuffers();
      return inlineStage(new ChunkProcessor(program, open.context, open.packing, true, sync, spares), spares);
    }
    // On worker threads, records get first-occurrence ids; the stage counts them here, in row order,
    // and a processor on this thread that stands in for the workers does the same.
    const onThisThread = () => new ChunkProcessor(program, open.context, open.packing, false, sync);
    const setup = { connector: connectorData(open.connector), program: program.spec, validateRecords, run: open.context, packing: open.packing, ...(sync !== undefined ? { sync } : {}) };
    const memory = runMemory(Option.getOrUndefined(yield* Effect.serviceOption(MemoryBudgetService)), Option.getOrUndefined(yield* Effect.serviceOption(RunObserverService)));
    return workerStage(new WorkerRun(yield* RowWorkerPoolService, setup, threads, onThisThread), threads, memory);
  });
}

/**
 * Bytes of rows a run keeps in flight per worker: measured with the bench (docs/performance.md),
 * fewer leave the worker idle between chunks (about 4,000 rows of a typical Look). More would only
 * make other runs' chunks queue longer behind this run's on a shared worker.
 */
const BYTES_IN_FLIGHT_PER_WORKER = 2 * 1024 * 1024;

/** What a chunk of parsed rows is charged: they are already objects on this thread, and measuring them would cost more than it tells. */
const PARSED_ROW_BYTES = 1024;

/** The bytes a chunk of rows holds until its result is taken. */
function chunkBytes(rows: RawRows | ReadonlyArray<LookRow>): number {
  return isRawRows(rows) ? rows.bytes.buffer.byteLength + rows.ends.byteLength + rows.offsets.byteLength : rows.length * PARSED_ROW_BYTES;
}

/** A run's share of the process's memory budget (see memory-budget.ts); unbounded without one. */
export interface RunMemory {
  tryAcquire(bytes: number): boolean;
  acquire(bytes: number): Effect.Effect<void>;
  release(bytes: number): void;
}

function runMemory(budget: MemoryBudget | undefined, observer: RunObserver | undefined): RunMemory {
  if (budget === undefined) return { tryAcquire: () => true, acquire: () => Effect.void, release: () => undefined };
  return {
    tryAcquire: (bytes) => budget.tryAcquire(bytes),
    acquire: (bytes) => Effect.map(budget.acquire(bytes), (waitedMs) => observer?.memoryWait(waitedMs, bytes, budget)),
    release: (bytes) => budget.release(bytes),
  };
}

/** Each chunk is transformed at once, as it arrives: no rows wait in flight, so nothing is charged to the memory budget. */
function inlineStage(processor: ChunkProcessor, spares: SpareBuffers): RowStage {
  return {
    push: (rows, firstRow) => Effect.sync(() => [isRawRows(rows) ? processor.raw(rows, firstRow) : processor.rows(rows, firstRow)]),
    finish: Effect.sync(() => {
      const last = processor.flush();
      return { results: [], packed: last === undefined ? [] : [last], lost: [] };
    }),
    recycle: (buffer) => spares.give(buffer),
    close: () => undefined,
  };
}

/**
 * Keeps up to BYTES_IN_FLIGHT_PER_WORKER bytes of rows per worker in flight, the run's own and on
 * its worker over all runs (each run keeps at least its newest chunk going, so executes at once
 * take turns on a worker instead of queueing megabytes ahead of each other), and hands results
 * back in chunk order, so the report reads the same as an inline run and the reader waits when
 * the workers are busy. Counted in bytes, not rows: rows of many small objects cost far more per
 * row to hold and parse. Each chunk is charged to the memory budget
 * until its result is taken. A run collects its own results before it waits for room, so it never
 * waits while holding a charge that others wait for. When the workers are full, `takeHere` may
 * have this thread transform the chunk itself instead of waiting (by default, when it has time to
 * spare: see SpareTime); its result keeps its place in chunk order. Repeated record ids are
 * counted and rewritten as results are taken, in row order (see RepeatIds).
 */
export function workerStage(workers: WorkerRun, threads: number, memory: RunMemory = runMemory(undefined, undefined), takeHere: TakeHere = whenSpareTime()): RowStage {
  const limit = BYTES_IN_FLIGHT_PER_WORKER * threads;
  const repeats = new RepeatIds();
  const inFlight: Array<{ readonly result: Promise<ChunkResult>; readonly bytes: number }> = [];
  let bytesInFlight = 0;
  const take = Effect.suspend(() => {
    const oldest = inFlight[0]!;
    return Effect.map(
      Effect.promise(() => oldest.result),
      (result) => {
        inFlight.shift();
        bytesInFlight -= oldest.bytes;
        memory.release(oldest.bytes);
        repeats.count(result);
        for (const p of result.packed) repeats.rewrite(p);
        return result;
      },
    );
  });
  return {
    push: (rows, firstRow, recycle) =>
      Effect.gen(function* () {
        // Measured before the rows' buffer is handed (transferred) to the worker.
        const bytes = chunkBytes(rows);
        const ready: ChunkResult[] = [];
        if (inFlight.length > 0 && takeHere(workers.workerBytesPending + bytes > limit)) {
          inFlight.push({ result: Promise.resolve(workers.processHere(rows, firstRow)), bytes: 0 });
          if (isRawRows(rows)) recycle?.(rows.bytes.buffer as ArrayBuffer);
          return ready;
        }
        let charged = memory.tryAcquire(bytes);
        while (!charged && inFlight.length > 0) {
          ready.push(yield* take);
          charged = memory.tryAcquire(bytes);
        }
        if (!charged) yield* memory.acquire(bytes);
        inFlight.push({ result: workers.process(rows, firstRow, bytes, recycle), bytes });
        bytesInFlight += bytes;
        while (inFlight.length > 1 && (bytesInFlight > limit || workers.workerBytesPending > limit)) ready.push(yield* take);
        return ready;
      }),
    finish: Effect.gen(function* () {
      const results: ChunkResult[] = [];
      while (inFlight.length > 0) results.push(yield* take);
      const rest = yield* Effect.promise(() => workers.finish());
      for (const p of rest.packed) repeats.rewrite(p);
      return { results, ...rest };
    }),
    recycle: (buffer) => workers.recycle(buffer),
    close: () => {
      // An interrupted run gives back the charges of the chunks it will not collect.
      for (const chunk of inFlight.splice(0)) memory.release(chunk.bytes);
      bytesInFlight = 0;
      workers.close();
    },
  };
}

/**
 * Whether the run's thread transforms the next chunk itself (one chunk at least being out on a
 * worker); `workersFull`: the workers hold as many bytes as they may, so the run would wait.
 */
export type TakeHere = (workersFull: boolean) => boolean;

/**
 * The run's thread takes a chunk itself only while its event loop was busy less than this share
 * of the time: the rest is kept for reading the Look and sending requests.
 */
const BUSIEST_TO_HELP = 0.6;

/** Rather than wait for its busy workers, a thread with time to spare takes the chunk itself. */
function whenSpareTime(): TakeHere {
  const spare = new SpareTime(BUSIEST_TO_HELP);
  return (workersFull) => workersFull && spare.has();
}

/** The connector as plain data, for a worker to rebuild. */
function connectorData(connector: Connector) {
  const { validateRecord: _, ...data } = connector;
  return data;
}
