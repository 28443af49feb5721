// Integers beyond 2^53 - 1 (issue 13, item 3): JSON.parse rounds 9007199254740993 to
// 9007199254740992, so two customers became one profile. The Look reader keeps them as the exact
// string of their digits; identity rules send that string, integer rules refuse it with a reason.

import { describe, expect, it } from "vitest";
import { lookSourceFromString, parseRawRows, readLook, type LookRow } from "../../src/index.js";
import { holdsUnsafeNumber, quoteUnsafeIntegers } from "../../src/look/unsafe-integers.js";
import { field, fields } from "../support/look-builder.js";
import { amplitude, braze, mparticle, planOk, rejected, segment, send } from "../support/send.js";

const BIG = ["9007199254740993", "9007199254740992", "-9007199254740993", "123456789012345678901234567890"];

/** A json_detail Look with one integer id per row, written as bare JSON numbers. */
function lookText(column: string, tags: string[], ids: string[]): string {
  const header = JSON.stringify({ fields: fields([field(column, tags)]), ran_at: "2026-11-01T10:00:00Z" }).slice(0, -1);
  return `${header},"data":[${ids.map((id) => `{"${column}":{"value":${id}}}`).join(",")}]}`;
}

/** The Look's rows, parsed by the reader (`raw: false`) or cut raw and parsed as a worker does. */
async function rowsOf(text: string, raw: boolean): Promise<LookRow[]> {
  const rows: LookRow[] = [];
  for await (const e of readLook(lookSourceFromString(text, 7), { raw })) {
    if (e.kind === "raw") rows.push(...parseRawRows(e.rows).rows);
    else if (e.kind === "rows") rows.push(...e.rows);
  }
  return rows;
}

describe("the Look reader keeps integers beyond 2^53 - 1 exact", () => {
  it.each([false, true])("as the string of their digits (raw rows: %s); safe integers stay numbers", async (raw) => {
    const rows = await rowsOf(lookText("users.id", [], [...BIG, "9007199254740991", "12", "1.5e300"]), raw);
    expect(rows.map((r) => r["users.id"]!.value)).toEqual([...BIG, 9007199254740991, 12, 1.5e300]);
  });

  it("digits inside strings, decimals and exponents are left alone, and malformed JSON stays malformed", () => {
    const text = (s: string) => Buffer.from(quoteUnsafeIntegers(Buffer.from(s))).toString();
    expect(text('{"a":"9007199254740993","b\\"9007199254740993":1,"c":9007199254740993.5,"d":90071992547409930e1}')).toBe(
      '{"a":"9007199254740993","b\\"9007199254740993":1,"c":9007199254740993.5,"d":90071992547409930e1}',
    );
    expect(text("[9007199254740993,-9007199254740993]")).toBe('["9007199254740993","-9007199254740993"]');
    for (const bad of ["[09007199254740993]", "[9007199254740993-1]", "[--9007199254740993]"]) expect(text(bad)).toBe(bad);
  });

  it("a malformed row that holds a long integer is still reported at its own byte offset", async () => {
    const text = lookText("users.id", [], ["9007199254740993", "9007199254740993 x"]);
    const events = [];
    let error: unknown;
    try {
      for await (const e of readLook(lookSourceFromString(text))) events.push(e);
    } catch (e) {
      error = e;
    }
    expect(String(error)).toMatch(/row 2/);
    // The byte of the stray `x`, counted in the Look as sent (before any quoting).
    expect(String(error)).toContain(`at byte ${text.indexOf(" x}") + 1} (in row 2)`);
  });
});

describe("two customers whose ids differ beyond 2^53 stay two, sent exactly", () => {
  const ids = ["9007199254740993", "9007199254740992"];
  it.each([
    ["mParticle customer_id", mparticle, ["mp_customer_id"], {}, (r: any) => r.user_identities.customer_id],
    ["Segment userId", segment, ["user_id"], {}, (r: any) => r.userId],
    ["Braze external_id", braze, ["braze_id"], {}, (r: any) => r.external_id],
  ] as const)("%s", async (_what, connector, tags, options, idOf) => {
    const rows = await rowsOf(lookText("users.id", [...tags], ids), true);
    const p = planOk(connector, { fields: fields([field("users.id", [...tags])]), options });
    expect(rows.map((r) => idOf(send(p, r).record))).toEqual(ids);
  });

  it("an integer-only value (Amplitude time) is refused with the reason, not rounded", async () => {
    const [row] = await rowsOf(lookText("events.at", ["amplitude_time"], ["9007199254740993"]), true);
    const p = planOk(amplitude, { fields: fields([field("users.id", ["amplitude_user_id"]), field("events.at", ["amplitude_time"])]), options: { event_type: "E" } });
    const r = rejected(p, { ...row!, "users.id": { value: "u1" } });
    expect(r.reason).toContain("is a whole number beyond 2^53 - 1");
    expect(r.detail).toContain('"9007199254740993"');
  });
});

describe("holdsUnsafeNumber", () => {
  it("finds a number beyond ±(2^53 - 1) at any depth of a parsed row, and nothing in a row without one", () => {
    expect(holdsUnsafeNumber(JSON.parse('{"a":{"value":9007199254740991},"b":{"value":"9007199254740993"}}'))).toBe(false);
    expect(holdsUnsafeNumber(JSON.parse('{"a":{"value":9007199254740993}}'))).toBe(true);
    expect(holdsUnsafeNumber(JSON.parse('{"a":{"value":-9007199254740993}}'))).toBe(true);
    expect(holdsUnsafeNumber(JSON.parse('{"p":{"2026":{"value":1},"x":{"value":[1,[2,{"n":12345678901234567890}]]}}}'))).toBe(true);
    const deep = JSON.parse(`{"a":{"value":${"[".repeat(50_000)}9007199254740993${"]".repeat(50_000)}}}`);
    expect(holdsUnsafeNumber(deep)).toBe(true);
  });
});
