import type { CompiledPath } from "./path.js";
import { compileValueCheck, type ValueCheck } from "./values.js";
import type { RecordValidator } from "../manifest/connector.js";
import { compileColumnWriters, type WriteColumns } from "./column-writers.js";
import { compilePivotWrite, type PivotKeys, type PivotWrite } from "./pivots.js";
import type { ValueRule } from "../generated/manifest.js";

/** How one Look column is written into the record, as the plan decides it: plain data. */
export interface ColumnWriterSpec {
  readonly column: string;
  /** `users.email (mp_email)`, used in messages. */
  readonly describe: string;
  readonly rule: string;
  readonly path: CompiledPath;
  /** What the column's values must be, and what is done with those that are not. */
  readonly value: ValueRule;
  /** A pivoted measure: one key per pivot value, beside `path`'s last key, in `target`. */
  readonly pivot?: { readonly target: string; readonly keys: PivotKeys; readonly maxKeys?: number };
  /** A string of spaces alone is empty (not written): set on the columns that can meet a requirement. */
  readonly blankIsEmpty?: boolean;
}

/** Writes one Look column into the record: its spec with the checks compiled. */
export interface ColumnWriter extends Omit<ColumnWriterSpec, "value" | "pivot"> {
  readonly check: ValueCheck;
  readonly pivoted: boolean;
  /** A pivoted measure's writer: one key per pivot value, beside `path`'s last key. */
  readonly pivot?: PivotWrite;
}

export type FillValue =
  | { readonly kind: "constant"; readonly value: unknown }
  | { readonly kind: "ranAt" | "ranAtMs" | "recordId" }
  | { readonly kind: "uuidOf"; readonly path: CompiledPath };

/** Sets a value where the columns left none. */
export interface FillStep {
  readonly path: CompiledPath;
  readonly value: FillValue;
  readonly unlessPresent: ReadonlyArray<CompiledPath>;
}

/** A requirement each record must meet; `columns` says which columns could have met it. */
export interface RecordCheck {
  readonly rule: string;
  readonly description: string;
  readonly anyOf: ReadonlyArray<CompiledPath>;
  readonly allOf: ReadonlyArray<CompiledPath>;
  readonly columns: ReadonlyArray<string>;
  /** Downstream checks warn (the destination still accepts the record); requirement checks reject. */
  readonly onFail: "reject" | "warn";
}

/**
 * A row program as plain data: what the plan decided for every row. It crosses to the row worker
 * threads as it is, and each thread compiles it (`compileProgram`); the plan is made once.
 */
export interface RowProgramSpec {
  readonly connectorId: string;
  readonly writers: ReadonlyArray<ColumnWriterSpec>;
  readonly fills: ReadonlyArray<FillStep>;
  readonly checks: ReadonlyArray<RecordCheck>;
}

/** Everything a row needs, compiled once per plan and thread: rows run no manifest logic. */
export interface RowProgram extends Omit<RowProgramSpec, "writers"> {
  /** What it was compiled from, for another thread to compile. */
  readonly spec: RowProgramSpec;
  readonly writers: ReadonlyArray<ColumnWriter>;
  /** The writers compiled into one function (see column-writers.ts). */
  readonly writeColumns: WriteColumns;
  /** Per fill (same order as `fills`), its key as JSON and a colon when it sets a top-level key; else undefined. */
  readonly fillKeys: ReadonlyArray<string | undefined>;
  readonly validateRecord?: RecordValidator;
}

/** `"key":` for a fill that sets one top-level key (what a record's JSON can take as an appended member). */
function topLevelKeyJson(f: FillStep): string | undefined {
  const steps = f.path.steps;
  return steps.length === 1 && !steps[0]!.array ? `${JSON.stringify(steps[0]!.key)}:` : undefined;
}

/** The program of a spec, with the connector's record validator when records are checked. */
export function compileProgram(spec: RowProgramSpec, validateRecord?: RecordValidator): RowProgram {
  const writers = spec.writers.map(compileWriter);
  return {
    spec,
    connectorId: spec.connectorId,
    writers,
    writeColumns: compileColumnWriters(writers),
    fills: spec.fills,
    fillKeys: spec.fills.map(topLevelKeyJson),
    checks: spec.checks,
    ...(validateRecord !== undefined ? { validateRecord } : {}),
  };
}

function compileWriter(spec: ColumnWriterSpec): ColumnWriter {
  const { value, pivot, ...writer } = spec;
  const check = compileValueCheck(value);
  if (pivot === undefined) return { ...writer, check, pivoted: false };
  return { ...writer, check, pivoted: true, pivot: compilePivotWrite({ column: spec.column, describe: spec.describe, rule: spec.rule, ...pivot, check }) };
}
