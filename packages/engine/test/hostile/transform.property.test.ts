// Hostile input for the row transformer: any cell values (objects, arrays, deep nesting, huge
// strings, NaN, Infinity, -0), prototype-pollution keys in rows, cells, labels and values. A row
// becomes a record or a Rejection, never an exception; a record is plain JSON data, keeps every
// value it accepted, and nothing global is polluted.

import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectorsDir, loadConnectorFile, plan, Rejection, transformRow, type Connector, type LookField, type LookRow, type Plan, type RowWarning } from "../../src/index.js";
import { Violation } from "../../src/transform/values.js";
import { pivotValues, ROW_TOTAL_KEY } from "../../src/transform/pivots.js";
import { field, fields, measure, run } from "../support/look-builder.js";

const [mparticle, segment]: Connector[] = ["mparticle", "segment"].map((id) => loadConnectorFile(join(connectorsDir, id, "manifest.json")));

const HOSTILE_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "__defineGetter__", "polluted"];

/** Columns named and labelled with the keys that trip naive object code, next to the usual identity columns. */
function hostileColumns(identity: LookField[]): LookField[] {
  const named = HOSTILE_KEYS.map((k) => field(`v.${k}`, [], { label_short: k }));
  const bareNames = ["__proto__", "constructor"].map((k) => field(k, [], { label_short: `${k} label` }));
  return [...identity, ...named, ...bareNames, field("users.bio"), measure("orders.count")];
}

interface Case {
  name: string;
  plan: Plan;
}

/** Plans for every call and naming mode, with and without a pivot. Each must be ok: rows are only transformed then. */
function cases(): Case[] {
  const mpIdentity = [field("users.email", ["mp_email"]), field("users.id", ["mp_customer_id"]), field("users.platform", ["mp_device_info"])];
  const segIdentity = [field("users.id", ["user_id"]), field("users.email", ["email"]), field("accounts.id", ["segment_group_id"])];
  const out: Case[] = [];
  const add = (name: string, connector: Connector, list: LookField[], options: Record<string, string>, pivot: boolean) => {
    const p = plan(connector, { fields: fields(list, pivot ? [field("orders.status")] : []), options });
    expect(p.diagnostics.filter((d) => d.severity === "error"), name).toEqual([]);
    out.push({ name, plan: p });
  };
  for (const pivot of [false, true]) {
    for (const dataType of ["user_data", "event_data"]) add(`mparticle ${dataType}${pivot ? " pivoted" : ""}`, mparticle!, hostileColumns(mpIdentity), { data_type: dataType }, pivot);
    for (const call of ["identify", "track", "group"]) {
      for (const names of ["label", "name"]) {
        add(`segment ${call} ${names}${pivot ? " pivoted" : ""}`, segment!, hostileColumns(segIdentity), { call, trait_names: names, ...(call === "track" ? { event: "E" } : {}) }, pivot);
      }
    }
  }
  return out;
}

/** 100 KB to 1 MB, by repetition. */
const hugeText = fc.tuple(fc.constantFrom("x", "é", "🙂", "\u0000", '"'), fc.integer({ min: 100_000, max: 1_000_000 })).map(([s, n]) => s.repeat(Math.ceil(n / s.length)));
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const scalar = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: anyCodeUnit, maxLength: 8 }),
  fc.constantFrom(...HOSTILE_KEYS, "", " ", "NaN", "Infinity", "-0", "1e309", "00012", "  42 ", "9007199254740993", "a@example.com"),
  fc.double(),
  fc.integer(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53 + 2),
  fc.boolean(),
  fc.constant(null),
);

/** Plain JSON that, once parsed, carries `__proto__` and friends as own keys. */
const pollutingJson = fc.constantFrom(
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '[{"__proto__":{"polluted":"yes"}}]',
  '{"value":{"__proto__":{"polluted":"yes"}}}',
  '{"__proto__":[]}',
).map((text) => JSON.parse(text) as unknown);

/** Objects and lists nested `depth` levels; fast-check reports it by its depth (printing it would overflow the stack). */
function deep(depth: number): unknown {
  let v: unknown = "bottom";
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? { a: v } : [v];
  Object.defineProperty(v, fc.toStringMethod, { value: () => `<nested ${depth} levels>`, enumerable: false });
  return v;
}

const value = fc.oneof(
  { weight: 10, arbitrary: scalar },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.array(scalar, { maxLength: 4 }) },
  { weight: 2, arbitrary: pollutingJson },
  { weight: 1, arbitrary: hugeText },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map(deep) },
);

/** A cell: `{value}`, a pivoted cell, or something that is not a cell at all. */
const cell = fc.oneof(
  { weight: 8, arbitrary: value.map((v) => ({ value: v })) },
  { weight: 2, arbitrary: fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom(...HOSTILE_KEYS)), value.map((v) => ({ value: v })), { maxKeys: 3 }) },
  { weight: 1, arbitrary: value },
);

/**
 * A row: the planned columns, hostile extra keys, and cells. Built through JSON where it can be,
 * so a `__proto__` key is an own key as in a parsed Look; values JSON cannot carry are put back after.
 */
function rowOf(columns: string[]): fc.Arbitrary<LookRow> {
  const key = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...columns) }, { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) });
  return fc.array(fc.tuple(key, cell), { maxLength: 12 }).map((entries) => {
    const row = JSON.parse("{}") as Record<string, unknown>;
    for (const [k, c] of entries) Object.defineProperty(row, k, { value: c, enumerable: true, writable: true, configurable: true });
    return row as LookRow;
  });
}

/** Walks a record: only plain objects, arrays and JSON scalars, each object with the usual prototype. */
function expectPlainData(v: unknown, path = "record"): void {
  if (v === null || typeof v === "string" || typeof v === "boolean") return;
  if (typeof v === "number") {
    expect(Number.isFinite(v), `${path} is a finite number`).toBe(true);
    return;
  }
  expect(typeof v, path).toBe("object");
  if (Array.isArray(v)) {
    expect(Object.getPrototypeOf(v), path).toBe(Array.prototype);
    v.forEach((x, i) => expectPlainData(x, `${path}[${i}]`));
    return;
  }
  expect(Object.getPrototypeOf(v), `${path} has the plain object prototype`).toBe(Object.prototype);
  for (const k of Object.keys(v as object)) expectPlainData((v as Record<string, unknown>)[k], `${path}.${k}`);
}

/** The value at a writer's path, through own properties only. */
function ownAt(record: Record<string, unknown>, steps: ReadonlyArray<{ key: string; array: boolean }>): { found: boolean; value?: unknown } {
  let node: unknown = record;
  for (const seg of steps) {
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, seg.key)) return { found: false };
    node = (node as Record<string, unknown>)[seg.key];
    if (seg.array) node = Array.isArray(node) ? node[0] : undefined;
  }
  return { found: true, value: node };
}

/** What the transformer reads from a cell that is not pivoted. */
function cellValue(cell: unknown): unknown {
  if (cell === undefined || cell === null) return undefined;
  return (cell as { value?: unknown }).value;
}

const objectKeys = Object.getOwnPropertyNames(Object.prototype).sort();
const arrayKeys = Object.getOwnPropertyNames(Array.prototype).sort();
const expectNothingPolluted = () => {
  expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  expect(([] as unknown as Record<string, unknown>)["polluted"]).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(objectKeys);
  expect(Object.getOwnPropertyNames(Array.prototype).sort()).toEqual(arrayKeys);
};

describe("transformRow on hostile rows", () => {
  const all = cases();
  beforeAll(expectNothingPolluted);
  afterAll(expectNothingPolluted);

  it.each(all.map((c) => [c.name, c] as const))("%s: a record of plain data keeping every accepted value, or a Rejection; never a throw", (_name, { plan: p }) => {
    const columns = p.columns.map((c) => c.column);
    fc.assert(
      fc.property(rowOf(columns), fc.integer({ min: 1, max: 2 ** 31 }), (row, rowNumber) => {
        const result = transformRow(p.program, row, rowNumber, run, []);
        expectNothingPolluted();
        if (result instanceof Rejection) {
          expect(typeof result.reason === "string" && result.reason.length > 0).toBe(true);
          expect(typeof result.detail === "string" && result.detail.length > 0).toBe(true);
          return;
        }
        expectPlainData(result);
        // It survives the trip to the destination unchanged.
        const text = JSON.stringify(result);
        expect(JSON.stringify(JSON.parse(text))).toBe(text);
        // Every value a column's rule accepted is in the record, where the plan said.
        for (const w of p.program.writers) {
          const cell = Object.hasOwn(row, w.column) ? row[w.column] : undefined;
          if (w.pivoted) {
            // Each accepted pivot value is a value of the object its keys go in; the row total is none.
            for (const [pivot, raw] of pivotValues(cell)) {
              if (raw === undefined || raw === null || raw === "" || pivot === ROW_TOTAL_KEY) continue;
              const accepted = w.check(raw);
              if (accepted instanceof Violation) continue;
              const object = ownAt(result, w.path.steps.slice(0, -1));
              expect(object.found, `${w.column} -> ${w.path.text}`).toBe(true);
              expect(Object.values(object.value as object)).toContainEqual(accepted);
            }
            continue;
          }
          const raw = cellValue(cell);
          if (raw === undefined || raw === null || raw === "") continue;
          // An identity of spaces alone is empty.
          if (w.blankIsEmpty === true && typeof raw === "string" && raw.trim() === "") continue;
          const accepted = w.check(raw);
          if (accepted instanceof Violation) continue;
          const at = ownAt(result, w.path.steps);
          expect(at.found, `${w.column} -> ${w.path.text}`).toBe(true);
          expect(at.value).toEqual(accepted);
        }
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});

describe("transformRow: fixed cases", () => {
  const seg = plan(segment!, { fields: fields([field("users.id", ["user_id"]), field("v.x", [], { label_short: "__proto__" }), field("v.y", [], { label_short: "constructor" })]) });
  const mp = plan(mparticle!, { fields: fields([field("users.email", ["mp_email"]), field("users.bio", ["mp_user_attribute"])]) });

  it("a column labelled __proto__ is sent under that key, as an own property (its value is not lost, nothing is polluted)", () => {
    const record = transformRow(seg.program, JSON.parse('{"users.id":{"value":"u1"},"v.x":{"value":"kept"},"v.y":{"value":"also kept"}}') as LookRow, 1, run);
    expect(record).not.toBeInstanceOf(Rejection);
    const traits = (record as Record<string, Record<string, unknown>>)["traits"]!;
    expect(Object.getPrototypeOf(traits)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(traits, "__proto__")?.value).toBe("kept");
    expect(traits["constructor"]).toBe("also kept");
    expect(JSON.stringify(record)).toContain('"__proto__":"kept"');
    expectNothingPolluted();
  });

  it("a cell value nested 100,000 levels deep is rejected with a reason, not a stack overflow", () => {
    const result = transformRow(mp.program, { "users.email": { value: "a@example.com" }, "users.bio": { value: deep(100_000) } }, 7, run);
    expect(result).toBeInstanceOf(Rejection);
    expect((result as Rejection).reason).toContain("is an object, not a single value");
  });

  it("a deeply nested list where Segment takes single values is left out with a warning, not a stack overflow", () => {
    const warnings: RowWarning[] = [];
    const result = transformRow(seg.program, { "users.id": { value: "u1" }, "v.y": { value: [deep(100_000)] } }, 1, run, warnings);
    expect(result).not.toBeInstanceOf(Rejection);
    expect((result as Record<string, Record<string, unknown>>)["traits"]).toBeUndefined();
    expect(warnings).toEqual([expect.objectContaining({ rowNumber: 1, column: "v.y", reason: expect.stringContaining("is a list, which is not accepted here: value left out") })]);
  });

  it("NaN and Infinity are named as such in the rejection", () => {
    const p = plan(mparticle!, { fields: fields([field("users.email", ["mp_email"]), field("users.n", ["mp_user_attribute"])]) });
    for (const [v, shown] of [[Number.NaN, "NaN"], [Number.POSITIVE_INFINITY, "Infinity"]] as const) {
      const result = transformRow(p.program, { "users.email": { value: "a@example.com" }, "users.n": { value: v } }, 1, run);
      expect(result).toBeInstanceOf(Rejection);
      expect((result as Rejection).detail).toContain(`${shown} is not`);
    }
  });
});
