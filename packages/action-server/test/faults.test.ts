// The fault suite: the real server driven over HTTP as Looker drives it, against the emulators'
// fault injection, for both destinations and for inline and streamed Looks. For every scenario:
// each valid row is delivered exactly once (checked by deduplication id at the emulator) or
// reported failed with its row numbers and last status; the figures add up; and Looker is never
// told "success" when a row did not arrive. Fault sequences are seeded, so runs repeat.

import type { RetryPolicy } from "@tagwire/engine";
import type { FaultConfig } from "@tagwire/emulators";
import { startEmulators, type Emulators } from "@tagwire/emulators";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startServerProcess } from "./process.js";
import {
  bigLook, chunked, executeBody, logEntries, sleep, startDownloads, startHarness, waitFor, withDimension,
  type Harness, type LookJson, type LookerDownloads, type LookerResult,
} from "./support.js";

const ROWS = 600;
/** Quick retries, so a scenario takes seconds; Retry-After still applies as the destination asks. */
const RETRY: Partial<RetryPolicy> = { maxRetries: 6, baseDelayMs: 5, maxDelayMs: 40 };
/** The destination request timeout: short where a scenario is about slow answers, generous elsewhere (CI machines stall). */
const TIMEOUT_MS = 2_000;
const SHORT_TIMEOUT_MS = 400;
const CONCURRENCY = 2;

type Action = "mparticle" | "segment_event";
type Via = "inline" | "download_url";
const ACTIONS: Action[] = ["mparticle", "segment_event"];
const VIAS: Via[] = ["inline", "download_url"];
const CONNECTOR: Record<Action, "mparticle" | "segment"> = { mparticle: "mparticle", segment_event: "segment" };
const DEDUP_FIELD = { mparticle: "source_request_id", segment: "messageId" } as const;
/** The most records one request can carry (the manifests' `maxRecordsPerRequest`). */
const MAX_BATCH = { mparticle: 100, segment: 2500 } as const;
const FORM: Record<Action, Record<string, string>> = { mparticle: { data_type: "user_data", environment: "development" }, segment_event: {} };

/**
 * 600 rows with a 3 KB text column, so that both destinations need several requests
 * (mParticle: 100 records each; Segment: about 160 within its 500 KB request limit). The inline
 * Look has an invalid row every 10th (no user id, no email: rejected by both destinations before
 * sending); the streamed one is all valid, so its `success` depends on delivery alone.
 */
function faultLook(via: Via): { text: string; valid: number[] } {
  const look = withDimension(bigLook(ROWS), { name: "users.bio", label_short: "Bio", view: "users", type: "string", tags: [] }, (n) => `bio ${n} ${"x".repeat(3000)}`);
  const valid: number[] = [];
  look.data.forEach((row, i) => {
    if (via === "inline" && (i + 1) % 10 === 0) {
      row["users.id"] = { value: null };
      row["users.email"] = { value: null };
    } else {
      valid.push(i + 1);
    }
  });
  return { text: JSON.stringify(look), valid };
}
const LOOKS: Record<Via, { text: string; valid: number[] }> = { inline: faultLook("inline"), download_url: faultLook("download_url") };

/** The figures of the server's "execute finished" log line. */
interface Figures {
  runId: string;
  success: boolean;
  durationMs: number;
  rows: { read: number; delivered: number; rejected: number; failed: number };
  requests: number;
  retries: number;
  byStatus: Record<string, number>;
  rejectedReasons: Array<{ reason: string; count: number }>;
  failedReasons: Array<{ reason: string; status?: number; count: number; retried: boolean; rows: string }>;
  sourceError?: string;
}

interface Outcome {
  scenario: string;
  action: Action;
  via: Via;
  status: number;
  looker: LookerResult;
  figures: Figures;
  seconds: number;
}

/** One line of the printed table. */
interface TableRow {
  scenario: string;
  action: string;
  via: string;
  rows: number;
  delivered: number;
  rejected: number;
  failed: number;
  requests: number;
  retries: number;
  duplicates: number;
  seconds: string;
  success: boolean;
  /** The last answer of the failed rows' requests. */
  failedWith: string;
}
const table: TableRow[] = [];

function record(o: Outcome, duplicates: number): void {
  const f = o.figures;
  table.push({
    scenario: o.scenario, action: o.action, via: o.via, rows: f.rows.read, delivered: f.rows.delivered, rejected: f.rows.rejected, failed: f.rows.failed,
    requests: f.requests, retries: f.retries, duplicates, seconds: o.seconds.toFixed(2), success: o.looker.success,
    failedWith: [...new Set(f.failedReasons.map((g) => (g.status !== undefined ? String(g.status) : g.reason.replace(/^network error /, ""))))].join(", ") || "-",
  });
}

function printTable(): void {
  if (table.length === 0) return;
  const keys = Object.keys(table[0]!) as Array<keyof TableRow>;
  const cells = table.map((r) => keys.map((k) => String(r[k])));
  const widths = keys.map((k, i) => Math.max(k.length, ...cells.map((c) => c[i]!.length)));
  const left = (i: number) => i < 3 || i === keys.length - 1;
  const line = (values: string[]) => `| ${values.map((v, i) => (left(i) ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join(" | ")} |`;
  const out = [line(keys), `|${widths.map((w, i) => (left(i) ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`, ...cells.map(line)];
  console.log(
    `\nFault suite (${ROWS} rows per Look; inline: ${LOOKS.inline.valid.length} valid, streamed: all valid; retries ${RETRY.maxRetries} at ${RETRY.baseDelayMs}-${RETRY.maxDelayMs} ms; ` +
      `request timeout ${TIMEOUT_MS} ms (${SHORT_TIMEOUT_MS} ms for slow answers); concurrency ${CONCURRENCY})\n${out.join("\n")}\n`,
  );
}

const n = (x: number) => x.toLocaleString("en-US");

/** "1-9, 11-19, 21" -> [1..9, 11..19, 21] */
function rowsOf(ranges: string): number[] {
  if (ranges.trim() === "") return [];
  return ranges.split(", ").flatMap((part) => {
    const [a, b] = part.split("-").map(Number);
    return Array.from({ length: (b ?? a!) - a! + 1 }, (_, i) => a! + i);
  });
}

/** The report adds up, the Looker message gives the same figures, and `success` is true only when every row arrived. */
function expectConsistent(o: Outcome): void {
  const { figures: f, looker } = o;
  const valid = LOOKS[o.via].valid;
  expect(o.status).toBe(200);
  expect(f.rows.read).toBe(ROWS);
  expect(f.rows.delivered + f.rows.rejected + f.rows.failed).toBe(f.rows.read);
  expect(f.rows.rejected).toBe(ROWS - valid.length);
  expect(f.rejectedReasons.reduce((s, g) => s + g.count, 0)).toBe(f.rows.rejected);
  expect(f.failedReasons.reduce((s, g) => s + g.count, 0)).toBe(f.rows.failed);
  // Every failed row is named, once, and is one of the valid rows.
  const failedRows = f.failedReasons.flatMap((g) => rowsOf(g.rows));
  expect(failedRows).toHaveLength(f.rows.failed);
  expect(new Set(failedRows).size).toBe(failedRows.length);
  const isValid = new Set(valid);
  for (const row of failedRows) expect(isValid.has(row), `failed row ${row}`).toBe(true);
  expect(Object.values(f.byStatus).reduce((s, c) => s + c, 0)).toBe(f.requests);
  expect(f.retries).toBeLessThanOrEqual(f.requests);

  // The message Looker records carries the same figures.
  expect(looker.message).toContain(`${n(f.rows.delivered)} of ${n(f.rows.read)} rows delivered`);
  if (f.rows.rejected > 0) expect(looker.message).toContain(`; ${n(f.rows.rejected)} rejected (`);
  else expect(looker.message).not.toContain("rejected");
  if (f.rows.failed > 0) {
    // "after retries" only where a retry happened.
    const allRetried = f.failedReasons.every((g) => g.retried);
    expect(looker.message).toContain(`; ${n(f.rows.failed)} failed${allRetried ? " after retries" : ""} (`);
    for (const g of f.failedReasons.slice(0, 3)) expect(looker.message).toContain(`${g.reason}: rows ${g.rows}`);
  } else {
    expect(looker.message).not.toContain("failed");
  }
  const count = (x: number, one: string, many: string) => `${n(x)} ${x === 1 ? one : many}`;
  expect(looker.message).toContain(`${count(f.requests, "request", "requests")}, ${count(f.retries, "retry", "retries")}`);

  // "success" exactly when every row read was delivered: never with a failed (or rejected) row.
  expect(looker.success).toBe(f.success);
  expect(looker.success).toBe(f.rows.read > 0 && f.rows.delivered === f.rows.read && f.sourceError === undefined);
  if (f.rows.failed > 0) expect(looker.success).toBe(false);
}

/**
 * What the emulator holds for these runs is exactly what the server reported delivered: each
 * delivered row's record once, by its deduplication id, and no record of a failed or rejected row.
 * A record arrives twice only when an answer was lost (dropped connection, timeout).
 */
function expectExactlyOnce(emulators: Emulators, connector: "mparticle" | "segment", outcomes: Outcome[]): number {
  const state = emulators.state()[connector]!;
  const records = emulators.records(connector);
  const held = records.map((r) => String((r as Record<string, unknown>)[DEDUP_FIELD[connector]]));
  expect(new Set(held).size, "a deduplication id is held twice").toBe(held.length);
  // The rows the records came from (every row's bio is its own): one record per delivered row and run.
  const heldRows = records.map((r) => Number(/"bio (\d+) x/.exec(JSON.stringify(r))![1]));
  const expected: number[] = [];
  for (const o of outcomes) {
    const failed = new Set(o.figures.failedReasons.flatMap((g) => rowsOf(g.rows)));
    for (const row of LOOKS[o.via].valid) if (!failed.has(row)) expected.push(row);
  }
  expect(heldRows.sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
  expect(state.accepted).toBe(outcomes.reduce((s, o) => s + o.figures.rows.delivered, 0));
  expect(state.dropped).toBe(0);
  expect(state.withoutDedupId).toBe(0);
  const lost = outcomes.reduce((s, o) => s + (o.figures.byStatus["network"] ?? 0), 0);
  expect(state.duplicates).toBeLessThanOrEqual(lost * MAX_BATCH[connector]);
  return state.duplicates;
}

/** Changes an emulator's faults once it has seen `after` requests: a burst ends, an outage begins. */
function switchFaults(emulators: Emulators, connector: string, after: number, faults: FaultConfig): () => void {
  const timer = setInterval(() => {
    if (emulators.state()[connector]!.requests >= after) {
      emulators.setFaults(connector, faults);
      clearInterval(timer);
    }
  }, 1);
  return () => clearInterval(timer);
}

interface Scenario {
  name: string;
  /** Faults when the execute starts (both destinations; seeded). */
  faults: FaultConfig;
  /** New faults once the destination has seen `after` requests. */
  then?: { after: number; faults: FaultConfig };
  /** Every valid row delivered, none, or some. */
  outcome: "delivered" | "failed" | "partial";
  /** Time for requests the server gave up on to reach the emulator before it is inspected. */
  settleMs?: number;
  /** Run against the server with the short request timeout. */
  shortTimeout?: boolean;
  check(f: Figures): void;
}

const SCENARIOS: Scenario[] = [
  {
    name: "429 with Retry-After: 1",
    faults: { statusRates: { 429: 0.25 }, retryAfterSeconds: 1, seed: 3 },
    outcome: "delivered",
    check: (f) => {
      expect(f.byStatus["429"]).toBeGreaterThan(0);
      // The destination asked for a second; the retry policy alone would have waited at most 40 ms.
      expect(f.durationMs).toBeGreaterThanOrEqual(950);
    },
  },
  {
    name: "429 without Retry-After",
    faults: { statusRates: { 429: 0.3 }, retryAfterSeconds: null, seed: 5 },
    outcome: "delivered",
    check: (f) => expect(f.byStatus["429"]).toBeGreaterThan(0),
  },
  {
    name: "503 burst, then 500/503 at 40%",
    faults: { failAll: 503 },
    then: { after: 4, faults: { statusRates: { 500: 0.2, 503: 0.2 }, seed: 9 } },
    outcome: "delivered",
    check: (f) => expect(f.byStatus["503"]).toBeGreaterThanOrEqual(4),
  },
  {
    name: "30% of connections dropped",
    faults: { dropRate: 0.3, seed: 13 },
    outcome: "delivered",
    check: (f) => expect(f.byStatus["network"]).toBeGreaterThan(0),
  },
  {
    name: `answers slower than the ${SHORT_TIMEOUT_MS} ms timeout`,
    faults: { latencyMs: 1_500 },
    then: { after: 1, faults: {} },
    outcome: "delivered",
    settleMs: 1_600,
    shortTimeout: true,
    check: (f) => {
      expect(f.byStatus["network"]).toBeGreaterThan(0);
      expect(f.durationMs).toBeLessThan(1_500);
    },
  },
  {
    name: "down from mid-run (503)",
    faults: { latencyMs: 30 },
    then: { after: CONCURRENCY, faults: { failAll: 503 } },
    outcome: "partial",
    check: (f) => {
      for (const g of f.failedReasons) expect(g).toMatchObject({ status: 503, reason: "HTTP 503: injected fault: 503" });
    },
  },
  {
    name: "down for the whole run (503)",
    faults: { failAll: 503 },
    outcome: "failed",
    check: (f) => {
      expect(f.failedReasons).toEqual([{ reason: "HTTP 503: injected fault: 503", status: 503, count: f.rows.failed, retried: true, rows: expect.any(String) }]);
      expect(f.byStatus).toEqual({ "503": f.requests });
      // Each batch: the first attempt and every retry.
      expect(f.requests % (RETRY.maxRetries! + 1)).toBe(0);
      expect(f.retries).toBe((f.requests / (RETRY.maxRetries! + 1)) * RETRY.maxRetries!);
    },
  },
  {
    name: "credentials refused (403)",
    faults: { failAll: 403 },
    outcome: "failed",
    check: (f) => {
      // The first answer stops the run: one request, no retry, the rows left failed at once with its reason.
      expect(f.requests).toBe(1);
      expect(f.retries).toBe(0);
      expect(f.failedReasons).toEqual([
        { reason: expect.stringMatching(/^HTTP 403: the destination refused the credentials \(`[a-z_A-Z]+`.*\); nothing more was sent$/), status: 403, count: f.rows.failed, retried: false, rows: expect.any(String) },
      ]);
    },
  },
];

let normal: Harness;
let short: Harness;
let downloads: LookerDownloads;
let executes = 0;
beforeAll(async () => {
  downloads = await startDownloads();
  const config = { retry: RETRY, concurrency: CONCURRENCY, keepAliveMs: 1_000, maxBodyBytes: 8 * 1024 * 1024 };
  normal = await startHarness({ ...config, requestTimeoutMs: TIMEOUT_MS });
  short = await startHarness({ ...config, requestTimeoutMs: SHORT_TIMEOUT_MS });
});
afterAll(async () => {
  await normal.close();
  await short.close();
  await downloads.close();
  printTable();
});

/** The execute body as Looker sends it: the Look inline, or behind a one-time URL streamed in 64 KB chunks. */
function bodyFor(action: Action, via: Via, settings: Record<string, string>): Record<string, unknown> {
  return via === "inline"
    ? executeBody({ data: settings, form: FORM[action], look: LOOKS.inline.text })
    : executeBody({ data: settings, form: FORM[action], downloadUrl: downloads.serve(chunked(LOOKS.download_url.text, 64 * 1024, 0)) });
}

/** Runs one execute on an in-process harness and reads its figures from the server's log. */
async function runExecute(harness: Harness, scenario: string, action: Action, via: Via): Promise<Outcome> {
  const id = `fault-${++executes}`;
  const settings = action === "mparticle" ? harness.settings.mparticle : harness.settings.segment;
  const started = performance.now();
  const reply = await harness.post(`/actions/${action}/execute`, bodyFor(action, via, settings), { headers: { "x-request-id": id, "x-looker-webhook-id": `run-${id}` } });
  const seconds = (performance.now() - started) / 1000;
  const finished = logEntries(harness.logs).find((e) => e["requestId"] === id && e["msg"] === "execute finished");
  expect(finished, "execute finished log line").toBeDefined();
  return { scenario, action, via, status: reply.status, looker: reply.json?.looker as LookerResult, figures: finished as unknown as Figures, seconds };
}

describe.each(SCENARIOS)("$name", (scenario) => {
  describe.each(ACTIONS)("%s", (action) => {
    it.each(VIAS)("via %s", async (via) => {
      const connector = CONNECTOR[action];
      const h = scenario.shortTimeout ? short : normal;
      h.emulators.reset();
      for (const id of h.emulators.connectors) h.emulators.setFaults(id, id === connector ? scenario.faults : {});
      const stop = scenario.then ? switchFaults(h.emulators, connector, scenario.then.after, scenario.then.faults) : () => {};
      let outcome: Outcome;
      try {
        outcome = await runExecute(h, scenario.name, action, via);
      } finally {
        stop();
      }
      if (scenario.settleMs !== undefined) await sleep(scenario.settleMs);
      const f = outcome.figures;
      const valid = LOOKS[via].valid.length;

      expectConsistent(outcome);
      if (scenario.outcome === "delivered") expect(f.rows).toMatchObject({ delivered: valid, failed: 0 });
      if (scenario.outcome === "failed") expect(f.rows).toMatchObject({ delivered: 0, failed: valid });
      expect(outcome.looker.success).toBe(scenario.outcome === "delivered" && via === "download_url");
      if (scenario.outcome === "partial") {
        expect(f.rows.delivered).toBeGreaterThan(0);
        expect(f.rows.failed).toBeGreaterThan(0);
      }
      scenario.check(f);
      const duplicates = expectExactlyOnce(h.emulators, connector, [outcome]);
      // The emulator saw every attempt the server counted, retries included.
      expect(h.emulators.state()[connector]!.requests).toBe(f.requests);
      record(outcome, duplicates);
    });
  });
});

describe("destination unreachable (connection refused)", () => {
  let unreachable: Harness;
  beforeAll(async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    unreachable = await startHarness({ retry: RETRY, requestTimeoutMs: TIMEOUT_MS, concurrency: CONCURRENCY, maxBodyBytes: 8 * 1024 * 1024, env: { TAGWIRE_MPARTICLE_URL: closed, TAGWIRE_SEGMENT_URL: closed, TAGWIRE_MPARTICLE_RATE_LIMIT: "off" } });
  });
  afterAll(() => unreachable.close());

  describe.each(ACTIONS)("%s", (action) => {
    it.each(VIAS)("via %s", async (via) => {
      const outcome = await runExecute(unreachable, "unreachable (connection refused)", action, via);
      const f = outcome.figures;
      const valid = LOOKS[via].valid.length;
      expectConsistent(outcome);
      expect(outcome.looker.success).toBe(false);
      expect(f.rows).toMatchObject({ delivered: 0, failed: valid });
      expect(f.failedReasons).toEqual([{ reason: "network error ECONNREFUSED", count: valid, retried: true, rows: via === "inline" ? expect.stringMatching(/^1-9, 11-19, 21-29, /) : `1-${ROWS}` }]);
      expect(f.byStatus).toEqual({ network: f.requests });
      expect(f.requests % (RETRY.maxRetries! + 1)).toBe(0);
      expect(outcome.looker.message).toContain(`failed after retries (network error ECONNREFUSED: rows ${f.failedReasons[0]!.rows})`);
      record(outcome, 0);
    });
  });
});

describe("SIGTERM while batches are in flight", () => {
  it("every execute completes and answers Looker, every row is delivered or reported, the process exits 0", async () => {
    const emulators = await startEmulators({ port: 0, faults: { mparticle: { latencyMs: 120, statusRates: { 503: 0.2 }, seed: 21 }, segment: { latencyMs: 120, statusRates: { 503: 0.2 }, seed: 23 } } });
    const server = await startServerProcess({
      TAGWIRE_MPARTICLE_URL: emulators.url,
      TAGWIRE_SEGMENT_URL: emulators.url,
      TAGWIRE_MPARTICLE_RATE_LIMIT: "off",
      TAGWIRE_RETRY_MAX: String(RETRY.maxRetries),
      TAGWIRE_RETRY_BASE_MS: String(RETRY.baseDelayMs),
      TAGWIRE_RETRY_MAX_DELAY_MS: String(RETRY.maxDelayMs),
      TAGWIRE_REQUEST_TIMEOUT_MS: "5000",
      TAGWIRE_CONCURRENCY: String(CONCURRENCY),
      TAGWIRE_KEEPALIVE_MS: "100",
    });
    try {
      const settings = { mparticle: emulators.credentials("mparticle").settings, segment_event: emulators.credentials("segment").settings };
      const combos = ACTIONS.flatMap((action) => VIAS.map((via) => ({ action, via, id: `sigterm-${action}-${via}` })));
      const started = performance.now();
      const replies = combos.map(async ({ action, via, id }) => {
        const res = await fetch(`${server.url}/actions/${action}/execute`, {
          method: "POST",
          headers: { authorization: `Token token="${server.secret}"`, "content-type": "application/json", "x-request-id": id, "x-looker-webhook-id": `run-${id}` },
          body: JSON.stringify(bodyFor(action, via, settings[action])),
        });
        return { status: res.status, text: await res.text(), seconds: (performance.now() - started) / 1000 };
      });
      // SIGTERM once both destinations are receiving batches.
      const sending = await waitFor(() => server.lines().filter((l) => l.includes('"execute started"')).length === 4 && emulators.state()["mparticle"]!.requests > 0 && emulators.state()["segment"]!.requests > 0, 10_000, 5);
      expect(sending, server.stderr()).toBe(true);
      server.child.kill("SIGTERM");
      const answers = await Promise.all(replies);
      expect(await server.exited).toBe(0);
      expect(server.stderr()).toBe("");

      const entries = server.entries();
      // The delivery settings came from the environment.
      expect(entries[0]).toMatchObject({ msg: "action server listening", delivery: { retry: RETRY, requestTimeoutMs: 5_000, concurrency: CONCURRENCY } });
      const msgs = entries.map((e) => e["msg"] as string);
      const shutdownAt = msgs.indexOf("shutting down: finishing executes in flight");
      expect(shutdownAt).toBeGreaterThan(0);
      expect(msgs.at(-1)).toBe("stopped");
      const outcomes = combos.map(({ action, via, id }, i): Outcome => {
        const finishedAt = entries.findIndex((e) => e["requestId"] === id && e["msg"] === "execute finished");
        // Each execute was still sending when the signal came, and finished afterwards.
        expect(finishedAt, id).toBeGreaterThan(shutdownAt);
        const answer = answers[i]!;
        return { scenario: "SIGTERM mid-send (process)", action, via, status: answer.status, looker: JSON.parse(answer.text).looker, figures: entries[finishedAt] as unknown as Figures, seconds: answer.seconds };
      });
      for (const o of outcomes) {
        expectConsistent(o);
        expect(o.figures.rows).toMatchObject({ delivered: LOOKS[o.via].valid.length, failed: 0 });
        expect(o.looker.success).toBe(o.via === "download_url");
      }
      for (const action of ACTIONS) {
        const mine = outcomes.filter((o) => o.action === action);
        const connector = CONNECTOR[action];
        const duplicates = expectExactlyOnce(emulators, connector, mine);
        expect(emulators.state()[connector]!.requests).toBe(mine.reduce((s, o) => s + o.figures.requests, 0));
        mine.forEach((o, i) => record(o, i === 0 ? duplicates : 0));
      }
      for (const line of server.lines()) expect(line).not.toContain(server.secret);
    } finally {
      server.kill();
      await emulators.close();
    }
  });
});
