// Worker thread entry: one RowWorkerThread keeps a ChunkProcessor per open run and answers each
// chunk with its result. It compiles the row program the run planned; it imports the transform
// modules, not the planner or the delivery stack.

import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import { join } from "node:path";
import { preloadWireAjv } from "../manifest/ajv.js";
import { WireSchemas } from "../manifest/load.js";
import { compileProgram } from "../transform/program.js";
import { ChunkProcessor } from "./chunk-processor.js";
import { compactHeap } from "./compact-heap.js";
import { SpareBuffers } from "../batch/spare-buffers.js";
import type { FromWorker, RowWorkerData, ToWorker, WorkerRunSetup } from "./worker-protocol.js";

/** The thread's state: the runs open on it and the wire schemas they compiled. */
class RowWorkerThread {
  /** Each open run's processor, or why it could not be opened (its chunks then fail with that reason). */
  private readonly runs = new Map<number, ChunkProcessor | Error>();
  private readonly wireSchemas = new WireSchemas();
  /** Request buffers given back by the runs' threads, shared by the runs' packers. */
  private readonly spares = new SpareBuffers();

  constructor(private readonly port: MessagePort) {}

  start(): void {
    this.port.postMessage({ seq: 0, ready: true } satisfies FromWorker);
    this.port.on("message", (message: ToWorker) => {
      let reply: FromWorker | undefined;
      try {
        reply = this.answer(message);
      } catch (error) {
        if ("seq" in message) reply = { seq: message.seq, failure: error instanceof Error ? error.message : String(error) };
      }
      if (reply !== undefined) this.port.postMessage(reply, transferList(reply));
    });
  }

  private open(setup: WorkerRunSetup): ChunkProcessor {
    const data = setup.connector;
    // The wire schema is compiled only when records are checked against it.
    const validateRecord = setup.validateRecords ? this.wireSchemas.recordValidator(join(data.dir, data.manifest.wire.recordSchema), data.file) : undefined;
    const program = compileProgram(setup.program, validateRecord);
    // A run's chunks may go to several workers: the run's thread counts repeated ids (see RepeatIds).
    return new ChunkProcessor(program, setup.run, setup.packing, false, setup.sync, this.spares);
  }

  private processorOf(run: number): ChunkProcessor {
    const p = this.runs.get(run);
    if (p === undefined) throw new Error(`run ${run} is not open in this worker`);
    if (p instanceof Error) throw p;
    return p;
  }

  private answer(message: ToWorker): FromWorker | undefined {
    switch (message.t) {
      case "open":
        try {
          this.runs.set(message.run, this.open(message.setup));
        } catch (error) {
          this.runs.set(message.run, error instanceof Error ? error : new Error(String(error)));
        }
        return undefined;
      case "close":
        this.runs.delete(message.run);
        return undefined;
      case "spare":
        this.spares.give(message.buffer);
        return undefined;
      case "raw":
        // The rows' buffer goes back with the result, to be filled again.
        return { seq: message.seq, result: this.processorOf(message.run).raw(message.rows, message.firstRow), buffer: message.rows.bytes.buffer as ArrayBuffer };
      case "rows":
        return { seq: message.seq, result: this.processorOf(message.run).rows(message.rows, message.firstRow) };
      case "flush":
        return { seq: message.seq, flushed: this.processorOf(message.run).flush() ?? null };
    }
  }
}

/**
 * Everything a reply hands over rather than copies: request payloads (each in a buffer of its own),
 * the ids the rows took and the rows' buffer. The run's thread then gets no large strings, which would be copied into
 * its heap and kept there until a full collection.
 */
function transferList(reply: FromWorker): ArrayBuffer[] {
  const list: ArrayBuffer[] = [];
  const payloads = "result" in reply ? reply.result.packed : "flushed" in reply && reply.flushed !== null ? [reply.flushed] : [];
  for (const p of payloads) {
    list.push(p.payload.buffer as ArrayBuffer);
    if (p.digests !== undefined) list.push(p.digests.buffer as ArrayBuffer);
  }
  const ids = "result" in reply ? reply.result.ids : undefined;
  if (ids !== undefined) list.push(ids.rows.buffer as ArrayBuffer, ids.digests.buffer as ArrayBuffer);
  if ("buffer" in reply && reply.buffer !== undefined) list.push(reply.buffer);
  return list;
}

// This thread's start reset the heap bounds of the whole process: set them again, before loading more.
if ((workerData as RowWorkerData | undefined)?.compactHeap === true) compactHeap();

// The run's thread hands a worker rows once it has started, and transforms them itself until then:
// ajv is required during the start, not with the first chunk, whose result it would hold up.
preloadWireAjv();

if (parentPort === null) throw new Error("row-worker.js runs as a worker thread");
new RowWorkerThread(parentPort).start();
