// Whole Looks through the engine into the emulators for the bearer and body auth schemes, and for
// an API without a dedup field: what is sent, what is refused, what a replayed run does.
import { describe, expect, it } from "vitest";
import { amplitude, braze, deliver, expectAddsUp, expectedId, field, lookText, RAN_AT_MS, recordsOf, useEmulators, type WireRecord } from "./support.js";

const ctx = useEmulators({ start: { connectors: ["braze", "amplitude"] } });

describe("Braze: bearer token, no dedup field", () => {
  const fields = [field("users.id", ["braze_id"]), field("users.lifetime_value", ["braze_attribute"])];
  const rows = (n: number) => ({ "users.id": `user-${n}`, "users.lifetime_value": n * 10 });
  const look = lookText({ fields, rows, count: 120 });

  it("sends the token as a bearer header and batches within 50 objects per request", async () => {
    const report = await deliver(ctx.emulators, braze, look, { transport: ctx.transport });
    expect(report.rows).toEqual({ read: 120, delivered: 120, rejected: 0, failed: 0 });
    expect(ctx.transport.requests.map((r) => recordsOf(r, "attributes").length)).toEqual([50, 50, 20]);
    for (const r of ctx.transport.requests) expect(r.headers["authorization"]).toBe("Bearer test-braze_api_key");
    expect(ctx.emulators.records("braze")[0]).toEqual({ external_id: "user-0", lifetime_value: 0, _update_existing_only: true });
    expectAddsUp(report);
  });

  it("a replayed run is stored again: without a dedup field the API cannot tell, and setting the same values twice is harmless", async () => {
    await deliver(ctx.emulators, braze, look, { transport: ctx.transport });
    await deliver(ctx.emulators, braze, look, { transport: ctx.transport });
    expect(ctx.emulators.state()["braze"]).toMatchObject({ accepted: 240, duplicates: 0, withoutDedupId: 0 });
  });

  it("a wrong token fails every row with 401, without retries", async () => {
    const report = await deliver(ctx.emulators, braze, lookText({ fields, rows, count: 3 }), { transport: ctx.transport, settings: { braze_api_key: "wrong-key" } });
    expect(report.rows.failed).toBe(3);
    expect(report.failed).toEqual([expect.objectContaining({ status: 401, count: 3 })]);
    expect(report.requests.retries).toBe(0);
    expect(JSON.stringify(report)).not.toContain("wrong-key");
  });
});

describe("Amplitude: key in the body, insert_id dedup", () => {
  const fields = [field("users.id", ["amplitude_user_id"]), field("users.plan")];
  const rows = (n: number) => ({ "users.id": n === 2 ? "abc" : `user-${1000 + n}`, "users.plan": n % 2 === 0 ? "gold" : "free" });
  const options = { event_type: "Looker Export" };

  it("carries the key in every body, sends no Authorization header, rejects the row with no usable id", async () => {
    const report = await deliver(ctx.emulators, amplitude, lookText({ fields, rows, count: 5 }), { transport: ctx.transport, options });
    expect(report.rows).toEqual({ read: 5, delivered: 4, rejected: 1, failed: 0 });
    expect(report.rejected).toEqual([expect.objectContaining({ reason: "row has no user id or device id (requirement identifier)", count: 1 })]);
    expect(ctx.transport.requests).toHaveLength(1);
    const body = JSON.parse(ctx.transport.requests[0]!.body) as { api_key: string; events: unknown[] };
    expect(body.api_key).toBe("test-api_key");
    expect(ctx.transport.requests[0]!.headers).not.toHaveProperty("authorization");
    const record = ctx.emulators.records("amplitude")[0] as WireRecord;
    expect(record).toEqual({
      user_id: "user-1000",
      user_properties: { "users.plan": "gold" },
      event_type: "Looker Export",
      time: RAN_AT_MS,
      insert_id: expectedId(ctx.emulators, amplitude, record, { options }),
    });
    expectAddsUp(report);
  });

  it("a replayed run is deduplicated on insert_id", async () => {
    const look = lookText({ fields, rows, count: 5 });
    await deliver(ctx.emulators, amplitude, look, { transport: ctx.transport, options });
    await deliver(ctx.emulators, amplitude, look, { transport: ctx.transport, options });
    expect(ctx.emulators.state()["amplitude"]).toMatchObject({ accepted: 4, duplicates: 4 });
  });

  it("a wrong key fails every row with 400, without retries, and the key is in no report", async () => {
    const report = await deliver(ctx.emulators, amplitude, lookText({ fields, rows, count: 3 }), { transport: ctx.transport, options, settings: { api_key: "wrong-key" } });
    // The manifest declares Amplitude's 400 naming the key as a refusal of the credentials.
    expect(report.failed).toEqual([expect.objectContaining({ status: 400, count: 2, retried: false, reason: "HTTP 400: the destination refused the credentials (`api_key`); nothing more was sent" })]);
    expect(report.requests.retries).toBe(0);
    expect(JSON.stringify(report)).not.toContain("wrong-key");
  });
});
