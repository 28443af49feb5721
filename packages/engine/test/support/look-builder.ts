import type { RunContext } from "../../src/transform/transform.js";
import type { LookField, LookFields, LookRow, Cell } from "../../src/look/types.js";

/** A dimension (or measure with `measure: true`) as Looker describes it in json_detail. */
export function field(name: string, tags: string[] = [], extra: Partial<LookField> = {}): LookField {
  const short = name.split(".").pop()!.replace(/_/g, " ").replace(/\b\w/g, (c) => c.toUpperCase());
  return { name, label: `${name.split(".")[0]} ${short}`, label_short: short, tags, measure: false, ...extra };
}

export function measure(name: string, tags: string[] = [], extra: Partial<LookField> = {}): LookField {
  return field(name, tags, { measure: true, ...extra });
}

export function fields(list: LookField[], pivots: LookField[] = []): LookFields {
  return {
    dimensions: list.filter((f) => !f.measure),
    measures: list.filter((f) => f.measure),
    table_calculations: [],
    pivots,
  };
}

/** A json_detail row from plain values. */
export function row(values: Record<string, unknown>): LookRow {
  const out: Record<string, Cell> = {};
  for (const [k, v] of Object.entries(values)) out[k] = { value: v };
  return out;
}

export const run: RunContext = { runId: "run-1", action: "", workspace: "test-workspace", ranAt: "2026-11-01T10:00:00+00:00", ranAtMs: Date.parse("2026-11-01T10:00:00+00:00") };
