import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { beforeAll, describe, expect, it } from "vitest";

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

const schemaFile = (name: string) =>
  fileURLToPath(new URL(`../../../schemas/wire/${name}.schema.json`, import.meta.url));

/** Compiles with ajv's default strict checks on: any strict-mode warning fails the test. */
function compile(name: string): ValidateFunction {
  const warnings: string[] = [];
  const log = (...args: unknown[]) => warnings.push(args.map(String).join(" "));
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, logger: { log() {}, warn: log, error: log } });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(schemaFile(name), "utf8")) as object);
  expect(warnings).toEqual([]);
  return validate;
}

const errorsOf = (validate: ValidateFunction, data: unknown) => {
  expect(validate(data)).toBe(false);
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
};

const clone = <T>(value: T): T => structuredClone(value);

describe("mparticle-batch.schema.json", () => {
  let validate: ValidateFunction;
  beforeAll(() => {
    validate = compile("mparticle-batch");
  });

  // The /v2/events example of the HTTP API page [mpdocs http], with its custom_event given the
  // event_name and custom_event_type the schema requires.
  const docsExample = {
    events: [{ data: { event_name: "click-button", custom_event_type: "navigation" }, event_type: "custom_event" }],
    device_info: {},
    user_attributes: {},
    deleted_user_attributes: [],
    user_identities: {},
    application_info: {},
    schema_version: 2,
    environment: "production",
    context: {},
    ip: "172.217.12.142",
  };

  const full = {
    source_request_id: "3a1c6f0e-8a55-4a1e-9a3a-2f5f1e2d7b10",
    environment: "development",
    mpid: 8_675_309,
    user_identities: { customer_id: "1234", email: "hello@mparticle.com", other_id_10: 7, phone_number_3: null },
    user_attributes: { $firstname: "Ada", tier: 3, vip: true, tags: ["a", "b", 3] },
    device_info: {
      platform: "web",
      ios_advertising_id: "613ff528-afd1-4c1b-9628-e6ac02ec4a1b",
      att_authorization_status: "authorized",
      screen_height: 1080,
      is_tablet: false,
    },
    application_info: { application_name: "tagwire", os: "Desktop" },
    events: [
      {
        event_type: "custom_event",
        data: {
          event_name: "looker_custom_event",
          custom_event_type: "attribution",
          timestamp_unixtime_ms: 1_700_000_000_000,
          source_message_id: "r-1",
          session_id: 12,
          session_uuid: "0ee4bd19-7c2c-4a3a-9b35-8ab1e1a06a1c",
          custom_attributes: { looker_users_city: "Paris", n: 2, ok: true, none: null },
          custom_flags: { flag: "x" },
        },
      },
      { event_type: "session_start", data: {} },
    ],
  };

  it("accepts the docs' example batch and a batch using every kind of field", () => {
    expect(validate(docsExample)).toBe(true);
    expect(validate(full), JSON.stringify(validate.errors)).toBe(true);
  });

  it("rejects the docs' skeleton as printed: a custom_event with empty data lacks event_name and custom_event_type", () => {
    const skeleton = { ...clone(docsExample), events: [{ data: {}, event_type: "custom_event" }] };
    const errors = errorsOf(validate, skeleton);
    expect(errors.join("\n")).toContain("/events/0/data must have required property 'event_name'");
    expect(errors.join("\n")).toContain("must have required property 'custom_event_type'");
  });

  it.each(["customerid", "other2", "other3", "other4"])("rejects the Looker Action Hub's identity key %s", (key) => {
    const batch = clone(full);
    (batch.user_identities as Record<string, unknown>)[key] = "x";
    expect(errorsOf(validate, batch).join("\n")).toContain(`"additionalProperty":"${key}"`);
  });

  it("rejects unknown top-level and device_info keys", () => {
    expect(errorsOf(validate, { ...clone(full), looker_extra: 1 }).join()).toContain("looker_extra");
    const batch = clone(full);
    (batch.device_info as Record<string, unknown>)["looker_x"] = "1";
    expect(errorsOf(validate, batch).join()).toContain(`"additionalProperty":"looker_x"`);
  });

  it("rejects a custom_event without event_name, and a custom_event_type outside the enum", () => {
    const noName = clone(full);
    delete (noName.events[0]!.data as Record<string, unknown>)["event_name"];
    expect(errorsOf(validate, noName).join()).toContain("event_name");
    const badType = clone(full);
    (badType.events[0]!.data as Record<string, unknown>)["custom_event_type"] = "unknown";
    expect(errorsOf(validate, badType).join()).toContain("/events/0/data/custom_event_type must be equal to one of the allowed values");
  });

  it("rejects an event without data, and an unknown event_type", () => {
    expect(errorsOf(validate, { events: [{ event_type: "session_start" }] }).join()).toContain("'data'");
    expect(errorsOf(validate, { events: [{ event_type: "looker_event", data: {} }] }).join()).toContain("/events/0/event_type");
  });

  it("types the common event fields", () => {
    const cases: Array<[string, unknown]> = [
      ["timestamp_unixtime_ms", "1700000000000"],
      ["timestamp_unixtime_ms", 1.5],
      ["event_id", "7"],
      ["session_id", "12"],
      ["session_uuid", "not-a-uuid"],
      ["source_message_id", 5],
      ["custom_attributes", { list: [1, 2] }],
      ["custom_attributes", { nested: { a: 1 } }],
      ["custom_flags", { nested: {} }],
    ];
    for (const [field, value] of cases) {
      const batch = clone(full);
      (batch.events[0]!.data as Record<string, unknown>)[field] = value;
      expect(validate(batch), `${field} = ${JSON.stringify(value)}`).toBe(false);
    }
  });

  it("checks identities, user attributes, environment, device and application info", () => {
    const cases: Array<[string, (b: Record<string, any>) => void]> = [
      ["identity value is an object", (b) => (b["user_identities"].email = { a: 1 })],
      ["identity value is an array", (b) => (b["user_identities"].email = ["a"])],
      ["user attribute is an object", (b) => (b["user_attributes"].address = { city: "x" })],
      ["user attribute array holds an object", (b) => (b["user_attributes"].tags = [{ a: 1 }])],
      ["deleted_user_attributes holds a number", (b) => (b["deleted_user_attributes"] = [1])],
      ["environment is staging", (b) => (b["environment"] = "staging")],
      ["platform is linux", (b) => (b["device_info"].platform = "linux")],
      ["att status is maybe", (b) => (b["device_info"].att_authorization_status = "maybe")],
      ["ios_advertising_id is not a UUID", (b) => (b["device_info"].ios_advertising_id = "abc")],
      ["android_advertising_id is not a UUID", (b) => (b["device_info"].android_advertising_id = "abc")],
      ["roku_publisher_id is not a UUID", (b) => (b["device_info"].roku_publisher_id = "abc")],
      ["fire_advertising_id is not a UUID", (b) => (b["device_info"].fire_advertising_id = "abc")],
      ["screen_height is a string", (b) => (b["device_info"].screen_height = "1080")],
      ["is_tablet is a string", (b) => (b["device_info"].is_tablet = "no")],
      ["application_info has an unknown key", (b) => (b["application_info"].looker = 1)],
      ["mpid is a string", (b) => (b["mpid"] = "42")],
      ["source_request_id is a number", (b) => (b["source_request_id"] = 42)],
      ["ip is not an address", (b) => (b["ip"] = "example.com")],
      ["schema_version is a string", (b) => (b["schema_version"] = "2")],
      ["context is a string", (b) => (b["context"] = "x")],
    ];
    for (const [what, mutate] of cases) {
      const batch = clone(full) as Record<string, any>;
      mutate(batch);
      expect(validate(batch), what).toBe(false);
    }
    expect(validate({ ...clone(full), ip: "2001:db8::1" })).toBe(true);
  });
});

describe("segment-message.schema.json", () => {
  let validate: ValidateFunction;
  beforeAll(() => {
    validate = compile("segment-message");
  });

  // Calls shaped as in the HTTP API page's examples [segdocs http-api].
  const identify = {
    type: "identify",
    userId: "019mr8mf4r",
    traits: { email: "pgibbons@example.com", name: "Peter Gibbons", industry: "Technology" },
    context: { ip: "24.5.68.47" },
    timestamp: "2012-12-02T00:30:08.276Z",
  };
  const track = {
    type: "track",
    userId: "019mr8mf4r",
    event: "Item Purchased",
    properties: { name: "Leap to Conclusions Mat", revenue: 14.99 },
    context: { ip: "24.5.68.47" },
    timestamp: "2012-12-02T00:30:12.984Z",
  };
  const group = { type: "group", userId: "019mr8mf4r", groupId: "8e9df332ac", traits: { name: "Initech", employees: 329 } };
  const alias = { type: "alias", previousId: "39239-239239-239239-23923", userId: "019mr8mf4r" };
  const page = { type: "page", userId: "019mr8mf4r", name: "Tracking HTTP API", properties: { path: "/docs" } };
  const screen = { type: "screen", anonymousId: "507f191e810c19729de860ea", name: "Home" };

  it("accepts the docs' calls and a Looker-shaped identify", () => {
    for (const message of [identify, track, group, alias, page, screen]) {
      expect(validate(message), JSON.stringify(validate.errors)).toBe(true);
    }
    const looker = {
      type: "identify",
      anonymousId: "0d5d4a8e-3b1f-4c1e-9a0e-6f5d3c2b1a00",
      traits: { email: "a@b.c", "users.city": "Paris", "users.count": [{ f: 1 }] },
      context: { app: { name: "looker/actions", version: "dev" }, groupId: 42, traits: { email: "a@b.c" } },
      integrations: { All: true },
      messageId: "m".repeat(100),
      sentAt: "2026-01-01T00:00:00+02:00",
      unknownTopLevel: "ignored by Segment",
    };
    expect(validate(looker), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...identify, userId: 42 })).toBe(true);
  });

  it("requires userId or anonymousId, non-empty", () => {
    const { userId: _drop, ...anonymous } = identify;
    expect(errorsOf(validate, anonymous).join()).toContain("anyOf");
    expect(validate({ ...identify, userId: "" })).toBe(false);
    expect(validate({ ...identify, userId: null })).toBe(false);
    expect(validate({ ...identify, userId: { id: 1 } })).toBe(false);
  });

  it("requires type, from the known list", () => {
    const { type: _drop, ...untyped } = identify;
    expect(errorsOf(validate, untyped).join()).toContain("'type'");
    expect(validate({ ...identify, type: "merge" })).toBe(false);
  });

  it("requires event on track, groupId on group, previousId and userId on alias", () => {
    const { event: _e, ...noEvent } = track;
    expect(errorsOf(validate, noEvent).join()).toContain("'event'");
    expect(validate({ ...track, event: "" })).toBe(false);
    const { groupId: _g, ...noGroup } = group;
    expect(errorsOf(validate, noGroup).join()).toContain("'groupId'");
    const { previousId: _p, ...noPrevious } = alias;
    expect(errorsOf(validate, noPrevious).join()).toContain("'previousId'");
    expect(validate({ type: "alias", previousId: "a", anonymousId: "b" })).toBe(false);
  });

  it("limits messageId to 100 characters and checks timestamps and object fields", () => {
    expect(errorsOf(validate, { ...identify, messageId: "m".repeat(101) }).join()).toContain("/messageId");
    expect(validate({ ...identify, timestamp: "yesterday" })).toBe(false);
    expect(validate({ ...identify, timestamp: "2012-12-02" })).toBe(false);
    expect(validate({ ...identify, sentAt: 1_700_000_000 })).toBe(false);
    expect(validate({ ...identify, traits: "x" })).toBe(false);
    expect(validate({ ...track, properties: [1] })).toBe(false);
    expect(validate({ ...identify, context: [] })).toBe(false);
    expect(validate({ ...identify, context: { traits: "x" } })).toBe(false);
    expect(validate({ ...identify, integrations: true })).toBe(false);
  });
});
