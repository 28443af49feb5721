import { describe, expect, test } from "vitest";
import { plan } from "../../src/index.js";
import { field, fields, measure } from "../support/look-builder.js";
import { diagnostics, errors, mparticle, planOk, targetOf } from "../support/send.js";
import { IDENTITY_KEYS } from "../support/mparticle-identities.js";

const EVENT_ONLY_TAGS = [
  "mp_event_name",
  "mp_custom_event_type",
  "mp_event_id",
  "mp_session_id",
  "mp_session_uuid",
  "mp_timestamp_unixtime_ms",
  "mp_device_info",
  "mp_custom_attribute",
];

const email = field("users.email", ["mp_email"]);
const userData = { data_type: "user_data" };
const eventData = { data_type: "event_data" };

describe("mParticle plan: identity tags", () => {
  test.each(IDENTITY_KEYS)("%s is sent as user_identities.%s", (tag, key) => {
    const p = planOk(mparticle, { fields: fields([field("users.ident", [tag])]) });
    expect(targetOf(p, "users.ident")).toBe(`user_identities.${key}`);
  });

  test.each(IDENTITY_KEYS)("%s alone meets the identity requirement in events mode too", (tag, key) => {
    const p = planOk(mparticle, { fields: fields([field("users.ident", [tag])]), options: eventData });
    expect(targetOf(p, "users.ident")).toBe(`user_identities.${key}`);
  });

  test("the Looker Action Hub's invalid keys customerid and other2..4 are never planned", () => {
    const p = planOk(mparticle, { fields: fields(IDENTITY_KEYS.map(([tag]) => field(`users.${tag}`, [tag]))) });
    const targets = p.columns.map((c) => c.target);
    expect(targets).toHaveLength(11);
    for (const bad of ["customerid", "other2", "other3", "other4"]) {
      expect(targets).not.toContain(`user_identities.${bad}`);
    }
  });

  test("a Look without any identity tag is an error whose hint lists the identity tags", () => {
    const p = plan(mparticle, { fields: fields([field("users.ltv", ["mp_user_attribute"])]) });
    expect(p.ok).toBe(false);
    const [missing] = diagnostics(p, "missing-requirement");
    expect(missing?.severity).toBe("error");
    for (const [tag] of IDENTITY_KEYS) expect(missing?.hint).toContain(`\`${tag}\``);
  });

  test("two columns with the same identity tag collide, and both are named", () => {
    const p = plan(mparticle, { fields: fields([email, field("users.work_email", ["mp_email"])]) });
    expect(p.ok).toBe(false);
    const [collision] = diagnostics(p, "target-collision");
    expect(collision?.severity).toBe("error");
    expect(collision?.message).toContain("users.email");
    expect(collision?.message).toContain("users.work_email");
    expect(collision?.message).toContain("user_identities.email");
  });
});

describe("mParticle plan: user attributes", () => {
  test.each([
    ["user_data", userData],
    ["event_data", eventData],
  ])("mp_user_attribute becomes user_attributes.looker_<view.field> (%s)", (_mode, options) => {
    const p = planOk(mparticle, { fields: fields([email, field("users.ltv", ["mp_user_attribute"])]), options });
    expect(targetOf(p, "users.ltv")).toBe("user_attributes.looker_users.ltv");
  });

  test("user mode: an untagged column is a user attribute", () => {
    const p = planOk(mparticle, { fields: fields([email, field("users.city")]), options: userData });
    expect(targetOf(p, "users.city")).toBe("user_attributes.looker_users.city");
  });

  test("user mode is the default data type", () => {
    const p = planOk(mparticle, { fields: fields([email, field("users.city")]) });
    expect(p.options["data_type"]).toBe("user_data");
    expect(targetOf(p, "users.city")).toBe("user_attributes.looker_users.city");
  });

  test.each(EVENT_ONLY_TAGS)("user mode: %s is inactive, warned about and not sent", (tag) => {
    const p = plan(mparticle, { fields: fields([email, field("users.platform", [tag])]), options: userData });
    expect(p.ok).toBe(true);
    const [warning] = diagnostics(p, "inactive-tag", "users.platform");
    expect(warning?.severity).toBe("warning");
    expect(warning?.message).toContain(tag);
    expect(targetOf(p, "users.platform")).toBeUndefined();
    expect(p.program.writers.map((w) => w.column)).not.toContain("users.platform");
  });

  test("more than 100 user attributes is an error (mParticle: 100 user attributes per batch)", () => {
    const many = Array.from({ length: 101 }, (_, i) => field(`users.attr_${i}`));
    const p = plan(mparticle, { fields: fields([email, ...many]) });
    expect(p.ok).toBe(false);
    const [tooMany] = diagnostics(p, "too-many-keys");
    expect(tooMany?.severity).toBe("error");
    expect(tooMany?.message).toContain("101");
    expect(tooMany?.message).toContain("user_attributes");
  });

  test("exactly 100 user attributes, tagged and untagged together, is accepted", () => {
    const tagged = Array.from({ length: 50 }, (_, i) => field(`users.tagged_${i}`, ["mp_user_attribute"]));
    const untagged = Array.from({ length: 50 }, (_, i) => field(`users.untagged_${i}`));
    const p = plan(mparticle, { fields: fields([email, ...tagged, ...untagged]) });
    expect(diagnostics(p, "too-many-keys")).toEqual([]);
    expect(p.ok).toBe(true);
  });

  test("51 tagged + 50 untagged user attributes count together against the limit", () => {
    const tagged = Array.from({ length: 51 }, (_, i) => field(`users.tagged_${i}`, ["mp_user_attribute"]));
    const untagged = Array.from({ length: 50 }, (_, i) => field(`users.untagged_${i}`));
    const p = plan(mparticle, { fields: fields([email, ...tagged, ...untagged]) });
    expect(diagnostics(p, "too-many-keys")).toHaveLength(1);
  });

  test("a pivoted measure is accepted as user attributes, one per pivot value", () => {
    const p = planOk(mparticle, {
      fields: fields([email, measure("orders.count", ["mp_user_attribute"])], [field("orders.status")]),
    });
    const column = p.columns.find((c) => c.column === "orders.count");
    expect(column?.status).toBe("mapped");
    expect(column?.pivoted).toBe(true);
    expect(column?.target).toBe("user_attributes.looker_orders.count_<pivot value>");
  });

  test("events mode: a pivoted measure is event attributes, one per pivot value (each a single value)", () => {
    const p = planOk(mparticle, {
      fields: fields([email, measure("orders.count", ["mp_custom_attribute"])], [field("orders.status")]),
      options: eventData,
    });
    expect(targetOf(p, "orders.count")).toBe("events.data.custom_attributes.looker_orders.count_<pivot value>");
  });
});

describe("mParticle plan: events mode", () => {
  test.each([
    ["mp_event_name", "events.data.event_name"],
    ["mp_custom_event_type", "events.data.custom_event_type"],
    ["mp_event_id", "events.data.event_id"],
    ["mp_session_id", "events.data.session_id"],
    ["mp_session_uuid", "events.data.session_uuid"],
    ["mp_timestamp_unixtime_ms", "events.data.timestamp_unixtime_ms"],
    ["mp_custom_attribute", "events.data.custom_attributes.looker_events.thing"],
  ])("%s is sent to %s", (tag, target) => {
    const p = planOk(mparticle, { fields: fields([email, field("events.thing", [tag])]), options: eventData });
    expect(targetOf(p, "events.thing")).toBe(target);
  });

  test("an untagged column is not sent: only mp_custom_attribute columns are event attributes", () => {
    const p = planOk(mparticle, { fields: fields([email, field("events.page")]), options: eventData });
    expect(targetOf(p, "events.page")).toBeUndefined();
    expect(p.columns.find((c) => c.column === "events.page")?.status).toBe("ignored");
    const [untagged] = diagnostics(p, "untagged", "events.page");
    expect(untagged?.severity).toBe("info");
    expect(untagged?.message).toContain("not sent");
    expect(untagged?.hint).toContain("mp_custom_attribute");
  });

  test("mp_device_info takes its key from the dimension name after the view", () => {
    const p = planOk(mparticle, { fields: fields([email, field("users.platform", ["mp_device_info"])]), options: eventData });
    expect(targetOf(p, "users.platform")).toBe("device_info.platform");
  });

  test("mp_device_info on a name mParticle does not accept is ignored with a warning naming the column", () => {
    const p = plan(mparticle, {
      fields: fields([email, field("users.favourite_color", ["mp_device_info"])]),
      options: eventData,
    });
    expect(p.ok).toBe(true);
    const [warning] = diagnostics(p, "key-not-allowed");
    expect(warning?.severity).toBe("warning");
    expect(warning?.column).toBe("users.favourite_color");
    expect(warning?.message).toContain("favourite_color");
    expect(warning?.hint).toContain("platform");
    expect(targetOf(p, "users.favourite_color")).toBeUndefined();
  });

  test("more than 100 event attributes is an error", () => {
    const many = Array.from({ length: 101 }, (_, i) => field(`events.attr_${i}`, ["mp_custom_attribute"]));
    const p = plan(mparticle, { fields: fields([email, ...many]), options: eventData });
    const [tooMany] = diagnostics(p, "too-many-keys");
    expect(tooMany?.severity).toBe("error");
    expect(tooMany?.message).toContain("events.data.custom_attributes");
  });
});

describe("mParticle plan: tags and options people get wrong", () => {
  test("a misspelt tag is a warning with a did-you-mean, and the column is not sent", () => {
    const p = plan(mparticle, { fields: fields([email, field("users.work_email", ["mp_emial"])]) });
    const [warning] = diagnostics(p, "unknown-tag", "users.work_email");
    expect(warning?.severity).toBe("warning");
    expect(warning?.message).toContain("did you mean `mp_email`");
    // Not silently turned into a user attribute named looker_users.work_email either.
    expect(targetOf(p, "users.work_email")).toBeUndefined();
  });

  test("a misspelt identity tag alone leaves the Look without an identity", () => {
    const p = plan(mparticle, { fields: fields([field("users.email", ["mp_emial"])]) });
    expect(p.ok).toBe(false);
    expect(diagnostics(p, "missing-requirement")).toHaveLength(1);
  });

  test("tags of other tools are not reported", () => {
    const p = plan(mparticle, { fields: fields([email, field("users.city", ["pii", "looker_internal"])]) });
    expect(diagnostics(p, "unknown-tag")).toEqual([]);
  });

  test("an unknown option is an error listing the options", () => {
    const p = plan(mparticle, { fields: fields([email]), options: { enviroment: "production" } });
    expect(p.ok).toBe(false);
    const [unknown] = diagnostics(p, "unknown-option");
    expect(unknown?.severity).toBe("error");
    expect(unknown?.message).toContain("Did you mean `environment`");
    expect(unknown?.hint).toContain("data_type");
  });

  test("data_type=events is an invalid choice, with a did-you-mean", () => {
    const p = plan(mparticle, { fields: fields([email]), options: { data_type: "events" } });
    expect(p.ok).toBe(false);
    const [invalid] = diagnostics(p, "invalid-option");
    expect(invalid?.severity).toBe("error");
    expect(invalid?.message).toContain("Did you mean `event_data`");
    expect(invalid?.hint).toContain("user_data, event_data");
  });

  test("a choice's label instead of its value gets a did-you-mean naming the value", () => {
    const p = plan(mparticle, { fields: fields([email]), options: { data_type: "User Profiles" } });
    const [invalid] = diagnostics(p, "invalid-option");
    expect(invalid?.message).toContain("Did you mean `user_data`");
  });

  test("an unknown action is an error", () => {
    const p = plan(mparticle, { fields: fields([email]), action: "segment_event" });
    expect(errors(p).map((d) => d.code)).toContain("unknown-action");
  });
});

describe("mParticle plan: hidden fields", () => {
  test.each([
    ["an identity", ["mp_customer_id"]],
    ["a tagged user attribute", ["mp_user_attribute"]],
    ["an untagged column", []],
  ])("%s hidden in the visualization is ignored", (_what, tags) => {
    const p = planOk(mparticle, { fields: fields([email, field("users.secret", tags)]), hiddenFields: ["users.secret"] });
    const column = p.columns.find((c) => c.column === "users.secret");
    expect(column?.status).toBe("ignored");
    expect(column?.reason).toContain("hidden");
    expect(p.program.writers.map((w) => w.column)).toEqual(["users.email"]);
  });

  test("hiding the only identity column leaves the Look without an identity", () => {
    const p = plan(mparticle, { fields: fields([email]), hiddenFields: ["users.email"] });
    expect(diagnostics(p, "missing-requirement")).toHaveLength(1);
  });

  test("events mode: hidden event columns are ignored too", () => {
    const p = planOk(mparticle, {
      fields: fields([email, field("users.platform", ["mp_device_info"]), field("events.page")]),
      options: eventData,
      hiddenFields: ["users.platform", "events.page"],
    });
    expect(p.program.writers.map((w) => w.column)).toEqual(["users.email"]);
  });
});
