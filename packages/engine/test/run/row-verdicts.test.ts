import { describe, expect, it } from "vitest";
import * as Effect from "effect/Effect";
import { lookSourceFromString, plan, readLook, Rejection, RowVerdicts } from "../../src/index.js";
import { field, fields, row, run } from "../support/look-builder.js";
import { segment } from "../support/send.js";
import { runLookAlone } from "../support/run-alone.js";

const look = [field("users.id", ["user_id"]), field("users.note")];
const rows = [
  row({ "users.id": "u1", "users.note": "short" }),
  row({ "users.id": "u2", "users.note": "n".repeat(40_000) }),
  row({ "users.id": null, "users.note": "no identifier" }),
];

function lookJson(): string {
  return JSON.stringify({ ran_at: run.ranAt, fields: fields(look), data: rows });
}

describe("row verdicts", () => {
  const p = plan(segment, { fields: fields(look) });

  it("a record over the API's size limit is refused, as a send refuses it", async () => {
    const verdicts = new RowVerdicts(p, run);
    const results = rows.map((r, i) => verdicts.of(r, i + 1).result);
    expect(results[0]).not.toBeInstanceOf(Rejection);
    expect(results[1]).toBeInstanceOf(Rejection);
    expect((results[1] as Rejection).reason).toBe("record larger than the 32,768 bytes Segment accepts");

    const report = await Effect.runPromise(runLookAlone({ connector: segment, look: readLook(lookSourceFromString(lookJson())), runId: run.runId, dryRun: true }));
    const refused = results.flatMap((r, i) => (r instanceof Rejection ? [{ row: i + 1, reason: r.reason, detail: r.detail }] : []));
    const sent = report.rejected.flatMap((g) => g.examples.map((e) => ({ row: e.row, reason: g.reason, detail: e.detail })));
    expect(sent.sort((a, b) => a.row - b.row)).toEqual(refused);
  });

  it("each verdict carries its own row's warnings only", () => {
    const verdicts = new RowVerdicts(plan(segment, { fields: fields([field("users.id", ["user_id"]), field("users.tags")]) }), run);
    expect(verdicts.of(row({ "users.id": "u1", "users.tags": ["a", "b"] }), 1).warnings.map((w) => w.row)).toEqual([1]);
    expect(verdicts.of(row({ "users.id": "u2", "users.tags": "a" }), 2).warnings).toEqual([]);
  });
});
