// A pivoted measure's cell holds one cell per pivot value, plus Looker's row total when the Look
// shows one: `{ "complete": {value}, "pending": {value}, "$$$_row_total_$$$": {value} }`. Each
// pivot value becomes its own key, `<key>_<pivot value>`, beside the column's other keys; the row
// total is never sent, as it is no value of the row's own.

import type { Record_ } from "./path.js";
import { compilePath, describeTarget, getAt, setAt } from "./path.js";
import { show, Violation, type ValueCheck } from "./values.js";
import { isLongerThan, truncateTo, unitName, type LengthUnit } from "./text-length.js";
import { Rejection, type RowWarning } from "./transform.js";
import { violated } from "./column-writers.js";

/** Looker's key for the row total of a pivoted measure. */
export const ROW_TOTAL_KEY = "$$$_row_total_$$$";
/** Looker joins the values of several pivot dimensions with this in one pivot key. */
const MULTI_PIVOT_SEPARATOR = "|FIELD|";

/** How a pivoted measure names its keys, from the key its column would have had. */
export interface PivotKeys {
  readonly baseKey: string;
  readonly lower: boolean;
  readonly maxLength?: number;
  readonly lengthUnit: LengthUnit;
}

/** `<key>_<pivot value>`; several pivot values joined with `_`; in the key rule's case (not yet cut to its length). */
function pivotKey(keys: PivotKeys, pivot: string): string {
  const key = `${keys.baseKey}_${pivot.split(MULTI_PIVOT_SEPARATOR).join("_")}`;
  return keys.lower ? key.toLowerCase() : key;
}

/** A pivoted measure's cell as its pivot values and their values, the row total left out. */
export function pivotValues(cell: unknown): Array<[pivot: string, value: unknown]> {
  const out: Array<[string, unknown]> = [];
  if (cell === null || typeof cell !== "object") return out;
  for (const pivot in cell) {
    if (!Object.hasOwn(cell, pivot) || pivot === ROW_TOTAL_KEY) continue;
    const inner = (cell as Record<string, unknown>)[pivot];
    out.push([pivot, inner !== null && typeof inner === "object" ? (inner as { value?: unknown }).value : undefined]);
  }
  return out;
}

export interface PivotWriterSpec {
  readonly column: string;
  readonly describe: string;
  readonly rule: string;
  /** The object the keys go in: a target path, or "" for the record itself. */
  readonly target: string;
  readonly keys: PivotKeys;
  readonly check: ValueCheck;
  /** Most keys the target object may hold, counting every column's. */
  readonly maxKeys?: number;
}

/** Writes a pivoted measure's values into the record; returns the rejection when the row cannot be sent. */
export type PivotWrite = (cell: unknown, record: Record_, rowNumber: number, warnings: RowWarning[] | undefined) => Rejection | undefined;

export function compilePivotWrite(spec: PivotWriterSpec): PivotWrite {
  const target = spec.target === "" ? undefined : compilePath(spec.target);
  const where = describeTarget(spec.target);
  const objectOf = (record: Record_): unknown => (target === undefined ? record : getAt(record, target));
  return (cell, record, rowNumber, warnings) => {
    for (const [pivot, raw] of pivotValues(cell)) {
      if (raw === undefined || raw === null || raw === "") continue;
      const value = spec.check(raw);
      if (value instanceof Violation) {
        const rejection = violated(spec, new Violation(value.action, value.kind, `${value.detail} (pivot value ${show(pivot)})`), rowNumber, warnings);
        if (rejection !== undefined) return rejection;
        continue;
      }
      let key = pivotKey(spec.keys, pivot);
      const { maxLength, lengthUnit } = spec.keys;
      if (maxLength !== undefined && isLongerThan(key, maxLength, lengthUnit)) {
        // Cut as the API would cut it, and said, as a column's long key is at plan time.
        key = truncateTo(key, maxLength, lengthUnit);
        warnings?.push({ rowNumber, reason: `${spec.describe} pivot value's key is longer than ${maxLength} ${unitName(lengthUnit)}: sent truncated (rule ${spec.rule})`, detail: `${spec.describe}: pivot value ${show(pivot)} sent as \`${key}\``, column: spec.column });
      }
      const object = objectOf(record);
      if (object !== null && typeof object === "object" && Object.hasOwn(object, key)) {
        return new Rejection(
          `${spec.describe} pivot value gives a key ${where} already holds (rule ${spec.rule})`,
          `${spec.describe}: pivot value ${show(pivot)} would be sent as \`${key}\`, which ${where} already holds`,
          spec.column,
        );
      }
      setAt(record, compilePath(spec.target, key), value);
    }
    if (spec.maxKeys !== undefined) {
      const object = objectOf(record);
      const count = object !== null && typeof object === "object" ? Object.keys(object).length : 0;
      if (count > spec.maxKeys) {
        return new Rejection(
          `${spec.describe} pivot values make more keys than ${where} accepts (rule ${spec.rule})`,
          `${spec.describe}: ${where} would hold ${count} keys; at most ${spec.maxKeys} are accepted`,
          spec.column,
        );
      }
    }
    return undefined;
  };
}
