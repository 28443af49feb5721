// How long reading and sending each took, as a run reports them: a downloaded Look read ahead
// through the spool ends its reading long before its sending, one read at the run's pace ends
// with it, and the summary and the history say both.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as Effect from "effect/Effect";
import * as ManagedRuntime from "effect/ManagedRuntime";
import { afterAll, describe, expect, it } from "vitest";
import { findConnector, loadConnectors, readLook, spoolLayer, SpoolService, summarize, type AttemptResult, type RunReport, type Spools, type Transport } from "../../src/index.js";
import { finishedRun } from "../../src/sync/run-history.js";
import { field } from "../support/look-builder.js";
import { runLookAlone } from "../support/run-alone.js";

const braze = findConnector(loadConnectors(), "braze");
const settings = Object.fromEntries(braze.manifest.settings.map((s) => [s.name, s.choices?.[0]?.value ?? `key-for-${s.name}`]));
const OK: AttemptResult = { kind: "response", status: 201, headers: {}, body: '{"message":"success"}' };
const ROWS = 1_000;

const dir = mkdtempSync(join(tmpdir(), "tagwire-spool-timing-"));
const runtimes: Array<ManagedRuntime.ManagedRuntime<SpoolService, never>> = [];
afterAll(async () => {
  await Promise.all(runtimes.map((r) => r.dispose()));
  rmSync(dir, { recursive: true, force: true });
});

async function spools(maxBytes: number): Promise<Spools> {
  // Never held for the run's pace (the first half second would be): the disk's timing is what is looked at.
  const runtime = ManagedRuntime.make(spoolLayer({ dir, maxBytes }, { sizes: { windowBytes: 8 * 1024, blockBytes: 16 * 1024, partBytes: 32 * 1024, paceBytesPerSecond: 0 } }));
  runtimes.push(runtime);
  return runtime.runPromise(SpoolService);
}

function brazeLook(count: number): Buffer {
  const data = Array.from({ length: count }, (_, i) => ({ "users.id": { value: `u-${i + 1}` }, "users.plan": { value: "gold" } }));
  const fields = { dimensions: [field("users.id", ["braze_id"]), field("users.plan", ["braze_attribute"])], measures: [], table_calculations: [], pivots: [] };
  return Buffer.from(JSON.stringify({ id: "q", ran_at: "2026-11-01T10:00:00Z", fields, data }));
}

/** The Look as a download: 2 KiB chunks as fast as they are asked for; `ended` is when the last one was taken. */
function download(bytes: Buffer) {
  const state: { ended?: number } = {};
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (let at = 0; at < bytes.length; at += 2048) yield bytes.subarray(at, at + 2048);
    state.ended = performance.now();
  }
  return { source: chunks(), state };
}

/** Answers each request after `ms`: a destination slower than the download. */
const slowTransport = (ms: number): Transport => ({
  post: () => new Promise<AttemptResult>((resolve) => setTimeout(() => resolve(OK), ms)),
  close: () => undefined,
});

async function sendDownloaded(maxBytes: number): Promise<{ report: RunReport; ended: number; started: number }> {
  const { source, state } = download(brazeLook(ROWS));
  const spooled = (await spools(maxBytes)).open(source);
  const started = performance.now();
  const report = await Effect.runPromise(
    runLookAlone({ connector: braze, settings, options: {}, env: {}, rateLimit: "off", concurrency: 1, look: readLook(spooled, { raw: true }), download: spooled, transport: slowTransport(40) }),
  );
  return { report, ended: state.ended! - started, started };
}

describe("a run's reading and sending times", () => {
  it("through the spool: the download is read long before the sending ends, and the summary says both", async () => {
    const { report, ended } = await sendDownloaded(1024 * 1024);
    expect(report.rows.delivered).toBe(ROWS);
    expect(report.downloaded).toBe(true);
    // 20 requests one after the other at 40 ms each: the sending takes 800 ms or more; the download a few.
    expect(report.sendMs!).toBeGreaterThanOrEqual(780);
    expect(report.readMs!).toBeLessThan(report.sendMs! / 3);
    // The run's reading ended when the download did (measured from the run's start, a moment after `started`).
    expect(Math.abs(report.readMs! - ended)).toBeLessThan(50);
    expect(summarize(report)).toMatch(/^Braze: 1,000 of 1,000 rows delivered\. 20 requests, 0 retries, \d+\.\d s \(read in \d+\.\d s, sent in \d+\.\d s\)\.$/);
  });

  it("without a spool (TAGWIRE_SPOOL_MAX_BYTES=0): the download is read at the pace of the sending", async () => {
    const { report } = await sendDownloaded(0);
    expect(report.rows.delivered).toBe(ROWS);
    expect(report.downloaded).toBe(true);
    expect(report.readMs!).toBeGreaterThan(report.sendMs! * 0.7);
  });

  it("a Look that is not downloaded keeps its figures in the report and history, and its summary as it was", async () => {
    const report = await Effect.runPromise(
      runLookAlone({ connector: braze, settings, options: {}, env: {}, rateLimit: "off", concurrency: 1, look: readLook([brazeLook(200)], { raw: true }), transport: slowTransport(5) }),
    );
    expect(report.downloaded).toBeUndefined();
    expect(report.readMs).toBeGreaterThanOrEqual(0);
    expect(report.sendMs).toBeGreaterThan(0);
    expect(summarize(report)).toMatch(/^Braze: 200 of 200 rows delivered\. 4 requests, 0 retries, \d+\.\d s\.$/);
    const record = finishedRun({ runId: report.runId, connector: "braze", source: "file:look.json", startedAt: report.startedAt }, report);
    expect(record.readMs).toBe(report.readMs);
    expect(record.sendMs).toBe(report.sendMs);
  });

  it("a dry run sends nothing: no sending time", async () => {
    const report = await Effect.runPromise(runLookAlone({ connector: braze, settings, options: {}, env: {}, dryRun: true, look: readLook([brazeLook(10)], { raw: true }) }));
    expect(report.sendMs).toBeUndefined();
    expect(report.readMs).toBeDefined();
  });
});
