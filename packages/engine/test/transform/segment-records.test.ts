import { describe, expect, test } from "vitest";
import { RecordIds } from "../../src/transform/ids.js";
import { scopeOf } from "../../src/transform/transform.js";
import { field, fields, measure, row, run } from "../support/look-builder.js";
import { allValues, planOk, segment, send, UUID } from "../support/send.js";

const userId = field("users.id", ["user_id"]);
const email = field("users.email", ["email"]);
const anonymousId = field("users.anonymous_id", ["segment_anonymous_id"]);
const groupId = field("accounts.id", ["segment_group_id"]);
const name = field("users.name");
const sessions = field("users.sessions_count");
const track = { action: "segment_track", options: { event: "Churn Risk" } } as const;

describe("Segment identify (the Looker Source page's example)", () => {
  const p = planOk(segment, { fields: fields([userId, name, email, sessions]), action: "segment_event" });
  const example = row({ "users.id": "00MWWFOLRcETcTCf", "users.name": "Ty Arthur", "users.email": "ty.arthur@segment.com", "users.sessions_count": 2 });

  test("the row becomes the documented identify call", () => {
    const { record, warnings } = send(p, example);
    expect(warnings).toEqual([]);
    expect(record["type"]).toBe("identify");
    expect(record["userId"]).toBe("00MWWFOLRcETcTCf");
    expect(record["traits"]).toEqual({ name: "Ty Arthur", email: "ty.arthur@segment.com", "sessions count": 2 });
  });

  test("timestamp is when the Look ran and messageId is a deterministic id", () => {
    const { record } = send(p, example, { rowNumber: 5 });
    expect(record["timestamp"]).toBe(run.ranAt);
    expect(record["messageId"]).toMatch(UUID);
    expect(send(p, example, { rowNumber: 5 }).record["messageId"]).toBe(record["messageId"]);
    // Derived from the content, not the position: the same row elsewhere in the run has the same id...
    expect(send(p, example, { rowNumber: 6 }).record["messageId"]).toBe(record["messageId"]);
    // ...unless it is a second identical row of the same run, which is a record of its own.
    const ids = new RecordIds(scopeOf(p.program, run));
    expect(send(p, example, { rowNumber: 5, ids }).record["messageId"]).toBe(record["messageId"]);
    expect(send(p, example, { rowNumber: 6, ids }).record["messageId"]).not.toBe(record["messageId"]);
    expect(send(p, example, { rowNumber: 5, run: { ...run, runId: "run-2" } }).record["messageId"]).not.toBe(record["messageId"]);
  });

  test("with a user id, no anonymousId is derived", () => {
    expect(send(p, example).record).not.toHaveProperty("anonymousId");
  });

  test("no event, properties or groupId on an identify call", () => {
    const { record } = send(p, example);
    for (const key of ["event", "properties", "groupId"]) expect(record).not.toHaveProperty(key);
  });

  test("trait_names=name uses the field names", () => {
    const byName = planOk(segment, { fields: fields([userId, name, email, sessions]), options: { trait_names: "name" } });
    const { record } = send(byName, example);
    expect(record["traits"]).toEqual({ "users.name": "Ty Arthur", email: "ty.arthur@segment.com", "users.sessions_count": 2 });
  });
});

describe("Segment ids", () => {
  test("a numeric user id is sent as a string", () => {
    const p = planOk(segment, { fields: fields([userId]) });
    expect(send(p, row({ "users.id": 42 })).record["userId"]).toBe("42");
  });

  test("segment_anonymous_id is the anonymousId, and nothing is derived over it", () => {
    const p = planOk(segment, { fields: fields([anonymousId, email]) });
    const { record } = send(p, row({ "users.anonymous_id": "anon-7", "users.email": "ann@example.com" }));
    expect(record["anonymousId"]).toBe("anon-7");
    expect(record).not.toHaveProperty("userId");
  });

  test.each([
    ["identify", {}],
    ["group", { action: "segment_group" }],
    ["track", track],
  ])("%s: an email-only row gets a stable anonymousId", (_call, how) => {
    const p = planOk(segment, { fields: fields([email, groupId]), ...how });
    const ann = row({ "users.email": "ann@example.com", "accounts.id": "acct-1" });
    const bob = row({ "users.email": "bob@example.com", "accounts.id": "acct-1" });
    const first = send(p, ann, { rowNumber: 1 }).record["anonymousId"];
    expect(first).toMatch(UUID);
    // Another run, another row number: the same email is the same anonymous user.
    expect(send(p, ann, { rowNumber: 9, run: { ...run, runId: "run-2", ranAt: "2026-12-01T10:00:00Z", ranAtMs: 0 } }).record["anonymousId"]).toBe(first);
    expect(send(p, bob, { rowNumber: 1 }).record["anonymousId"]).not.toBe(first);
  });

  test("identify and track calls for the same email carry the same anonymousId", () => {
    const identify = planOk(segment, { fields: fields([email]), action: "segment_event" });
    const tracked = planOk(segment, { fields: fields([email]), ...track });
    const r = row({ "users.email": "ann@example.com" });
    expect(send(tracked, r).record["anonymousId"]).toBe(send(identify, r).record["anonymousId"]);
  });

  test("a row with a user id and an empty email has no anonymousId", () => {
    const p = planOk(segment, { fields: fields([userId, email]) });
    const { record } = send(p, row({ "users.id": "u1", "users.email": "" }));
    expect(record).not.toHaveProperty("anonymousId");
    expect(record).not.toHaveProperty("traits");
  });

  test("a row with an empty user id and an email falls back to the derived anonymousId", () => {
    const p = planOk(segment, { fields: fields([userId, email]) });
    const { record } = send(p, row({ "users.id": null, "users.email": "ann@example.com" }));
    expect(record).not.toHaveProperty("userId");
    expect(record["anonymousId"]).toMatch(UUID);
  });
});

describe("Segment track", () => {
  const p = planOk(segment, { fields: fields([userId, email, groupId, sessions]), ...track });
  const r = row({ "users.id": "u1", "users.email": "ann@example.com", "accounts.id": "acct-1", "users.sessions_count": 3 });

  test("the row becomes a track call with the event option, properties and context", () => {
    const { record } = send(p, r);
    expect(record["type"]).toBe("track");
    expect(record["event"]).toBe("Churn Risk");
    expect(record["userId"]).toBe("u1");
    expect(record["properties"]).toEqual({ "sessions count": 3 });
    expect(record["context"]).toEqual({ traits: { email: "ann@example.com" }, groupId: "acct-1" });
    expect(record).not.toHaveProperty("traits");
    expect(record).not.toHaveProperty("groupId");
    expect(record["timestamp"]).toBe(run.ranAt);
  });
});

describe("Segment group", () => {
  const p = planOk(segment, { fields: fields([userId, email, groupId, field("accounts.plan")]), action: "segment_group" });

  test("the row becomes a group call with groupId and traits", () => {
    const { record } = send(p, row({ "users.id": "u1", "users.email": "ann@example.com", "accounts.id": "acct-1", "accounts.plan": "pro" }));
    expect(record["type"]).toBe("group");
    expect(record["groupId"]).toBe("acct-1");
    expect(record["userId"]).toBe("u1");
    // A group's traits describe the group: the user's email rides in context.traits, as on track calls.
    expect(record["traits"]).toEqual({ plan: "pro" });
    expect(record["context"]).toEqual({ traits: { email: "ann@example.com" } });
  });

  test("no user identity column reaches the group's traits", () => {
    const look = planOk(segment, { fields: fields([userId, email, anonymousId, groupId, field("accounts.plan")]), action: "segment_group" });
    const { record } = send(look, row({ "users.id": "u1", "users.email": "ann@example.com", "users.anonymous_id": "anon-7", "accounts.id": "acct-1", "accounts.plan": "pro" }));
    expect(record["traits"]).toEqual({ plan: "pro" });
    expect(JSON.stringify(record["traits"])).not.toMatch(/u1|ann@example\.com|anon-7/);
  });

  test("group and identify calls for the same email carry the same anonymousId", () => {
    const grouped = planOk(segment, { fields: fields([email, groupId]), action: "segment_group" });
    const identify = planOk(segment, { fields: fields([email]), action: "segment_event" });
    const { record } = send(grouped, row({ "users.email": "ann@example.com", "accounts.id": "acct-1" }));
    expect(record).not.toHaveProperty("traits");
    expect(record["anonymousId"]).toMatch(UUID);
    expect(record["anonymousId"]).toBe(send(identify, row({ "users.email": "ann@example.com" })).record["anonymousId"]);
  });

  test("a numeric group id is sent as a string", () => {
    const { record } = send(p, row({ "users.id": "u1", "accounts.id": 77 }));
    expect(record["groupId"]).toBe("77");
  });
});

describe("Segment identify with a group id", () => {
  test("the group id goes to context.groupId", () => {
    const p = planOk(segment, { fields: fields([userId, groupId]) });
    const { record } = send(p, row({ "users.id": "u1", "accounts.id": "acct-1" }));
    expect(record["context"]).toEqual({ groupId: "acct-1" });
    expect(record).not.toHaveProperty("groupId");
  });
});

describe("Segment values", () => {
  test("null and empty traits are left out", () => {
    const p = planOk(segment, { fields: fields([userId, name, sessions, field("users.city")]) });
    const { record, warnings } = send(p, row({ "users.id": "u1", "users.name": null, "users.sessions_count": 0, "users.city": "" }));
    expect(record["traits"]).toEqual({ "sessions count": 0 });
    expect(warnings).toEqual([]);
  });

  test("a list value is dropped with a warning: Segment doesn't support arrays", () => {
    const p = planOk(segment, { fields: fields([userId, field("users.tags")]) });
    const { record, warnings } = send(p, row({ "users.id": "u1", "users.tags": ["a", "b"] }));
    expect(record).not.toHaveProperty("traits");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.column).toBe("users.tags");
    expect(warnings[0]!.reason).toContain("list");
  });

  test("a pivoted measure is one trait per pivot value beside the rest of the row; the row total is not sent", () => {
    const p = planOk(segment, { fields: fields([userId, field("users.city"), measure("orders.count")], [field("orders.status")]) });
    const { record } = send(p, {
      "users.id": { value: "u1" },
      "users.city": { value: "Lyon" },
      "orders.count": { Complete: { value: 3 }, pending: { value: 1 }, $$$_row_total_$$$: { value: 4 } },
    });
    expect(record["traits"]).toEqual({ city: "Lyon", count_complete: 3, count_pending: 1 });
  });
});

describe("Segment hidden fields", () => {
  test.each([
    ["identify", {}],
    ["track", track],
    ["group", { action: "segment_group" }],
  ])("%s: hidden columns are in no record", (_call, how) => {
    const p = planOk(segment, {
      fields: fields([userId, groupId, email, sessions, field("users.ssn")]),
      hiddenFields: ["users.email", "users.ssn"],
      ...how,
    });
    const { record } = send(p, row({ "users.id": "u1", "accounts.id": "acct-1", "users.email": "hidden@example.com", "users.sessions_count": 2, "users.ssn": "078-05-1120" }));
    expect(allValues(record)).not.toContain("hidden@example.com");
    expect(allValues(record)).not.toContain("078-05-1120");
    expect(JSON.stringify(record)).not.toMatch(/ssn|email/);
  });

  test("a hidden user id does not stop the anonymousId from the email", () => {
    const p = planOk(segment, { fields: fields([userId, email]), hiddenFields: ["users.id"] });
    const { record } = send(p, row({ "users.id": "u1", "users.email": "ann@example.com" }));
    expect(record).not.toHaveProperty("userId");
    expect(record["anonymousId"]).toMatch(UUID);
  });
});
