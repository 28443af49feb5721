// What the API's answer says beyond its status: records it refused (in a 2xx answer, or in a
// 4xx answer that took nothing), and credentials it refused. The transport is a stub answering
// the way each API documents; the connectors are the real manifests.

import * as Effect from "effect/Effect";
import { describe, expect, it } from "vitest";
import { findConnector, loadConnectors, lookSourceFromString, readLook, summarize, type AttemptResult, type Connector, type LookField, type RunInput, type RunReport, type Transport } from "../../src/index.js";
import { SettingsError } from "../../src/run/errors.js";
import { field } from "../support/look-builder.js";
import { runLookAlone } from "../support/run-alone.js";

const connectors = loadConnectors();
const mparticle = findConnector(connectors, "mparticle");
const braze = findConnector(connectors, "braze");
const amplitude = findConnector(connectors, "amplitude");
const segment = findConnector(connectors, "segment");

interface Answer {
  readonly status: number;
  readonly body?: unknown;
}

/** Answers each request from `answer` and keeps the records each body carried. */
function stub(answer: (records: any[], index: number) => Answer): Transport & { bodies: any[][] } {
  const bodies: any[][] = [];
  return {
    bodies,
    async post(_url, body): Promise<AttemptResult> {
      const parsed = JSON.parse(String(body)) as unknown;
      const records = (Array.isArray(parsed) ? parsed : Object.values(parsed as Record<string, unknown>).find(Array.isArray)) as any[];
      bodies.push(records);
      const a = answer(records, bodies.length - 1);
      return { kind: "response", status: a.status, headers: {}, body: a.body === undefined ? "" : JSON.stringify(a.body) };
    },
    close: () => undefined,
  };
}

/** A json_detail Look of `count` rows over `fields`. */
function lookOf(fields: LookField[], count: number, rowAt: (i: number) => Record<string, unknown>): string {
  const data = Array.from({ length: count }, (_, i) => Object.fromEntries(Object.entries(rowAt(i)).map(([k, v]) => [k, { value: v }])));
  return JSON.stringify({ id: "q", ran_at: "2026-11-01T10:00:00Z", fields: { dimensions: fields, measures: [], table_calculations: [], pivots: [] }, data });
}

const settingsFor = (c: Connector, given: Record<string, string> = {}) => ({
  ...Object.fromEntries(c.manifest.settings.map((s) => [s.name, s.choices?.[0]?.value ?? `key-for-${s.name}`])),
  ...given,
});

function send(connector: Connector, look: string, transport: Transport, input: Partial<RunInput> = {}): Promise<RunReport> {
  return Effect.runPromise(
    runLookAlone({ connector, look: readLook(lookSourceFromString(look)), settings: settingsFor(connector), runId: "run-1", env: {}, transport, rateLimit: "off", retry: { baseDelayMs: 1, maxDelayMs: 5 }, ...input }),
  );
}

const addsUp = (r: RunReport) => expect(r.rows.delivered + r.rows.rejected + r.rows.failed).toBe(r.rows.read);

const brazeLook = (count: number) => lookOf([field("users.id", ["braze_id"]), field("users.plan", ["braze_attribute"])], count, (i) => ({ "users.id": `u-${i + 1}`, "users.plan": "gold" }));
const amplitudeLook = (count: number) =>
  lookOf([field("users.id", ["amplitude_user_id"]), field("orders.at", ["amplitude_time"])], count, (i) => ({ "users.id": `user-${1000 + i}`, "orders.at": 1761990000000 + i }));

describe("records refused inside an answer", () => {
  it("a 2xx answer listing refused objects by index: those rows are rejected by the destination, the others delivered", async () => {
    const transport = stub(() => ({
      status: 201,
      body: {
        message: "success",
        errors: [
          { type: "'external_id' or 'braze_id' or 'user_alias' is required", input_array: "attributes", index: 1 },
          { type: "not about these records", input_array: "events", index: 0 },
        ],
      },
    }));
    const report = await send(braze, brazeLook(4), transport, { options: {} });
    expect(transport.bodies).toHaveLength(1);
    expect(report.rows).toEqual({ read: 4, delivered: 3, rejected: 1, failed: 0 });
    expect(report.rejected).toEqual([
      // Marked as the destination's refusal: the row was sent (reports show it apart from rows rejected before sending).
      { reason: "refused by Braze: 'external_id' or 'braze_id' or 'user_alias' is required", count: 1, examples: [{ row: 2, detail: "named in the answer's `errors` (HTTP 201)" }], byDestination: true },
    ]);
    expect(report.success).toBe(false);
    addsUp(report);
  });

  it("a 400 listing refused events by field: those rows are rejected, the rest sent again without them and delivered", async () => {
    const transport = stub((records, i) =>
      i === 0
        ? { status: 400, body: { code: 400, error: "Request has invalid events", events_with_invalid_fields: { time: [0, 3] }, events_with_missing_fields: { event_type: [3] }, silenced_events: [2] } }
        : { status: 200, body: { code: 200, events_ingested: records.length } },
    );
    const report = await send(amplitude, amplitudeLook(5), transport, { options: { event_type: "Order Completed" } });
    expect(transport.bodies.map((b) => b.map((r) => r.user_id))).toEqual([
      ["user-1000", "user-1001", "user-1002", "user-1003", "user-1004"],
      ["user-1001", "user-1004"],
    ]);
    expect(report.rows).toEqual({ read: 5, delivered: 2, rejected: 3, failed: 0 });
    const reasons = Object.fromEntries(report.rejected.map((g) => [g.reason, g.examples.map((e) => e.row)]));
    expect(reasons).toEqual({
      "refused by Amplitude: invalid value in field `time`": [1],
      "refused by Amplitude: missing required field `event_type`; invalid value in field `time`": [4],
      "refused by Amplitude: the event's device is silenced": [3],
    });
    // The resend is a new request, not a retry of the refused one.
    expect(report.requests).toMatchObject({ sent: 2, retries: 0 });
    addsUp(report);
  });

  it("a 400 whose lists name every record: all rejected, nothing sent again", async () => {
    const transport = stub(() => ({ status: 400, body: { code: 400, events_with_missing_fields: { event_type: [0, 1] } } }));
    const report = await send(amplitude, amplitudeLook(2), transport, { options: { event_type: "Order Completed" } });
    expect(transport.bodies).toHaveLength(1);
    expect(report.rows).toEqual({ read: 2, delivered: 0, rejected: 2, failed: 0 });
  });

  it("a 400 that lists no record stays a failure of the whole request", async () => {
    const transport = stub(() => ({ status: 400, body: { code: 400, error: "Invalid JSON request body" } }));
    const report = await send(amplitude, amplitudeLook(3), transport, { options: { event_type: "Order Completed" } });
    expect(report.rows).toEqual({ read: 3, delivered: 0, rejected: 0, failed: 3 });
    expect(report.failed[0]).toMatchObject({ status: 400, retried: false });
  });

  it("indices outside the request are not taken as refusals", async () => {
    const transport = stub(() => ({ status: 200, body: { message: "success", errors: [{ type: "x", input_array: "attributes", index: 7 }] } }));
    const report = await send(braze, brazeLook(2), transport, { options: {} });
    expect(report.rows).toEqual({ read: 2, delivered: 2, rejected: 0, failed: 0 });
  });
});

const mparticleLook = (count: number) => lookOf([field("users.email", ["mp_email"])], count, (i) => ({ "users.email": `u${i}@example.com` }));
const mparticleOptions = { data_type: "user_data", environment: "development" };

describe("credentials refused", () => {
  it("mParticle 403: one request, then every row fails at once with that reason; nothing is retried", async () => {
    const transport = stub(() => ({ status: 403, body: { errors: [{ code: "FORBIDDEN", message: "invalid credentials" }] } }));
    const report = await send(mparticle, mparticleLook(3000), transport, { options: mparticleOptions, concurrency: 8 });
    expect(transport.bodies).toHaveLength(1);
    expect(report.rows).toEqual({ read: 3000, delivered: 0, rejected: 0, failed: 3000 });
    expect(report.failed).toEqual([
      { reason: "HTTP 403: the destination refused the credentials (`apiKey`, `apiSecret`); nothing more was sent", status: 403, count: 3000, retried: false, rows: "1-3000" },
    ]);
    expect(report.requests).toMatchObject({ sent: 1, retries: 0 });
    const summary = summarize(report);
    expect(summary).toContain("3,000 failed (HTTP 403: the destination refused the credentials");
    expect(summary).not.toContain("after retries");
  });

  it("Amplitude answers a wrong key with a 400 naming it: the run stops there, and the key is never quoted", async () => {
    const transport = stub(() => ({ status: 400, body: { code: 400, error: "Invalid API key: key-for-api_key" } }));
    const report = await send(amplitude, amplitudeLook(4500), transport, { options: { event_type: "Order Completed" } });
    expect(transport.bodies).toHaveLength(1);
    expect(report.rows).toMatchObject({ read: 4500, failed: 4500 });
    expect(report.failed.map((g) => g.reason)).toEqual(["HTTP 400: the destination refused the credentials (`api_key`); nothing more was sent"]);
    expect(JSON.stringify(report)).not.toContain("key-for-api_key");
  });

  it("a batch waiting on retries stops too once another answer refuses the credentials", async () => {
    // The first request's 503 opens the gate; the second is refused; the first's retry is never sent.
    const transport = stub((_records, i) => (i === 0 ? { status: 503 } : { status: 401 }));
    const report = await send(segment, lookOf([field("users.id", ["user_id"])], 5000, (i) => ({ "users.id": `u${i}` })), transport, {
      options: { call: "identify" },
      concurrency: 2,
      retry: { baseDelayMs: 200, maxDelayMs: 200 },
    });
    expect(transport.bodies).toHaveLength(2);
    expect(report.rows).toMatchObject({ read: 5000, delivered: 0, failed: 5000 });
    expect(new Set(report.failed.map((g) => g.status))).toEqual(new Set([401]));
  });

  it("an ordinary 400 is not a refusal of the credentials: the other requests are still sent", async () => {
    const transport = stub(() => ({ status: 400, body: { code: 400, error: "Invalid JSON request body" } }));
    const report = await send(amplitude, amplitudeLook(4500), transport, { options: { event_type: "Order Completed" } });
    expect(transport.bodies).toHaveLength(3);
    expect(report.rows).toMatchObject({ read: 4500, failed: 4500 });
  });
});

describe("settings that cannot go into a header", () => {
  for (const [name, value] of [
    ["a line break", "key\r\nX-Injected: 1"],
    ["a NUL", "key\u0000"],
    ["a character beyond Latin-1", "key\u2028"],
  ] as const) {
    it(`a bearer token holding ${name} is a settings error before anything is sent; the value is never shown`, async () => {
      const transport = stub(() => ({ status: 200 }));
      const error = await Effect.runPromise(
        Effect.flip(runLookAlone({ connector: braze, look: readLook(lookSourceFromString(brazeLook(2))), settings: settingsFor(braze, { braze_api_key: value }), env: {}, transport, rateLimit: "off" })),
      );
      expect(error).toBeInstanceOf(SettingsError);
      expect((error as SettingsError).problems.map((p) => p.setting)).toEqual(["braze_api_key"]);
      expect(error.message).toContain("setting `braze_api_key` (");
      expect(error.message).toContain("cannot be sent in an HTTP header");
      expect(error.message).not.toContain("key\r");
      expect(transport.bodies).toHaveLength(0);
    });
  }

  it("Basic credentials with a pasted line break are refused too; other characters are base64 and fine", async () => {
    const transport = stub(() => ({ status: 202 }));
    const error = await Effect.runPromise(
      Effect.flip(runLookAlone({ connector: mparticle, look: readLook(lookSourceFromString(mparticleLook(1))), options: mparticleOptions, settings: settingsFor(mparticle, { apiSecret: "secret\n" }), env: {}, transport, rateLimit: "off" })),
    );
    expect((error as SettingsError).problems.map((p) => p.setting)).toEqual(["apiSecret"]);
    const report = await send(mparticle, mparticleLook(1), transport, { options: mparticleOptions, settings: settingsFor(mparticle, { apiSecret: "sécrét€" }) });
    expect(report.rows.delivered).toBe(1);
  });
});

describe("the summary says 'after retries' only when a retry happened", () => {
  it("a 429 retried to the limit says so; a 400 that was not retried does not", async () => {
    const retried = await send(segment, lookOf([field("users.id", ["user_id"])], 2, (i) => ({ "users.id": `u${i}` })), stub(() => ({ status: 429 })), {
      options: { call: "identify" },
      retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 },
    });
    expect(retried.failed[0]!.retried).toBe(true);
    expect(summarize(retried)).toMatch(/; 2 failed after retries \(HTTP 429: rows 1-2\)\./);

    const once = await send(segment, lookOf([field("users.id", ["user_id"])], 2, (i) => ({ "users.id": `u${i}` })), stub(() => ({ status: 400, body: { success: false, message: "malformed JSON", code: "invalid_request" } })), {
      options: { call: "identify" },
    });
    expect(summarize(once)).toMatch(/; 2 failed \(HTTP 400: malformed JSON: rows 1-2\)\./);
  });
});
