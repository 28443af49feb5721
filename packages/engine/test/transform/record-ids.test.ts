// Record ids (issue 13, items 1 and 2): derived from the connector, the action, the workspace, the
// run id and the record's content, with an occurrence counter for identical records. A retried
// execute whose rows come back in another order must send the same ids; a different action,
// workspace, run or content must never collide, or the destination drops rows it never had.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RecordIds } from "../../src/transform/ids.js";
import { DigestSet } from "../../src/transform/digest-set.js";
import { scopeOf, transformRow, Rejection, type RecordJson, type RunContext } from "../../src/transform/transform.js";
import { field, fields, row, run } from "../support/look-builder.js";
import { amplitude, mparticle, planOk, segment, type WireRecord } from "../support/send.js";
import type { LookRow, Plan } from "../../src/index.js";

const segmentPlan = planOk(segment, { fields: fields([field("users.id", ["user_id"]), field("users.plan")]), action: "segment_event" });
const ID_FIELD: Record<string, (r: WireRecord) => unknown> = {
  segment: (r) => r["messageId"],
  mparticle: (r) => r["source_request_id"],
  amplitude: (r) => r["insert_id"],
};

/** Sends rows as one run does (one RecordIds for all), giving each row's record id. */
function idsOf(p: Plan, rows: LookRow[], context: RunContext = run): string[] {
  const ids = new RecordIds(scopeOf(p.program, context));
  return rows.map((r, i) => {
    const out = transformRow(p.program, r, i + 1, context, [], ids);
    if (out instanceof Rejection) throw new Error(out.detail);
    return ID_FIELD[p.connector.id]!(out as WireRecord) as string;
  });
}

/** Each distinct row (by its JSON) with the ids its copies got, in the order they got them. */
function idsByRow(rows: LookRow[], ids: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  rows.forEach((r, i) => {
    const key = JSON.stringify(r);
    out.set(key, [...(out.get(key) ?? []), ids[i]!]);
  });
  return out;
}

const users = ["ann", "bob", "cy", "dee", "eve"].map((id, i) => row({ "users.id": id, "users.plan": i % 2 === 0 ? "gold" : "free" }));

describe("record ids follow the row's content, not its position", () => {
  it("the same rows reversed, with the same run id, give each row the same id", () => {
    const forward = idsOf(segmentPlan, users);
    const reversed = idsOf(segmentPlan, [...users].reverse());
    expect(reversed).toEqual([...forward].reverse());
  });

  it("any order of rows with repeats gives every row content the same set of ids", () => {
    const rowArb = fc.record({ id: fc.constantFrom("ann", "bob", "cy"), plan: fc.constantFrom("gold", "free") }).map((v) => row({ "users.id": v.id, "users.plan": v.plan }));
    fc.assert(
      fc.property(fc.array(rowArb, { minLength: 1, maxLength: 40 }).chain((rows) => fc.tuple(fc.constant(rows), fc.shuffledSubarray(rows, { minLength: rows.length, maxLength: rows.length }))), ([rows, shuffled]) => {
        const a = idsByRow(rows, idsOf(segmentPlan, rows));
        const b = idsByRow(shuffled, idsOf(segmentPlan, shuffled));
        expect(new Map([...b].map(([k, v]) => [k, [...v].sort()]))).toEqual(new Map([...a].map(([k, v]) => [k, [...v].sort()])));
        // Never two records with one id within a run.
        expect(new Set([...a.values()].flat()).size).toBe(rows.length);
      }),
    );
  });

  it("identical rows in one run stay distinct records: each gets its own id", () => {
    const ids = idsOf(segmentPlan, [users[0]!, users[1]!, users[0]!, users[0]!]);
    expect(new Set(ids).size).toBe(4);
  });

  it("the same run at another time (a re-run query with a new ran_at) gives the same ids", () => {
    const later: RunContext = { ...run, ranAt: "2026-11-02T08:00:00Z", ranAtMs: Date.parse("2026-11-02T08:00:00Z") };
    expect(idsOf(segmentPlan, users, later)).toEqual(idsOf(segmentPlan, users));
  });

  it("is the same on every connector that carries a dedup field", () => {
    const sorted = (m: Map<string, string[]>) => new Map([...m].map(([k, v]) => [k, [...v].sort()]));
    for (const [connector, tag, options] of [
      [mparticle, "mp_email", { data_type: "event_data" }],
      [amplitude, "amplitude_user_id", { event_type: "Export" }],
    ] as const) {
      const p = planOk(connector, { fields: fields([field("users.id", [tag])]), options });
      const rows = ["a@example.com", "b@example.com", "a@example.com"].map((v) => row({ "users.id": v }));
      const ids = idsOf(p, rows);
      expect(new Set(ids).size, connector.id).toBe(3);
      const reversed = [...rows].reverse();
      expect(sorted(idsByRow(reversed, idsOf(p, reversed))), connector.id).toEqual(sorted(idsByRow(rows, ids)));
    }
  });
});

describe("record ids never collide across actions, workspaces, runs or contents", () => {
  const base = idsOf(segmentPlan, users);
  const track = planOk(segment, { fields: fields([field("users.id", ["user_id"]), field("users.plan")]), action: "segment_track", options: { event: "Export" } });

  it.each([
    ["another action", { ...run, action: "segment_track" }],
    ["another workspace", { ...run, workspace: "another-workspace" }],
    ["another run id", { ...run, runId: "run-2" }],
  ])("%s", (_what, context) => {
    const other = idsOf(segmentPlan, users, context);
    for (const id of other) expect(base).not.toContain(id);
  });

  it("another content", () => {
    const other = idsOf(segmentPlan, users.map((r) => ({ ...r, "users.plan": { value: "trial" } })));
    for (const id of other) expect(base).not.toContain(id);
  });

  it("segment_event and segment_track calls with the same run id: ten records, ten ids", () => {
    const trackRun = { ...run, action: "segment_track" };
    const identifyRun = { ...run, action: "segment_event" };
    const all = [...idsOf(segmentPlan, users, identifyRun), ...idsOf(track, users, trackRun)];
    expect(new Set(all).size).toBe(10);
  });
});

describe("DigestSet", () => {
  it("tells a first occurrence from a repeat as buckets grow, the zero prefix included", () => {
    const set = new DigestSet();
    const keys = Array.from({ length: 50_000 }, (_, i) => [Math.imul(i + 1, 0x9e3779b1) >>> 0, ((i + 1) * 7919) >>> 0] as const);
    keys.push([0, 0]);
    for (const [h, l] of keys) expect(set.add(h, l)).toBe(true);
    for (const [h, l] of keys) expect(set.add(h, l)).toBe(false);
    // Many prefixes in one bucket: a chain of chunks, every one found again.
    const crowded = Array.from({ length: 1_000 }, (_, i) => (0x80000000 + i) >>> 0);
    for (const low of crowded) expect(set.add(0x12345, low)).toBe(true);
    for (const low of crowded) expect(set.add(0x12345, low)).toBe(false);
    // The same low half in another bucket (other top bits of the high half): a different prefix.
    expect(set.add(0x80000000, 0)).toBe(true);
    expect(set.add(0x80000000, 0)).toBe(false);
  });
});

describe("the record JSON written from the id's content JSON", () => {
  const anyValue = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom("__proto__", "\u0000", "\ud800", "日本"));
  it.each([
    ["segment identify", segment, { action: "segment_event" }, ["user_id"]],
    ["segment track", segment, { action: "segment_track", options: { event: "E" } }, ["user_id"]],
    ["amplitude", amplitude, { options: { event_type: "E" } }, ["amplitude_user_id"]],
    ["mparticle user data", mparticle, { options: { data_type: "user_data" } }, ["mp_customer_id"]],
    ["mparticle event data (nested run fills: written whole)", mparticle, { options: { data_type: "event_data" } }, ["mp_customer_id"]],
  ] as const)("%s: is exactly JSON.stringify of the record", (name, connector, how, tags) => {
    const p = planOk(connector, { fields: fields([field("users.id", [...tags]), field("users.note"), field("123"), field("__proto__")]), ...how });
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), anyValue, anyValue, (id, note, odd) => {
        const ids = new RecordIds(scopeOf(p.program, run));
        const json: RecordJson = { head: undefined, tail: "" };
        const out = transformRow(p.program, { "users.id": { value: id }, "users.note": { value: note }, "123": { value: odd }, "__proto__": { value: odd } } as LookRow, 1, run, [], ids, json);
        if (out instanceof Rejection) return;
        // Top-level run fills are written after the content's bytes; nested ones make the record be written whole.
        expect(json.head === undefined).toBe(name.includes("nested"));
        if (json.head !== undefined) expect(Buffer.concat([json.head, Buffer.from(json.tail)])).toEqual(Buffer.from(JSON.stringify(out)));
      }),
    );
  });
});
