// Rows parsed and transformed on worker threads must come out exactly as on the run's own
// thread: the same records, the same report, every row accounted for. The workers load the
// engine's build (dist), which `npm install` produces.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it, afterAll } from "vitest";
import * as Effect from "effect/Effect";
import * as ManagedRuntime from "effect/ManagedRuntime";
import { connectorsDir, engineLayer, findConnector, loadConnectors, lookSourceFromString, readLook, runLook, type Connector, type RunInput, type RunObserver, RunObserverService, type RunReport, type Transport } from "../../src/index.js";
import { RowWorkerPool, WorkerRun } from "../../src/run/row-workers.js";
import { MemoryBudget, MemoryBudgetService, type MemoryBudgetFigures } from "../../src/run/memory-budget.js";
import { RequestShape } from "../../src/batch/batcher.js";
import { JsonDetailParser } from "../../src/look/json-detail-parser.js";
import { ChunkProcessor, type ChunkResult } from "../../src/run/chunk-processor.js";
import { workerStage } from "../../src/run/row-stage.js";
import { rowCount, type RawRows } from "../../src/look/raw-rows.js";
import { planOk } from "../support/send.js";
import { runLookAlone } from "../support/run-alone.js";
import { rawChunksOf } from "../look/look-fixtures.js";

/** The threads the tests below start themselves, stopped once they are done. */
const pool = new RowWorkerPool();
afterAll(() => pool.close());

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
    runLookAlone({
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
    const program = planOk(mparticle, { fields: parser.header!.fields, options: f.expected.options ?? {} }).program.spec;
    // A wire schema the worker cannot find: the run cannot be opened there, so every chunk fails there.
    const workers = new WorkerRun(
      pool,
      {
        connector: { ...connector, manifest: { ...connector.manifest, wire: { ...connector.manifest.wire, recordSchema: "no-such-schema.json" } } },
        program,
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
    expect(result.lost?.reason).toMatch(/no-such-schema\.json/);
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
      pool,
      { connector, program: program.spec, validateRecords: true, run, packing },
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

describe("chunks the run's thread takes itself", () => {
  /** The Look cut into chunks of raw rows, each with the number of its first row. */
  function chunksOf(look: string): { fields: Parameters<typeof planOk>[1]["fields"]; chunks: Array<{ rows: RawRows; firstRow: number }> } {
    const parser = new JsonDetailParser();
    const raws = rawChunksOf(parser, look, 4096);
    let firstRow = 1;
    const chunks = raws.map((rows) => {
      const chunk = { rows, firstRow };
      firstRow += rowCount(rows);
      return chunk;
    });
    return { fields: parser.header!.fields, chunks };
  }

  const recordsOf = (packed: ReadonlyArray<{ payload: Uint8Array }>) => packed.flatMap((p) => JSON.parse(`[${Buffer.from(p.payload).toString()}]`) as unknown[]);

  it.each(fixtures.map((f) => [`${f.connector.id}/${f.name}`, f] as const))("%s: taken between the worker's, the same records, ids and rejections as all on one thread", async (_, f) => {
    // The fixture's rows repeat: a repeat taken here and its first occurrence on the worker (or the
    // other way round) must get the ids one thread gives them.
    const look = repeated(f.look, 1_500);
    const options = f.expected.options ?? {};
    const { fields, chunks } = chunksOf(look);
    const program = planOk(f.connector, { fields, options }).program;
    const run = { runId: "r", action: "a", workspace: "w", ranAt: "2026-11-01T10:00:00Z", ranAtMs: Date.parse("2026-11-01T10:00:00Z") };
    const packing = { limits: f.connector.manifest.wire.limits, room: new RequestShape(f.connector.manifest.wire.envelope).room, label: f.connector.manifest.label };
    const { validateRecord: _v, ...connector } = f.connector;
    const workers = new WorkerRun(pool, { connector, program: program.spec, validateRecords: true, run, packing }, 1, () => new ChunkProcessor(program, run, packing, false));
    let asked = 0;
    let here = 0;
    const stage = workerStage(workers, 1, undefined, () => {
      asked++;
      return asked % 2 === 0 && ++here > 0;
    });
    const results: ChunkResult[] = [];
    for (const c of chunks) results.push(...(await Effect.runPromise(stage.push(c.rows, c.firstRow))));
    const rest = await Effect.runPromise(stage.finish);
    results.push(...rest.results);

    const expected = new ChunkProcessor(program, run, packing);
    const inline = chunksOf(look).chunks.map((c) => expected.raw(c.rows, c.firstRow));
    const inlineLast = expected.flush();
    expect(chunks.length).toBeGreaterThan(4);
    expect(here).toBeGreaterThan(1);
    expect(here).toBeLessThan(chunks.length - 1);
    expect(rest.lost).toEqual([]);
    expect(results.map((r) => r.read)).toEqual(inline.map((r) => r.read));
    expect(results.flatMap((r) => r.rejected)).toEqual(inline.flatMap((r) => r.rejected));
    expect(results.flatMap((r) => r.warnings)).toEqual(inline.flatMap((r) => r.warnings));
    const got = recordsOf([...results.flatMap((r) => r.packed), ...rest.packed]);
    const want = recordsOf([...inline.flatMap((r) => r.packed), ...(inlineLast ? [inlineLast] : [])]);
    expect(got.length).toBeGreaterThan(0);
    expect(sortedJson(got)).toEqual(sortedJson(want));
  });
});

describe("a worker thread's code", () => {
  /** The source files and packages the row worker's module loads (type-only imports aside). */
  function workerGraph(): { files: Set<string>; packages: Set<string> } {
    const files = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (files.has(file)) return;
      files.add(file);
      for (const [, spec] of readFileSync(file, "utf8").matchAll(/^(?:import|export)\s(?!type\s)[^;]*?from\s+"([^"]+)"/gms)) {
        if (spec!.startsWith(".")) visit(join(dirname(file), spec!.replace(/\.js$/, ".ts")));
        else packages.add(spec!.split("/")[0]!);
      }
    };
    visit(join(import.meta.dirname, "../../src/run/row-worker.ts"));
    return { files, packages };
  }

  it("does not load the Effect runtime, which costs about 11 MB a thread", () => {
    const { files, packages } = workerGraph();
    expect(files.size).toBeGreaterThan(10);
    expect([...packages].filter((p) => p === "effect" || p.startsWith("@effect"))).toEqual([]);
  });

  it("does not plan: it compiles the program the run planned", () => {
    const { files } = workerGraph();
    expect(files.has(join(import.meta.dirname, "../../src/transform/program.ts"))).toBe(true);
    expect(files.has(join(import.meta.dirname, "../../src/plan/plan.ts"))).toBe(false);
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

describe("rows in flight to the workers", () => {
  const mparticle = findConnector(connectors, "mparticle");
  const profiles = fixtures.find((x) => x.connector.id === "mparticle" && x.name === "user-profiles")!;
  const options = profiles.expected.options ?? {};

  /** Rows that each carry a hidden column of many small objects: a few KB of text, far more to parse and hold. */
  function objectDense(rows: number, objectsPerRow: number): string {
    const look = profiles.look as { fields: { dimensions: unknown[] } & Record<string, unknown>; data: Array<Record<string, unknown>> };
    const history = Array.from({ length: objectsPerRow }, (_, i) => ({ n: i, k: "v" }));
    const data = Array.from({ length: rows }, (_, i) => ({ ...look.data[0], "users.id": { value: i + 1 }, "users.email": { value: `u${i}@example.com` }, "users.history": { value: history } }));
    const fields = { ...look.fields, dimensions: [...look.fields.dimensions, { name: "users.history", label: "History", tags: [], type: "string", view: "users" }] };
    return JSON.stringify({ ...look, fields, data });
  }

  /** A budget that remembers the most it ever had charged. */
  class Watched extends MemoryBudget {
    peak = 0;
    override tryAcquire(bytes: number): boolean {
      const ok = super.tryAcquire(bytes);
      this.peak = Math.max(this.peak, this.bytesInUse);
      return ok;
    }
    override acquire(bytes: number) {
      return Effect.tap(super.acquire(bytes), () => void (this.peak = Math.max(this.peak, this.bytesInUse)));
    }
  }

  const shared = ManagedRuntime.make(engineLayer());
  afterAll(() => shared.dispose());

  /** The Look's bytes in 64 KB slices; `onRead` hears how many have been read so far. */
  async function* slices(look: string, onRead: (bytes: number) => void) {
    let read = 0;
    for await (const slice of lookSourceFromString(look, 64 * 1024)) {
      read += slice.length;
      onRead(read);
      yield slice;
    }
  }

  async function runDense(look: string, budget: MemoryBudget, onMemoryWait?: RunObserver["memoryWait"], onRead: (bytes: number) => void = () => undefined) {
    const transport = capturingTransport();
    const started = performance.now();
    // Runs at once share the worker threads, as a server's executes do.
    const report = await shared.runPromise(
      runLook({ connector: mparticle, look: readLook(slices(look, onRead), { raw: true }), settings: settingsFor(mparticle), options, hiddenFields: ["users.history"], env: {}, transport, rateLimit: "off", workers: 1 }).pipe(
        Effect.provideService(MemoryBudgetService, budget),
        // The run's observer is told of each wait for room in the budget.
        onMemoryWait === undefined ? (run) => run : Effect.provideService(RunObserverService, { attempt: () => undefined, memoryWait: onMemoryWait }),
      ),
    );
    return { report, records: transport.records.length, ms: performance.now() - started };
  }

  it("are charged to the process's budget: two object-dense runs under a small budget both deliver every row, never over it, and the waits are reported", async () => {
    const budget = new Watched(160 * 1024);
    const waits: number[] = [];
    const told = new Set<MemoryBudgetFigures>();
    const onWait = (ms: number, _bytes: number, figures: MemoryBudgetFigures) => {
      waits.push(ms);
      told.add(figures);
    };
    const look = objectDense(1_500, 300);
    const [a, b] = await Promise.all([runDense(look, budget, onWait), runDense(look, budget, onWait)]);
    for (const r of [a, b]) {
      expect(r.report.rows).toEqual({ read: 1_500, delivered: 1_500, rejected: 0, failed: 0 });
      expect(r.records).toBe(1_500);
    }
    console.log(`two object-dense runs, budget ${budget.limit} bytes: at most ${budget.peak} charged, ${waits.length} waits`);
    expect(budget.peak).toBeGreaterThan(0);
    expect(budget.peak).toBeLessThanOrEqual(budget.limit);
    expect(budget.bytesInUse).toBe(0);
    expect(waits.length).toBeGreaterThan(0);
    // A wait is told with the budget it waited for, whose figures the server logs.
    expect([...told]).toEqual([budget]);
  }, 60_000);

  it("a small run beside a large object-dense one finishes while the large one is still going: the large one keeps only about 2 MB in flight, not thousands of rows", async () => {
    const budget = new MemoryBudget(512 * 1024 * 1024);
    const large = objectDense(4_000, 400);
    const small = repeated(profiles.look, 4);
    // The small run starts once the large one has read a third of its Look: its chunks have kept the worker busy.
    let readThird: () => void = () => undefined;
    const third = new Promise<void>((resolve) => (readThird = resolve));
    const bigRun = runDense(large, budget, undefined, (bytes) => bytes >= large.length / 3 && readThird());
    await third;
    const smallRun = await runDense(small, budget);
    const bigDone = await bigRun;
    console.log(`object-dense run of ${(large.length / 2 ** 20).toFixed(0)} MB: ${bigDone.ms.toFixed(0)} ms; a 4-row run beside it: ${smallRun.ms.toFixed(0)} ms`);
    expect(smallRun.report.rows.delivered + smallRun.report.rows.rejected).toBe(smallRun.report.rows.read);
    expect(bigDone.report.rows.delivered).toBe(4_000);
    expect(smallRun.ms).toBeLessThan(bigDone.ms / 3);
  }, 60_000);
});
