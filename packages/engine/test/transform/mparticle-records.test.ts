import { describe, expect, test } from "vitest";
import { RecordIds } from "../../src/transform/ids.js";
import { scopeOf } from "../../src/transform/transform.js";
import { field, fields, measure, row, run } from "../support/look-builder.js";
import { allValues, mparticle, planOk, send, UUID } from "../support/send.js";
import { IDENTITY_KEYS } from "../support/mparticle-identities.js";

const email = field("users.email", ["mp_email"]);
const eventData = { data_type: "event_data" };

describe("mParticle batch: user identities", () => {
  test("all 11 Looker identity tags arrive under the Events API identity keys", () => {
    const look = IDENTITY_KEYS.map(([tag]) => field(`ids.${tag}`, [tag]));
    const p = planOk(mparticle, { fields: fields(look) });
    const values = Object.fromEntries(IDENTITY_KEYS.map(([tag]) => [`ids.${tag}`, `value of ${tag}`]));
    const { record } = send(p, row(values));
    const identities = record["user_identities"];
    expect(Object.keys(identities).sort()).toEqual(IDENTITY_KEYS.map(([, key]) => key).sort());
    for (const [tag, key] of IDENTITY_KEYS) expect(identities[key]).toBe(`value of ${tag}`);
    for (const old of ["customerid", "other2", "other3", "other4"]) expect(identities).not.toHaveProperty(old);
  });

  test.each(IDENTITY_KEYS)("%s alone is sent as user_identities.%s", (tag, key) => {
    const p = planOk(mparticle, { fields: fields([field("users.ident", [tag])]) });
    const { record } = send(p, row({ "users.ident": "abc-123" }));
    expect(record["user_identities"]).toEqual({ [key]: "abc-123" });
  });

  test("a numeric customer id is sent as a string", () => {
    const p = planOk(mparticle, { fields: fields([field("users.id", ["mp_customer_id"])]) });
    const { record } = send(p, row({ "users.id": 1234 }));
    expect(record["user_identities"]["customer_id"]).toBe("1234");
  });

  test("empty identities are left out, and one present identity is enough", () => {
    const p = planOk(mparticle, { fields: fields([email, field("users.id", ["mp_customer_id"]), field("users.fb", ["mp_facebook"])]) });
    const { record } = send(p, row({ "users.email": "", "users.id": "c-9", "users.fb": null }));
    expect(record["user_identities"]).toEqual({ customer_id: "c-9" });
  });
});

describe("mParticle batch: user profiles mode", () => {
  const look = [email, field("users.ltv", ["mp_user_attribute"]), field("users.city")];
  const values = row({ "users.email": "ann@example.com", "users.ltv": 120.5, "users.city": "Lyon" });

  test("tagged and untagged columns are user attributes named looker_<view.field>", () => {
    const p = planOk(mparticle, { fields: fields(look) });
    const { record } = send(p, values);
    expect(record["user_attributes"]).toEqual({ "looker_users.ltv": 120.5, "looker_users.city": "Lyon" });
  });

  test("the batch has the environment and a source_request_id, and no event", () => {
    const p = planOk(mparticle, { fields: fields(look) });
    const { record } = send(p, values);
    expect(record["environment"]).toBe("production");
    expect(record["source_request_id"]).toMatch(UUID);
    expect(record).not.toHaveProperty("events");
    expect(record).not.toHaveProperty("device_info");
  });

  test("environment comes from the option", () => {
    const p = planOk(mparticle, { fields: fields(look), options: { environment: "development" } });
    expect(send(p, values).record["environment"]).toBe("development");
  });

  test("events-only tags are not sent in user profiles mode", () => {
    const p = planOk(mparticle, {
      fields: fields([email, field("events.name", ["mp_event_name"]), field("users.platform", ["mp_device_info"])]),
    });
    const { record } = send(p, row({ "users.email": "ann@example.com", "events.name": "Signed Up", "users.platform": "web" }));
    expect(allValues(record)).not.toContain("Signed Up");
    expect(allValues(record)).not.toContain("web");
    expect(record).not.toHaveProperty("user_attributes");
  });

  test("boolean and list user attributes are kept as they are", () => {
    const p = planOk(mparticle, { fields: fields([email, field("users.vip"), field("users.segments")]) });
    const { record } = send(p, row({ "users.email": "ann@example.com", "users.vip": true, "users.segments": ["a", "b"] }));
    expect(record["user_attributes"]["looker_users.vip"]).toBe(true);
    expect(record["user_attributes"]["looker_users.segments"]).toEqual(["a", "b"]);
  });

  test("a pivoted measure is one user attribute per pivot value", () => {
    const p = planOk(mparticle, {
      fields: fields([email, measure("orders.count", ["mp_user_attribute"])], [field("orders.status")]),
    });
    const { record } = send(p, {
      "users.email": { value: "ann@example.com" },
      "orders.count": { complete: { value: 3 }, pending: { value: 1 }, cancelled: { value: null } },
    });
    expect(record["user_attributes"]).toEqual({ "looker_orders.count_complete": 3, "looker_orders.count_pending": 1 });
  });

  test("a pivoted measure with no values at all is left out", () => {
    const p = planOk(mparticle, { fields: fields([email, measure("orders.count")], [field("orders.status")]) });
    const { record } = send(p, { "users.email": { value: "ann@example.com" }, "orders.count": { complete: { value: null } } });
    expect(record).not.toHaveProperty("user_attributes");
  });
});

describe("mParticle batch: events mode", () => {
  const look = [
    email,
    field("events.name", ["mp_event_name"]),
    field("events.type", ["mp_custom_event_type"]),
    field("events.id", ["mp_event_id"]),
    field("sessions.id", ["mp_session_id"]),
    field("sessions.uuid", ["mp_session_uuid"]),
    field("events.time", ["mp_timestamp_unixtime_ms"]),
    field("users.platform", ["mp_device_info"]),
    field("users.os_version", ["mp_device_info"]),
    field("events.plan", ["mp_custom_attribute"]),
    field("events.page"),
    field("users.ltv", ["mp_user_attribute"]),
  ];
  const values = {
    "users.email": "ann@example.com",
    "events.name": "Abandoned Cart",
    "events.type": "transaction",
    "events.id": 981,
    "sessions.id": "4417",
    "sessions.uuid": "6f1c9c1e-3b1a-4f7e-9a57-2f4b1f0f9a11",
    "events.time": 1761990000000,
    "users.platform": "iOS",
    "users.os_version": "17.2",
    "events.plan": "gold",
    "events.page": "/cart",
    "users.ltv": 120.5,
  };

  test("every event tag lands on its field of the custom event", () => {
    const p = planOk(mparticle, { fields: fields(look), options: eventData });
    const { record, warnings } = send(p, row(values));
    expect(warnings).toEqual([]);
    expect(record["events"]).toHaveLength(1);
    const [event] = record["events"];
    expect(event["event_type"]).toBe("custom_event");
    const data = event["data"];
    expect(data["event_name"]).toBe("Abandoned Cart");
    expect(data["custom_event_type"]).toBe("transaction");
    expect(data["event_id"]).toBe(981);
    expect(data["session_id"]).toBe(4417);
    expect(data["session_uuid"]).toBe("6f1c9c1e-3b1a-4f7e-9a57-2f4b1f0f9a11");
    expect(data["timestamp_unixtime_ms"]).toBe(1761990000000);
    // Only the mp_custom_attribute column: the untagged events.page never leaves the warehouse.
    expect(data["custom_attributes"]).toEqual({ "looker_events.plan": "gold" });
    expect(allValues(record)).not.toContain("/cart");
    expect(record["device_info"]).toEqual({ platform: "iOS", os_version: "17.2" });
    expect(record["user_attributes"]).toEqual({ "looker_users.ltv": 120.5 });
    expect(record["user_identities"]).toEqual({ email: "ann@example.com" });
  });

  test("without event columns the defaults fill the event", () => {
    const p = planOk(mparticle, { fields: fields([email]), options: eventData });
    const { record } = send(p, row({ "users.email": "ann@example.com" }), { rowNumber: 7 });
    const [event] = record["events"];
    expect(event["event_type"]).toBe("custom_event");
    expect(event["data"]["event_name"]).toBe("looker_custom_event");
    expect(event["data"]["custom_event_type"]).toBe("other");
    expect(event["data"]["timestamp_unixtime_ms"]).toBe(run.ranAtMs);
    expect(event["data"]["source_message_id"]).toMatch(UUID);
    expect(record["environment"]).toBe("production");
    expect(record["source_request_id"]).toMatch(UUID);
  });

  test("empty event columns fall back to the defaults too", () => {
    const p = planOk(mparticle, { fields: fields(look), options: eventData });
    const { record } = send(p, row({ ...values, "events.name": "", "events.type": null, "events.time": null }));
    const data = record["events"][0]["data"];
    expect(data["event_name"]).toBe("looker_custom_event");
    expect(data["custom_event_type"]).toBe("other");
    expect(data["timestamp_unixtime_ms"]).toBe(run.ranAtMs);
  });

  test("an epoch-milliseconds string is sent as a number", () => {
    const p = planOk(mparticle, { fields: fields([email, field("events.time", ["mp_timestamp_unixtime_ms"])]), options: eventData });
    const { record } = send(p, row({ "users.email": "ann@example.com", "events.time": "1761990000000" }));
    expect(record["events"][0]["data"]["timestamp_unixtime_ms"]).toBe(1761990000000);
  });

  test("development environment is sent with events too", () => {
    const p = planOk(mparticle, { fields: fields([email]), options: { ...eventData, environment: "development" } });
    expect(send(p, row({ "users.email": "ann@example.com" })).record["environment"]).toBe("development");
  });

  test("an untagged column is neither an event attribute nor a user attribute: it is not sent", () => {
    const p = planOk(mparticle, { fields: fields([email, field("events.page")]), options: eventData });
    const { record } = send(p, row({ "users.email": "ann@example.com", "events.page": "/cart" }));
    expect(record["events"][0]["data"]).not.toHaveProperty("custom_attributes");
    expect(record).not.toHaveProperty("user_attributes");
    expect(allValues(record)).not.toContain("/cart");
  });

  test("a column whose name is not a device_info key is not sent", () => {
    const p = planOk(mparticle, {
      fields: fields([email, field("users.platform", ["mp_device_info"]), field("users.favourite_color", ["mp_device_info"])]),
      options: eventData,
    });
    const { record } = send(p, row({ "users.email": "ann@example.com", "users.platform": "web", "users.favourite_color": "teal" }));
    expect(record["device_info"]).toEqual({ platform: "web" });
    expect(allValues(record)).not.toContain("teal");
  });
});

describe("mParticle batch: deduplication ids", () => {
  const p = planOk(mparticle, { fields: fields([email]), options: eventData });
  const r = row({ "users.email": "ann@example.com" });

  test("the same run and row give the same source_request_id, wherever the row comes", () => {
    const first = send(p, r, { rowNumber: 3 }).record;
    const again = send(p, r, { rowNumber: 7 }).record;
    expect(again["source_request_id"]).toBe(first["source_request_id"]);
    expect(again["events"][0]["data"]["source_message_id"]).toBe(first["events"][0]["data"]["source_message_id"]);
  });

  test("a second identical row of the same run gets another id", () => {
    const ids = new RecordIds(scopeOf(p.program, run));
    const a = send(p, r, { rowNumber: 3, ids }).record;
    const b = send(p, r, { rowNumber: 4, ids }).record;
    expect(b["source_request_id"]).not.toBe(a["source_request_id"]);
    expect(b["events"][0]["data"]["source_message_id"]).not.toBe(a["events"][0]["data"]["source_message_id"]);
  });

  test("the same row of another run gets another id", () => {
    const a = send(p, r, { rowNumber: 3 }).record;
    const b = send(p, r, { rowNumber: 3, run: { ...run, runId: "run-2" } }).record;
    expect(b["source_request_id"]).not.toBe(a["source_request_id"]);
  });
});

describe("mParticle batch: hidden fields", () => {
  test.each([
    ["user_data", ["mp_customer_id"]],
    ["user_data", ["mp_user_attribute"]],
    ["user_data", []],
    ["event_data", ["mp_custom_attribute"]],
    ["event_data", ["mp_device_info"]],
    ["event_data", ["mp_event_name"]],
    ["event_data", []],
  ])("%s: a hidden column tagged %j is in no record", (dataType, tags) => {
    const p = planOk(mparticle, {
      fields: fields([email, field("users.platform", tags)]),
      hiddenFields: ["users.platform"],
      options: { data_type: dataType },
    });
    const { record } = send(p, row({ "users.email": "ann@example.com", "users.platform": "iOS" }));
    expect(allValues(record)).not.toContain("iOS");
    expect(JSON.stringify(record)).not.toContain("users.platform");
  });
});
