// Whole runs: replays deduplicated by their ids, settings refused before anything is sent, and a
// Look that breaks off mid-way delivering and accounting for what was read.

import { describe, expect, it } from "vitest";
import { lookSourceFromString, SettingsError, SourceError } from "@tagwire/engine";
import { deliver, deliverFailure, expectAddsUp, field, lookText, mparticle, recordingTransport, segment, uniqueIds, useEmulators } from "./support.js";

const ctx = useEmulators();

const pad = (n: number) => String(n).padStart(5, "0");
const mpLook = (count: number) =>
  lookText({ fields: [field("users.email", ["mp_email"]), field("users.city")], rows: (i) => ({ "users.email": `u${pad(i + 1)}@example.com`, "users.city": "Lyon" }), count });
const segLook = (count: number) => lookText({ fields: [field("users.id", ["user_id"])], rows: (i) => ({ "users.id": `u${pad(i + 1)}` }), count });

describe("deterministic deduplication ids", () => {
  it("mParticle: the same run sent twice is recognised as duplicates; another run is new data", async () => {
    const first = await deliver(ctx.emulators, mparticle, mpLook(150), { runId: "webhook-42" });
    const firstIds = uniqueIds(ctx.emulators.records("mparticle"), "source_request_id");
    const second = await deliver(ctx.emulators, mparticle, mpLook(150), { runId: "webhook-42" });

    expect(first.rows.delivered).toBe(150);
    expect(second.rows.delivered).toBe(150);
    expect(ctx.emulators.state()["mparticle"]).toMatchObject({ accepted: 150, duplicates: 150, withoutDedupId: 0 });
    expect(uniqueIds(ctx.emulators.records("mparticle"), "source_request_id")).toEqual(firstIds);

    await deliver(ctx.emulators, mparticle, mpLook(150), { runId: "webhook-43" });
    expect(ctx.emulators.state()["mparticle"]).toMatchObject({ accepted: 300, duplicates: 150 });
  });

  it("Segment: the same run sent twice is recognised as duplicates", async () => {
    await deliver(ctx.emulators, segment, segLook(40), { runId: "r" });
    await deliver(ctx.emulators, segment, segLook(40), { runId: "r" });
    expect(ctx.emulators.state()["segment"]).toMatchObject({ accepted: 40, duplicates: 40, withoutDedupId: 0 });
  });

  it("without a run id every run is new", async () => {
    await deliver(ctx.emulators, segment, segLook(10), { runId: undefined });
    await deliver(ctx.emulators, segment, segLook(10), { runId: undefined });
    expect(ctx.emulators.state()["segment"]).toMatchObject({ accepted: 20, duplicates: 0 });
  });
});

describe("settings refused before anything is sent", () => {
  it("TAGWIRE_<ID>_URL that is not a base URL", async () => {
    for (const bad of ["not a url", "ftp://127.0.0.1:9001", `${ctx.emulators.url}/v2`]) {
      const error = await deliverFailure(ctx.emulators, mparticle, mpLook(3), { env: { TAGWIRE_MPARTICLE_URL: bad } });
      expect(error).toBeInstanceOf(SettingsError);
      expect((error as SettingsError).problems).toEqual([{ setting: "TAGWIRE_MPARTICLE_URL", message: expect.stringContaining("must be a base URL") }]);
    }
    expect(ctx.emulators.state()["mparticle"]!.requests).toBe(0);
  });

  it("a missing setting is named, and the values given are never shown", async () => {
    const secret = "k-SECRET-value-123";
    const error = await deliverFailure(ctx.emulators, mparticle, mpLook(3), { settings: { apiKey: secret } });
    expect(error).toBeInstanceOf(SettingsError);
    const problems = (error as SettingsError).problems;
    expect(problems.map((p) => p.setting)).toEqual(["apiSecret"]);
    expect(error.message).toContain("apiSecret");
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify(problems)).not.toContain(secret);

    const none = await deliverFailure(ctx.emulators, segment, segLook(3), { settings: {} });
    expect((none as SettingsError).problems.map((p) => p.setting)).toEqual(["segment_write_key"]);
    expect(ctx.emulators.state()["mparticle"]!.requests + ctx.emulators.state()["segment"]!.requests).toBe(0);
  });
});

describe("a Look that breaks off", () => {
  it("truncated mid-row: rows read before the break are delivered and accounted, and the run is not a success", async () => {
    const text = mpLook(500);
    // Cut in the middle of row 301.
    const rowStart = text.indexOf(`"u00301@example.com"`);
    const truncated = text.slice(0, rowStart + 5);
    const transport = recordingTransport();
    const report = await deliver(ctx.emulators, mparticle, truncated, { transport });

    expect(report.sourceError).toEqual(expect.any(String));
    expect(report.sourceError).toMatch(/truncated|end/i);
    expect(report.rows).toEqual({ read: 300, delivered: 300, rejected: 0, failed: 0 });
    expect(report.success).toBe(false);
    expect(ctx.emulators.state()["mparticle"]!.accepted).toBe(300);
    expect(uniqueIds(ctx.emulators.records("mparticle"), "source_request_id").size).toBe(300);
    expectAddsUp(report);
  });

  it("a source that fails mid-stream: the error is the report's sourceError, read rows delivered", async () => {
    const text = segLook(1000);
    async function* failing() {
      let n = 0;
      for await (const chunk of lookSourceFromString(text, 4096)) {
        if (n++ === 3) throw new Error("socket hang up");
        yield chunk;
      }
    }
    const report = await deliver(ctx.emulators, segment, failing());
    expect(report.sourceError).toBe("socket hang up");
    expect(report.rows.read).toBeGreaterThan(0);
    expect(report.rows.read).toBeLessThan(1000);
    expect(report.rows.delivered).toBe(report.rows.read);
    expect(ctx.emulators.state()["segment"]!.accepted).toBe(report.rows.read);
    expect(report.success).toBe(false);
    expectAddsUp(report);
  });

  it("a Look that is not json_detail at all fails before sending", async () => {
    const error = await deliverFailure(ctx.emulators, segment, "<html>Looker is down</html>");
    expect(error).toBeInstanceOf(SourceError);
    expect(ctx.emulators.state()["segment"]!.requests).toBe(0);
  });
});
