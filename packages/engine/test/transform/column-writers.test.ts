// The compiled column writers behave as setting each writer's checked value with setAt, in the
// writers' order, whatever the column names and target keys: names only enter the generated code
// as string literals, and keys that objects inherit stay own properties.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compileColumnWriters } from "../../src/transform/column-writers.js";
import type { ColumnWriter } from "../../src/transform/program.js";
import { compilePath, setAt, type Record_ } from "../../src/transform/path.js";
import { Violation } from "../../src/transform/values.js";
import { Rejection, type RowWarning } from "../../src/transform/transform.js";
import { compilePivotWrite } from "../../src/transform/pivots.js";
import type { LookRow } from "../../src/look/types.js";

const TRICKY = ["__proto__", "constructor", "toString", "valueOf", "length", "a\"b", "a\\", "x'); globalThis.hacked = 1; ('", "\u2028", "東京", "", " "];
const name = fc.oneof(fc.constantFrom(...TRICKY), fc.string({ maxLength: 6 }));
// Dots and `[]` are path syntax, so keys are written without them. Mostly a few keys, so that
// writers share parts of their paths and meet each other's values on the way.
const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom("a", "b", "__proto__", "constructor", 'a"b') }, { weight: 1, arbitrary: name.map((k) => k.replace(/[.[\]]/g, "_") || "k") });
const path = fc.array(fc.tuple(key, fc.boolean()), { minLength: 1, maxLength: 3 }).map((steps) => steps.map(([k, array], i) => (array && i < steps.length - 1 ? `${k}[]` : k)).join("."));

// Rejects "bad", leaves out "drop" with a warning, upper-cases other strings.
const check = (v: unknown): unknown =>
  v === "bad" ? new Violation("reject", "is bad", "bad is bad") : v === "drop" ? new Violation("drop", "is dropped", "drop is dropped") : typeof v === "string" ? v.toUpperCase() : v;

// A pivoted writer writes `k_<pivot value>` keys in the object at its path.
const writer = fc.record({ column: name, path, pivoted: fc.boolean() }).map(({ column, path, pivoted }): ColumnWriter => {
  const base = { column, describe: `col ${column}`, rule: "r", path: compilePath(path), check, pivoted };
  if (!pivoted) return base;
  return { ...base, pivot: compilePivotWrite({ column, describe: base.describe, rule: "r", target: path, keys: { baseKey: "k", lower: false, lengthUnit: "codePoints" }, check }) };
});
const value = fc.oneof(fc.constantFrom("bad", "drop", "", null), fc.string({ maxLength: 4 }), fc.integer(), fc.boolean());
const cell = fc.oneof(value.map((v) => ({ value: v })), fc.dictionary(fc.string({ maxLength: 3 }), value.map((v) => ({ value: v })), { maxKeys: 3 }), fc.constant(null), fc.integer());

/** The plain loop the compiled function stands for. */
function reference(writers: ColumnWriter[], row: LookRow, record: Record_, rowNumber: number, warnings: RowWarning[]): Rejection | undefined {
  for (const w of writers) {
    const cell = row[w.column] as unknown;
    if (w.pivot !== undefined) {
      if (cell === undefined || cell === null) continue;
      const rejection = w.pivot(cell, record, rowNumber, warnings);
      if (rejection !== undefined) return rejection;
      continue;
    }
    const raw = cell === undefined || cell === null ? undefined : (cell as { value?: unknown }).value;
    if (raw === undefined || raw === null || raw === "") continue;
    const v = w.check(raw);
    if (v instanceof Violation) {
      if (v.action === "reject") return new Rejection(`${w.describe} ${v.kind} (rule ${w.rule})`, `${w.describe}: ${v.detail}`, w.column);
      warnings.push({ rowNumber, reason: `${w.describe} ${v.kind}: value left out (rule ${w.rule})`, detail: v.detail, column: w.column });
      continue;
    }
    setAt(record, w.path, v);
  }
  return undefined;
}

describe("compiled column writers", () => {
  it("give the record, rejection and warnings the plain loop gives (any names, paths and cells)", () => {
    fc.assert(
      fc.property(fc.array(writer, { maxLength: 8 }), fc.array(cell, { maxLength: 8 }), (writers, cells) => {
        const row: LookRow = {};
        writers.forEach((w, i) => Object.defineProperty(row, w.column, { value: cells[i % Math.max(cells.length, 1)], enumerable: true, writable: true, configurable: true }));
        const expected = { record: {} as Record_, warnings: [] as RowWarning[] };
        const got = { record: {} as Record_, warnings: [] as RowWarning[] };
        let expectedOutcome: unknown;
        let gotOutcome: unknown;
        try {
          expectedOutcome = reference(writers, row, expected.record, 7, expected.warnings);
        } catch (e) {
          expectedOutcome = (e as Error).constructor;
        }
        try {
          gotOutcome = compileColumnWriters(writers)(row, got.record, 7, got.warnings);
        } catch (e) {
          gotOutcome = (e as Error).constructor;
        }
        expect(gotOutcome).toEqual(expectedOutcome);
        expect(JSON.stringify(got.record)).toBe(JSON.stringify(expected.record));
        expect(got.warnings).toEqual(expected.warnings);
        expect((globalThis as Record<string, unknown>)["hacked"]).toBeUndefined();
        expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});
