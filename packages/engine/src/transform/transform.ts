import type { LookRow } from "../look/types.js";
import type { RowProgram, FillStep, RecordCheck } from "./program.js";
import { getAt, isPresent, setAt, type CompiledPath, type Record_ } from "./path.js";
import { recordIds, uuidOf } from "./ids.js";

/** What a run knows about itself, for fills and ids. */
export interface RunContext {
  /** Identifies the run (e.g. the Looker webhook id): the same run and row give the same record id. */
  readonly runId: string;
  readonly ranAt: string;
  readonly ranAtMs: number;
}

/** Why a row was not sent: `reason` groups rows, `detail` is this row's case. */
export class Rejection {
  constructor(
    readonly reason: string,
    readonly detail: string,
    readonly column?: string,
  ) {}
}

/** A value left out of a record, or a downstream the record will not reach. */
export interface RowWarning {
  readonly rowNumber: number;
  readonly reason: string;
  readonly detail: string;
  readonly column?: string;
}

/** Maps one row to its record, or says why the row is rejected. */
export function transformRow(
  program: RowProgram,
  row: LookRow,
  rowNumber: number,
  run: RunContext,
  warnings?: RowWarning[],
): Record_ | Rejection {
  const record: Record_ = {};
  const rejected = program.writeColumns(row, record, rowNumber, warnings);
  if (rejected !== undefined) return rejected;
  for (const f of program.fills) {
    if (isPresent(getAt(record, f.path)) || anyPresent(record, f.unlessPresent)) continue;
    const value = fillValue(f, record, program.connectorId, rowNumber, run);
    if (value !== undefined) setAt(record, f.path, value);
  }
  for (const c of program.checks) {
    if (meets(record, c)) continue;
    const reason = `row has no ${c.description}`;
    const detail = c.columns.length > 0 ? `${reason}: ${c.columns.join(", ")} ${c.columns.length === 1 ? "is" : "are all"} empty` : reason;
    if (c.onFail === "reject") return new Rejection(`${reason} (${c.rule})`, detail);
    warnings?.push({ rowNumber, reason: `${reason} (${c.rule})`, detail });
  }
  if (program.validateRecord !== undefined) {
    const problems = program.validateRecord(record);
    if (problems !== undefined) return new Rejection(`record breaks the destination's wire schema at ${problems[0]}`, problems.join("; "));
  }
  return record;
}

// The run's id function is derived once per run and connector, not per row.
const runIds = new WeakMap<RunContext, Map<string, (row: number) => string>>();
function idsFor(run: RunContext, connectorId: string): (row: number) => string {
  let byConnector = runIds.get(run);
  if (byConnector === undefined) runIds.set(run, (byConnector = new Map()));
  let ids = byConnector.get(connectorId);
  if (ids === undefined) byConnector.set(connectorId, (ids = recordIds(connectorId, run.runId)));
  return ids;
}

function fillValue(f: FillStep, record: Record_, connectorId: string, rowNumber: number, run: RunContext): unknown {
  switch (f.value.kind) {
    case "constant":
      return f.value.value;
    case "ranAt":
      return run.ranAt;
    case "ranAtMs":
      return run.ranAtMs;
    case "recordId":
      return idsFor(run, connectorId)(rowNumber);
    case "uuidOf": {
      const source = getAt(record, f.value.path);
      // Keyed by what the value is (`email`), not where this call carries it (`traits.email` on
      // identify, `context.traits.email` on track): the same person gets the same id on every call.
      const kind = f.value.path.steps[f.value.path.steps.length - 1]!.key;
      return isPresent(source) ? uuidOf(connectorId, kind, source) : undefined;
    }
  }
}

function meets(record: Record_, c: RecordCheck): boolean {
  if (c.anyOf.length > 0 && !anyPresent(record, c.anyOf)) return false;
  for (const p of c.allOf) if (!isPresent(getAt(record, p))) return false;
  return true;
}

// Plain loops: these run for every row, so no closure per call.
function anyPresent(record: Record_, paths: ReadonlyArray<CompiledPath>): boolean {
  for (const p of paths) if (isPresent(getAt(record, p))) return true;
  return false;
}
