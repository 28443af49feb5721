// A run asked to stop: it reads no further, sends nothing new, gives requests in flight a grace
// period, and returns a report in which every row read is accounted for. The transport is a stub
// whose answers the test holds back; the connector is the real Braze manifest (50 records a request).

import * as Effect from "effect/Effect";
import { describe, expect, it } from "vitest";
import { findConnector, loadConnectors, readLook, summarize, NOT_SENT, type AttemptResult, type RunInput, type RunReport, type Transport } from "../../src/index.js";
import { field } from "../support/look-builder.js";
import { runLookAlone } from "../support/run-alone.js";

const braze = findConnector(loadConnectors(), "braze");
const settings = Object.fromEntries(braze.manifest.settings.map((s) => [s.name, s.choices?.[0]?.value ?? `key-for-${s.name}`]));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A Braze Look of `count` rows whose text arrives in `pieces` parts, `gapMs` apart. */
async function* slowLook(count: number, pieces: number, gapMs: number): AsyncGenerator<string> {
  const data = Array.from({ length: count }, (_, i) => ({ "users.id": { value: `u-${i + 1}` }, "users.plan": { value: "gold" } }));
  const fields = { dimensions: [field("users.id", ["braze_id"]), field("users.plan", ["braze_attribute"])], measures: [], table_calculations: [], pivots: [] };
  const text = JSON.stringify({ id: "q", ran_at: "2026-11-01T10:00:00Z", fields, data });
  const size = Math.ceil(text.length / pieces);
  for (let at = 0; at < text.length; at += size) {
    yield text.slice(at, at + size);
    await sleep(gapMs);
  }
}

/** Answers each request with `answer` after `delayMs` (never, when `delayMs` is infinite). */
function slowTransport(delayMs: number, answer: AttemptResult = { kind: "response", status: 201, headers: {}, body: '{"message":"success"}' }): Transport & { posted: number } {
  const t = {
    posted: 0,
    async post(): Promise<AttemptResult> {
      t.posted++;
      if (!Number.isFinite(delayMs)) return new Promise<AttemptResult>(() => undefined);
      await sleep(delayMs);
      return answer;
    },
    close: () => undefined,
  };
  return t;
}

function start(look: AsyncIterable<string>, transport: Transport, stop: AbortController, graceMs: number, input: Partial<RunInput> = {}): Promise<RunReport> {
  return Effect.runPromise(
    runLookAlone({
      connector: braze, look: readLook(look), settings, options: {}, runId: "run-1", env: {}, transport, rateLimit: "off", concurrency: 2,
      stop: { signal: stop.signal, graceMs }, ...input,
    }),
  );
}

const addsUp = (r: RunReport) => expect(r.rows.delivered + r.rows.rejected + r.rows.failed).toBe(r.rows.read);

describe("a run asked to stop", () => {
  it.each([0, 1])("reads no further, lets the requests in flight be answered, and fails the rows read but not sent (%i worker threads)", async (workers) => {
    const stop = new AbortController();
    const transport = slowTransport(300);
    const pending = start(slowLook(2000, 40, 30), transport, stop, 5_000, { workers });
    await sleep(150);
    const askedAt = Date.now();
    stop.abort("interrupted");
    const report = await pending;
    // The requests out at the stop were answered (300 ms), well inside the grace period.
    expect(Date.now() - askedAt).toBeLessThan(1_500);
    expect(report.stopped).toEqual({ by: "interrupted", lookReadToEnd: false });
    expect(report.rows.read).toBeGreaterThan(0);
    expect(report.rows.read).toBeLessThan(2000);
    expect(report.rows.delivered).toBe(transport.posted * 50);
    const notSent = report.failed.find((g) => g.reason === NOT_SENT);
    expect(notSent?.count).toBe(report.rows.read - report.rows.delivered);
    expect(notSent?.rows).toBe(`${report.rows.delivered + 1}-${report.rows.read}`);
    addsUp(report);
    expect(report.success).toBe(false);
    expect(report.requests.pacedMs).toBeLessThanOrEqual(report.durationMs);
    expect(summarize(report)).toMatch(new RegExp(`^Braze: the run was interrupted before the Look was read to its end \\(rows after row [\\d,]+ were not read\\); ${report.rows.delivered} of [\\d,]+ rows delivered; [\\d,]+ failed \\(not sent: the run was stopped: rows \\d+-\\d+\\)`));
  });

  it("abandons a request not answered within the grace period, and says it may have been delivered", async () => {
    const stop = new AbortController();
    const transport = slowTransport(Number.POSITIVE_INFINITY);
    const pending = start(slowLook(120, 3, 0), transport, stop, 200, { concurrency: 1 });
    await sleep(100);
    const askedAt = Date.now();
    stop.abort("shutdown");
    const report = await pending;
    const took = Date.now() - askedAt;
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(1_000);
    expect(transport.posted).toBe(1);
    expect(report.stopped).toEqual({ by: "shutdown", lookReadToEnd: true });
    expect(report.rows).toEqual({ read: 120, delivered: 0, rejected: 0, failed: 120 });
    expect(report.failed).toEqual([
      { reason: "no answer within 0.2 s of the run being stopped: the request was abandoned, and may have been delivered", count: 50, retried: false, rows: "1-50" },
      { reason: NOT_SENT, count: 70, retried: false, rows: "51-120" },
    ]);
    expect(summarize(report)).toMatch(/^Braze: the run was stopped by a shutdown; 0 of 120 rows delivered; 120 failed/);
  });

  it("gives up at once a batch waiting to be tried again, with its last answer as the reason", async () => {
    const stop = new AbortController();
    const transport = slowTransport(0, { kind: "response", status: 503, headers: {}, body: "" });
    const pending = start(slowLook(50, 1, 0), transport, stop, 10_000, { retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 } });
    await sleep(100);
    const askedAt = Date.now();
    stop.abort("interrupted");
    const report = await pending;
    expect(Date.now() - askedAt).toBeLessThan(500);
    expect(report.failed).toEqual([{ reason: "HTTP 503; not tried again: the run was stopped", status: 503, count: 50, retried: false, rows: "1-50" }]);
    addsUp(report);
  });

  it("a stop after the last answer changes nothing: the report is a finished run's", async () => {
    const stop = new AbortController();
    const report = await start(slowLook(100, 2, 0), slowTransport(0), stop, 1_000);
    stop.abort("interrupted");
    expect(report.stopped).toBeUndefined();
    expect(report.success).toBe(true);
  });

  it("a stop before the Look's fields arrive is a source error: nothing was sent", async () => {
    const stop = new AbortController();
    stop.abort("shutdown");
    const never: AsyncIterable<string> = { [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<string>>(() => undefined) }) };
    await expect(start(never, slowTransport(0), stop, 1_000)).rejects.toThrow(/stopped before the Look's fields arrived/);
  });
});
