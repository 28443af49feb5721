import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulators, type Emulators } from "@tagwire/emulators";
import { fixture, lookWithLargeRow, lookWithNearMissTag, oneLine, tagwire } from "./support/cli.js";

let emulators: Emulators;
let env: Record<string, string>;

beforeAll(async () => {
  emulators = await startEmulators({ port: 0 });
  env = { TAGWIRE_MPARTICLE_URL: emulators.url, TAGWIRE_SEGMENT_URL: emulators.url };
});
afterAll(() => emulators.close());
beforeEach(() => {
  emulators.reset();
  emulators.setFaults("segment", {});
});

const mparticleKeys = { TAGWIRE_MPARTICLE_API_KEY: "test-apiKey", TAGWIRE_MPARTICLE_API_SECRET: "test-apiSecret" };

describe("tagwire send", () => {
  it("rejects a record over the API's size limit with the reason and detail preview gives it", async () => {
    const input = lookWithLargeRow();
    const preview = JSON.parse((await tagwire(["preview", "--to", "segment", "--limit", "2", "-"], { input })).stdout);
    const r = await tagwire(["send", "--to", "segment", "--setting", "segment_write_key=test-segment_write_key", "--json", "-"], { env, input });
    const report = JSON.parse(r.stdout);
    expect(report.rejected).toContainEqual({ reason: preview[1].rejected.reason, count: 1, examples: [{ row: 2, detail: preview[1].rejected.detail }] });
    expect(emulators.state().segment!.accepted).toBe(report.rows.delivered);
  });

  it("delivers the rows, reports rejects and exits 1 when any row was rejected", async () => {
    const r = await tagwire(["send", "--to", "mparticle", fixture("users.json")], { env: { ...env, ...mparticleKeys } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^mParticle: 3 of 5 rows delivered; 2 rejected \(row has no user identity/);
    expect(r.stdout).toContain("Rejected rows (not sent)\n  2 × row has no user identity (requirement identity)\n      row 3: ");
    const records = emulators.records("mparticle") as Array<{ user_identities: { email: string } }>;
    expect(records.map((x) => x.user_identities.email)).toEqual(["ada@example.com", "grace@example.com", "linus@example.com"]);
  });

  it("exit 0 when every row was delivered; --setting gives the write key; --json prints the RunReport", async () => {
    const r = await tagwire(["send", "--to", "segment", "--setting", "segment_write_key=test-segment_write_key", "--run-id", "run-7", "--json", fixture("users-valid.json")], { env });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ connector: "segment", runId: "run-7", dryRun: false, success: true, rows: { read: 3, delivered: 3, rejected: 0, failed: 0 } });
    expect(emulators.records("segment")).toHaveLength(3);
    expect(emulators.records("segment")[0]).toMatchObject({ type: "identify", userId: "u-1", traits: { email: "ada@example.com" } });

    // The same run id gives the same message ids: a replay is deduplicated by the destination.
    const again = await tagwire(["send", "--to", "segment", "--setting", "segment_write_key=test-segment_write_key", "--run-id", "run-7", fixture("users-valid.json")], { env });
    expect(again.code).toBe(0);
    expect(emulators.state().segment!.duplicates).toBe(3);
  });

  it("sends a CSV export with --tag and options", async () => {
    const r = await tagwire(
      ["send", "--to", "segment", "--action", "segment_track", "--option", "event=Signed Up", "--tag", "id=user_id", "--tag", "email=email", fixture("users.csv")],
      { env: { ...env, TAGWIRE_SEGMENT_SEGMENT_WRITE_KEY: "test-segment_write_key" } },
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Segment: 3 of 5 rows delivered; 2 rejected/);
    expect(emulators.records("segment")[0]).toMatchObject({ type: "track", event: "Signed Up", userId: "u-1", properties: { city: "Paris" } });
  });

  it("the plan's warnings are in the text report, as validate words them: a near-miss tag's column is not sent silently", async () => {
    const r = await tagwire(["send", "--to", "segment", "--setting", "segment_write_key=test-segment_write_key", "-"], { env, input: lookWithNearMissTag() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Segment: 3 of 3 rows delivered\. .*\n\nPlan warnings \(1\)\n {2}users\.city: `segment_group_ld` is not a known Segment tag: did you mean `segment_group_id`\? \[tags\]\n {4}fix: Change the tag to `segment_group_id` in LookML\.\n$/);
    expect(JSON.stringify(emulators.records("segment"))).not.toContain("Paris");
  });

  it("--dry-run sends nothing", async () => {
    const r = await tagwire(["send", "--to", "mparticle", "--dry-run", "--json", fixture("users.json")], { env: { ...env, ...mparticleKeys } });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ dryRun: true, rows: { read: 5, delivered: 3, rejected: 2 } });
    expect(emulators.state().mparticle!.requests).toBe(0);
  });

  it("failed deliveries exit 1 and are grouped; setting values are never printed", async () => {
    const r = await tagwire(["send", "--to", "segment", "--setting", "segment_write_key=SECRET-abc-123", fixture("users-valid.json")], { env });
    expect(r.code).toBe(1);
    // A refusal of the credentials is not retried: it is not said to be "after retries".
    expect(r.stdout).toContain("Failed deliveries\n  3 × HTTP 403: the destination refused the credentials (`segment_write_key`); nothing more was sent\n");
    expect(r.stdout).toContain("      rows 1-3");
    expect(r.stdout + r.stderr).not.toContain("SECRET-abc-123");
  });

  it("a missing setting names the flag and the environment variable: exit 2", async () => {
    const r = await tagwire(["send", "--to", "mparticle", fixture("users.json")], { env: { ...env, TAGWIRE_MPARTICLE_API_KEY: "SECRET-key" } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(oneLine(r.stderr)).toBe(
      "tagwire: setting `apiSecret` (API Secret) is missing. Give --setting apiSecret=... or set TAGWIRE_MPARTICLE_API_SECRET.",
    );
    expect(r.stderr).not.toContain("SECRET-key");
    expect(emulators.state().mparticle!.requests).toBe(0);
  });

  it("an unknown --setting is a usage error", async () => {
    const r = await tagwire(["send", "--to", "segment", "--setting", "write_key=x", fixture("users.json")], { env });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe("tagwire: --setting write_key: Segment has no such setting. Settings: segment_write_key.");
  });

  it("a Look that cannot be sent: diagnostics on stderr, nothing sent, exit 1", async () => {
    const r = await tagwire(["send", "--to", "mparticle", fixture("untagged.json")], { env: { ...env, ...mparticleKeys } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no column provides the user identity");
    expect(emulators.state().mparticle!.requests).toBe(0);
  });

  it("shows plain progress lines on stderr when stderr is not a terminal; none with --json", async () => {
    emulators.setFaults("segment", { latencyMs: 1500 });
    const withKey = { ...env, TAGWIRE_SEGMENT_SEGMENT_WRITE_KEY: "test-segment_write_key" };
    const r = await tagwire(["send", "--to", "segment", fixture("users-valid.json")], { env: withKey });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^progress: Segment: 3 read, 3 delivered, 0 rejected, 0 failed, 1 request, 0 retries, \d+ rows\/s(, ETA \d+ s)?$/m);
    const json = await tagwire(["send", "--to", "segment", "--json", fixture("users-valid.json")], { env: withKey });
    expect(json.code).toBe(0);
    expect(json.stderr).toBe("");
    expect(JSON.parse(json.stdout).success).toBe(true);
  });

  it("a bad TAGWIRE_<ID>_URL is a usage error", async () => {
    const r = await tagwire(["send", "--to", "segment", fixture("users-valid.json")], { env: { TAGWIRE_SEGMENT_URL: "not a url", TAGWIRE_SEGMENT_SEGMENT_WRITE_KEY: "k" } });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^tagwire: TAGWIRE_SEGMENT_URL must be a base URL/);
  });
});

describe("tagwire send --rate-limit", () => {
  /** 300 rows: three mParticle requests of 100. */
  const threeRequests = () => {
    const file = join(mkdtempSync(join(tmpdir(), "tagwire-pacing-")), "users.csv");
    writeFileSync(file, ["email", ...Array.from({ length: 300 }, (_, i) => `u${i}@example.com`)].join("\n"));
    return file;
  };
  const send = (flags: string[], extraEnv: Record<string, string> = {}) =>
    tagwire(["send", "--to", "mparticle", "--tag", "email=mp_email", ...flags, threeRequests()], { env: { ...env, ...mparticleKeys, ...extraEnv } });

  it("paces the send and says so: 2 requests/s sends the third request half a second later", async () => {
    const r = await send(["--rate-limit", "2 requests/s"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^mParticle: 300 of 300 rows delivered\. 3 requests, 0 retries, \d+\.\d s \(0\.[5-9] s of it paced by the rate limit or a Retry-After\)\.$/m);
    expect(emulators.state().mparticle!.accepted).toBe(300);
  });

  it("TAGWIRE_<ID>_RATE_LIMIT is the default; --rate-limit takes precedence; --json reports requests.pacedMs", async () => {
    const fromEnv = await send(["--json"], { TAGWIRE_MPARTICLE_RATE_LIMIT: "2 requests/s" });
    expect(fromEnv.code).toBe(0);
    expect(JSON.parse(fromEnv.stdout).requests.pacedMs).toBeGreaterThanOrEqual(450);
    const overridden = await send(["--json", "--rate-limit", "off"], { TAGWIRE_MPARTICLE_RATE_LIMIT: "2 requests/s" });
    expect(overridden.code).toBe(0);
    expect(JSON.parse(overridden.stdout).requests.pacedMs).toBe(0);
  });

  it("a malformed value is a usage error naming the text, from the flag or the environment variable", async () => {
    const flag = await send(["--rate-limit", "fast"]);
    expect(flag.code).toBe(2);
    expect(oneLine(flag.stderr)).toContain('--rate-limit `fast` is not a rate limit');
    const variable = await send([], { TAGWIRE_MPARTICLE_RATE_LIMIT: "9000 rows/s" });
    expect(variable.code).toBe(2);
    expect(oneLine(variable.stderr)).toMatch(/^tagwire: TAGWIRE_MPARTICLE_RATE_LIMIT: `9000 rows\/s` is not a rate limit/);
    expect(emulators.state().mparticle!.requests).toBe(0);
  });
});
