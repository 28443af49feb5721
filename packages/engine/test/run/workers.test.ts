// Rows parsed and transformed on worker threads must come out exactly as on the run's own
// thread: the same records, the same report, every row accounted for. The workers load the
// engine's build (dist), which `npm install` produces.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import * as Effect from "effect/Effect";
import {
  connectorsDir,
  findConnector,
  loadConnectors,
  lookSourceFromString,
  readLook,
  runLook,
  type Connector,
  type RunReport,
  type Transport,
} from "../../src/index.js";
import { WorkerRun } from "../../src/run/row-workers.js";
import { RequestShape } from "../../src/batch/batcher.js";
import { JsonDetailParser } from "../../src/look/json-detail-parser.js";
import { ChunkProcessor } from "../../src/run/chunk-processor.js";
import { planOk } from "../support/send.js";

const connectors = loadConnectors();

/** Accepts every request and keeps the records each body carried. */
function capturingTransport(): Transport & { records: unknown[]; requests: number } {
  const t = {
    records: [] as unknown[],
    requests: 0,
    post: async (_url: string, body: string | Buffer) => {
      t.requests++;
      const parsed = JSON.parse(String(body)) as unknown;
      const items = Array.isArray(parsed) ? parsed : Object.values(parsed as Record<string, unknown>).find(Array.isArray);
      t.records.push(...(items as unknown[]));
      return { kind: "response" as const, status: 200, headers: {}, body: "" };
    },
    close: () => undefined,
  };
  return t;
}

const settingsFor = (c: Connector) => Object.fromEntries(c.manifest.settings.map((s) => [s.name, s.choices?.[0]?.value ?? "secret-value"]));

async function run(connector: Connector, look: string, options: Record<string, string>, workers: number, sliceBytes: number) {
  const transport = capturingTransport();
  const report = await Effect.runPromise(
    runLook({
      connector,
      look: readLook(lookSourceFromString(look, sliceBytes), { raw: true }),
      settings: settingsFor(connector),
      options,
      runId: "same-run",
      env: {},
      transport,
      rateLimit: "off",
      workers,
    }),
  );
  return { report, records: transport.records, requests: transport.requests };
}

/** A Look's `data` repeated until it has at least `rows` rows. */
function repeated(look: { data: unknown[] }, rows: number): string {
  const data: unknown[] = [];
  while (data.length < rows) data.push(...look.data);
  return JSON.stringify({ ...look, data });
}

const sortedJson = (records: unknown[]) => records.map((r) => JSON.stringify(r)).sort();
const accounted = (r: RunReport) => r.rows.delivered + r.rows.rejected + r.rows.failed;
const comparable = (r: RunReport) => ({ rows: r.rows, rejected: r.rejected, warnings: r.warnings, failed: r.failed, sourceError: r.sourceError });

const fixtures = connectors.flatMap((connector) => {
  const dir = join(connectorsDir, connector.id, "fixtures");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".look.json"))
    .map((f) => ({ connector, name: f.replace(/\.look\.json$/, ""), look: JSON.parse(readFileSync(join(dir, f), "utf8")) as { data: unknown[] }, expected: JSON.parse(readFileSync(join(dir, f.replace(".look.json", ".expected.json")), "utf8")) as { options?: Record<string, string> } }));
});

describe("rows on worker threads", () => {
  it.each(fixtures.map((f) => [`${f.connector.id}/${f.name}`, f] as const))("%s: the same records and report as on the run's thread, over many chunks", async (_, f) => {
    // ~2,000 rows cut into 4 KiB slices: many chunks, spread over the workers and packed in each.
    // The fixture's rows repeat, so identical records must get the ids an inline run gives them
    // (counted over the whole run), whichever worker transformed them.
    const look = repeated(f.look, 2_000);
    const options = f.expected.options ?? {};
    const inline = await run(f.connector, look, options, 0, 4096);
    for (const workers of [1, 2]) {
      const threaded = await run(f.connector, look, options, workers, 4096);
      expect(threaded.report.rows.read).toBe(inline.report.rows.read);
      expect(comparable(threaded.report)).toEqual(comparable(inline.report));
      expect(sortedJson(threaded.records)).toEqual(sortedJson(inline.records));
      expect(accounted(threaded.report)).toBe(threaded.report.rows.read);
      // Each worker's last request may be part-filled: at most one more request per worker.
      expect(threaded.requests).toBeGreaterThanOrEqual(inline.requests);
      expect(threaded.requests).toBeLessThanOrEqual(inline.requests + workers);
    }
  });

  it("a malformed row stops the Look at that row, and every row read is accounted for", async () => {
    const mparticle = findConnector(connectors, "mparticle");
    const f = fixtures.find((x) => x.connector.id === "mparticle" && x.name === "user-profiles")!;
    const rows = JSON.parse(repeated(f.look, 3_000)) as { data: unknown[] };
    const text = JSON.stringify(rows);
    // Break row 1,500 inside a string value: still one balanced value, so only JSON.parse sees it.
    const marker = JSON.stringify(rows.data[1_499]);
    const start = nthIndexOf(text, marker, countBefore(rows.data, 1_499, marker));
    const broken = `${text.slice(0, start)}${marker.replace(/":"/, '":"\\x')}${text.slice(start + marker.length)}`;
    const { report } = await run(mparticle, broken, f.expected.options ?? {}, 2, 4096);
    expect(report.sourceError).toMatch(/malformed .*row 1500\b/);
    expect(report.success).toBe(false);
    expect(accounted(report)).toBe(report.rows.read);
    expect(report.rows.read).toBeGreaterThanOrEqual(1_499);
  });

  it("rows a worker cannot process are reported failed with the reason, not dropped", async () => {
    const mparticle = findConnector(connectors, "mparticle");
    const f = fixtures.find((x) => x.connector.id === "mparticle" && x.name === "user-profiles")!;
    const parser = new JsonDetailParser();
    const raw = parser.pushRaw(JSON.stringify(f.look))!;
    parser.endRaw();
    const shape = new RequestShape(mparticle.manifest.wire.envelope);
    const { validateRecord: _, ...connector } = mparticle;
    // A plan without the fields it needs cannot be rebuilt in the worker: every chunk fails there.
    const workers = new WorkerRun(
      {
        connector,
        planInput: { fields: { dimensions: [], measures: [], table_calculations: [], pivots: [] }, options: f.expected.options ?? {} },
        validateRecords: true,
        run: { runId: "r", action: "", workspace: "w", ranAt: "2026-11-01T10:00:00Z", ranAtMs: 0 },
        packing: { limits: mparticle.manifest.wire.limits, room: shape.room, label: mparticle.manifest.label },
      },
      1,
      () => {
        throw new Error("the worker started: its rows are not processed here");
      },
    );
    const result = await workers.process(raw, 1);
    const finished = await workers.finish();
    expect(result.read).toBe(f.look.data.length);
    expect(result.lost?.rows).toEqual(f.look.data.map((_, i) => i + 1));
    expect(result.lost?.reason).toMatch(/plan/);
    expect(result.packed).toEqual([]);
    expect(finished.packed).toEqual([]);
  });
});

describe("a worker thread that cannot start", () => {
  it("costs speed, not rows: the run goes on on its own thread with the same records", async () => {
    const mparticle = findConnector(connectors, "mparticle");
    const f = fixtures.find((x) => x.connector.id === "mparticle" && x.name === "events")!;
    const look = repeated(f.look, 1_000);
    const options = f.expected.options ?? {};
    const parser = new JsonDetailParser();
    const raw = parser.pushRaw(look)!;
    parser.endRaw();
    const program = planOk(mparticle, { fields: parser.header!.fields, options }).program;
    const run = { runId: "r", action: "", workspace: "w", ranAt: "2026-11-01T10:00:00Z", ranAtMs: Date.parse("2026-11-01T10:00:00Z") };
    const packing = { limits: mparticle.manifest.wire.limits, room: new RequestShape(mparticle.manifest.wire.envelope).room, label: mparticle.manifest.label };
    const { validateRecord: _, ...connector } = mparticle;
    let fallbacks = 0;
    const workers = new WorkerRun(
      { connector, planInput: { fields: parser.header!.fields, options }, validateRecords: true, run, packing },
      1,
      () => {
        fallbacks++;
        return new ChunkProcessor(program, run, packing);
      },
      new URL("./no-such-worker.js", import.meta.url),
    );
    const result = await workers.process(raw, 1);
    const { packed, lost } = await workers.finish();
    const expected = new ChunkProcessor(program, run, packing);
    const inline = expected.raw(parseCopy(look), 1);
    const inlineLast = expected.flush();
    expect(fallbacks).toBe(1);
    expect(lost).toEqual([]);
    expect(result.read).toBe(inline.read);
    expect(result.rejected).toEqual(inline.rejected);
    const text = (ps: ReadonlyArray<{ payload: Uint8Array }>) => ps.map((p) => Buffer.from(p.payload).toString());
    expect(text([...result.packed, ...packed])).toEqual(text([...inline.packed, ...(inlineLast ? [inlineLast] : [])]));
  });
});

describe("a worker thread's code", () => {
  it("does not load the Effect runtime, which costs about 11 MB a thread", () => {
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const [, spec] of readFileSync(file, "utf8").matchAll(/^(?:import|export)\s(?!type\s)[^;]*?from\s+"([^"]+)"/gms)) {
        if (spec!.startsWith(".")) visit(join(dirname(file), spec!.replace(/\.js$/, ".ts")));
        else packages.add(spec!.split("/")[0]!);
      }
    };
    visit(join(import.meta.dirname, "../../src/run/row-worker.ts"));
    expect(seen.size).toBeGreaterThan(10);
    expect([...packages].filter((p) => p === "effect" || p.startsWith("@effect"))).toEqual([]);
  });
});

/** The Look's rows, cut again (the first cut's buffer went to the worker that failed, or not). */
function parseCopy(look: string) {
  const parser = new JsonDetailParser();
  const raw = parser.pushRaw(look)!;
  parser.endRaw();
  return raw;
}

function countBefore(data: unknown[], index: number, marker: string): number {
  return data.slice(0, index).filter((d) => JSON.stringify(d) === marker).length;
}

function nthIndexOf(text: string, needle: string, n: number): number {
  let at = -1;
  for (let i = 0; i <= n; i++) at = text.indexOf(needle, at + 1);
  return at;
}
