import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulators, type Emulators } from "@tagwire/emulators";
import { fixture, tagwire } from "./support/cli.js";

let emulators: Emulators;
beforeAll(async () => {
  emulators = await startEmulators({ port: 0, connectors: ["segment"] });
});
afterAll(() => emulators.close());

const hiddenLine = (column: string) => new RegExp(`^ {2}${column.replace(".", "\\.")} +- +ignored: hidden in the visualization: never sent$`, "m");

// A downloaded Look loses its visualization's hidden fields: --hide gives them back, for every command that reads a Look.
describe("--hide FIELD", () => {
  it("validate: the hidden json_detail field is ignored, the others still map", async () => {
    const r = await tagwire(["validate", "--to", "mparticle", "--hide", "users.city", fixture("users.json")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(hiddenLine("users.city"));
    expect(r.stdout).toMatch(/^ {2}users\.email +mp_email, email +-> user_identities\.email$/m);
  });

  it("validate: repeatable, and works on CSV columns", async () => {
    const r = await tagwire(["validate", "--to", "mparticle", "--tag", "email=mp_email", "--hide", "city", "--hide", "lifetime_value", fixture("users.csv")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(hiddenLine("city"));
    expect(r.stdout).toMatch(hiddenLine("lifetime_value"));
  });

  it("preview: the hidden field is not in the records", async () => {
    const shown = JSON.parse((await tagwire(["preview", "--to", "segment", "--limit", "1", fixture("users.json")])).stdout);
    expect(shown[0].record.traits).toHaveProperty("lifetime value");
    const r = await tagwire(["preview", "--to", "segment", "--limit", "1", "--hide", "users.lifetime_value", fixture("users.json")]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)[0].record.traits).toEqual({ email: "ada@example.com", city: "Paris" });
  });

  it("send: the hidden field never reaches the destination", async () => {
    const env = { TAGWIRE_SEGMENT_URL: emulators.url, TAGWIRE_SEGMENT_SEGMENT_WRITE_KEY: "test-segment_write_key" };
    const r = await tagwire(["send", "--to", "segment", "--json", "--hide", "users.lifetime_value", fixture("users.json")], { env });
    expect(JSON.parse(r.stdout).rows.delivered).toBe(3);
    const records = emulators.records("segment") as Array<{ traits: Record<string, unknown> }>;
    expect(records).toHaveLength(3);
    for (const record of records) expect(record.traits).not.toHaveProperty("lifetime value");
  });
});
