import type { CompiledPath } from "./path.js";
import type { ValueCheck } from "./values.js";
import type { RecordValidator } from "../manifest/connector.js";
import type { WriteColumns } from "./column-writers.js";
import type { PivotWrite } from "./pivots.js";

/** Writes one Look column into the record. */
export interface ColumnWriter {
  readonly column: string;
  /** `users.email (mp_email)`, used in messages. */
  readonly describe: string;
  readonly rule: string;
  readonly path: CompiledPath;
  readonly check: ValueCheck;
  readonly pivoted: boolean;
  /** A pivoted measure's writer: one key per pivot value, beside `path`'s last key. */
  readonly pivot?: PivotWrite;
  /** A string of spaces alone is empty (not written): set on the columns that can meet a requirement. */
  readonly blankIsEmpty?: boolean;
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

/** Everything a row needs, compiled once per plan: rows run no manifest logic. */
export interface RowProgram {
  readonly connectorId: string;
  readonly writers: ReadonlyArray<ColumnWriter>;
  /** The writers compiled into one function (see column-writers.ts). */
  readonly writeColumns: WriteColumns;
  readonly fills: ReadonlyArray<FillStep>;
  readonly checks: ReadonlyArray<RecordCheck>;
  readonly validateRecord?: RecordValidator;
}
