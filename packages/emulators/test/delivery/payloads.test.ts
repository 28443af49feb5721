// Whole Looks through the engine into the emulators: what arrives, field by field.

import { describe, expect, it } from "vitest";
import { uuidOf } from "@tagwire/engine";
import {
  RAN_AT,
  RAN_AT_MS,
  deliver,
  expectAddsUp,
  expectedId,
  field,
  lookText,
  measure,
  mparticle,
  segment,
  useEmulators,
  type WireRecord,
} from "./support.js";

const ctx = useEmulators();

type How = { action?: string; options?: Record<string, string> };
/** The id a delivered record must carry: derived from its content (see expectedId). */
const mpId = (record: WireRecord | undefined, how: How = {}) => expectedId(ctx.emulators, mparticle, record ?? {}, how);
const segId = (record: WireRecord | undefined, how: How = {}) => expectedId(ctx.emulators, segment, record ?? {}, how);

describe("mParticle, User Profiles mode", () => {
  const fields = [
    field("users.id", ["mp_customer_id"]),
    field("users.email", ["mp_email"]),
    field("users.first_name", ["mp_user_attribute"]),
    field("users.city"),
    measure("orders.revenue"),
  ];
  const rows = [
    { "users.id": 7, "users.email": "ann@example.com", "users.first_name": "Ana", "users.city": "Lyon", "orders.revenue": 12.5 },
    { "users.id": null, "users.email": "bob@example.com", "users.first_name": null, "users.city": "Zürich", "orders.revenue": 0 },
    { "users.id": "c-9", "users.email": "", "users.first_name": "Zoë", "users.city": "Reykjavík", "orders.revenue": 1000.25 },
    { "users.id": null, "users.email": null, "users.first_name": "Nobody", "users.city": "Oslo", "orders.revenue": 1 },
  ];

  it("sends one batch per row with identities, user attributes, environment and a deterministic source_request_id", async () => {
    const report = await deliver(ctx.emulators, mparticle, lookText({ fields, rows }), { options: { environment: "development" }, transport: ctx.transport });

    const received = ctx.emulators.records("mparticle") as WireRecord[];
    const how: How = { options: { environment: "development" } };
    expect(received).toEqual([
      {
        user_identities: { customer_id: "7", email: "ann@example.com" },
        user_attributes: { "looker_users.first_name": "Ana", "looker_users.city": "Lyon", "looker_orders.revenue": 12.5 },
        environment: "development",
        source_request_id: mpId(received[0], how),
      },
      {
        user_identities: { email: "bob@example.com" },
        user_attributes: { "looker_users.city": "Zürich", "looker_orders.revenue": 0 },
        environment: "development",
        source_request_id: mpId(received[1], how),
      },
      {
        user_identities: { customer_id: "c-9" },
        user_attributes: { "looker_users.first_name": "Zoë", "looker_users.city": "Reykjavík", "looker_orders.revenue": 1000.25 },
        environment: "development",
        source_request_id: mpId(received[2], how),
      },
    ]);

    // Row 4 has no identity: rejected with its row number, never sent.
    expect(report.rows).toEqual({ read: 4, delivered: 3, rejected: 1, failed: 0 });
    expect(report.rejected).toEqual([
      { reason: expect.stringContaining("row has no user identity"), count: 1, examples: [{ row: 4, detail: "row has no user identity: `users.id` (mp_customer_id), `users.email` (mp_email) are all empty" }] },
    ]);
    expect(report.requests).toMatchObject({ sent: 1, retries: 0, byStatus: { "202": 1 } });
    expect(report.success).toBe(false);
    expectAddsUp(report);
  });

  it("posts a bare JSON array to /v2/bulkevents with Basic auth and JSON content type", async () => {
    await deliver(ctx.emulators, mparticle, lookText({ fields, rows }), { transport: ctx.transport });
    expect(ctx.transport.requests).toHaveLength(1);
    const [request] = ctx.transport.requests;
    expect(request!.url).toBe(`${ctx.emulators.url}/v2/bulkevents`);
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(request!.headers["authorization"]).toBe(ctx.emulators.credentials("mparticle").header);
    const body = JSON.parse(request!.body);
    expect(Array.isArray(body)).toBe(true);
    expect(body).toEqual(ctx.emulators.records("mparticle"));
    expect(body.map((b: { environment: string }) => b.environment)).toEqual(["production", "production", "production"]);
  });
});

describe("mParticle, Events mode", () => {
  const fields = [
    field("users.email", ["mp_email"]),
    field("users.plan", ["mp_user_attribute"]),
    field("events.name", ["mp_event_name"]),
    field("events.type", ["mp_custom_event_type"]),
    field("events.at_ms", ["mp_timestamp_unixtime_ms"]),
    field("events.sku", ["mp_custom_attribute"]),
    field("events.page"),
  ];
  const rows = [
    { "users.email": "ann@example.com", "users.plan": "pro", "events.name": "Signed Up", "events.type": "navigation", "events.at_ms": 1767225600000, "events.sku": "S-1", "events.page": "/p/1" },
    { "users.email": "bob@example.com", "users.plan": null, "events.name": null, "events.type": null, "events.at_ms": null, "events.sku": null, "events.page": "/p/2" },
    { "users.email": "eve@example.com", "users.plan": "free", "events.name": "Viewed", "events.type": "bogus", "events.at_ms": null, "events.sku": null, "events.page": null },
  ];

  it("sends one custom event per row with its data, defaults and attributes", async () => {
    const report = await deliver(ctx.emulators, mparticle, lookText({ fields, rows }), { options: { data_type: "event_data" }, transport: ctx.transport });
    const received = ctx.emulators.records("mparticle") as WireRecord[];
    const how: How = { options: { data_type: "event_data" } };
    expect(received).toEqual([
      {
        user_identities: { email: "ann@example.com" },
        user_attributes: { "looker_users.plan": "pro" },
        events: [
          {
            event_type: "custom_event",
            data: {
              event_name: "Signed Up",
              custom_event_type: "navigation",
              timestamp_unixtime_ms: 1767225600000,
              source_message_id: mpId(received[0], how),
              // events.page has no tag: only mp_custom_attribute columns are event attributes.
              custom_attributes: { "looker_events.sku": "S-1" },
            },
          },
        ],
        environment: "production",
        source_request_id: mpId(received[0], how),
      },
      {
        user_identities: { email: "bob@example.com" },
        events: [
          {
            event_type: "custom_event",
            data: {
              // Defaults where the Look has no value: the Action Hub's event name, type other, the Look's run time.
              event_name: "looker_custom_event",
              custom_event_type: "other",
              timestamp_unixtime_ms: RAN_AT_MS,
              source_message_id: mpId(received[1], how),
            },
          },
        ],
        environment: "production",
        source_request_id: mpId(received[1], how),
      },
    ]);
    expect(report.rows).toEqual({ read: 3, delivered: 2, rejected: 1, failed: 0 });
    expect(report.rejected[0]).toMatchObject({ count: 1, examples: [{ row: 3 }] });
    expect(report.rejected[0]!.reason).toContain("events.type");
    expectAddsUp(report);
  });
});

describe("Segment", () => {
  const fields = [
    field("users.id", ["user_id"]),
    field("users.email", ["email"]),
    field("users.anon", ["segment_anonymous_id"]),
    field("accounts.id", ["segment_group_id"]),
    field("users.city"),
    measure("users.sessions_count"),
  ];
  const rows = [
    { "users.id": 42, "users.email": "ann@example.com", "users.anon": null, "accounts.id": "acct-1", "users.city": "Lyon", "users.sessions_count": 3 },
    { "users.id": null, "users.email": "bob@example.com", "users.anon": null, "accounts.id": "acct-1", "users.city": "São Paulo", "users.sessions_count": 0 },
    { "users.id": null, "users.email": null, "users.anon": "anon-7", "accounts.id": null, "users.city": null, "users.sessions_count": 1 },
    { "users.id": null, "users.email": null, "users.anon": null, "accounts.id": "acct-2", "users.city": "Oslo", "users.sessions_count": 2 },
  ];
  const bobAnonymousId = uuidOf("segment", "email", "bob@example.com");

  it("identify: userId or a stable anonymousId, traits by column label, the Look's time, deterministic messageId", async () => {
    const report = await deliver(ctx.emulators, segment, lookText({ fields, rows }), { action: "segment_event", transport: ctx.transport });
    const received = ctx.emulators.records("segment") as WireRecord[];
    const how: How = { action: "segment_event" };
    expect(received).toEqual([
      {
        type: "identify",
        userId: "42",
        traits: { email: "ann@example.com", city: "Lyon", "sessions count": 3 },
        context: { groupId: "acct-1" },
        timestamp: RAN_AT,
        messageId: segId(received[0], how),
      },
      {
        type: "identify",
        anonymousId: bobAnonymousId,
        traits: { email: "bob@example.com", city: "São Paulo", "sessions count": 0 },
        context: { groupId: "acct-1" },
        timestamp: RAN_AT,
        messageId: segId(received[1], how),
      },
      { type: "identify", anonymousId: "anon-7", traits: { "sessions count": 1 }, timestamp: RAN_AT, messageId: segId(received[2], how) },
    ]);
    expect(report.rows).toEqual({ read: 4, delivered: 3, rejected: 1, failed: 0 });
    expect(report.rejected).toEqual([{ reason: expect.stringContaining("row has no user id, anonymous id or email"), count: 1, examples: [expect.objectContaining({ row: 4 })] }]);
    expectAddsUp(report);
  });

  it("track: the event name from the form, properties, the email in context.traits", async () => {
    const report = await deliver(ctx.emulators, segment, lookText({ fields, rows: rows.slice(0, 2) }), {
      action: "segment_track",
      options: { event: "Churn Risk" },
      transport: ctx.transport,
    });
    const received = ctx.emulators.records("segment") as WireRecord[];
    const how: How = { action: "segment_track", options: { event: "Churn Risk" } };
    expect(received).toEqual([
      {
        type: "track",
        event: "Churn Risk",
        userId: "42",
        properties: { city: "Lyon", "sessions count": 3 },
        context: { traits: { email: "ann@example.com" }, groupId: "acct-1" },
        timestamp: RAN_AT,
        messageId: segId(received[0], how),
      },
      {
        type: "track",
        event: "Churn Risk",
        // The same person gets the same anonymousId on identify and track calls.
        anonymousId: bobAnonymousId,
        properties: { city: "São Paulo", "sessions count": 0 },
        context: { traits: { email: "bob@example.com" }, groupId: "acct-1" },
        timestamp: RAN_AT,
        messageId: segId(received[1], how),
      },
    ]);
    expect(report.action).toBe("segment_track");
    expect(report.success).toBe(true);
    expectAddsUp(report);
  });

  it("group: groupId at the top level, rows without one rejected", async () => {
    const report = await deliver(ctx.emulators, segment, lookText({ fields, rows }), { action: "segment_group", transport: ctx.transport });
    const received = ctx.emulators.records("segment") as WireRecord[];
    const how: How = { action: "segment_group" };
    expect(received).toEqual([
      // The user's email is the user's trait (context.traits), not the group's; the same anonymousId as on identify.
      { type: "group", groupId: "acct-1", userId: "42", traits: { city: "Lyon", "sessions count": 3 }, context: { traits: { email: "ann@example.com" } }, timestamp: RAN_AT, messageId: segId(received[0], how) },
      {
        type: "group",
        groupId: "acct-1",
        anonymousId: bobAnonymousId,
        traits: { city: "São Paulo", "sessions count": 0 },
        context: { traits: { email: "bob@example.com" } },
        timestamp: RAN_AT,
        messageId: segId(received[1], how),
      },
    ]);
    // Row 3 has no group id; row 4 has no user id, anonymous id or email.
    expect(report.rows).toEqual({ read: 4, delivered: 2, rejected: 2, failed: 0 });
    expect(report.rejected.flatMap((g) => g.examples.map((e) => e.row)).sort()).toEqual([3, 4]);
    expect(report.rejected.map((g) => g.reason).join("\n")).toContain("row has no group id");
    expectAddsUp(report);
  });

  it("posts {batch, sentAt} to /v1/batch with the write key as Basic user name and an empty password", async () => {
    const before = Date.now();
    await deliver(ctx.emulators, segment, lookText({ fields, rows }), { transport: ctx.transport });
    expect(ctx.transport.requests).toHaveLength(1);
    const [request] = ctx.transport.requests;
    expect(request!.url).toBe(`${ctx.emulators.url}/v1/batch`);
    expect(request!.headers["content-type"]).toBe("application/json");
    const { settings } = ctx.emulators.credentials("segment");
    expect(request!.headers["authorization"]).toBe(`Basic ${Buffer.from(`${settings["segment_write_key"]}:`).toString("base64")}`);
    const body = JSON.parse(request!.body);
    expect(Object.keys(body)).toEqual(["batch", "sentAt"]);
    expect(body.batch).toEqual(ctx.emulators.records("segment"));
    // sentAt is the time of the request, not of the Look.
    expect(Date.parse(body.sentAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(body.sentAt)).toBeLessThanOrEqual(Date.now() + 1000);
    expect(new Date(body.sentAt).toISOString()).toBe(body.sentAt);
  });
});
