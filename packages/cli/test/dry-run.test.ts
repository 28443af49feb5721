import { describe, expect, it } from "vitest";
import { fixture, oneLine, tagwire } from "./support/cli.js";

const keys = { TAGWIRE_MPARTICLE_API_KEY: "k", TAGWIRE_MPARTICLE_API_SECRET: "s" };
const dryRun = (env: Record<string, string>, extra: string[] = []) => tagwire(["send", "--to", "mparticle", "--dry-run", ...extra, fixture("users.json")], { env });

// A dry run that passes is a send that starts: it checks the settings a send needs, though it uses none.
describe("send --dry-run checks the settings", () => {
  it("passes with every setting given", async () => {
    const r = await dryRun(keys);
    expect(r.stderr).not.toContain("tagwire:");
    expect(r.stdout).toMatch(/^mParticle: 3 of 5 rows would be delivered/);
  });

  it("a missing key: exit 2, naming the setting and both ways to give it", async () => {
    const r = await dryRun({ TAGWIRE_MPARTICLE_API_SECRET: "s" });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(oneLine(r.stderr)).toMatch(/^tagwire: setting `apiKey` \(.*\) is missing\. Give --setting apiKey=\.\.\. or set TAGWIRE_MPARTICLE_API_KEY\.$/);
  });

  it("a bogus TAGWIRE_MPARTICLE_RATE_LIMIT: exit 2, naming the variable", async () => {
    const r = await dryRun({ ...keys, TAGWIRE_MPARTICLE_RATE_LIMIT: "fast please" });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^tagwire: TAGWIRE_MPARTICLE_RATE_LIMIT: /);
  });

  it("--rate-limit replaces the variable, as in a send", async () => {
    const r = await dryRun({ ...keys, TAGWIRE_MPARTICLE_RATE_LIMIT: "fast please" }, ["--rate-limit", "off"]);
    expect(r.stderr).not.toContain("tagwire:");
  });
});
