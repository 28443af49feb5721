// Worker threads that parse, transform and serialise a run's rows, so the run's own thread only
// cuts rows out of the stream and sends requests. Shared by every run in the process.

import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { fewerRequests, type Packed } from "../batch/batcher.js";
import type { LookRow } from "../look/types.js";
import { isRawRows, rowCount, type RawRows } from "../look/raw-rows.js";
import type { ChunkProcessor, ChunkResult } from "./chunk-processor.js";
import type { FromWorker, RowWorkerData, ToWorker, WorkerRunSetup } from "./worker-protocol.js";
import { startWorker } from "./start-worker.js";

// Under the test runner this module is TypeScript source, which a worker cannot load: use the build.
const WORKER_URL = new URL(import.meta.url.endsWith(".ts") ? "../../dist/run/row-worker.js" : "./row-worker.js", import.meta.url);

/**
 * One worker when there is a second core: this thread keeps reading and sending while the worker
 * parses and transforms. More workers add throughput only with more cores, and each has its own
 * heap (docs/performance.md has the figures).
 */
export function defaultWorkerCount(): number {
  return availableParallelism() > 1 ? 1 : 0;
}

/**
 * The young generation of a worker in a compacted process, in MB: the run's thread keeps 4 MB
 * (compact-heap.ts). 6 MB took the peak of a 1M-row event Look under 150 MB (docs/performance.md).
 */
const WORKER_YOUNG_GENERATION_MB = 6;

/** Most worker threads a run may use. */
export const MAX_WORKERS = 8;

type Request = { readonly t: "raw" | "rows" | "flush" } & Record<string, unknown>;

class RowWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, (reply: FromWorker) => void>();
  private seq = 0;
  /** Bytes of rows handed to this worker and not yet answered for, over all the runs it serves. */
  bytesPending = 0;
  /** Set once the thread has gone: every later request fails with it. */
  failure: string | undefined;
  /** Whether the thread started: false when it stopped before loading its modules. */
  readonly ready: Promise<boolean>;

  constructor(script: URL, options: RowWorkerOptions) {
    const compact = options.compactHeap === true;
    this.worker = startWorker(script, {
      workerData: { compactHeap: compact } satisfies RowWorkerData,
      // A worker's young generation ignores the growth bound (it grew to 34 MB): its size is set when the thread is made.
      ...(compact ? { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } } : {}),
    });
    let started: (ok: boolean) => void = () => undefined;
    this.ready = new Promise((resolve) => (started = resolve));
    // Idle workers must not keep the process alive; busy ones must, or an awaited chunk could be dropped at exit.
    // Starting counts as busy: a run waits for it.
    this.worker.once("exit", () => started(false));
    this.worker.on("message", (reply: FromWorker) => {
      if ("ready" in reply) {
        if (this.pending.size === 0) this.worker.unref();
        started(true);
        return;
      }
      const settle = this.pending.get(reply.seq);
      this.pending.delete(reply.seq);
      if (this.pending.size === 0) this.worker.unref();
      settle?.(reply);
    });
    this.worker.on("error", (e) => this.fail(`the row worker failed: ${e.message}`));
    this.worker.on("exit", (code) => this.fail(`the row worker stopped (exit code ${code})`));
  }

  get load(): number {
    return this.pending.size;
  }

  post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (this.failure === undefined) this.worker.postMessage(message, transfer);
  }

  request(message: Request, transfer: ArrayBuffer[] = [], bytes = 0): Promise<FromWorker> {
    const seq = ++this.seq;
    if (this.failure !== undefined) return Promise.resolve({ seq, failure: this.failure });
    return new Promise((resolve) => {
      if (this.pending.size === 0) this.worker.ref();
      this.bytesPending += bytes;
      this.pending.set(seq, (reply) => {
        this.bytesPending -= bytes;
        resolve(reply);
      });
      this.worker.postMessage({ ...message, seq }, transfer);
    });
  }

  /** Ends the thread; what it was asked and has not answered fails. */
  async stop(): Promise<void> {
    this.fail("the row worker was stopped");
    await this.worker.terminate();
  }

  private fail(reason: string): void {
    this.failure ??= reason;
    for (const [seq, settle] of this.pending) settle({ seq, failure: this.failure });
    this.pending.clear();
  }
}

export interface RowWorkerOptions {
  /**
   * The process bounds its heap's growth (compact-heap.ts): a thread that starts resets those
   * bounds for the whole process, so each worker sets them again once it runs.
   */
  readonly compactHeap?: boolean;
}

/**
 * The row worker threads a process shares between its runs (see RowWorkerPoolService): started
 * when a run first needs them, replaced when one has stopped, stopped with the pool.
 */
export class RowWorkerPool {
  private readonly pools = new Map<string, RowWorker[]>();
  private runs = 0;

  constructor(private readonly options: RowWorkerOptions = {}) {}

  /** A number no other run of this pool has: how a worker tells the runs it serves apart. */
  nextRunId(): number {
    return ++this.runs;
  }

  /** `count` live workers running `script`, starting or replacing threads as needed. */
  live(count: number, script: URL): RowWorker[] {
    let pool = this.pools.get(script.href);
    if (pool === undefined) this.pools.set(script.href, (pool = []));
    for (let i = 0; i < count; i++) {
      if (pool[i] === undefined || pool[i]!.failure !== undefined) pool[i] = new RowWorker(script, this.options);
    }
    return pool.slice(0, count);
  }

  /** Stops every thread. */
  async close(): Promise<void> {
    const all = [...this.pools.values()].flat();
    this.pools.clear();
    await Promise.all(all.map((w) => w.stop()));
  }
}

/** Rows a worker took but has not answered for: they sit in its part-filled request. */
interface HeldChunk {
  readonly firstRow: number;
  readonly count: number;
  readonly rejected: ReadonlySet<number>;
}

/** What a run reports for rows a worker lost (it stopped before answering for them). */
export interface LostRows {
  readonly rows: number[];
  readonly reason: string;
}

interface Assigned {
  readonly worker: RowWorker;
  /** Row number of the last record the worker returned in a request; it packs rows in order. */
  packedUpTo: number;
  held: HeldChunk[];
}

/**
 * One run's use of the shared workers: each chunk goes to the least busy one (record ids are
 * counted on the run's thread, see RepeatIds). When a worker cannot start at all (a broken
 * install, Node options a worker refuses), the run goes on on its own thread with `onThisThread`:
 * that costs speed, not rows. When one stops later, the rows it held are reported failed with the
 * reason.
 */
export class WorkerRun {
  private readonly id: number;
  private readonly assigned = new Map<RowWorker, Assigned>();
  private readonly lost: LostRows[] = [];
  /** The processor on this thread: for the chunks it takes itself, and for all of them when no worker could start. */
  private local: ChunkProcessor | undefined;
  private noWorker = false;

  constructor(
    private readonly pool: RowWorkerPool,
    private readonly setup: WorkerRunSetup,
    private readonly threads: number,
    private readonly onThisThread: () => ChunkProcessor,
    private readonly script: URL = WORKER_URL,
  ) {
    this.id = pool.nextRunId();
  }

  /** Bytes of rows the run's workers hold unanswered, this run's and other runs'. */
  get workerBytesPending(): number {
    let bytes = 0;
    for (const w of this.assigned.keys()) bytes += w.bytesPending;
    return bytes;
  }

  /**
   * Transforms a chunk (of `bytes`) on the least busy worker; never rejects: a worker's failure
   * becomes lost rows. The rows' buffer comes back from the worker to `recycle`.
   */
  async process(rows: RawRows | ReadonlyArray<LookRow>, firstRow: number, bytes = 0, recycle?: (buffer: ArrayBuffer) => void): Promise<ChunkResult> {
    if (!this.noWorker) {
      const target = this.pick();
      // Nothing is handed over before the worker has started, so a worker that cannot start loses no rows.
      if (await target.worker.ready) return this.onWorker(target, rows, firstRow, bytes, recycle);
      this.assigned.delete(target.worker);
      this.noWorker = true;
    }
    return this.processHere(rows, firstRow);
  }

  /** Transforms a chunk on this thread, at once; the rows' buffer can be reused when it returns. */
  processHere(rows: RawRows | ReadonlyArray<LookRow>, firstRow: number): ChunkResult {
    // Chunks that waited for the same start, and those this thread takes, share one processor.
    const local = (this.local ??= this.onThisThread());
    return isRawRows(rows) ? local.raw(rows, firstRow) : local.rows(rows, firstRow);
  }

  private async onWorker(target: Assigned, rows: RawRows | ReadonlyArray<LookRow>, firstRow: number, bytes: number, recycle: ((buffer: ArrayBuffer) => void) | undefined): Promise<ChunkResult> {
    const reply = isRawRows(rows)
      ? await target.worker.request({ t: "raw", run: this.id, rows, firstRow }, [rows.bytes.buffer as ArrayBuffer], bytes)
      : await target.worker.request({ t: "rows", run: this.id, rows, firstRow }, [], bytes);
    if (!("result" in reply)) {
      const reason = "failure" in reply ? reply.failure : "no answer";
      this.workerLost(target, reason);
      return lostChunk(rows, firstRow, reason);
    }
    if (reply.buffer !== undefined) recycle?.(reply.buffer);
    const { result } = reply;
    const lastPacked = result.packed.at(-1)?.rows.at(-1);
    if (lastPacked !== undefined) target.packedUpTo = lastPacked;
    target.held.push({ firstRow, count: result.read, rejected: new Set(result.rejected.map((r) => r.row)) });
    target.held = target.held.filter((h) => h.firstRow + h.count - 1 > target.packedUpTo);
    return result;
  }

  /** The part-filled request of every worker the run used, and the rows lost with a worker. */
  async finish(): Promise<{ packed: Packed[]; lost: LostRows[] }> {
    const packed: Packed[] = [];
    for (const target of this.assigned.values()) {
      const reply = await target.worker.request({ t: "flush", run: this.id });
      if ("flushed" in reply) {
        if (reply.flushed !== null) packed.push(reply.flushed);
      } else {
        this.workerLost(target, "failure" in reply ? reply.failure : "no answer");
      }
    }
    const last = this.local?.flush();
    if (last !== undefined) packed.push(last);
    this.close();
    // Each worker and this thread packed on their own: their last requests are combined where they fit one.
    return { packed: fewerRequests(packed, this.setup.packing.limits, this.setup.packing.room), lost: this.lost };
  }

  /** Gives a request buffer back to a worker of the run, to pack into again (without one, it is left to the collector). */
  recycle(buffer: ArrayBuffer): void {
    const target = this.assigned.values().next().value;
    target?.worker.post({ t: "spare", buffer }, [buffer]);
  }

  close(): void {
    for (const target of this.assigned.values()) target.worker.post({ t: "close", run: this.id });
    this.assigned.clear();
  }

  private pick(): Assigned {
    let best: RowWorker | undefined;
    for (const w of this.pool.live(this.threads, this.script)) if (best === undefined || w.load < best.load) best = w;
    let target = this.assigned.get(best!);
    if (target === undefined) {
      best!.post({ t: "open", run: this.id, setup: this.setup });
      target = { worker: best!, packedUpTo: 0, held: [] };
      this.assigned.set(best!, target);
    }
    return target;
  }

  /** Rows the worker held in its part-filled request are lost with it. */
  private workerLost(target: Assigned, reason: string): void {
    if (!this.assigned.has(target.worker)) return;
    this.assigned.delete(target.worker);
    const rows: number[] = [];
    for (const h of target.held) {
      for (let r = Math.max(h.firstRow, target.packedUpTo + 1); r < h.firstRow + h.count; r++) if (!h.rejected.has(r)) rows.push(r);
    }
    if (rows.length > 0) this.lost.push({ rows, reason });
  }
}

/** A chunk none of whose rows could be processed. */
function lostChunk(rows: RawRows | ReadonlyArray<LookRow>, firstRow: number, reason: string): ChunkResult {
  const count = rowCount(rows);
  return { read: count, rejected: [], warnings: [], packed: [], lost: { rows: rowRange(firstRow, count), reason } };
}

function rowRange(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => first + i);
}
