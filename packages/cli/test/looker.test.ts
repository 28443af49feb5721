import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulators, type Emulators } from "@tagwire/emulators";
import { fixture, oneLine, tagwire } from "./support/cli.js";
import { startLookerStandIn, type LookerStandIn } from "./support/looker-api.js";

let looker: LookerStandIn;
let emulators: Emulators;
let env: Record<string, string>;

beforeAll(async () => {
  looker = await startLookerStandIn({ "42": { jsonDetail: readFileSync(fixture("users.json"), "utf8"), hiddenFields: ["users.city"] } });
  emulators = await startEmulators({ port: 0, connectors: ["segment"] });
  env = { LOOKERSDK_BASE_URL: looker.url, LOOKERSDK_CLIENT_ID: looker.clientId, LOOKERSDK_CLIENT_SECRET: looker.clientSecret, LOOKERSDK_VERIFY_SSL: "false" };
});
afterAll(async () => {
  await looker.close();
  await emulators.close();
});

describe("--look <id>: a saved Look through the Looker API", () => {
  it("validates the Look's columns; its hidden fields are never sent", async () => {
    looker.requests.length = 0;
    const r = await tagwire(["validate", "--to", "mparticle", "--look", "42"], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Look: Look 42 {2}->/);
    expect(r.stdout).toMatch(/^ {2}users\.city +- +ignored: hidden in the visualization: never sent$/m);
    expect(looker.requests).toEqual(["POST /api/4.0/login", "GET /api/4.0/looks/42?fields=id%2Ctitle%2Cquery", "GET /api/4.0/looks/42/run/json_detail"]);
  });

  it("--hide adds to the fields the Look itself hides", async () => {
    const r = await tagwire(["validate", "--to", "mparticle", "--look", "42", "--hide", "users.lifetime_value"], { env });
    expect(r.code).toBe(0);
    for (const field of ["users\\.city", "users\\.lifetime_value"]) expect(r.stdout).toMatch(new RegExp(`^ {2}${field} +- +ignored: hidden in the visualization: never sent$`, "m"));
  });

  it("previews and sends the rows the API streams", async () => {
    const preview = await tagwire(["preview", "--to", "segment", "--look", "42", "--limit", "1"], { env });
    expect(preview.code).toBe(0);
    expect(JSON.parse(preview.stdout)[0].record.traits).toEqual({ email: "ada@example.com", "lifetime value": 120.5 });

    const send = await tagwire(["send", "--to", "segment", "--look", "42", "--json"], {
      env: { ...env, TAGWIRE_SEGMENT_URL: emulators.url, TAGWIRE_SEGMENT_SEGMENT_WRITE_KEY: "test-segment_write_key" },
    });
    expect(send.code).toBe(1);
    expect(JSON.parse(send.stdout).rows).toEqual({ read: 5, delivered: 3, rejected: 2, failed: 0 });
    expect(emulators.records("segment")).toHaveLength(3);
  });

  it("send reads the Look through the spool in TAGWIRE_STATE_DIR, says how long reading and sending took, and leaves no file", async () => {
    const state = mkdtempSync(join(tmpdir(), "tagwire-cli-spool-"));
    try {
      const sendEnv = { ...env, TAGWIRE_SEGMENT_URL: emulators.url, TAGWIRE_SEGMENT_SEGMENT_WRITE_KEY: "test-segment_write_key", TAGWIRE_STATE_DIR: state, TAGWIRE_DATABASE_URL: "none" };
      const send = await tagwire(["send", "--to", "segment", "--look", "42"], { env: sendEnv });
      expect(send.code).toBe(1);
      expect(send.stdout).toMatch(/^Segment: 3 of 5 rows delivered; 2 rejected .*\. 1 request, 0 retries, \d+\.\d s \(read in \d+\.\d s, sent in \d+\.\d s\)\.$/m);
      const json = JSON.parse((await tagwire(["send", "--to", "segment", "--look", "42", "--json"], { env: sendEnv })).stdout);
      expect(json).toMatchObject({ downloaded: true, readMs: expect.any(Number), sendMs: expect.any(Number) });
      expect(existsSync(join(state, "spool")) ? readdirSync(join(state, "spool")) : []).toEqual([]);
      // A file is read as it always was: no download, no reading time in the summary.
      const file = await tagwire(["send", "--to", "segment", fixture("users.json")], { env: sendEnv });
      expect(file.stdout).toMatch(/ 1 request, 0 retries, \d+\.\d s\.$/m);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });

  it("a TAGWIRE_SPOOL_MAX_BYTES that is not a number of bytes: one line naming it, exit 2", async () => {
    const r = await tagwire(["send", "--to", "segment", "--look", "42"], { env: { ...env, TAGWIRE_SPOOL_MAX_BYTES: "lots" } });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe("tagwire: TAGWIRE_SPOOL_MAX_BYTES must be a whole number of bytes (0 turns the spool off), not `lots`.");
  });

  it("a Look id the API does not know: one line, exit 2", async () => {
    const r = await tagwire(["validate", "--to", "mparticle", "--look", "999"], { env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(oneLine(r.stderr)).toBe(`tagwire: Looker at ${looker.url} cannot give Look 999: Not found`);
  });

  it("wrong credentials: one line, exit 2", async () => {
    const r = await tagwire(["validate", "--to", "mparticle", "--look", "42"], { env: { ...env, LOOKERSDK_CLIENT_SECRET: "wrong" } });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^tagwire: Looker at .* cannot give Look 42: /);
  });

  it("a Looker API that cannot be reached is named as such, not as a missing Look: one line, exit 2", async () => {
    const closed = await startLookerStandIn({});
    await closed.close();
    const r = await tagwire(["validate", "--to", "mparticle", "--look", "42"], { env: { ...env, LOOKERSDK_BASE_URL: closed.url } });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe(`tagwire: the Looker API at ${closed.url} could not be reached (connection refused): check LOOKERSDK_BASE_URL`);
    const json = await tagwire(["validate", "--json", "--to", "mparticle", "--look", "42"], { env: { ...env, LOOKERSDK_BASE_URL: closed.url } });
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: "looker", exitCode: 2 });
  });

  it("no Looker configuration: one line, exit 2", async () => {
    const r = await tagwire(["validate", "--to", "mparticle", "--look", "42"], { env: { LOOKERSDK_BASE_URL: "" } });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^tagwire: Looker API is not configured \(set LOOKERSDK_BASE_URL, LOOKERSDK_CLIENT_ID and LOOKERSDK_CLIENT_SECRET\)/);
  });
});
