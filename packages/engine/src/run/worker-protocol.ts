// Messages between a run and the worker threads that transform its rows. Everything here is
// plain data (structured-clone safe); functions such as the record validator and the row
// program's checks are compiled in the worker, from the manifest and the program's spec.

import type { Packed } from "../batch/batcher.js";
import type { Connector } from "../manifest/connector.js";
import type { RowProgramSpec } from "../transform/program.js";
import type { RawRows } from "../look/raw-rows.js";
import type { LookRow } from "../look/types.js";
import type { RunContext } from "../transform/transform.js";
import type { ChunkResult, PackingSetup } from "./chunk-processor.js";
import type { ChangeFilterSetup } from "../sync/change-filter.js";

/** A connector without its functions. */
export type ConnectorData = Omit<Connector, "validateRecord">;

/** What a worker needs to run the run's rows: the row program the run planned, which it compiles. */
export interface WorkerRunSetup {
  /** Where the connector's wire schema is, to check records against it. */
  readonly connector: ConnectorData;
  readonly program: RowProgramSpec;
  readonly validateRecords: boolean;
  readonly run: RunContext;
  readonly packing: PackingSetup;
  /** In a sync: the salt, the shape fingerprint, where keys come from, and the previous state's shared table. */
  readonly sync?: ChangeFilterSetup;
}

export type ToWorker =
  | { readonly t: "open"; readonly run: number; readonly setup: WorkerRunSetup }
  | { readonly t: "raw"; readonly run: number; readonly seq: number; readonly rows: RawRows; readonly firstRow: number }
  | { readonly t: "rows"; readonly run: number; readonly seq: number; readonly rows: ReadonlyArray<LookRow>; readonly firstRow: number }
  | { readonly t: "flush"; readonly run: number; readonly seq: number }
  | { readonly t: "close"; readonly run: number }
  /** A request buffer the run's thread gives back once the request was answered, for any run's packer (see SpareBuffers). */
  | { readonly t: "spare"; readonly buffer: ArrayBuffer };

export type FromWorker =
  /** Sent once, when the worker has loaded its modules (seq 0). */
  | { readonly seq: 0; readonly ready: true }
  | { readonly seq: number; readonly result: ChunkResult; readonly buffer?: ArrayBuffer }
  | { readonly seq: number; readonly flushed: Packed | null }
  | { readonly seq: number; readonly failure: string };

/** What a worker thread is told as it starts (`workerData`). */
export interface RowWorkerData {
  /** Set the process's heap bounds again (see RowWorkerOptions). */
  readonly compactHeap: boolean;
}
