// Customer ids beyond 2^53 - 1 (issue 13, item 3): 9007199254740993 and 9007199254740992 were both
// sent as "9007199254740992", two people merged into one profile. Through the server they must
// stay distinct and exact, whether Looker sends the Look inline as a JSON object (parsed with the
// execute body) or as JSON text.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulators, type Emulators } from "@tagwire/emulators";
import { executeBody, startHarness, type Harness, type LookJson, type LookerResult } from "./support.js";

const IDS = ["9007199254740993", "9007199254740992"];

let braze: Emulators;
let h: Harness;
beforeAll(async () => {
  braze = await startEmulators({ port: 0, connectors: ["braze"] });
  h = await startHarness({}, {}, { TAGWIRE_BRAZE_URL: braze.url });
});
afterAll(async () => {
  await h.close();
  await braze.close();
});
beforeEach(() => {
  h.emulators.reset();
  braze.reset();
});

/** A Look whose rows carry the ids as JSON numbers: placeholders, written as bare digits below. */
function look(tag: string): LookJson {
  return {
    ran_at: "2026-11-20T06:00:00+00:00",
    fields: { dimensions: [{ name: "users.id", label_short: "ID", view: "users", type: "number", tags: [tag] }], measures: [], table_calculations: [], pivots: [] },
    data: IDS.map((_, i) => ({ "users.id": { value: `@id${i}@` } })),
  };
}

const bareDigits = (json: string, quote: string) => IDS.reduce((text, id, i) => text.replace(`${quote}@id${i}@${quote}`, id), json);

/** The execute body as Looker sends it: the Look inline as an object, or as JSON text. */
function bodyText(tag: string, data: Record<string, string>, form: Record<string, string>, as: "object" | "text"): string {
  if (as === "text") return JSON.stringify(executeBody({ data, form, look: bareDigits(JSON.stringify(look(tag)), '"') }));
  const b = executeBody({ data, form });
  return bareDigits(JSON.stringify({ ...b, attachment: { mimetype: "application/json", data: look(tag) } }), '"');
}

async function execute(action: string, raw: string): Promise<LookerResult> {
  const reply = await h.post(`/actions/${action}/execute`, undefined, { raw });
  return reply.json.looker as LookerResult;
}

describe.each(["object", "text"] as const)("ids beyond 2^53 in an inline Look (%s)", (as) => {
  it("mParticle customer_id: two profiles, each id exact", async () => {
    const looker = await execute("mparticle", bodyText("mp_customer_id", h.settings.mparticle, { data_type: "user_data", environment: "development" }, as));
    expect(looker.success).toBe(true);
    expect((h.emulators.records("mparticle") as any[]).map((r) => r.user_identities.customer_id).sort()).toEqual([...IDS].sort());
  });

  it("Segment userId: two users, each id exact", async () => {
    const looker = await execute("segment_event", bodyText("user_id", h.settings.segment, {}, as));
    expect(looker.success).toBe(true);
    expect((h.emulators.records("segment") as any[]).map((r) => r.userId).sort()).toEqual([...IDS].sort());
  });

  it("Braze external_id: two users, each id exact", async () => {
    const looker = await execute("braze", bodyText("braze_id", { braze_api_key: "test-braze_api_key" }, { braze_key: "external_id", update_existing_only: "false" }, as));
    expect(looker.success).toBe(true);
    expect((braze.records("braze") as any[]).map((r) => r.external_id).sort()).toEqual([...IDS].sort());
  });
});

it("the request body really carries the ids as bare JSON numbers", () => {
  for (const as of ["object", "text"] as const) {
    const text = bodyText("user_id", h.settings.segment, {}, as);
    for (const id of IDS) expect(text).toMatch(new RegExp(`:${id}\\b`));
  }
});
