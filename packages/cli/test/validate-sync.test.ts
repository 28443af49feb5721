// `validate --sync NAME` and `send --dry-run --sync NAME` count what a send of the sync would send,
// by kind, against the state the sync's sends left in the store; neither sends nor changes the state.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulators, type Emulators } from "@tagwire/emulators";
import { fixture, oneLine, tagwire } from "./support/cli.js";

let emulators: Emulators;
const dir = mkdtempSync(join(tmpdir(), "tagwire-cli-validate-sync-"));
let env: Record<string, string>;

/** users-valid.json after a day: u-1 moved city, u-2 left the Look, u-9 joined it (u-4 as it was). */
function nextDay(): string {
  const look = JSON.parse(readFileSync(fixture("users-valid.json"), "utf8"));
  const [ada, , linus] = look.data;
  ada["users.city"] = { value: "Lyon" };
  const joined = { "users.email": { value: "barbara@example.com" }, "users.id": { value: "u-9" }, "users.city": { value: "Oslo" }, "users.lifetime_value": { value: 7 } };
  look.data = [ada, linus, joined];
  const path = join(dir, "users-next.json");
  writeFileSync(path, JSON.stringify(look));
  return path;
}

const validateSync = (source: string, ...more: string[]) => tagwire(["validate", "--to", "segment", "--sync", "daily", ...more, source], { env });
const dryRunSync = (source: string, ...more: string[]) => tagwire(["send", "--dry-run", "--to", "segment", "--sync", "daily", ...more, source], { env });

beforeAll(async () => {
  emulators = await startEmulators({ port: 0 });
  env = { TAGWIRE_SEGMENT_URL: emulators.url, TAGWIRE_STATE_DIR: dir, TAGWIRE_SEGMENT_SEGMENT_WRITE_KEY: "test-segment_write_key" };
});
afterAll(async () => {
  await emulators.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("validate --sync and send --dry-run --sync", () => {
  it("before the first send every row is new; after it, the kinds of rows of the next day's Look; nothing is sent and the state stays", async () => {
    const first = await validateSync(fixture("users-valid.json"), "--json");
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).rows).toMatchObject({ read: 3, wouldSend: 3, rejected: 0, sync: { new: 3, changed: 0, unchanged: 0, removed: 0, removalsInferred: true } });
    expect(emulators.records("segment")).toHaveLength(0);

    // The check kept no state: the first send sends every row.
    const sent = await tagwire(["send", "--to", "segment", "--sync", "daily", "--json", fixture("users-valid.json")], { env });
    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.stdout).sync).toMatchObject({ new: 3, changed: 0, unchanged: 0, removed: 0 });
    expect(emulators.records("segment")).toHaveLength(3);

    const next = nextDay();
    const expected = { new: 1, changed: 1, unchanged: 1, removed: 1, removedRows: "ignore" };
    const validated = JSON.parse((await validateSync(next, "--json")).stdout);
    expect(validated.valid).toBe(true);
    expect(validated.rows).toMatchObject({ read: 3, wouldSend: 2, rejected: 0, sync: expected });
    // The same dry run as send's: the same figures.
    const dry = JSON.parse((await dryRunSync(next, "--json")).stdout);
    expect(dry).toMatchObject({ dryRun: true, rows: { read: 3, delivered: 2 }, sync: { ...expected, id: validated.rows.sync.id } });

    const human = await validateSync(next, "--removed", "clear");
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("\nRows: 3 rows read, 2 would be sent, 0 would be rejected\n");
    // The sync was sent while it ignored removed rows: it kept no identity to clear the removed row with.
    expect(human.stdout).toContain(`\nSync ${validated.rows.sync.id}: 1 new, 1 changed, 1 unchanged (would not be sent), 1 removed (0 would be cleared, 1 would not be: their sealed identities cannot be opened`);

    // Nothing was sent and no state advanced: the same check gives the same figures, and the history holds only the send.
    expect(emulators.records("segment")).toHaveLength(3);
    expect(JSON.parse((await validateSync(next, "--json")).stdout).rows.sync).toMatchObject(expected);
    const runs = JSON.parse((await tagwire(["runs", "--json"], { env })).stdout);
    expect(runs).toHaveLength(1);
  });

  it("counts the rows a send would reject apart, and exits 1 for them as --rows does", async () => {
    const r = await tagwire(["validate", "--to", "mparticle", "--sync", "weekly", "--json", fixture("users.json")], {
      env: { ...env, TAGWIRE_MPARTICLE_API_KEY: "test-apiKey", TAGWIRE_MPARTICLE_API_SECRET: "test-apiSecret" },
    });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.valid).toBe(false);
    expect(report.rows).toMatchObject({ read: 5, wouldSend: 3, rejected: 2, sync: { new: 3, changed: 0, unchanged: 0, removed: 0 } });
  });

  it("needs the settings a send needs, since they name the sync's workspace", async () => {
    const r = await tagwire(["validate", "--to", "segment", "--sync", "daily", fixture("users-valid.json")], { env: { TAGWIRE_STATE_DIR: dir } });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe(
      "tagwire: setting `segment_write_key` (Segment Source Write Key) is missing. Give --setting segment_write_key=... or set TAGWIRE_SEGMENT_SEGMENT_WRITE_KEY.",
    );
  });

  it.each([
    [["--setting", "segment_write_key=k"], "--setting applies to validate --sync: give --sync NAME too."],
    [["--removed", "clear"], "--removed applies to a sync: give --sync NAME too."],
  ])("%j without --sync is a usage error", async (flags, message) => {
    const r = await tagwire(["validate", "--to", "segment", ...flags, fixture("users-valid.json")], { env });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe(`tagwire: ${message}`);
  });

  it("without a store there is no sync to count against", async () => {
    const r = await tagwire(["validate", "--to", "segment", "--sync", "daily", fixture("users-valid.json")], { env: { ...env, TAGWIRE_DATABASE_URL: "none" } });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe("tagwire: --sync needs a state store, and TAGWIRE_DATABASE_URL=none turns it off.");
  });
});
