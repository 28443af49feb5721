/** One column of a Look, as Looker describes it in `fields` of json_detail. */
export interface LookField {
  name: string;
  label?: string;
  label_short?: string;
  tags?: string[];
  hidden?: boolean;
  measure?: boolean;
  is_numeric?: boolean;
  type?: string;
  view?: string;
  [k: string]: unknown;
}

export interface LookFields {
  measures: LookField[];
  dimensions: LookField[];
  table_calculations: LookField[];
  /** The pivot dimensions; their values key the pivoted measure cells. */
  pivots: LookField[];
}

export interface Cell {
  value: unknown;
  rendered?: string;
  html?: string;
  links?: unknown[];
}

/** A pivoted measure's row value: one cell per pivot key. */
export type PivotedCell = Record<string, Cell>;

export type LookRow = Record<string, Cell | PivotedCell>;

export interface LookHeader {
  fields: LookFields;
  /** Looker's `ran_at`; filled in later if the member comes after `fields`. */
  ranAt?: string;
}

/** Columns of a row in Looker's order: dimensions, measures, table calculations (pivots excluded). */
export function allFields(fields: LookFields): LookField[] {
  return [...fields.dimensions, ...fields.measures, ...fields.table_calculations];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** True when `v` is a cell, i.e. an object carrying a `value` member. */
export function isCell(v: unknown): v is Cell {
  return isPlainObject(v) && "value" in v;
}

/** True for a pivoted measure's value: an object without `value` whose members are all cells. */
export function isPivotedCell(v: unknown): v is PivotedCell {
  if (!isPlainObject(v) || "value" in v) return false;
  for (const key in v) {
    if (!isCell(v[key])) return false;
  }
  return true;
}
