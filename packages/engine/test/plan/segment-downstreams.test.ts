import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { plan, type Diagnostic, type LookField, type Plan } from "../../src/index.js";
import { field, fields, row } from "../support/look-builder.js";
import { diagnostics, planOk, rejected, segment, send } from "../support/send.js";

interface Requirement {
  readonly anyOf?: string[];
  readonly allOf?: string[];
}
interface DownstreamRow {
  readonly id: string;
  readonly requires: Requirement[];
}

// The table as the file states it, independently of how the loader reads it.
const table = JSON.parse(readFileSync(join(segment.dir, "downstreams.json"), "utf8")) as { rows: DownstreamRow[] };

/** The Look column that provides one required path of an identify call, and the name its hint must give. */
interface Provider {
  readonly column: LookField;
  readonly value: unknown;
  readonly hint: string;
}

const TAGGED: Record<string, Provider> = {
  userId: { column: field("users.id", ["user_id"]), value: "00MWWFOLRcETcTCf", hint: "`user_id`" },
  anonymousId: { column: field("users.anonymous_id", ["segment_anonymous_id"]), value: "anon-1", hint: "`segment_anonymous_id`" },
  "traits.email": { column: field("users.email", ["email"]), value: "ty.arthur@segment.com", hint: "`email`" },
  "context.groupId": { column: field("accounts.id", ["segment_group_id"]), value: "acct-42", hint: "`segment_group_id`" },
};

function providerOf(path: string): Provider {
  const tagged = TAGGED[path];
  if (tagged !== undefined) return tagged;
  const trait = /^traits\.([a-z0-9_]+)$/.exec(path);
  if (trait === null) throw new Error(`the downstream table requires \`${path}\`, which no test Look knows how to provide`);
  const name = trait[1]!;
  // An untagged column whose (short) label is the trait name.
  return { column: field(`users.${name}`, [], { label_short: name }), value: `${name} value`, hint: `a column labelled \`${name}\`` };
}

/** The paths a Look provides for a row: all of each allOf, the first choice of each anyOf. */
function chosenPaths(d: DownstreamRow): string[] {
  return [...new Set(d.requires.flatMap((r) => r.allOf ?? [r.anyOf![0]!]))];
}

const IDENTIFIERS = new Set(["userId", "anonymousId", "traits.email"]);

/** Segment itself needs an identifier: a user id column is added when the row's own needs give none. */
function lookFor(paths: ReadonlyArray<string>): LookField[] {
  const all = paths.some((p) => IDENTIFIERS.has(p)) ? [...paths] : ["userId", ...paths];
  return all.map((p) => providerOf(p).column);
}

function rowFor(columns: ReadonlyArray<LookField>) {
  const values: Record<string, unknown> = {};
  for (const c of columns) {
    const path = Object.keys(TAGGED).find((k) => TAGGED[k]!.column.name === c.name);
    values[c.name] = path !== undefined ? TAGGED[path]!.value : `${c.label_short} value`;
  }
  return row(values);
}

function downstreamErrors(p: Plan, id: string): Diagnostic[] {
  return diagnostics(p, "downstream-requirement").filter((d) => d.rule.endsWith(` ${id}`));
}

describe("Segment downstream table", () => {
  test("the table has every destination of the Looker Source page", () => {
    expect(table.rows).toHaveLength(77);
    expect(segment.downstreams.map((d) => d.id)).toEqual(table.rows.map((d) => d.id));
  });

  describe.each(table.rows.map((d) => [d.id, d] as const))("%s", (id, d) => {
    const needed = chosenPaths(d);
    const look = lookFor(needed);

    test(`a Look providing ${needed.join(" + ")} is ready for ${id}`, () => {
      const p = planOk(segment, { fields: fields(look), downstreams: [id] });
      expect(downstreamErrors(p, id)).toEqual([]);
      const { record, warnings } = send(p, rowFor(look));
      expect(warnings).toEqual([]);
      for (const path of needed) {
        const value = path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], record);
        expect(value, `${path} is in the record`).toBeDefined();
      }
    });

    for (const [index, requirement] of d.requires.entries()) {
      const choices = requirement.anyOf;
      if (choices !== undefined) {
        test.each(choices)(`any one of ${choices.join(", ")} meets requirement ${index + 1}: %s`, (choice) => {
          const p = plan(segment, { fields: fields(lookFor([choice])), downstreams: [id] });
          const unmet = downstreamErrors(p, id).filter((e) => choices.some((c) => e.message.includes(`\`${c}\``)));
          expect(unmet).toEqual([]);
        });
      }
      const removable = choices !== undefined ? [choices] : requirement.allOf!.map((p) => [p]);
      for (const gone of removable) {
        test(`without ${gone.join(" / ")} the plan names ${id} and what to add`, () => {
          const goneColumns = new Set(gone.map((g) => providerOf(g).column.name));
          const rest = look.filter((c) => !goneColumns.has(c.name));
          const p = plan(segment, { fields: fields(rest), downstreams: [id] });
          expect(p.ok).toBe(false);
          const problem = downstreamErrors(p, id).find((e) => gone.every((g) => e.message.includes(`\`${g}\``)));
          expect(problem, `a downstream-requirement error for ${gone.join(" / ")}`).toBeDefined();
          expect(problem!.severity).toBe("error");
          expect(problem!.message).toContain(id);
          for (const g of gone) expect(problem!.hint).toContain(providerOf(g).hint);
        });
      }
    }

    const emptied = needed[0]!;
    if (!d.requires.some((r) => (r.anyOf ?? r.allOf ?? []).includes("anonymousId"))) {
      test(`a row with an empty ${emptied} is still sent, with a warning naming ${id}`, () => {
        // An anonymous id column keeps the record acceptable to Segment itself.
        const anonymous = TAGGED["anonymousId"]!.column;
        const withAnonymous = [...look, anonymous];
        const p = planOk(segment, { fields: fields(withAnonymous), downstreams: [id] });
        const values = rowFor(withAnonymous);
        values[providerOf(emptied).column.name] = { value: null };
        const { record, warnings } = send(p, values);
        expect(record["anonymousId"]).toBe("anon-1");
        const mine = warnings.filter((w) => w.reason.includes(id));
        expect(mine).toHaveLength(1);
        expect(mine[0]!.reason).toContain(emptied);
      });
    } else {
      test(`a row with neither ${emptied} nor anything else to identify it is rejected by Segment's own rule`, () => {
        const p = planOk(segment, { fields: fields(look), downstreams: [id] });
        const values = rowFor(look);
        values[providerOf(emptied).column.name] = { value: "" };
        const out = rejected(p, values);
        expect(out.reason).toContain("requirement identifier");
      });
    }
  });
});

describe("Segment downstream rows checked against the Looker Source page", () => {
  const userId = TAGGED["userId"]!.column;
  const email = TAGGED["traits.email"]!.column;
  const groupId = TAGGED["context.groupId"]!.column;

  // "zendesk | X* | *Also requires a name trait"
  test("zendesk needs an email and a name trait", () => {
    const name = field("users.full_name", [], { label_short: "Name" });
    const p = planOk(segment, { fields: fields([email, name]), downstreams: ["zendesk"] });
    const { record } = send(p, row({ "users.email": "ty.arthur@segment.com", "users.full_name": "Ty Arthur" }));
    expect(record["traits"]).toEqual({ email: "ty.arthur@segment.com", name: "Ty Arthur" });

    const noName = plan(segment, { fields: fields([email]), downstreams: ["zendesk"] });
    const [missing] = downstreamErrors(noName, "zendesk");
    expect(missing?.message).toContain("`traits.name`");
    expect(missing?.hint).toContain("a column labelled `name`");
    // Traits named by field name: a LookML field's name has its view's prefix, so only a label can give `name`.
    const byName = plan(segment, { fields: fields([email]), downstreams: ["zendesk"], options: { trait_names: "name" } });
    expect(downstreamErrors(byName, "zendesk")[0]?.hint).toContain("a column labelled `name` with the option `trait_names` set to `label`");
    expect(downstreamErrors(byName, "zendesk")[0]?.hint).not.toContain("a field named");

    const noEmail = plan(segment, { fields: fields([userId, name]), downstreams: ["zendesk"] });
    expect(downstreamErrors(noEmail, "zendesk").map((e) => e.message)).toEqual(["zendesk needs `traits.email`."]);
  });

  // "totango | X* | *Also requires context.groupId"
  test("totango needs a userId and context.groupId", () => {
    const p = planOk(segment, { fields: fields([userId, groupId]), downstreams: ["totango"] });
    const { record } = send(p, row({ "users.id": "u1", "accounts.id": "acct-42" }));
    expect(record["userId"]).toBe("u1");
    expect(record["context"]).toEqual({ groupId: "acct-42" });

    const noGroup = plan(segment, { fields: fields([userId]), downstreams: ["totango"] });
    const [missing] = downstreamErrors(noGroup, "totango");
    expect(missing?.message).toContain("`context.groupId`");
    expect(missing?.hint).toContain("`segment_group_id`");

    const noUser = plan(segment, { fields: fields([email, groupId]), downstreams: ["totango"] });
    expect(downstreamErrors(noUser, "totango").map((e) => e.message)).toEqual(["totango needs `userId`."]);
  });

  // "salesmachine | *account_uid"
  test("salesmachine needs an account_uid trait", () => {
    const accountUid = field("accounts.uid", [], { label_short: "account_uid" });
    const p = planOk(segment, { fields: fields([userId, accountUid]), downstreams: ["salesmachine"] });
    const { record } = send(p, row({ "users.id": "u1", "accounts.uid": "A-1" }));
    expect(record["traits"]).toEqual({ account_uid: "A-1" });

    const without = plan(segment, { fields: fields([userId]), downstreams: ["salesmachine"] });
    const [missing] = downstreamErrors(without, "salesmachine");
    expect(missing?.message).toContain("`traits.account_uid`");
    expect(missing?.hint).toContain("`account_uid`");
  });

  // "amazon-kinesis | X* | *or anonymousId"
  test("amazon-kinesis accepts an anonymous id instead of a user id", () => {
    const anonymous = TAGGED["anonymousId"]!.column;
    planOk(segment, { fields: fields([anonymous]), downstreams: ["amazon-kinesis"] });
    // An email alone gives a derived anonymousId, which is enough as well.
    const p = planOk(segment, { fields: fields([email]), downstreams: ["amazon-kinesis"] });
    const { record, warnings } = send(p, row({ "users.email": "ty.arthur@segment.com" }));
    expect(typeof record["anonymousId"]).toBe("string");
    expect(warnings).toEqual([]);
  });

  // "blueshift | X | X"
  test("blueshift needs both a userId and an email", () => {
    planOk(segment, { fields: fields([userId, email]), downstreams: ["blueshift"] });
    const onlyUser = plan(segment, { fields: fields([userId]), downstreams: ["blueshift"] });
    expect(downstreamErrors(onlyUser, "blueshift").map((e) => e.message)).toEqual(["blueshift needs `userId` and `traits.email`."]);
    const onlyEmail = plan(segment, { fields: fields([email]), downstreams: ["blueshift"] });
    const [missing] = downstreamErrors(onlyEmail, "blueshift");
    expect(missing?.hint).toContain("`user_id`");
    expect(missing?.hint).not.toContain("`email`");
  });

  // "iterable | X"
  test("iterable needs an email", () => {
    planOk(segment, { fields: fields([email]), downstreams: ["iterable"] });
    const onlyUser = plan(segment, { fields: fields([userId]), downstreams: ["iterable"] });
    const [missing] = downstreamErrors(onlyUser, "iterable");
    expect(missing?.message).toBe("iterable needs `traits.email`.");
    expect(missing?.hint).toContain("`email`");
  });

  test("several downstreams are checked together", () => {
    const p = plan(segment, { fields: fields([userId]), downstreams: ["iterable", "amplitude", "zendesk"] });
    const failing = new Set(diagnostics(p, "downstream-requirement").map((d) => d.rule));
    expect(failing).toEqual(new Set(["downstream destination iterable", "downstream destination zendesk"]));
  });

  test("a downstream note is passed on", () => {
    const p = planOk(segment, { fields: fields([email]), downstreams: ["pardot"] });
    const [note] = diagnostics(p, "downstream-note");
    expect(note?.severity).toBe("info");
    expect(note?.message).toContain("Pardot");
  });

  test("an unknown downstream is an error with a did-you-mean", () => {
    const p = plan(segment, { fields: fields([userId]), downstreams: ["zendesck"] });
    expect(p.ok).toBe(false);
    const [unknown] = diagnostics(p, "unknown-downstream");
    expect(unknown?.severity).toBe("error");
    expect(unknown?.message).toContain("zendesck");
    expect(unknown?.message).toContain("Did you mean `zendesk`");
  });

  test("an unknown downstream far from any name gets no guess", () => {
    const p = plan(segment, { fields: fields([userId]), downstreams: ["facebook-pixel"] });
    const [unknown] = diagnostics(p, "unknown-downstream");
    expect(unknown?.message).not.toContain("Did you mean");
  });
});
