// `tagwire runs` and `tagwire syncs` read the store that TAGWIRE_DATABASE_URL names, the one the server and `send` write.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Scope from "effect/Scope";
import type { RunRecord, SyncRecord } from "@tagwire/engine";
import { openStore } from "@tagwire/store";
import { startEmulators } from "@tagwire/emulators";
import { fixture, oneLine, tagwire } from "./support/cli.js";

const dir = mkdtempSync(join(tmpdir(), "tagwire-cli-history-"));
// The runs are from a fixed date: kept for 100 years, so that retention does not delete them as time passes.
const env = { TAGWIRE_STATE_DIR: dir, TAGWIRE_HISTORY_DAYS: "36500" };
const path = join(dir, "tagwire.db");
let daily: SyncRecord;
let hourly: SyncRecord;

const finished: RunRecord = {
  runId: "run-finished",
  connector: "mparticle",
  action: "mparticle_user",
  source: "looker",
  webhookId: "wh-123",
  startedAt: "2026-06-01T10:00:00.000Z",
  finishedAt: "2026-06-01T10:00:42.500Z",
  figures: { read: 1000, delivered: 990, rejected: 7, failed: 3, new: 12, changed: 988, unchanged: 0, removed: 4, cleared: 0, duplicateKeys: 2 },
  rejected: [{ reason: "no user identity", count: 7, examples: [{ row: 18, detail: "users.email and users.id are empty" }] }],
  failed: [{ reason: "server error", status: 503, count: 3, rows: "801-803" }],
  success: false,
};

const digests = (count: number, fill: number) => ({ count, keys: new Uint8Array(count * 16).map((_, i) => (i * 7 + fill) & 255), contents: new Uint8Array(count * 16).fill(fill) });

beforeAll(async () => {
  const store = await Effect.runPromise(openStore({ kind: "sqlite", path, historyDays: 90 }));
  try {
    daily = await Effect.runPromise(store.openSync({ instance: "looker.example.com", plan: "17", action: "mparticle_user", workspace: "ws1" }, "mparticle"));
    hourly = await Effect.runPromise(store.openSync({ instance: "looker.example.com", plan: "18", action: "segment_identify", workspace: "ws2" }, "segment"));
    // Keys i*16.. differ per entry: 40 distinct rows for the daily sync.
    const page = { count: 40, keys: new Uint8Array(40 * 16).map((_, i) => Math.floor(i / 16)), contents: new Uint8Array(40 * 16).fill(1) };
    await Effect.runPromise(store.confirm(daily.id, page));
    await Effect.runPromise(store.confirm(hourly.id, digests(1, 9)));
    await Effect.runPromise(store.finishRun({ ...finished, syncId: daily.id }));
    await Effect.runPromise(store.startRun({ runId: "run-older", syncId: hourly.id, connector: "segment", source: "looker", startedAt: "2026-05-31T09:00:00.000Z" }));
    await Effect.runPromise(store.finishRun({ runId: "run-file", connector: "braze", source: "file:users.json", startedAt: "2026-06-02T08:00:00.000Z", finishedAt: "2026-06-02T08:00:01.000Z", figures: { read: 5, delivered: 5, rejected: 0, failed: 0 }, success: true }));
  } finally {
    await store.close();
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("tagwire runs", () => {
  it("lists runs newest first with their status and figures", async () => {
    const r = await tagwire(["runs"], { env });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^RUN +SYNC +CONNECTOR +STARTED +STATUS +READ +DELIVERED +REJECTED +FAILED +SOURCE$/);
    expect(lines.slice(1).map((l) => l.split(/ {2,}/))).toEqual([
      ["run-file", "-", "braze", "2026-06-02 08:00:00Z", "ok", "5", "5", "0", "0", "file:users.json"],
      ["run-finished", daily.id, "mparticle", "2026-06-01 10:00:00Z", "incomplete", "1,000", "990", "7", "3", "looker"],
      ["run-older", hourly.id, "segment", "2026-05-31 09:00:00Z", "running", "-", "-", "-", "-", "looker"],
    ]);
  });

  it("--sync and --limit choose the runs; --json prints the records", async () => {
    const bySync = await tagwire(["runs", "--sync", daily.id, "--json"], { env });
    expect(bySync.code).toBe(0);
    expect(JSON.parse(bySync.stdout)).toEqual([{ ...finished, syncId: daily.id }]);
    const limited = await tagwire(["runs", "--limit", "2", "--json"], { env });
    expect(JSON.parse(limited.stdout).map((r: RunRecord) => r.runId)).toEqual(["run-file", "run-finished"]);
    const bad = await tagwire(["runs", "--limit", "0"], { env });
    expect(bad.code).toBe(2);
    expect(oneLine(bad.stderr)).toMatch(/^tagwire: .*--limit must be a positive whole number/);
  });

  it("says where it looked when there are no runs", async () => {
    const empty = mkdtempSync(join(tmpdir(), "tagwire-cli-history-empty-"));
    try {
      const r = await tagwire(["runs"], { env: { TAGWIRE_STATE_DIR: empty } });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`No runs in sqlite:${join(empty, "tagwire.db")}.\n`);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("runs show prints one run's figures, reasons and failed ranges", async () => {
    const r = await tagwire(["runs", "show", "run-finished"], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Sync:            ${daily.id}\n`);
    expect(r.stdout).toContain("Looker webhook:  wh-123\n");
    expect(r.stdout).toContain("Finished:        2026-06-01 10:00:42Z (42.5 s)\n");
    expect(r.stdout).toContain("Status:          incomplete\n");
    expect(r.stdout).toContain("Rows: 1,000 read, 990 delivered, 7 rejected, 3 failed\n");
    expect(r.stdout).toContain("Sync: 12 new, 988 changed, 0 unchanged (not sent), 4 removed, 0 cleared, 2 duplicate keys\n");
    expect(r.stdout).toContain("Rejected rows\n  7 × no user identity\n      row 18: users.email and users.id are empty\n");
    expect(r.stdout).toContain("Failed deliveries\n  3 × server error (last status 503)\n      rows 801-803\n");
    const json = await tagwire(["runs", "show", "run-finished", "--json"], { env });
    expect(JSON.parse(json.stdout)).toEqual({ ...finished, syncId: daily.id });
  });

  it("runs show of an unknown run id exits 2 with one line", async () => {
    const r = await tagwire(["runs", "show", "no-such-run"], { env });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe(`tagwire: no run \`no-such-run\` in sqlite:${path}: see \`tagwire runs\``);
    const json = await tagwire(["runs", "show", "no-such-run", "--json"], { env });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: "usage", exitCode: 2 });
  });
});

describe("tagwire syncs", () => {
  it("lists each sync with its rows and last run, never its salt", async () => {
    const r = await tagwire(["syncs"], { env });
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split("\n").map((l) => l.split(/ {2,}/));
    expect(rows).toEqual([
      ["SYNC", "CONNECTOR", "ACTION", "PLAN", "INSTANCE", "ROWS", "LAST RUN"],
      [daily.id, "mparticle", "mparticle_user", "17", "looker.example.com", "40", "2026-06-01 10:00:00Z incomplete"],
      [hourly.id, "segment", "segment_identify", "18", "looker.example.com", "1", "2026-05-31 09:00:00Z running"],
    ]);
    const json = await tagwire(["syncs", "--json"], { env });
    const list = JSON.parse(json.stdout);
    expect(list[0]).toEqual({ sync: { id: daily.id, identity: daily.identity, connector: "mparticle", createdAt: daily.createdAt }, rows: 40, lastRun: { ...finished, syncId: daily.id } });
    expect(json.stdout).not.toContain("salt");
  });

  it("syncs reset forgets one sync's state and keeps its history; an unknown id exits 2", async () => {
    const r = await tagwire(["syncs", "reset", hourly.id], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`Sync ${hourly.id}: forgot 1 row of state; its next run sends every row.\n`);
    const after = JSON.parse((await tagwire(["syncs", "--json"], { env })).stdout) as Array<{ sync: { id: string }; rows: number; lastRun?: RunRecord }>;
    expect(after.map((s) => [s.sync.id, s.rows, s.lastRun?.runId])).toEqual([
      [daily.id, 40, "run-finished"],
      [hourly.id, 0, "run-older"],
    ]);
    const unknown = await tagwire(["syncs", "reset", "0123456789abcdef"], { env });
    expect(unknown.code).toBe(2);
    expect(oneLine(unknown.stderr)).toBe(`tagwire: no sync \`0123456789abcdef\` in sqlite:${path}: see \`tagwire syncs\``);
  });
});

describe("the store the commands read", () => {
  it("none: there is nothing to show, exit 2", async () => {
    for (const args of [["runs"], ["syncs"], ["syncs", "reset", "x"]]) {
      const r = await tagwire(args, { env: { TAGWIRE_DATABASE_URL: "none" } });
      expect(r.code).toBe(2);
      expect(oneLine(r.stderr)).toBe("tagwire: TAGWIRE_DATABASE_URL is `none`: no store is kept, so there are no syncs or runs to show");
    }
  });

  it("a bad URL or an unreachable database is a configuration error that never shows the password", async () => {
    const bad = await tagwire(["runs", "--json"], { env: { TAGWIRE_DATABASE_URL: "mysql://root:hunter2-pw@db/x" } });
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error).toMatchObject({ code: "config", exitCode: 2 });
    expect(bad.stdout).not.toContain("hunter2-pw");
    const down = await tagwire(["syncs"], { env: { TAGWIRE_DATABASE_URL: "postgresql://tagwire:hunter2-pw@127.0.0.1:1/state" } });
    expect(down.code).toBe(2);
    expect(oneLine(down.stderr)).toBe("tagwire: postgres://tagwire@127.0.0.1:1/state: cannot prepare the database: connection refused");
  });
});

describe("tagwire send and the store", () => {
  const keys = { TAGWIRE_MPARTICLE_API_KEY: "k", TAGWIRE_MPARTICLE_API_SECRET: "s" };
  const dryRun = (extra: Record<string, string>) => tagwire(["send", "--to", "mparticle", "--dry-run", fixture("users.json")], { env: { ...keys, ...extra } });

  it("opens the store of TAGWIRE_STATE_DIR for its run, creating it, and closes it when the run ends", async () => {
    const state = join(mkdtempSync(join(tmpdir(), "tagwire-cli-send-store-")), "state");
    try {
      const r = await dryRun({ TAGWIRE_STATE_DIR: state });
      expect(r.stderr).not.toContain("tagwire:");
      expect(r.stdout).toMatch(/^mParticle: 3 of 5 rows would be delivered/);
      expect(existsSync(join(state, "tagwire.db"))).toBe(true);
      // Closed: the write-ahead log is folded in and removed with the last connection.
      expect(existsSync(join(state, "tagwire.db-wal"))).toBe(false);
    } finally {
      rmSync(join(state, ".."), { recursive: true, force: true });
    }
  });

  it("a sync another run holds: waits TAGWIRE_SYNC_WAIT_MS as the server does, then exits 1 with nothing sent; a bad value is a configuration error", async () => {
    const state = mkdtempSync(join(tmpdir(), "tagwire-cli-send-busy-"));
    const emulators = await startEmulators({ port: 0 });
    const send = (wait: string) =>
      tagwire(["send", "--to", "mparticle", "--sync", "nightly", "--rows", "all", fixture("users.json")], { env: { TAGWIRE_MPARTICLE_API_KEY: "test-apiKey", TAGWIRE_MPARTICLE_API_SECRET: "test-apiSecret", TAGWIRE_MPARTICLE_URL: emulators.url, TAGWIRE_STATE_DIR: state, TAGWIRE_SYNC_WAIT_MS: wait } });
    try {
      // The fixture has rows mParticle refuses (exit 1): what matters is that the run went ahead.
      expect((await send("0")).stdout).toMatch(/3 of 5 rows to send delivered/);
      expect(emulators.state().mparticle!.accepted).toBe(3);
      const [entry] = JSON.parse((await tagwire(["syncs", "--json"], { env: { TAGWIRE_STATE_DIR: state } })).stdout) as Array<{ sync: { id: string } }>;
      const store = await Effect.runPromise(openStore({ kind: "sqlite", path: join(state, "tagwire.db"), historyDays: 90 }));
      const scope = Effect.runSync(Scope.make());
      try {
        expect(await Effect.runPromise(Scope.extend(store.holdSync(entry!.sync.id, 0), scope))).toBe(true);
        const started = Date.now();
        const busy = await send("1500");
        expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
        expect(busy.code).toBe(1);
        expect(oneLine(busy.stderr)).toMatch(/running elsewhere.*nothing was sent/);
        expect(emulators.state().mparticle!.accepted).toBe(3);
        // The send is in the history all the same, as having waited and sent nothing.
        const runs = JSON.parse((await tagwire(["runs", "--json"], { env: { TAGWIRE_STATE_DIR: state } })).stdout) as Array<{ runId: string; syncId?: string; success?: boolean; finishedAt?: string; figures?: unknown }>;
        expect(runs).toHaveLength(2);
        expect(runs[0]).toMatchObject({ syncId: entry!.sync.id, success: false, figures: { read: 0, delivered: 0, rejected: 0, failed: 0, busy: { waitedMs: 1500 } } });
        expect(runs[0]!.finishedAt).toBeDefined();
        const shown = await tagwire(["runs", "show", runs[0]!.runId], { env: { TAGWIRE_STATE_DIR: state } });
        expect(shown.stdout).toMatch(/^Status: +busy$/m);
        expect(shown.stdout).toContain("Sync: running elsewhere; this execute waited 1.5 s for it and sent nothing\n");
        expect((await tagwire(["runs"], { env: { TAGWIRE_STATE_DIR: state } })).stdout).toMatch(/ busy /);
        const bad = await send("5m");
        expect(bad.code).toBe(2);
        expect(oneLine(bad.stderr)).toBe("tagwire: TAGWIRE_SYNC_WAIT_MS must be a whole number (0 or more), not `5m`.");
      } finally {
        await Effect.runPromise(Scope.close(scope, Exit.void));
        await store.close();
      }
    } finally {
      await emulators.close();
      rmSync(state, { recursive: true, force: true });
    }
  });

  it("does not start when the store cannot be opened: exit 2, without the password", async () => {
    const r = await dryRun({ TAGWIRE_DATABASE_URL: "postgres://tagwire:hunter2-pw@127.0.0.1:1/state" });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe("tagwire: postgres://tagwire@127.0.0.1:1/state: cannot prepare the database: connection refused");
  });
});

describe("tagwire runs show, for a sync's run that differs from the usual", () => {
  const other = mkdtempSync(join(tmpdir(), "tagwire-cli-history-modes-"));
  const otherEnv = { TAGWIRE_STATE_DIR: other, TAGWIRE_HISTORY_DAYS: "36500" };
  afterAll(() => rmSync(other, { recursive: true, force: true }));

  it("words the figures as the run's report does: rows=all, removals not looked for, rows not cleared", async () => {
    const store = await Effect.runPromise(openStore({ kind: "sqlite", path: join(other, "tagwire.db"), historyDays: 90 }));
    try {
      const base = { connector: "mparticle", source: "looker", startedAt: "2026-06-03T10:00:00.000Z", finishedAt: "2026-06-03T10:00:01.000Z", success: true };
      const sync = { new: 0, changed: 1, unchanged: 9, removed: 0, cleared: 0, duplicateKeys: 0 };
      await Effect.runPromise(store.finishRun({ ...base, runId: "run-all", figures: { read: 10, delivered: 10, rejected: 0, failed: 0, ...sync, rows: "all", removalsInferred: false } }));
      await Effect.runPromise(store.finishRun({ ...base, runId: "run-clear", figures: { read: 8, delivered: 0, rejected: 0, failed: 0, ...sync, changed: 0, unchanged: 8, removed: 3, cleared: 1, notCleared: 2 } }));
    } finally {
      await store.close();
    }
    const all = await tagwire(["runs", "show", "run-all"], { env: otherEnv });
    expect(all.stdout).toContain("Sync: 0 new, 1 changed, 9 unchanged (sent: all rows asked for), removed rows not looked for (not every row of the Look was read), 0 cleared, 0 duplicate keys\n");
    const clear = await tagwire(["runs", "show", "run-clear"], { env: otherEnv });
    expect(clear.stdout).toContain("Sync: 0 new, 0 changed, 8 unchanged (not sent), 3 removed, 1 cleared, 2 not cleared, 0 duplicate keys\n");
  });

  it("says how long the run's reading and sending took, when the run recorded it", async () => {
    const store = await Effect.runPromise(openStore({ kind: "sqlite", path: join(other, "tagwire.db"), historyDays: 90 }));
    const base = { connector: "mparticle", source: "looker", startedAt: "2026-06-04T10:00:00.000Z", finishedAt: "2026-06-04T10:01:05.300Z", figures: { read: 10, delivered: 10, rejected: 0, failed: 0 }, success: true };
    try {
      await Effect.runPromise(store.finishRun({ ...base, runId: "run-timed", readMs: 14_249, sendMs: 51_960 }));
      await Effect.runPromise(store.finishRun({ ...base, runId: "run-cut", sendMs: 800 }));
      await Effect.runPromise(store.finishRun({ ...base, runId: "run-untimed" }));
    } finally {
      await store.close();
    }
    const timed = await tagwire(["runs", "show", "run-timed"], { env: otherEnv });
    expect(timed.stdout).toContain("Finished:   2026-06-04 10:01:05Z (65.3 s)\nTiming:     read in 14.2 s, sent in 52.0 s\nStatus:     ok\n");
    expect(JSON.parse((await tagwire(["runs", "show", "run-timed", "--json"], { env: otherEnv })).stdout)).toMatchObject({ readMs: 14_249, sendMs: 51_960 });
    const cut = await tagwire(["runs", "show", "run-cut"], { env: otherEnv });
    expect(cut.stdout).toContain("Timing:     sent in 0.8 s\n");
    const untimed = await tagwire(["runs", "show", "run-untimed"], { env: otherEnv });
    expect(untimed.stdout).not.toContain("Timing:");
  });
});
