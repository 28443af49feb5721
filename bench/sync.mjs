// Change-only syncs end to end: one scheduled Look sent three times through a fresh action server
// per run (so each run's peak RSS is its own) into the local emulators, on a real state store.
// Per store: the Look stateless (TAGWIRE_DATABASE_URL=none), then the sync's first (full) run, its
// second run of the unchanged Look, and a third run with 1% of the rows changed. Each run checks
// what the emulator accepted against what the run had to send. Figures: docs/performance.md, "Syncs".
//
// Usage: node bench/sync.mjs [--rows 1000000] [--stores sqlite,postgres://postgres@127.0.0.1:5432/test]
//                            [--seed 1] [--server-node-args="..."] [--malloc-arena-max N] [--workers N]
//                            [--thread-heaps]  (each server thread's V8 heap peaks: bench/lib/thread-heaps.mjs)
// Postgres runs in a schema of its own, dropped at the end; SQLite in a temporary directory, removed.
// Needs a build. Exits 1 when a check fails, 2 on bad arguments.

import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, readFile, readdir, rm, stat } from "node:fs/promises";
import { once } from "node:events";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { startDownloadServer } from "./lib/download-server.mjs";
import { postExecute } from "./lib/looker-client.mjs";
import { ensureLook } from "./lib/looks.mjs";
import { dockerfileServer, mallocArenaEnv } from "./lib/dockerfile.mjs";
import { runBenchMain, startEmulators, startServerChild } from "./lib/processes.mjs";
import { benchSchema } from "./lib/postgres-schema.mjs";
import { selectRows } from "./lib/scenarios.mjs";

const MB = 1024 * 1024;
/** @param {number} n */
const round1 = (n) => Math.round(n * 10) / 10;
const EXECUTE_TIMEOUT_MS = 30 * 60_000;
/** Every this many rows, one is changed for the third run (1%). */
const CHANGE_EVERY = 100;
const INSTANCE = "bench.looker.example.com";
const ACTION = "mparticle";
const CONNECTOR = "mparticle";
const FORM = { data_type: "user_data", environment: "development" };

const progress = (/** @type {string} */ line) => process.stderr.write(`[sync ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function readOptions() {
  const { values } = parseArgs({
    strict: true,
    options: {
      rows: { type: "string", default: "1000000" },
      stores: { type: "string", default: "sqlite,postgres://postgres@127.0.0.1:5432/test" },
      seed: { type: "string", default: "1" },
      "server-node-args": { type: "string", default: dockerfileServer().nodeOptions },
      "malloc-arena-max": { type: "string" },
      workers: { type: "string" },
      "thread-heaps": { type: "boolean", default: false },
    },
  });
  const rows = selectRows(values.rows, false);
  if (rows.length !== 1) throw new Error("--rows takes one row count");
  const stores = values.stores.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const s of stores) if (!/^(sqlite|postgres(ql)?:\/\/.+)$/.test(s)) throw new Error(`--stores: "${s}" is neither sqlite nor a postgres:// URL`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer`);
  return { rows: rows[0], stores, seed, serverNodeArgs: values["server-node-args"].split(" ").filter((a) => a !== ""), allocatorEnv: mallocArenaEnv(values["malloc-arena-max"], values["server-node-args"]), workers: values.workers, threadHeaps: values["thread-heaps"] };
}

/**
 * A store of the bench's own: SQLite in a temporary directory, or a fresh schema on the Postgres
 * server (the URL's `search_path` names it), so nothing of the user's or another run's is read.
 * @param {string} store
 * @returns {Promise<{ name: string, env: Record<string, string>, remove: () => Promise<void> }>}
 */
async function openPlace(store) {
  if (store === "sqlite") {
    const dir = await mkdtemp(join(tmpdir(), "tagwire-sync-bench-"));
    return { name: "sqlite", env: { TAGWIRE_DATABASE_URL: "", TAGWIRE_STATE_DIR: dir }, remove: () => rm(dir, { recursive: true, force: true }) };
  }
  const schema = await benchSchema(store, "tagwire_sync_bench");
  return { name: "postgres", env: { TAGWIRE_DATABASE_URL: schema.url }, remove: schema.drop };
}

/**
 * A copy of the Look with every CHANGE_EVERY-th row's first name (an `mp_user_attribute`) set to a
 * value no row had, so exactly those rows' records change. The generator writes one row a line.
 * @param {string} path
 * @returns {Promise<{ path: string, changed: number }>}
 */
async function changedLook(path) {
  const out = `${path}.changed-1pct.json`;
  const writer = createWriteStream(out);
  let row = 0;
  let changed = 0;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    let text = line;
    if (line.startsWith('{"users.id"')) {
      if (row % CHANGE_EVERY === 0) {
        text = line.replace(/"users\.first_name":\{"value":(?:null|"[^"]*")\}/, `"users.first_name":{"value":"Changed ${row}"}`);
        if (text === line) throw new Error(`row ${row} of ${path} has no first name to change`);
        changed++;
      }
      row++;
    }
    if (!writer.write(`${text}\n`)) await once(writer, "drain");
  }
  writer.end();
  await once(writer, "finish");
  return { path: out, changed };
}

/**
 * Reads the run's figures from the Looker message (the engine's `summarize`).
 * @param {string} message
 */
function figures(message) {
  const num = (/** @type {string | undefined} */ s) => (s === undefined ? null : Number(s.replace(/,/g, "")));
  const head = /([\d,]+) of ([\d,]+) rows (?:to send )?delivered/.exec(message);
  const sync = /sync: ([\d,]+) new, ([\d,]+) changed, ([\d,]+) unchanged/.exec(message);
  return {
    delivered: num(head?.[1]),
    toSend: num(head?.[2]),
    new: num(sync?.[1]),
    changed: num(sync?.[2]),
    unchanged: num(sync?.[3]),
    rejected: num(/; ([\d,]+) rejected \(/.exec(message)?.[1]) ?? 0,
    failed: num(/; ([\d,]+) failed/.exec(message)?.[1]) ?? 0,
  };
}

/**
 * One execute of the scheduled plan through a fresh server.
 * @param {{ label: string, lookPath: string, rows: number, expectSent: number, storeEnv: Record<string, string> }} run
 * @param {{ emulators: import("./lib/processes.mjs").Emulators, downloads: import("./lib/download-server.mjs").DownloadServer, serverNodeArgs: string[], allocatorEnv: Record<string, string>, workers: string | undefined, threadHeaps: boolean }} ctx
 */
async function executeOnce(run, ctx) {
  await ctx.emulators.reset();
  const secret = randomBytes(24).toString("hex");
  /** @type {Record<string, string>} */
  const env = { ACTION_HUB_SECRET: secret, HOST: "127.0.0.1", TAGWIRE_DOWNLOAD_HOSTS: "127.0.0.1", TAGWIRE_MPARTICLE_URL: ctx.emulators.url, TAGWIRE_MPARTICLE_RATE_LIMIT: "off", ...ctx.allocatorEnv, ...run.storeEnv };
  if (ctx.workers !== undefined) env["TAGWIRE_WORKERS"] = ctx.workers;
  const heapsDir = ctx.threadHeaps ? await mkdtemp(join(tmpdir(), "tagwire-thread-heaps-")) : undefined;
  if (heapsDir !== undefined) env["TAGWIRE_BENCH_HEAPS_DIR"] = heapsDir;
  const nodeArgs = heapsDir === undefined ? ctx.serverNodeArgs : [...ctx.serverNodeArgs, `--import=${THREAD_HEAPS}`];
  const server = await startServerChild({ env, nodeArgs });
  try {
    const load = loadavg()[0];
    const emulatorsCpu0 = await ctx.emulators.cpuSeconds();
    const result = await postExecute({
      serverUrl: server.url,
      secret,
      action: ACTION,
      settings: ctx.emulators.credentials[CONNECTOR] ?? {},
      formParams: FORM,
      downloadUrl: ctx.downloads.urlFor(run.lookPath),
      webhookId: `bench-sync-${Date.now()}`,
      title: `bench sync ${run.rows}`,
      timeoutMs: EXECUTE_TIMEOUT_MS,
      instance: INSTANCE,
    });
    const peakRssMb = round1((await server.memory()).vmHwmBytes / MB);
    // CPU seconds of every thread, a steadier guide than rows/s on a shared machine: the server's
    // (a fresh process for each run) and what the emulators spent on this run.
    const cpuSec = { server: round1(await server.cpuSeconds()), emulators: round1((await ctx.emulators.cpuSeconds()) - emulatorsCpu0) };
    // What makes up the resident set, from the server's own 200 ms samples.
    const { peaks } = await server.stats();
    const peakMb = { heapUsed: Math.round(peaks.heapUsed / MB), heapTotal: Math.round(peaks.heapTotal / MB), external: Math.round(peaks.external / MB), arrayBuffers: Math.round(peaks.arrayBuffers / MB) };
    const accepted = (await ctx.emulators.state())[CONNECTOR]?.accepted ?? null;
    const f = figures(result.looker.message);
    const problems = [];
    if (result.status !== 200) problems.push(`HTTP ${result.status}`);
    if (accepted !== run.expectSent) problems.push(`emulator accepted ${accepted} records, expected ${run.expectSent}`);
    if (f.delivered !== accepted) problems.push(`server says ${f.delivered} delivered, emulator ${accepted}`);
    if (f.rejected > 0 || f.failed > 0) problems.push(`${f.rejected} rejected, ${f.failed} failed`);
    const rowsPerSec = Math.round(run.rows / (result.wallMs / 1000));
    const line = {
      label: run.label,
      rows: run.rows,
      sent: accepted,
      expectSent: run.expectSent,
      sync: f.new === null ? null : { new: f.new, changed: f.changed, unchanged: f.unchanged },
      wallSec: Math.round(result.wallMs) / 1000,
      rowsPerSec,
      peakRssMb,
      cpuSec,
      peakMb,
      loadAvg1: Math.round(load * 100) / 100,
      ok: problems.length === 0,
      problems,
      message: result.looker.message,
    };
    progress(`  ${run.label}: ${rowsPerSec.toLocaleString("en-US")} rows/s, ${line.wallSec} s, sent ${accepted}, CPU s server ${cpuSec.server} emulators ${cpuSec.emulators}, peak RSS ${peakRssMb} MB (heap used ${peakMb.heapUsed}, heap total ${peakMb.heapTotal}, external ${peakMb.external}, array buffers ${peakMb.arrayBuffers} MB)${line.ok ? "" : `; FAILED: ${problems.join("; ")}`}`);
    return line;
  } finally {
    await server.stop();
    if (heapsDir !== undefined) {
      const heaps = await threadHeapPeaks(heapsDir);
      progress(`    V8 heap peaks by thread (MB, total / used): ${heaps.map((h) => `${h.thread} ${h.total} / ${h.used}`).join("; ")}`);
      await rm(heapsDir, { recursive: true, force: true });
    }
  }
}

const THREAD_HEAPS = fileURLToPath(new URL("./lib/thread-heaps.mjs", import.meta.url));

/**
 * What each thread of a server wrote (bench/lib/thread-heaps.mjs): its V8 heap's peak size and use.
 * @param {string} dir
 * @returns {Promise<Array<{ thread: string, total: number, used: number }>>}
 */
async function threadHeapPeaks(dir) {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".json")).sort();
  return Promise.all(
    files.map(async (f) => {
      const p = JSON.parse(await readFile(join(dir, f), "utf8"));
      return { thread: p.thread, total: round1(p.heapTotalBytes / MB), used: round1(p.heapUsedBytes / MB) };
    }),
  );
}

/** The second run's end-to-end floor per store (rows/s). */
const SECOND_RUN_FLOOR = { sqlite: 50_000, postgres: 25_000 };
const PEAK_RSS_LIMIT_MB = 150;
/** The first run may be at most this much slower than the stateless one. */
const FIRST_RUN_SLOWDOWN = 0.15;

/**
 * The issue's targets against one store's four runs, one line each.
 * @param {Array<{ store: string, runs: Array<{ sent: number | null, expectSent: number, rowsPerSec: number, peakRssMb: number }>}>} results
 * @returns {string[]}
 */
function targets(results) {
  const mark = (/** @type {boolean} */ met) => (met ? "met" : "NOT MET");
  return results.flatMap(({ store, runs: [none, first, second, third] }) => {
    const floor = SECOND_RUN_FLOOR[/** @type {"sqlite" | "postgres"} */ (store)];
    const slowdown = 1 - first.rowsPerSec / none.rowsPerSec;
    const peak = Math.max(first.peakRssMb, second.peakRssMb, third.peakRssMb);
    return [
      `  ${store}: second run sends 0 records: ${second.sent} (${mark(second.sent === 0)})`,
      `  ${store}: second run >= ${floor.toLocaleString("en-US")} rows/s end to end: ${second.rowsPerSec.toLocaleString("en-US")} (${mark(second.rowsPerSec >= floor)})`,
      `  ${store}: third run sends exactly the ${third.expectSent.toLocaleString("en-US")} changed rows: ${third.sent?.toLocaleString("en-US")} (${mark(third.sent === third.expectSent)})`,
      `  ${store}: server peak RSS < ${PEAK_RSS_LIMIT_MB} MB in the sync's runs: ${peak} MB (${mark(peak < PEAK_RSS_LIMIT_MB)})`,
      `  ${store}: first run at most ${FIRST_RUN_SLOWDOWN * 100}% slower than stateless: ${(slowdown * 100).toFixed(1)}% slower (${mark(slowdown <= FIRST_RUN_SLOWDOWN)})`,
    ];
  });
}

async function main() {
  let options;
  try {
    options = readOptions();
  } catch (e) {
    process.stderr.write(`bench/sync: ${/** @type {Error} */ (e).message}\n`);
    return 2;
  }
  progress(`${options.rows.toLocaleString("en-US")} rows, stores ${options.stores.map((s) => s.replace(/:\/\/[^@/]*@/, "://…@")).join(", ")}; load average ${loadavg().map((n) => n.toFixed(2)).join(", ")} on ${cpus().length} CPUs; server: node ${options.serverNodeArgs.join(" ") || "(no flags)"}, MALLOC_ARENA_MAX=${options.allocatorEnv["MALLOC_ARENA_MAX"] ?? "(glibc's default)"}`);
  const look = await ensureLook({ rows: options.rows, mode: "user", seed: options.seed, log: progress });
  const changed = await changedLook(look.path);
  const emulators = await startEmulators();
  const downloads = await startDownloadServer();
  const ctx = { emulators, downloads, serverNodeArgs: options.serverNodeArgs, allocatorEnv: options.allocatorEnv, workers: options.workers, threadHeaps: options.threadHeaps };
  const results = [];
  try {
    for (const store of options.stores) {
      const place = await openPlace(store);
      progress(`store ${place.name}`);
      try {
        const rows = options.rows;
        const base = { rows, lookPath: look.path };
        const runs = [
          await executeOnce({ ...base, label: "stateless (none)", expectSent: rows, storeEnv: { TAGWIRE_DATABASE_URL: "none" } }, ctx),
          await executeOnce({ ...base, label: "first (full) run", expectSent: rows, storeEnv: place.env }, ctx),
          await executeOnce({ ...base, label: "second run, unchanged", expectSent: 0, storeEnv: place.env }, ctx),
          await executeOnce({ ...base, lookPath: changed.path, label: "third run, 1% changed", expectSent: changed.changed, storeEnv: place.env }, ctx),
        ];
        results.push({ store: place.name, runs });
      } finally {
        await place.remove();
      }
    }
  } finally {
    await downloads.close();
    await emulators.stop();
    await rm(changed.path, { force: true });
  }

  process.stdout.write(`\nChange-only syncs, mparticle user_data, ${options.rows.toLocaleString("en-US")} rows (${((await stat(look.path)).size / 1e6).toFixed(0)} MB Look); load average at the end ${loadavg().map((n) => n.toFixed(2)).join(", ")} on ${cpus().length} CPUs\n\n`);
  process.stdout.write(`| store | run | records sent (expected) | rows/s end to end | wall s | server CPU s | server peak RSS MB | load 1 min | check |\n|---|---|--:|--:|--:|--:|--:|--:|---|\n`);
  for (const r of results) {
    for (const run of r.runs) {
      process.stdout.write(`| ${r.store} | ${run.label} | ${run.sent?.toLocaleString("en-US")} (${run.expectSent.toLocaleString("en-US")}) | ${run.rowsPerSec.toLocaleString("en-US")} | ${run.wallSec.toFixed(2)} | ${run.cpuSec.server} | ${run.peakRssMb} | ${run.loadAvg1} | ${run.ok ? "ok" : run.problems.join("; ")} |\n`);
    }
    const [none, first] = r.runs;
    process.stdout.write(`| ${r.store} | first run vs stateless | | ${Math.round((first.rowsPerSec / none.rowsPerSec - 1) * 1000) / 10}% | | | | |\n`);
  }
  process.stdout.write(`\nTargets (issue #17; printed, not enforced):\n${targets(results).join("\n")}\n`);
  const failed = results.flatMap((r) => r.runs.filter((x) => !x.ok).map((x) => `${r.store} ${x.label}: ${x.problems.join("; ")}\n    Looker message: ${x.message}`));
  if (failed.length > 0) process.stdout.write(`\n!!! ${failed.length} run(s) failed their check:\n${failed.map((f) => `!!!   ${f}`).join("\n")}\n`);
  return failed.length > 0 ? 1 : 0;
}
runBenchMain("bench/sync", main);
