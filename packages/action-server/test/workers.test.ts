// The server with worker threads (TAGWIRE_WORKERS): rows cut on the server's thread, parsed and
// transformed on the workers, delivered and accounted exactly as without them.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bigLook, chunked, executeBody, hanging, startDownloads, startHarness, type Harness, type LookerDownloads } from "./support.js";

let h: Harness;
let downloads: LookerDownloads;
beforeAll(async () => {
  downloads = await startDownloads();
  h = await startHarness({ workers: 2, downloadIdleMs: 400 });
});
afterAll(async () => {
  await h.close();
  await downloads.close();
});
beforeEach(() => h.emulators.reset());

const MP_FORM = { data_type: "user_data", environment: "development" };

describe("TAGWIRE_WORKERS=2", () => {
  it("delivers every row of a Look streamed in small chunks, each once", async () => {
    const rows = 3_000;
    const url = downloads.serve(chunked(JSON.stringify(bigLook(rows)), 4096, 0));
    const { looker } = await h.execute("mparticle", executeBody({ data: h.settings.mparticle, form: MP_FORM, downloadUrl: url }));
    expect(looker.success).toBe(true);
    expect(looker.message).toMatch(/^mParticle: 3,000 of 3,000 rows delivered\./);
    const records = h.emulators.records("mparticle") as Array<{ user_identities: { customer_id: string } }>;
    expect(records).toHaveLength(rows);
    const ids = new Set(records.map((r) => r.user_identities.customer_id));
    expect(ids.size).toBe(rows);
    expect(ids.has("5000")).toBe(true);
    expect(ids.has(String(5000 + rows - 1))).toBe(true);
  });

  it("a download that stops mid-way delivers the rows read and says the Look was cut short", async () => {
    const text = JSON.stringify(bigLook(1_500));
    const cut = text.indexOf('{"users.id":{"value":6200}');
    const url = downloads.serve(hanging(text.slice(0, cut)));
    const { looker } = await h.execute("mparticle", executeBody({ data: h.settings.mparticle, form: MP_FORM, downloadUrl: url }));
    expect(looker.success).toBe(false);
    expect(looker.message).toMatch(/^mParticle: 1,200 of 1,200 rows delivered; the Look could not be read to the end: /);
    expect(h.emulators.records("mparticle")).toHaveLength(1_200);
  });
});
