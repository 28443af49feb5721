// A plan's column writers compiled into one function with the column names and target keys written
// out. Each cell and record key is then read and set at a site that only ever sees that one name,
// which V8 serves from an inline cache; a loop over the writers makes every access a lookup by a
// varying key. Measured on the bench's event rows: 2.0 µs a row in the transform, from 2.6.
// Names come from the Look and the manifest: they enter the code only as JSON string literals, and
// a path with a key that objects inherit (`__proto__`, `constructor`, ...) is left to setAt.

import type { LookRow } from "../look/types.js";
import type { ColumnWriter } from "./program.js";
import { setAt, type CompiledPath, type Record_ } from "./path.js";
import { Violation } from "./values.js";
import { Rejection, type RowWarning } from "./transform.js";

/** Writes a row's columns into `record`; returns the rejection when a value rule rejects the row. */
export type WriteColumns = (row: LookRow, record: Record_, rowNumber: number, warnings: RowWarning[] | undefined) => Rejection | undefined;

/** What a value rule's violation means for the row: rejected, or the value left out with a warning. */
export function violated(w: Pick<ColumnWriter, "column" | "describe" | "rule">, v: Violation, rowNumber: number, warnings: RowWarning[] | undefined): Rejection | undefined {
  if (v.action === "reject") return new Rejection(`${w.describe} ${v.kind} (rule ${w.rule})`, `${w.describe}: ${v.detail}`, w.column);
  warnings?.push({ rowNumber, reason: `${w.describe} ${v.kind}: value left out (rule ${w.rule})`, detail: v.detail, column: w.column });
  return undefined;
}

const literal = (text: string) => JSON.stringify(text);

/** Statements that set `value` at the path, creating objects (and one-element arrays) on the way, as setAt does. */
function setCode(path: CompiledPath, index: number): string {
  if (path.steps.some((s) => !s.plain)) return `setAt(record, writers[${index}].path, value);`;
  const lines = ["node = record;"];
  const last = path.steps.length - 1;
  path.steps.forEach((s, i) => {
    const key = literal(s.key);
    if (i === last) lines.push(`node[${key}] = value;`);
    else if (s.array) lines.push(`next = node[${key}]; if (!Array.isArray(next)) { next = [{}]; node[${key}] = next; } node = next[0];`);
    else lines.push(`next = node[${key}]; if (next === undefined || next === null || typeof next !== "object") { next = {}; node[${key}] = next; } node = next;`);
  });
  return lines.join("\n      ");
}

/** Leniently: a value that breaks its rule is left out, silently, and the row goes on (see compileColumnWriters). */
function writerCode(w: ColumnWriter, index: number, lenient: boolean): string {
  // A pivoted measure writes one key per pivot value (see pivots.ts).
  if (w.pivot !== undefined) {
    return `
cell = row[${literal(w.column)}];
if (cell !== undefined && cell !== null) {
  rejection = writers[${index}].pivot(cell, record, rowNumber, ${lenient ? "undefined" : "warnings"});
  ${lenient ? "" : "if (rejection !== undefined) return rejection;"}
}`;
  }
  return `
cell = row[${literal(w.column)}];
if (cell !== undefined && cell !== null) {
  value = cell.value;
  if (value !== undefined && value !== null && value !== ""${w.blankIsEmpty ? ' && !(typeof value === "string" && value.trim() === "")' : ""}) {
    value = writers[${index}].check(value);
    if (value instanceof Violation) {
      ${lenient ? "" : `rejection = violated(writers[${index}], value, rowNumber, warnings);
      if (rejection !== undefined) return rejection;`}
    } else {
      ${setCode(w.path, index)}
    }
  }
}`;
}

/**
 * The writers as one function. `lenient`: every value that passes its rule is written and the others
 * are left out without a word, so a row that is rejected still gives the values it has (a sync
 * tells a rejected row's subject from them); such a function never rejects.
 */
export function compileColumnWriters(writers: ReadonlyArray<ColumnWriter>, lenient = false): WriteColumns {
  const body = `"use strict";
return function writeColumns(row, record, rowNumber, warnings) {
let cell, value, node, next, rejection;
${writers.map((w, i) => writerCode(w, i, lenient)).join("\n")}
return undefined;
};`;
  const make = new Function("writers", "Violation", "violated", "setAt", body) as (...args: unknown[]) => WriteColumns;
  return make(writers, Violation, violated, setAt);
}
