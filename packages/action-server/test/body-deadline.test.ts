// TAGWIRE_BODY_TIMEOUT_MS bounds the time the server waits for a request's bytes, not the time an
// inline Look takes to stream into its run: that Look is read only as fast as its rows are processed,
// and under load (other executes, waits for memory) that can take longer than the limit.

import { describe, expect, it } from "vitest";
import { bigLook, executeBody, partialRequest, startHarness } from "./support.js";

const MP_FORM = { data_type: "user_data", environment: "development" };

describe("the body deadline of an inline Look that streams into its run", () => {
  it("does not cut executes whose Looks are read slower than the limit because they wait for memory: both deliver every row", async () => {
    const h = await startHarness({ bodyTimeoutMs: 1_000, memoryBudgetBytes: 48 * 1024, workers: 1, keepAliveMs: 50, maxBodyBytes: 64 * 1024 * 1024 });
    try {
      const rows = 30_000;
      const look = JSON.stringify(bigLook(rows));
      const started = performance.now();
      const [a, b] = await Promise.all([
        h.execute("mparticle", executeBody({ data: h.settings.mparticle, form: MP_FORM, look })),
        h.execute("segment_event", executeBody({ data: h.settings.segment, look })),
      ]);
      const seconds = (performance.now() - started) / 1000;
      // The test means something only when the bodies took longer than the limit to be read.
      expect(seconds).toBeGreaterThan(1);
      for (const r of [a, b]) {
        expect(r.status).toBe(200);
        expect(r.looker.success, r.looker.message).toBe(true);
        expect(r.looker.message).toContain(`${rows.toLocaleString("en-US")} of ${rows.toLocaleString("en-US")} rows delivered.`);
      }
      expect(h.logs.some((l) => l.includes('"execute waited for memory"'))).toBe(true);
    } finally {
      await h.close();
    }
  }, 120_000);

  it("still ends an execute whose client stops sending its Look: the rows before are delivered, the answer names the limit, the connection closes", async () => {
    const h = await startHarness({ bodyTimeoutMs: 500, keepAliveMs: 50 });
    try {
      const text = JSON.stringify(executeBody({ data: h.settings.mparticle, form: MP_FORM, look: bigLook(3_000) }));
      // Everything up to about half of the Look's rows, then nothing more.
      const cut = text.indexOf("user1500@example.com");
      const { answer: answered, ended } = await partialRequest(h, `POST /actions/mparticle/execute HTTP/1.1\r\nHost: x\r\nAuthorization: Token token="${h.secret}"\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text.slice(0, cut)}`);
      await ended;
      const answer = answered();
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      const looker = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4).replace(/^[0-9a-f]+\r\n/gm, "").replace(/\r\n/g, "").trim()).looker as { success: boolean; message: string };
      expect(looker.success).toBe(false);
      expect(looker.message).toContain("TAGWIRE_BODY_TIMEOUT_MS");
      expect(h.emulators.records("mparticle").length).toBeGreaterThan(0);
    } finally {
      await h.close();
    }
  }, 30_000);
});
