import { RequestShape } from "../batch/batcher.js";
import type { LookRow } from "../look/types.js";
import type { Plan } from "../plan/types.js";
import type { Record_ } from "../transform/path.js";
import type { Rejection, RunContext } from "../transform/transform.js";
import { ChunkProcessor, packingOf, type RowNote, type RowSink } from "./chunk-processor.js";
import { requestBodyFields } from "./endpoint.js";

/** A row's verdict and the warnings it gave (values left out, downstreams it will not reach). */
export interface RowVerdict {
  readonly result: Record_ | Rejection;
  readonly warnings: ReadonlyArray<RowNote>;
}

/**
 * Row verdicts without sending, for previews: the same transform, serialisation and size check a
 * send and a dry run make (ChunkProcessor), with requests sized for the connector, so a record
 * shown is a record sent and a row refused is refused for the same reason.
 */
export class RowVerdicts {
  private readonly processor: ChunkProcessor;
  private readonly sink: RowSink = { warnings: [], packed: [] };

  /** `settings` size the fields a request body carries (a key in the body); none are needed otherwise. */
  constructor(plan: Plan, run: RunContext, settings: Readonly<Record<string, string | undefined>> = {}) {
    const shape = new RequestShape(plan.connector.manifest.wire.envelope, requestBodyFields(plan.connector, settings));
    this.processor = new ChunkProcessor(plan.program, run, packingOf(plan.connector, shape));
  }

  /** Rows are numbered from 1 in the order they are read, as a send numbers them. */
  of(row: LookRow, rowNumber: number): RowVerdict {
    const result = this.processor.verdict(row, rowNumber, this.sink);
    // Nothing is sent: the requests the records complete are let go.
    this.sink.packed.length = 0;
    return { result, warnings: this.sink.warnings.splice(0) };
  }
}
