import { describe, expect, test } from "vitest";
import { field, fields, row } from "../support/look-builder.js";
import { allValues, mparticle, planOk, rejected, segment, send } from "../support/send.js";

const email = field("users.email", ["mp_email"]);
const customerId = field("users.id", ["mp_customer_id"]);
const eventData = { data_type: "event_data" };

describe("rows without an identifier", () => {
  test("mParticle: the rejection names the empty identity columns", () => {
    const p = planOk(mparticle, { fields: fields([email, customerId, field("users.ltv")]) });
    const out = rejected(p, row({ "users.email": "", "users.id": null, "users.ltv": 3 }));
    expect(out.reason).toContain("user identity");
    expect(out.detail).toContain("`users.email` (mp_email)");
    expect(out.detail).toContain("`users.id` (mp_customer_id)");
    expect(out.detail).toContain("are all empty");
    expect(out.detail).not.toContain("users.ltv");
  });

  test("mParticle: a missing cell counts as empty", () => {
    const p = planOk(mparticle, { fields: fields([email]) });
    const out = rejected(p, row({}));
    expect(out.detail).toContain("`users.email` (mp_email) is empty");
  });

  test("Segment: the rejection names the user id and email columns", () => {
    const p = planOk(segment, { fields: fields([field("users.id", ["user_id"]), field("users.email", ["email"]), field("users.city")]) });
    const out = rejected(p, row({ "users.id": null, "users.email": "", "users.city": "Lyon" }));
    expect(out.reason).toContain("requirement identifier");
    expect(out.reason).toMatch(/user id.*anonymous id/);
    expect(out.detail).toContain("`users.id` (user_id)");
    expect(out.detail).toContain("`users.email` (email)");
    expect(out.detail).not.toContain("users.city");
  });

  test("Segment: on track calls the email column is named too", () => {
    const p = planOk(segment, { fields: fields([field("users.email", ["email"])]), action: "segment_track", options: { event: "E" } });
    const out = rejected(p, row({ "users.email": null }));
    expect(out.detail).toContain("`users.email` (email) is empty");
  });

  test("Segment: a group call without a group id value is rejected", () => {
    const p = planOk(segment, { fields: fields([field("users.id", ["user_id"]), field("accounts.id", ["segment_group_id"])]), action: "segment_group" });
    const out = rejected(p, row({ "users.id": "u1", "accounts.id": "" }));
    expect(out.reason).toContain("group id");
    expect(out.detail).toContain("`accounts.id` (segment_group_id) is empty");
  });
});

describe("values the API would refuse", () => {
  test("mp_custom_event_type outside mParticle's list rejects the row, naming the column and the choices", () => {
    const p = planOk(mparticle, { fields: fields([email, field("events.type", ["mp_custom_event_type"])]), options: eventData });
    const out = rejected(p, row({ "users.email": "ann@example.com", "events.type": "purchase" }));
    expect(out.column).toBe("events.type");
    expect(out.reason).toContain("`events.type` (mp_custom_event_type)");
    expect(out.reason).toContain("navigation, location, search, transaction");
    expect(out.detail).toContain('"purchase"');
  });

  test("each documented custom event type is accepted", () => {
    const p = planOk(mparticle, { fields: fields([email, field("events.type", ["mp_custom_event_type"])]), options: eventData });
    for (const type of ["navigation", "location", "search", "transaction", "user_content", "user_preference", "social", "other", "media", "attribution"]) {
      const { record } = send(p, row({ "users.email": "ann@example.com", "events.type": type }));
      expect(record["events"][0]["data"]["custom_event_type"]).toBe(type);
    }
  });

  test("a user attribute of 4097 characters rejects the row (limit 4096)", () => {
    const p = planOk(mparticle, { fields: fields([email, field("users.bio", ["mp_user_attribute"])]) });
    const out = rejected(p, row({ "users.email": "ann@example.com", "users.bio": "x".repeat(4097) }));
    expect(out.column).toBe("users.bio");
    expect(out.reason).toContain("longer than 4096 characters");
    expect(out.detail).toContain("4097");
  });

  test("a user attribute of exactly 4096 characters is sent whole", () => {
    const p = planOk(mparticle, { fields: fields([email, field("users.bio", ["mp_user_attribute"])]) });
    const { record } = send(p, row({ "users.email": "ann@example.com", "users.bio": "x".repeat(4096) }));
    expect(record["user_attributes"]["looker_users.bio"]).toHaveLength(4096);
  });

  test("an event attribute of 4097 characters rejects the row", () => {
    const p = planOk(mparticle, { fields: fields([email, field("events.note", ["mp_custom_attribute"])]), options: eventData });
    const out = rejected(p, row({ "users.email": "ann@example.com", "events.note": "y".repeat(4097) }));
    expect(out.column).toBe("events.note");
  });

  test("an event name of 300 characters is truncated to 256, as the API does", () => {
    const p = planOk(mparticle, { fields: fields([email, field("events.name", ["mp_event_name"])]), options: eventData });
    const long = "a".repeat(250) + "b".repeat(50);
    const { record, warnings } = send(p, row({ "users.email": "ann@example.com", "events.name": long }));
    const name = record["events"][0]["data"]["event_name"];
    expect(name).toHaveLength(256);
    expect(name).toBe(long.slice(0, 256));
    expect(warnings).toEqual([]);
  });

  test.each([["twelve"], [12.5], ["12.5"], [true]])("mp_event_id %j is dropped with a warning, and the row is still sent", (bad) => {
    const p = planOk(mparticle, { fields: fields([email, field("events.id", ["mp_event_id"])]), options: eventData });
    const { record, warnings } = send(p, row({ "users.email": "ann@example.com", "events.id": bad }), { rowNumber: 4 });
    expect(record["events"][0]["data"]).not.toHaveProperty("event_id");
    expect(record["user_identities"]).toEqual({ email: "ann@example.com" });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.rowNumber).toBe(4);
    expect(warnings[0]!.column).toBe("events.id");
    expect(warnings[0]!.reason).toContain("whole number");
    expect(warnings[0]!.reason).toContain("value left out");
  });

  test('mp_event_id "981" is a whole number and is sent as one', () => {
    const p = planOk(mparticle, { fields: fields([email, field("events.id", ["mp_event_id"])]), options: eventData });
    const { record } = send(p, row({ "users.email": "ann@example.com", "events.id": " 981 " }));
    expect(record["events"][0]["data"]["event_id"]).toBe(981);
  });

  test("mp_session_uuid that is not a UUID is dropped with a warning", () => {
    const p = planOk(mparticle, { fields: fields([email, field("sessions.uuid", ["mp_session_uuid"])]), options: eventData });
    const { record, warnings } = send(p, row({ "users.email": "ann@example.com", "sessions.uuid": "session-1" }));
    expect(record["events"][0]["data"]).not.toHaveProperty("session_uuid");
    expect(warnings.map((w) => w.column)).toEqual(["sessions.uuid"]);
  });

  test("mp_timestamp_unixtime_ms that is not a whole number rejects the row", () => {
    const p = planOk(mparticle, { fields: fields([email, field("events.time", ["mp_timestamp_unixtime_ms"])]), options: eventData });
    const out = rejected(p, row({ "users.email": "ann@example.com", "events.time": "2026-11-01T10:00:00Z" }));
    expect(out.column).toBe("events.time");
  });

  test("a list value for an event attribute (scalars only) rejects the row", () => {
    const p = planOk(mparticle, { fields: fields([email, field("events.tags", ["mp_custom_attribute"])]), options: eventData });
    const out = rejected(p, row({ "users.email": "ann@example.com", "events.tags": ["a", "b"] }));
    expect(out.column).toBe("events.tags");
    expect(out.reason).toContain("is a list");
  });

  test("a list value for an identity rejects the row", () => {
    const p = planOk(mparticle, { fields: fields([email]) });
    const out = rejected(p, row({ "users.email": ["a@example.com", "b@example.com"] }));
    expect(out.column).toBe("users.email");
    expect(out.reason).toContain("is a list");
  });

  test("a list value for a Segment id rejects the row", () => {
    const p = planOk(segment, { fields: fields([field("users.id", ["user_id"])]) });
    const out = rejected(p, row({ "users.id": ["u1", "u2"] }));
    expect(out.column).toBe("users.id");
  });

  test("an object value for a user attribute rejects the row", () => {
    const p = planOk(mparticle, { fields: fields([email, field("users.address")]) });
    const out = rejected(p, row({ "users.email": "ann@example.com", "users.address": { city: "Lyon" } }));
    expect(out.column).toBe("users.address");
    expect(out.reason).toContain("object");
  });

  test("a Segment trait that is a boolean is dropped: Segment supports strings or numbers", () => {
    const p = planOk(segment, { fields: fields([field("users.id", ["user_id"]), field("users.vip"), field("users.city")]) });
    const { record, warnings } = send(p, row({ "users.id": "u1", "users.vip": true, "users.city": "Lyon" }));
    expect(record["traits"]).toEqual({ city: "Lyon" });
    expect(warnings.map((w) => w.column)).toEqual(["users.vip"]);
  });
});

describe("null and empty values are left out", () => {
  test("mParticle user profile", () => {
    const p = planOk(mparticle, { fields: fields([email, customerId, field("users.ltv", ["mp_user_attribute"]), field("users.city")]) });
    const { record, warnings } = send(p, row({ "users.email": "ann@example.com", "users.id": "", "users.ltv": null, "users.city": "" }));
    expect(record["user_identities"]).toEqual({ email: "ann@example.com" });
    expect(record).not.toHaveProperty("user_attributes");
    expect(warnings).toEqual([]);
  });

  test("mParticle event: zero and false are values, not gaps", () => {
    const p = planOk(mparticle, { fields: fields([email, field("events.count", ["mp_custom_attribute"]), field("events.first", ["mp_custom_attribute"]), field("events.none", ["mp_custom_attribute"])]), options: eventData });
    const { record } = send(p, row({ "users.email": "ann@example.com", "events.count": 0, "events.first": false, "events.none": null }));
    expect(record["events"][0]["data"]["custom_attributes"]).toEqual({ "looker_events.count": 0, "looker_events.first": false });
  });

  test("mParticle device info", () => {
    const p = planOk(mparticle, { fields: fields([email, field("users.platform", ["mp_device_info"])]), options: eventData });
    const { record } = send(p, row({ "users.email": "ann@example.com", "users.platform": "" }));
    expect(record).not.toHaveProperty("device_info");
  });
});

describe("wire-schema conformance", () => {
  test("a device_info value outside mParticle's schema is left out with a warning; the row's event is sent", () => {
    const p = planOk(mparticle, { fields: fields([email, field("users.platform", ["mp_device_info"])]), options: eventData });
    const { record, warnings } = send(p, row({ "users.email": "ann@example.com", "users.platform": "Windows95" }));
    expect(record["device_info"]).toBeUndefined();
    expect(record["events"]).toHaveLength(1);
    expect(warnings).toEqual([expect.objectContaining({ column: "users.platform", reason: expect.stringContaining("is not one of iOS, Android") })]);
  });

  test("a device_info integer given as text that is no whole number is left out too", () => {
    const p = planOk(mparticle, { fields: fields([email, field("users.screen_height", ["mp_device_info"])]), options: eventData });
    const { record, warnings } = send(p, row({ "users.email": "ann@example.com", "users.screen_height": "tall" }));
    expect(record["device_info"]).toBeUndefined();
    expect(warnings).toEqual([expect.objectContaining({ column: "users.screen_height", reason: expect.stringContaining("is not a whole number") })]);
  });

  test("the validators reject what the APIs refuse", () => {
    expect(mparticle.validateRecord({ user_identities: { customerid: "1" } })).toEqual([expect.stringContaining("/user_identities")]);
    expect(mparticle.validateRecord({ user_identities: { customer_id: "1" }, schema_version: 2 })).toBeUndefined();
    expect(segment.validateRecord({ type: "identify", traits: {} })).toBeDefined();
    expect(segment.validateRecord({ type: "track", userId: "u1" })).toBeDefined();
    expect(segment.validateRecord({ type: "track", userId: "u1", event: "E" })).toBeUndefined();
  });

  test("every value of a record comes from its row or from the run", () => {
    const p = planOk(mparticle, { fields: fields([email, field("users.ltv")]) });
    const { record } = send(p, row({ "users.email": "ann@example.com", "users.ltv": 5 }));
    expect(allValues(record).sort()).toEqual([5, "ann@example.com", "production", record["source_request_id"]].sort());
  });
});
