import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fixture, oneLine, tagwire } from "./support/cli.js";

describe("tagwire validate", () => {
  it("shows what each column maps to, the requirements, and exit 0 for a valid Look", async () => {
    const r = await tagwire(["validate", "--to", "mparticle", fixture("users.json")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}users\.email +mp_email, email +-> user_identities\.email$/m);
    expect(r.stdout).toMatch(/^ {2}users\.city +- +-> user_attributes\.looker_users\.city$/m);
    expect(r.stdout).toMatch(/^ {2}met +requirement identity +user identity$/m);
    expect(r.stdout.trimEnd().split("\n").at(-1)).toBe("valid: the Look can be sent to mParticle");
  });

  it("names the column and the rule and says how to fix it; exit 1", async () => {
    const r = await tagwire(["validate", "--to", "mparticle", fixture("untagged.json")]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ {2}NOT MET +requirement identity +user identity$/m);
    // The misspelt identity tag is an error of its own: it is why the Look has no identity.
    expect(r.stdout).toContain("Errors (2)\n  users.email: `mp_emial` is not a known mParticle tag: did you mean `mp_email`? No column gives `user_identities.email`");
    expect(r.stdout).toContain("[requirement identity]\n    fix: Change the tag to `mp_email` in LookML.");
    expect(r.stdout).toContain("  no column provides the user identity (one of user_identities.*). [requirement identity]\n    fix: tag a column with one of `mp_email`");
    expect(r.stdout).toMatch(/^invalid: 2 errors/m);
  });

  it("--json prints one object with the plan", async () => {
    const r = await tagwire(["validate", "--to", "segment:braze", fixture("users.json"), "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(["valid", "connector", "downstreams", "options", "columns", "requirements", "diagnostics"]);
    expect(out).toMatchObject({ valid: true, connector: "segment", downstreams: ["braze"], options: { call: "identify", region: "US", trait_names: "label" } });
    expect(out.columns.find((c: any) => c.column === "users.id")).toMatchObject({ status: "mapped", target: "userId" });
    expect(out.requirements).toEqual([
      { rule: "requirement identifier", description: expect.any(String), met: true },
      { rule: "downstream destination braze", description: "userId for braze", met: true },
    ]);
    expect(out.diagnostics).toEqual([expect.objectContaining({ severity: "info", code: "downstream-note" })]);
  });

  it("checks each downstream's requirements separately", async () => {
    const r = await tagwire(["validate", "--to", "segment:zendesk", fixture("users.json"), "--json"]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.requirements.filter((q: any) => q.rule === "downstream destination zendesk")).toEqual([
      { rule: "downstream destination zendesk", description: "traits.email for zendesk", met: true },
      { rule: "downstream destination zendesk", description: "traits.name for zendesk", met: false },
    ]);
    expect(out.diagnostics).toContainEqual(expect.objectContaining({ severity: "error", code: "downstream-requirement", hint: "add a column labelled `name`." }));
  });

  it("the column labelled `name` that zendesk's hint asks for fills Segment's standard trait: valid, no collision", async () => {
    const look = JSON.parse(readFileSync(fixture("users.json"), "utf8"));
    look.fields.dimensions.push({ name: "users.full_name", label: "Users Full Name", label_short: "Name", tags: [], type: "string", view: "users" });
    for (const row of look.data) row["users.full_name"] = { value: "Ada Lovelace" };
    const r = await tagwire(["validate", "--to", "segment:zendesk", "-"], { input: JSON.stringify(look) });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}users\.full_name +- +-> traits\.name$/m);
    expect(r.stdout).toContain("  users.full_name: fills `traits.name` (one of Segment's standard identify traits");
    expect(r.stdout).not.toContain("collides");
    expect(r.stdout).not.toContain("Warnings");
    expect(r.stdout.trimEnd().split("\n").at(-1)).toBe("valid: the Look can be sent to Segment");
  });

  it("--rows counts the rows that would be rejected, grouped by reason with examples; exit 1", async () => {
    const r = await tagwire(["validate", "--to", "mparticle", "--rows", fixture("users.json")]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Rows: 5 rows read, 3 would be sent, 2 would be rejected");
    expect(r.stdout).toContain("  2 × row has no user identity (requirement identity)\n      row 3: ");
    expect(r.stdout).toMatch(/^ {6}row 5: /m);
    expect(r.stdout.trimEnd().split("\n").at(-1)).toBe("invalid: 2 of 5 rows would be rejected");

    const json = await tagwire(["validate", "--to", "mparticle", "--rows", "--json", fixture("users.json")]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).rows).toEqual({
      read: 5,
      wouldSend: 3,
      rejected: 2,
      reasons: [{ reason: "row has no user identity (requirement identity)", count: 2, examples: [expect.objectContaining({ row: 3 }), expect.objectContaining({ row: 5 })] }],
      warnings: [],
    });
  });

  it("--rows on a Look whose rows are all fine: exit 0", async () => {
    const r = await tagwire(["validate", "--to", "segment", "--rows", "--json", fixture("users-valid.json")]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: true, rows: { read: 3, wouldSend: 3, rejected: 0 } });
  });

  it("--rows is skipped while the plan has errors", async () => {
    const r = await tagwire(["validate", "--to", "mparticle", "--rows", fixture("untagged.json")]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Rows: not checked");
  });

  it("reads a CSV export with --tag, and stdin with -", async () => {
    const csv = await tagwire(["validate", "--to", "mparticle", "--tag", "email=mp_email", "--tag", "id=mp_customer_id", "--json", fixture("users.csv")]);
    expect(csv.code).toBe(0);
    const out = JSON.parse(csv.stdout);
    expect(out.columns.map((c: any) => [c.column, c.tags, c.target])).toEqual([
      ["email", ["mp_email"], "user_identities.email"],
      ["id", ["mp_customer_id"], "user_identities.customer_id"],
      ["city", [], "user_attributes.looker_city"],
      ["lifetime_value", [], "user_attributes.looker_lifetime_value"],
    ]);

    const stdin = await tagwire(["validate", "--to", "mparticle", "-"], { input: readFileSync(fixture("users.json"), "utf8") });
    expect(stdin.code).toBe(0);
    expect(stdin.stdout).toMatch(/^Look: stdin {2}->/);

    const csvStdin = await tagwire(["validate", "--to", "mparticle", "--format", "csv", "--tag", "email=mp_email", "--rows", "-"], { input: readFileSync(fixture("users.csv"), "utf8") });
    expect(csvStdin.code).toBe(1);
    expect(csvStdin.stdout).toContain("Rows: 5 rows read, 3 would be sent, 2 would be rejected");
  });

  it("unknown options and bad values are plan errors: exit 1 with the diagnostics", async () => {
    const r = await tagwire(["validate", "--to", "mparticle", "--option", "data_tpye=event_data", "--option", "environment=prod", fixture("users.json")]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("`data_tpye` is not an option of mParticle. Did you mean `data_type`? [option data_tpye]");
    expect(r.stdout).toContain("`prod` is not a choice of `environment`.");
  });

  it("--action applies that action's fixed options", async () => {
    const r = await tagwire(["validate", "--to", "segment", "--action", "segment_track", "--json", fixture("users.json")]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.action).toBe("segment_track");
    expect(out.options.call).toBe("track");
    expect(out.diagnostics).toContainEqual(expect.objectContaining({ code: "missing-option", rule: "option event" }));

    const ok = await tagwire(["validate", "--to", "segment", "--action", "segment_track", "--option", "event=Signed Up", fixture("users.json")]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ {2}users\.city +- +-> properties\.city$/m);
  });

  it("an unknown downstream is a plan error with a suggestion", async () => {
    const r = await tagwire(["validate", "--to", "segment:zendsk", fixture("users.json")]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("`zendsk` is not a Segment downstream destination. Did you mean `zendesk`?");
  });

  it("for a CSV source the fixes say --tag, not LookML, in validate and send", async () => {
    const misspelt = await tagwire(["validate", "--to", "mparticle", "--tag", "email=mp_emial", fixture("users.csv")]);
    expect(misspelt.code).toBe(1);
    expect(misspelt.stdout).toContain("fix: Tag the column with `--tag email=mp_email` instead.");
    expect(misspelt.stdout).not.toContain("LookML");
    const untagged = await tagwire(["send", "--to", "mparticle", "--setting", "apiKey=k", "--setting", "apiSecret=s", fixture("users.csv")]);
    expect(untagged.code).toBe(1);
    expect(untagged.stderr).toMatch(/fix: tag a column with one of `mp_email`.* \(with `--tag <column>=mp_email`\)\./);
    expect(untagged.stderr).not.toContain("LookML");
  });

  it("usage errors exit 2 with one line", async () => {
    expect(oneLine((await tagwire(["validate", fixture("users.json")])).stderr)).toBe("tagwire: Expected to find option: '--to'");
    const malformed = await tagwire(["validate", "--to", "mparticle", "--option", "data_type", fixture("users.json")]);
    expect(malformed.code).toBe(2);
    expect(oneLine(malformed.stderr)).toBe('tagwire: --option "data_type" must look like name=value');
  });

  it("validate and validate --rows agree on device values: converted, or left out with a warning, never a rejected row", async () => {
    const args = ["validate", "--to", "mparticle", "--option", "data_type=event_data", "--json", fixture("devices.json")];
    const plain = await tagwire(args);
    expect(plain.code).toBe(0);
    expect(JSON.parse(plain.stdout).valid).toBe(true);

    const rows = await tagwire([...args, "--rows"]);
    expect(rows.code).toBe(0);
    const out = JSON.parse(rows.stdout);
    expect(out).toMatchObject({ valid: true, rows: { read: 3, wouldSend: 3, rejected: 0, reasons: [] } });
    // "wide" is no screen width: that value is left out of row 2, and the row is still sent.
    expect(out.rows.warnings).toEqual([expect.objectContaining({ count: 1, reason: expect.stringContaining("devices.screen_width") })]);
    expect(JSON.stringify(out.rows.warnings)).toContain("is not a whole number");
  });

  it("a pivoted measure: one key per pivot value, named from the field and the pivot value", async () => {
    const look = JSON.parse(readFileSync(fixture("users-valid.json"), "utf8"));
    look.fields.pivots = [{ name: "orders.status", label: "Orders Status", label_short: "Status", tags: [], type: "string", view: "orders" }];
    look.fields.measures.push({ name: "orders.count", label: "Orders Count", label_short: "Count", tags: [], type: "count", view: "orders", measure: true });
    for (const row of look.data) row["orders.count"] = { complete: { value: 2 }, pending: { value: 1 }, $$$_row_total_$$$: { value: 3 } };
    const r = await tagwire(["validate", "--to", "segment", "-"], { input: JSON.stringify(look) });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}orders\.count +- +-> traits\.count_<pivot value> \(pivoted: one key per pivot value\)$/m);
    expect(r.stdout).not.toContain("a list");
  });

  it("refuses a Segment Look whose user id tag is a near miss: it would send anonymous users", async () => {
    const r = await tagwire(["validate", "--to", "segment", fixture("near-miss-tag.json")]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("users.id: `user-id` is not a known Segment tag: did you mean `user_id`? No column gives `userId`");
    expect(r.stdout).toContain("to meet requirement identifier (user id, anonymous id or email): rows would be sent without it.");
    expect(r.stdout).toContain("fix: Change the tag to `user_id` in LookML.");
    expect(r.stdout).toMatch(/^invalid: 1 error/m);
  });
});
