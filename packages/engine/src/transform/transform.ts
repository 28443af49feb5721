import type { LookRow } from "../look/types.js";
import type { RowProgram, FillStep, RecordCheck } from "./program.js";
import type { WriteColumns } from "./column-writers.js";
import { getAt, isPresent, setAt, type CompiledPath, type Record_ } from "./path.js";
import { RecordIds, uuidOf, type RecordIdSource } from "./ids.js";

/** What a run knows about itself, for fills and ids. Plain data: it crosses to worker threads. */
export interface RunContext {
  /** Identifies the run (e.g. the Looker webhook id): the same run and content give the same record id. */
  readonly runId: string;
  /** The Looker action the run serves (one of the connector's actions); record ids differ between actions. */
  readonly action: string;
  /** Digest of the settings that name the destination workspace (never the settings themselves). */
  readonly workspace: string;
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

/**
 * The record's JSON, when `transformRow` could write it from its content's (set per row, else
 * `head` is undefined): the UTF-8 bytes of the content's JSON without its closing brace (a view
 * the next row overwrites), then `tail`, the run fills and the brace.
 */
export interface RecordJson {
  head: Uint8Array | undefined;
  tail: string;
  /**
   * With `keepContent`, the record's JSON without its run fills when it has any (what its id and a
   * sync's content digest are derived from); undefined when the record is its content.
   */
  content?: string | undefined;
  readonly keepContent?: boolean;
}

/**
 * Maps one row to its record, or says why the row is rejected. `ids` gives the record ids and
 * must see every row of the run (see `RecordIds`); without it, the row's id is the one the first
 * record with its content gets. With `json`, the record's JSON is given too when the id's content
 * JSON could be reused for it (the run fills are then new top-level keys): one JSON.stringify a row.
 */
export function transformRow(
  program: RowProgram,
  row: LookRow,
  rowNumber: number,
  run: RunContext,
  warnings?: RowWarning[],
  ids?: RecordIdSource,
  json?: RecordJson,
): Record_ | Rejection {
  if (json !== undefined) {
    json.head = undefined;
    json.content = undefined;
  }
  const record: Record_ = {};
  const rejected = program.writeColumns(row, record, rowNumber, warnings);
  if (rejected !== undefined) return rejected;
  // Content fills first: the record id is derived from the content, which run fills (times, the id
  // itself) are not part of, so a replay at another time gives the same ids.
  let runFills = false;
  let needsId = false;
  for (const f of program.fills) {
    if (!isRunFill(f)) fill(f, record, program.connectorId, run, undefined);
    else {
      runFills = true;
      needsId ||= f.value.kind === "recordId";
    }
  }
  if (runFills) {
    const content = needsId || json?.keepContent === true ? JSON.stringify(record) : "";
    if (json?.keepContent === true) json.content = content;
    // Taken only when a fill sets the id, so a record that carries its own (from a column) counts no occurrence.
    let id: string | undefined;
    let counter = ids;
    const idOf = () => (id ??= (counter ??= new RecordIds(scopeOf(program, run))).next(content));
    // JSON.stringify writes new string keys last, in the order they were set: the record's JSON is
    // the content's without its closing brace, then the fills.
    let tail: string | undefined = json !== undefined && needsId ? "" : undefined;
    const { fills, fillKeys } = program;
    for (let i = 0; i < fills.length; i++) {
      const f = fills[i]!;
      if (!isRunFill(f)) continue;
      const keyJson = fillKeys[i];
      const existed = keyJson !== undefined && Object.hasOwn(record, f.path.steps[0]!.key);
      const value = fill(f, record, program.connectorId, run, idOf);
      if (tail === undefined || value === undefined) continue;
      // A nested target, or a key already there (set in place): the record is written whole instead.
      tail = keyJson === undefined || existed ? undefined : `${tail}${tail !== "" || content.length > 2 ? "," : ""}${keyJson}${fillJson(f, value)}`;
    }
    // The content's bytes are those the id was derived from (`lastContent`), when it was taken.
    if (json !== undefined && tail !== undefined && counter !== undefined && id !== undefined) {
      json.head = counter.lastContent.subarray(0, -1);
      json.tail = `${tail}}`;
    }
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

/**
 * Completes a record not built from a row (a sync's clearing record) as rows' records are: the
 * program's content fills, then its run fills, the id from `ids` and the record's content.
 */
export function fillRecord(program: RowProgram, record: Record_, run: RunContext, ids: RecordIdSource): void {
  for (const f of program.fills) if (!isRunFill(f)) fill(f, record, program.connectorId, run, undefined);
  const content = JSON.stringify(record);
  let id: string | undefined;
  const idOf = () => (id ??= ids.next(content));
  for (const f of program.fills) if (isRunFill(f)) fill(f, record, program.connectorId, run, idOf);
}

/**
 * What a rejected row's record would hold without the values that broke their rules: the columns
 * written by `writeValidColumns` (compileColumnWriters, lenient), then the content fills. A sync
 * tells the rejected row's subject from it; it is never sent.
 */
export function validPartOf(program: RowProgram, writeValidColumns: WriteColumns, row: LookRow, rowNumber: number, run: RunContext): Record_ {
  const record: Record_ = {};
  writeValidColumns(row, record, rowNumber, undefined);
  for (const f of program.fills) if (!isRunFill(f)) fill(f, record, program.connectorId, run, undefined);
  return record;
}

/** The scope of a run's record ids: the program's connector and the run's action, workspace and id. */
export function scopeOf(program: RowProgram, run: RunContext) {
  return { connectorId: program.connectorId, action: run.action, workspace: run.workspace, runId: run.runId };
}

/** A run fill's value as JSON. A record id is a UUID (hex digits and dashes), which needs no escaping. */
function fillJson(f: FillStep, value: unknown): string {
  return f.value.kind === "recordId" && typeof value === "string" ? `"${value}"` : JSON.stringify(value);
}

function isRunFill(f: FillStep): boolean {
  return f.value.kind === "ranAt" || f.value.kind === "ranAtMs" || f.value.kind === "recordId";
}

/** Applies a fill; returns the value it set, if any. */
function fill(f: FillStep, record: Record_, connectorId: string, run: RunContext, recordId: (() => string) | undefined): unknown {
  if (isPresent(getAt(record, f.path)) || anyPresent(record, f.unlessPresent)) return undefined;
  const value = fillValue(f, record, connectorId, run, recordId);
  if (value !== undefined) setAt(record, f.path, value);
  return value;
}

function fillValue(f: FillStep, record: Record_, connectorId: string, run: RunContext, recordId: (() => string) | undefined): unknown {
  switch (f.value.kind) {
    case "constant":
      return f.value.value;
    case "ranAt":
      return run.ranAt;
    case "ranAtMs":
      return run.ranAtMs;
    case "recordId":
      return recordId?.();
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
