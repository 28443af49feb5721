import { describe, expect, test } from "vitest";
import { plan } from "../../src/index.js";
import { field, fields, measure } from "../support/look-builder.js";
import { diagnostics, errors, planOk, segment, targetOf } from "../support/send.js";

const userId = field("users.id", ["user_id"]);
const email = field("users.email", ["email"]);
const anonymousId = field("users.anonymous_id", ["segment_anonymous_id"]);
const groupId = field("accounts.id", ["segment_group_id"]);
const sessions = field("users.sessions_count");

describe("Segment plan: identifier tags", () => {
  test("user_id is userId", () => {
    const p = planOk(segment, { fields: fields([userId]) });
    expect(targetOf(p, "users.id")).toBe("userId");
  });

  test("segment_anonymous_id is anonymousId", () => {
    const p = planOk(segment, { fields: fields([anonymousId]) });
    expect(targetOf(p, "users.anonymous_id")).toBe("anonymousId");
  });

  test.each([
    ["identify", "traits.email"],
    ["group", "context.traits.email"],
    ["track", "context.traits.email"],
  ])("email on a %s call is %s", (call, target) => {
    const options = call === "track" ? { call, event: "Churn Risk" } : { call };
    const p = planOk(segment, { fields: fields([userId, email, groupId]), options });
    expect(targetOf(p, "users.email")).toBe(target);
  });

  test.each([
    ["identify", "context.groupId"],
    ["track", "context.groupId"],
    ["group", "groupId"],
  ])("segment_group_id on a %s call is %s", (call, target) => {
    const options = call === "track" ? { call, event: "Churn Risk" } : { call };
    const p = planOk(segment, { fields: fields([userId, groupId]), options });
    expect(targetOf(p, "accounts.id")).toBe(target);
  });

  test("an email alone meets the identifier requirement (an anonymousId is derived from it)", () => {
    const p = planOk(segment, { fields: fields([email, sessions]) });
    expect(diagnostics(p, "missing-requirement")).toEqual([]);
  });

  test("a Look with no identifier is an error whose hint names the identifier tags", () => {
    const p = plan(segment, { fields: fields([sessions]) });
    expect(p.ok).toBe(false);
    const [missing] = diagnostics(p, "missing-requirement");
    expect(missing?.severity).toBe("error");
    for (const tag of ["user_id", "segment_anonymous_id", "email"]) expect(missing?.hint).toContain(`\`${tag}\``);
  });

  test("a group call without segment_group_id is an error", () => {
    const p = plan(segment, { fields: fields([userId]), options: { call: "group" } });
    const [missing] = diagnostics(p, "missing-requirement");
    expect(missing?.message).toContain("group id");
    expect(missing?.hint).toContain("`segment_group_id`");
  });

  test("two user_id columns collide", () => {
    const p = plan(segment, { fields: fields([userId, field("users.external_id", ["user_id"])]) });
    const [collision] = diagnostics(p, "target-collision");
    expect(collision?.severity).toBe("error");
    expect(collision?.message).toContain("users.id");
    expect(collision?.message).toContain("users.external_id");
  });
});

describe("Segment plan: traits and properties", () => {
  test("trait names default to the lowercased short label, as in the Looker Source example", () => {
    const p = planOk(segment, { fields: fields([userId, field("users.name"), email, sessions]) });
    expect(p.options["trait_names"]).toBe("label");
    expect(targetOf(p, "users.name")).toBe("traits.name");
    expect(targetOf(p, "users.email")).toBe("traits.email");
    expect(targetOf(p, "users.sessions_count")).toBe("traits.sessions count");
  });

  test("a LookML label is what people see, so it names the trait", () => {
    const p = planOk(segment, { fields: fields([userId, field("users.churn", [], { label_short: "Churn Risk" })]) });
    expect(targetOf(p, "users.churn")).toBe("traits.churn risk");
  });

  test("trait_names=name names traits by LookML field name, as the Looker Action Hub did", () => {
    const p = planOk(segment, { fields: fields([userId, sessions]), options: { trait_names: "name" } });
    expect(targetOf(p, "users.sessions_count")).toBe("traits.users.sessions_count");
  });

  test("track calls put the other columns in properties", () => {
    const p = planOk(segment, { fields: fields([userId, sessions]), action: "segment_track", options: { event: "Churn Risk" } });
    expect(targetOf(p, "users.sessions_count")).toBe("properties.sessions count");
  });

  test("group calls put the other columns in traits", () => {
    const p = planOk(segment, { fields: fields([userId, groupId, sessions]), action: "segment_group" });
    expect(targetOf(p, "users.sessions_count")).toBe("traits.sessions count");
  });

  test("ID columns are not traits as well", () => {
    const p = planOk(segment, { fields: fields([userId, email, anonymousId, groupId]) });
    const traitTargets = p.columns.map((c) => c.target).filter((t) => t?.startsWith("traits.") && t !== "traits.email");
    expect(traitTargets).toEqual([]);
  });

  test("an untagged column labelled Email fills the standard trait: a note, not a collision", () => {
    const p = planOk(segment, { fields: fields([userId, field("users.contact", [], { label_short: "Email" })]) });
    expect(targetOf(p, "users.contact")).toBe("traits.email");
    const [standard] = diagnostics(p, "standard-key", "users.contact");
    expect(standard?.severity).toBe("info");
    expect(standard?.message).toContain("fills `traits.email` (one of Segment's standard identify traits");
    expect(p.diagnostics.filter((d) => d.severity !== "info")).toEqual([]);
  });

  test.each(["name", "phone", "first_name", "age", "username", "website"])("a column labelled `%s` fills the standard identify trait with no warning", (label) => {
    const p = planOk(segment, { fields: fields([userId, field("users.x", [], { label_short: label })]) });
    expect(targetOf(p, "users.x")).toBe(`traits.${label}`);
    expect(diagnostics(p, "standard-key", "users.x").map((d) => d.severity)).toEqual(["info"]);
    expect(p.diagnostics.filter((d) => d.severity === "warning")).toEqual([]);
  });

  test("validate --to segment:zendesk: the column its hint asks for fills traits.name with no collision", () => {
    const before = plan(segment, { fields: fields([userId, email]), downstreams: ["zendesk"] });
    const [needs] = diagnostics(before, "downstream-requirement");
    expect(needs?.hint).toContain("a column labelled `name`");
    const after = planOk(segment, { fields: fields([userId, email, field("users.full_name", [], { label_short: "Name" })]), downstreams: ["zendesk"] });
    expect(targetOf(after, "users.full_name")).toBe("traits.name");
    expect(after.diagnostics.filter((d) => d.severity === "warning")).toEqual([]);
    expect(after.diagnostics.some((d) => d.message.includes("collides"))).toBe(false);
  });

  test.each(["address", "company"])("a column labelled `%s` is still warned about: Segment's trait is an object of parts", (label) => {
    const p = planOk(segment, { fields: fields([userId, field("users.x", [], { label_short: label })]) });
    const [reserved] = diagnostics(p, "reserved-key", "users.x");
    expect(reserved?.severity).toBe("warning");
    expect(reserved?.message).toContain(`traits.${label}`);
  });

  test("a column labelled `id` is warned about: Segment reads traits.id as the user's id", () => {
    const p = planOk(segment, { fields: fields([userId, field("orders.id", [], { label_short: "ID" })]) });
    const [reserved] = diagnostics(p, "reserved-key", "orders.id");
    expect(reserved?.severity).toBe("warning");
    expect(reserved?.hint).toContain("user_id");
  });

  test("group traits are the group's standard traits: `employees` fills one on a group call, and is an ordinary trait on identify", () => {
    const column = field("accounts.headcount", [], { label_short: "Employees" });
    const group = planOk(segment, { fields: fields([userId, groupId, column]), action: "segment_group" });
    expect(diagnostics(group, "standard-key", "accounts.headcount")[0]?.message).toContain("fills `traits.employees` (one of Segment's standard group traits");
    const identify = planOk(segment, { fields: fields([userId, column]) });
    expect(diagnostics(identify, "standard-key")).toEqual([]);
    expect(diagnostics(identify, "reserved-key")).toEqual([]);
  });

  test.each([
    ["First Name", "firstName"],
    ["firstName", "firstName"],
    ["Created At", "createdAt"],
    ["last_name", "last_name"],
    ["LAST-NAME", "lastName"],
  ])("a column labelled `%s` fills the standard trait `%s`, as Segment spells it", (label, trait) => {
    const p = planOk(segment, { fields: fields([userId, field("users.x", [], { label_short: label })]) });
    expect(targetOf(p, "users.x")).toBe(`traits.${trait}`);
    expect(diagnostics(p, "standard-key", "users.x")[0]?.message).toContain(`fills \`traits.${trait}\``);
  });

  test("a label like a standard trait of the other call is an ordinary trait, kept as it is", () => {
    const p = planOk(segment, { fields: fields([userId, groupId, field("users.x", [], { label_short: "First Name" })]), action: "segment_group" });
    expect(targetOf(p, "users.x")).toBe("traits.first name");
  });

  test("an ordinary label is not reserved", () => {
    const p = planOk(segment, { fields: fields([userId, sessions]) });
    expect(diagnostics(p, "reserved-key")).toEqual([]);
  });

  test("two columns with the same label collide on the trait", () => {
    const p = plan(segment, {
      fields: fields([userId, field("users.city", [], { label_short: "City" }), field("accounts.city", [], { label_short: "city" })]),
    });
    const [collision] = diagnostics(p, "target-collision");
    expect(collision?.message).toContain("traits.city");
  });

  test("a pivoted measure becomes one trait per pivot value, named from its key and the pivot value", () => {
    const p = planOk(segment, { fields: fields([userId, measure("orders.count")], [field("orders.status")]) });
    expect(targetOf(p, "orders.count")).toBe("traits.count_<pivot value>");
    expect(diagnostics(p, "pivot-keys", "orders.count")[0]?.message).toContain("the row total is not sent");
  });

  test("in a pivoted Look, the dimensions are still traits", () => {
    const p = planOk(segment, { fields: fields([userId, field("users.city"), measure("orders.count")], [field("orders.status")]) });
    expect(targetOf(p, "users.city")).toBe("traits.city");
  });
});

describe("Segment plan: actions and options", () => {
  test.each([
    ["segment_event", "identify"],
    ["segment_track", "track"],
    ["segment_group", "group"],
  ])("action %s sends %s calls", (action, call) => {
    const options = call === "track" ? { event: "Churn Risk" } : {};
    const p = planOk(segment, { fields: fields([userId, groupId]), action, options });
    expect(p.options["call"]).toBe(call);
    expect(p.action?.name).toBe(action);
  });

  test("call=track cannot be chosen on segment_event", () => {
    const p = plan(segment, { fields: fields([userId]), action: "segment_event", options: { call: "track" } });
    expect(p.ok).toBe(false);
    const [fixed] = diagnostics(p, "option-fixed");
    expect(fixed?.severity).toBe("error");
    expect(fixed?.message).toContain("segment_event");
    expect(fixed?.message).toContain("identify");
    expect(p.options["call"]).toBe("identify");
  });

  test("passing the call an action already fixes is fine", () => {
    planOk(segment, { fields: fields([userId]), action: "segment_event", options: { call: "identify" } });
  });

  test("track without an event name is a missing-option error", () => {
    const p = plan(segment, { fields: fields([userId]), action: "segment_track" });
    expect(p.ok).toBe(false);
    const [missing] = diagnostics(p, "missing-option");
    expect(missing?.severity).toBe("error");
    expect(missing?.message).toContain("`event`");
  });

  test("track through the call option needs an event too", () => {
    const p = plan(segment, { fields: fields([userId]), options: { call: "track" } });
    expect(diagnostics(p, "missing-option")).toHaveLength(1);
  });

  test("identify does not need an event", () => {
    const p = planOk(segment, { fields: fields([userId]) });
    expect(diagnostics(p, "missing-option")).toEqual([]);
  });

  test("an event name over 200 characters is refused", () => {
    const p = plan(segment, { fields: fields([userId]), action: "segment_track", options: { event: "e".repeat(201) } });
    expect(diagnostics(p, "invalid-option")).toHaveLength(1);
    // The value was given: reporting it as missing as well would send the admin the wrong way.
    expect(diagnostics(p, "missing-option")).toEqual([]);
  });

  test("a misspelt choice gets a did-you-mean", () => {
    const p = plan(segment, { fields: fields([userId]), options: { call: "indentify" } });
    const [invalid] = diagnostics(p, "invalid-option");
    expect(invalid?.message).toContain("Did you mean `identify`");
  });

  test("an unknown option is an error", () => {
    const p = plan(segment, { fields: fields([userId]), options: { traitnames: "name" } });
    expect(errors(p).map((d) => d.code)).toEqual(["unknown-option"]);
    expect(errors(p)[0]?.message).toContain("Did you mean `trait_names`");
  });

  test("a misspelt Segment identifier tag is an error with a did-you-mean: rows would lack that identifier", () => {
    const p = plan(segment, { fields: fields([userId, field("users.anon", ["segment_anonymous"])]) });
    const [error] = diagnostics(p, "near-miss-tag", "users.anon");
    expect(error?.severity).toBe("error");
    expect(error?.message).toContain("did you mean `segment_anonymous_id`");
    expect(error?.message).toContain("No column gives `anonymousId`");
    expect(targetOf(p, "users.anon")).toBeUndefined();
  });

  test("a misspelt Segment tag whose identifier another column gives is a warning with a did-you-mean", () => {
    const p = plan(segment, { fields: fields([userId, field("users.anon", ["segment_anonymous_id"]), field("users.anon2", ["segment_anonymous"])]) });
    const [warning] = diagnostics(p, "unknown-tag", "users.anon2");
    expect(warning?.severity).toBe("warning");
    expect(warning?.message).toContain("did you mean `segment_anonymous_id`");
    expect(targetOf(p, "users.anon2")).toBeUndefined();
  });
});

describe("Segment plan: hidden fields", () => {
  test.each([
    ["the user id", userId],
    ["the email", email],
    ["the group id", groupId],
    ["a trait", sessions],
  ])("%s hidden in the visualization is ignored", (_what, hidden) => {
    const p = plan(segment, { fields: fields([anonymousId, userId, email, groupId, sessions]), hiddenFields: [hidden.name] });
    const column = p.columns.find((c) => c.column === hidden.name);
    expect(column?.status).toBe("ignored");
    expect(column?.reason).toContain("hidden");
    expect(p.program.writers.map((w) => w.column)).not.toContain(hidden.name);
  });

  test("hiding the only identifier leaves the Look without one", () => {
    const p = plan(segment, { fields: fields([userId, sessions]), hiddenFields: ["users.id"] });
    expect(diagnostics(p, "missing-requirement")).toHaveLength(1);
  });
});
