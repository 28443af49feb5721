// The spool under a destination's rate limit: a 1M-row mParticle Look downloaded from the bench's
// download server by a fresh server child and sent to the emulator at 20,000 records a second
// (about 50 s of sending, the shape of an hour at mParticle's 270 a second). With the spool the
// download should be read completely within 15 s of the execute while the sending goes on at the
// limit, and the server's resident memory stay under 150 MB throughout. Figures: docs/performance.md, "The spool".
//
// Usage: node bench/spool.mjs [--rows 1000000] [--limit 20000] [--scenario mparticle-event|mparticle-user]
//                             [--max-bytes N] [--compare-off] [--seed 1] [--workers N] [--server-node-args="..."] [--wait-quiet 0]
//                             [--malloc-arena-max N]
// --max-bytes sets TAGWIRE_SPOOL_MAX_BYTES (0: no spool); --compare-off runs the Look again with
// TAGWIRE_SPOOL_MAX_BYTES=0, as tagwire read downloads before the spool; --wait-quiet waits up to that
// many seconds before each run for the machine to go idle (its figures are the server's share of two
// cores). The server child runs as the Dockerfile runs it: its NODE_OPTIONS (--server-node-args) and its
// MALLOC_ARENA_MAX (--malloc-arena-max; an empty value sets none, leaving glibc's default unless the bench's
// own environment has one). The spool goes to a temporary
// TAGWIRE_STATE_DIR, removed at the end. Needs a build. Exits 1 when a check fails, 2 on bad arguments.

import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startDownloadServer } from "./lib/download-server.mjs";
import { parseSummary, postExecute } from "./lib/looker-client.mjs";
import { ensureLook } from "./lib/looks.mjs";
import { arenaEnv, dockerfileServer } from "./lib/dockerfile.mjs";
import { readProcMemory, runBenchMain, startEmulators, startServerChild, waitForQuiet } from "./lib/processes.mjs";
import { selectRows, selectScenarios } from "./lib/scenarios.mjs";

const MB = 1024 * 1024;
const EXECUTE_TIMEOUT_MS = 30 * 60_000;
/** How often the server's resident memory and the spool directory are sampled. */
const SAMPLE_MS = 100;
const TARGETS = { readSeconds: 15, rssMb: 150 };

const progress = (/** @type {string} */ line) => process.stderr.write(`[spool ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function readOptions() {
  const { values } = parseArgs({
    strict: true,
    options: {
      rows: { type: "string", default: "1000000" },
      limit: { type: "string", default: "20000" },
      scenario: { type: "string", default: "mparticle-event" },
      "max-bytes": { type: "string" },
      "compare-off": { type: "boolean", default: false },
      seed: { type: "string", default: "1" },
      workers: { type: "string" },
      "server-node-args": { type: "string", default: dockerfileServer().nodeOptions },
      "wait-quiet": { type: "string", default: "0" },
      "malloc-arena-max": { type: "string", default: dockerfileServer().mallocArenaMax },
    },
  });
  const waitQuietSec = Number(values["wait-quiet"]);
  if (!Number.isInteger(waitQuietSec) || waitQuietSec < 0 || waitQuietSec > 3600) throw new Error("--wait-quiet must be whole seconds between 0 and 3600");
  const rows = selectRows(values.rows, false);
  if (rows.length !== 1) throw new Error("--rows takes one row count");
  const limit = Number(values.limit);
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error("--limit must be a whole number of records a second, 1 or more");
  const [scenario] = selectScenarios(values.scenario);
  if (scenario === undefined || scenario.connector !== "mparticle") throw new Error("--scenario must be mparticle-event or mparticle-user");
  if (values["max-bytes"] !== undefined && !/^\d+$/.test(values["max-bytes"])) throw new Error("--max-bytes must be a whole number of bytes");
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error("--seed must be an integer");
  if (values.workers !== undefined && !/^\d+$/.test(values.workers)) throw new Error("--workers must be a whole number");
  return {
    rows: rows[0], limit, scenario, maxBytes: values["max-bytes"], compareOff: values["compare-off"], seed, workers: values.workers,
    serverNodeArgs: values["server-node-args"].split(" ").filter((a) => a !== ""),
    waitQuietSec,
    allocatorEnv: arenaEnv(values["malloc-arena-max"]),
  };
}

/** Compressed bytes in the spool directory now (0 when it does not exist yet). */
async function spoolDirBytes(/** @type {string} */ dir) {
  let total = 0;
  try {
    for (const name of await readdir(dir)) total += (await stat(join(dir, name)).catch(() => ({ size: 0 }))).size;
  } catch {
    // not made yet, or gone
  }
  return total;
}

/**
 * One execute of the Look through a fresh server child, sampled while it runs.
 * @param {ReturnType<typeof readOptions>} options
 * @param {{ emulators: import("./lib/processes.mjs").Emulators, downloads: import("./lib/download-server.mjs").DownloadServer, secret: string }} ctx
 * @param {import("./lib/looks.mjs").LookFile} look
 * @param {string | undefined} maxBytes  TAGWIRE_SPOOL_MAX_BYTES, or the server's default
 */
async function measure(options, ctx, look, maxBytes) {
  await ctx.emulators.reset();
  if (options.waitQuietSec > 0) {
    const quiet = await waitForQuiet(options.waitQuietSec);
    progress(quiet.quiet ? `machine quiet after ${quiet.waitedSec} s` : `machine still busy after ${quiet.waitedSec} s (${Math.round(quiet.lastShare * 100)}% of a core): measuring anyway`);
  }
  const state = await mkdtemp(join(tmpdir(), "tagwire-bench-spool-"));
  const spoolDir = join(state, "spool");
  const env = {
    ACTION_HUB_SECRET: ctx.secret, HOST: "127.0.0.1", TAGWIRE_DOWNLOAD_HOSTS: "127.0.0.1", TAGWIRE_DATABASE_URL: "none", TAGWIRE_STATE_DIR: state,
    TAGWIRE_MPARTICLE_URL: ctx.emulators.url, TAGWIRE_MPARTICLE_RATE_LIMIT: `${options.limit} records/s`,
    ...(maxBytes !== undefined ? { TAGWIRE_SPOOL_MAX_BYTES: maxBytes } : {}),
    ...(options.workers !== undefined ? { TAGWIRE_WORKERS: options.workers } : {}),
    ...options.allocatorEnv,
  };
  const server = await startServerChild({ env, nodeArgs: options.serverNodeArgs });
  /** RSS (MB) at each 5 s mark since the execute, for the memory's course over the run. */
  const course = /** @type {number[]} */ ([]);
  const samples = { rssMb: 0, spoolBytes: 0, count: 0, whileDownloadingMb: 0, afterDownloadMb: 0 };
  let executed = 0;
  let sampling = true;
  const downloading = () => ctx.downloads.transfers().at(-1)?.endedAt == null;
  const sampler = (async () => {
    while (sampling) {
      const [memory, spool] = await Promise.all([readProcMemory(server.pid).catch(() => null), spoolDirBytes(spoolDir)]);
      if (memory !== null) {
        const rss = memory.vmRssBytes / MB;
        samples.rssMb = Math.max(samples.rssMb, rss);
        if (downloading()) samples.whileDownloadingMb = Math.max(samples.whileDownloadingMb, rss);
        else samples.afterDownloadMb = Math.max(samples.afterDownloadMb, rss);
        if (executed > 0 && performance.now() - executed >= course.length * 5000) course.push(rss);
      }
      samples.spoolBytes = Math.max(samples.spoolBytes, spool);
      samples.count++;
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
    }
  })();
  try {
    const startRss = (await server.memory()).vmRssBytes / MB;
    const cpuBefore = { server: await server.cpuSeconds(), emulators: await ctx.emulators.cpuSeconds() };
    progress(`${look.rows.toLocaleString("en-US")} rows at ${options.limit.toLocaleString("en-US")} records/s, TAGWIRE_SPOOL_MAX_BYTES=${maxBytes ?? "(default)"}: execute (server pid ${server.pid}, RSS ${startRss.toFixed(1)} MB at start)`);
    const started = performance.now();
    executed = started;
    const result = await postExecute({
      serverUrl: server.url, secret: ctx.secret, action: options.scenario.action, settings: ctx.emulators.credentials["mparticle"] ?? {},
      formParams: options.scenario.formParams, downloadUrl: ctx.downloads.urlFor(look.path), webhookId: `bench-spool-${Date.now()}`,
      title: "bench spool", timeoutMs: EXECUTE_TIMEOUT_MS,
    });
    const totalSec = (performance.now() - started) / 1000;
    const cpu = { serverSec: (await server.cpuSeconds()) - cpuBefore.server, emulatorsSec: (await ctx.emulators.cpuSeconds()) - cpuBefore.emulators };
    sampling = false;
    await sampler;
    const transfer = ctx.downloads.transfers().at(-1);
    const stats = await server.stats();
    const end = await server.memory();
    const emulator = (await ctx.emulators.state())["mparticle"] ?? {};
    const { arrivals } = /** @type {{ arrivals: Array<[number, number]> }} */ (await (await fetch(`${ctx.emulators.url}/_emulator/mparticle/arrivals`)).json());
    const arrived = arrivals.reduce((n, [, c]) => n + c, 0);
    const spanSec = arrivals.length > 1 ? (arrivals[arrivals.length - 1][0] - arrivals[0][0]) / 1000 : 0;
    const summary = parseSummary(result.looker.message);
    const problems = [];
    if (result.status !== 200) problems.push(`execute answered HTTP ${result.status}`);
    if (summary === null) problems.push(`cannot read the figures from the Looker message: ${result.looker.message.slice(0, 200)}`);
    else {
      if (summary.read !== look.rows) problems.push(`the server read ${summary.read} rows of ${look.rows}`);
      if (emulator.accepted !== look.rows - summary.rejected) problems.push(`emulator accepted ${emulator.accepted}, expected rows - rejected = ${look.rows - summary.rejected}`);
      if (summary.failed > 0) problems.push(`${summary.failed} rows failed`);
    }
    if ((emulator.duplicates ?? 0) > 0) problems.push(`emulator counted ${emulator.duplicates} duplicates`);
    if ((emulator.dropped ?? 0) > 0) problems.push(`emulator dropped ${emulator.dropped} records`);
    if (transfer === undefined || transfer.endedAt === null) problems.push("the download server never finished its response");
    const leftover = await readdir(spoolDir).catch(() => []);
    if (leftover.length > 0) problems.push(`${leftover.length} spool file(s) left after the run`);
    const finished = stats.lastExecute ?? {};
    return {
      maxBytes: maxBytes ?? "default",
      readSec: transfer?.endedAt != null ? (transfer.endedAt - started) / 1000 : null,
      sendRate: spanSec > 0 ? arrived / spanSec : null,
      serverSendMs: finished["sendMs"] ?? null,
      serverReadMs: finished["readMs"] ?? null,
      totalSec,
      cpu,
      peakRssMb: samples.rssMb,
      course,
      whileDownloadingMb: samples.whileDownloadingMb,
      afterDownloadMb: samples.afterDownloadMb,
      hwmMb: end.vmHwmBytes / MB,
      startRssMb: startRss,
      heap: stats.peaks,
      spoolPeakBytes: Math.max(samples.spoolBytes, finished["spool"]?.["peakDiskBytes"] ?? 0),
      spool: finished["spool"] ?? null,
      accepted: emulator.accepted ?? null,
      expected: summary === null ? null : look.rows - summary.rejected,
      message: result.looker.message,
      samples: samples.count,
      problems,
    };
  } finally {
    sampling = false;
    await sampler;
    await server.stop();
    await rm(state, { recursive: true, force: true });
  }
}

const mb = (/** @type {number} */ bytes) => (bytes / MB).toFixed(1);

async function main() {
  let options;
  try {
    options = readOptions();
  } catch (e) {
    process.stderr.write(`bench/spool: ${/** @type {Error} */ (e).message}\n`);
    return 2;
  }
  const look = await ensureLook({ rows: options.rows, mode: options.scenario.mode, seed: options.seed, log: progress });
  const ctx = { secret: randomBytes(24).toString("hex"), emulators: await startEmulators(), downloads: await startDownloadServer() };
  const runs = [];
  try {
    runs.push(await measure(options, ctx, look, options.maxBytes));
    if (options.compareOff) runs.push(await measure(options, ctx, look, "0"));
  } finally {
    await ctx.emulators.stop();
    await ctx.downloads.close();
  }
  process.stdout.write(`\nThe spool: ${look.rows.toLocaleString("en-US")}-row ${options.scenario.id} Look (${mb(look.bytes)} MB) under ${options.limit.toLocaleString("en-US")} records/s; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores\n`);
  process.stdout.write(`server child: node ${options.serverNodeArgs.join(" ") || "(no flags)"}, MALLOC_ARENA_MAX=${options.allocatorEnv["MALLOC_ARENA_MAX"] ?? "(glibc's default)"}\n`);
  process.stdout.write(`| TAGWIRE_SPOOL_MAX_BYTES | download read (s after execute) | send rate (records/s) | total s | peak RSS MB (sampled / VmHWM) | spool peak MB | server CPU s | every record arrived |\n|---|--:|--:|--:|--:|--:|--:|---|\n`);
  for (const r of runs) {
    const rate = r.sendRate === null ? "-" : Math.round(r.sendRate).toLocaleString("en-US");
    process.stdout.write(`| ${r.maxBytes} | ${r.readSec === null ? "-" : r.readSec.toFixed(1)} | ${rate} | ${r.totalSec.toFixed(1)} | ${r.peakRssMb.toFixed(1)} / ${r.hwmMb.toFixed(1)} | ${mb(r.spoolPeakBytes)} | ${r.cpu.serverSec.toFixed(1)} | ${r.problems.length === 0 ? `yes (${r.accepted?.toLocaleString("en-US")})` : "NO"} |\n`);
  }
  process.stdout.write(`\nServer memory, MB: RSS sampled every ${SAMPLE_MS} ms while the download went on and after it ended; peaks of process.memoryUsage() of the server's thread, sampled every 200 ms in the child\n`);
  process.stdout.write(`| TAGWIRE_SPOOL_MAX_BYTES | RSS at start | RSS while downloading | RSS after | heapUsed | heapTotal | external | arrayBuffers |\n|---|--:|--:|--:|--:|--:|--:|--:|\n`);
  for (const r of runs) {
    process.stdout.write(`| ${r.maxBytes} | ${r.startRssMb.toFixed(1)} | ${r.whileDownloadingMb.toFixed(1)} | ${r.afterDownloadMb.toFixed(1)} | ${mb(r.heap.heapUsed)} | ${mb(r.heap.heapTotal)} | ${mb(r.heap.external)} | ${mb(r.heap.arrayBuffers)} |\n`);
  }
  for (const r of runs) process.stdout.write(`${r.maxBytes}: RSS every 5 s from the execute, MB: ${r.course.map((m) => m.toFixed(0)).join(" ")}\n`);
  for (const r of runs) {
    process.stdout.write(`\n${r.maxBytes}: ${r.message}\n`);
    if (r.spool !== null) process.stdout.write(`  spool: ${JSON.stringify(r.spool)}; the server's own times: read ${r.serverReadMs} ms, send ${r.serverSendMs} ms\n`);
  }
  const spooled = runs[0];
  process.stdout.write(`\nTargets (with the spool): download read within ${TARGETS.readSeconds} s: ${spooled.readSec !== null && spooled.readSec <= TARGETS.readSeconds ? "met" : "MISSED"}; `);
  process.stdout.write(`send rate near ${options.limit.toLocaleString("en-US")}/s: ${spooled.sendRate !== null && spooled.sendRate >= options.limit * 0.9 ? "met" : "MISSED"}; `);
  process.stdout.write(`peak RSS under ${TARGETS.rssMb} MB: ${Math.max(spooled.peakRssMb, spooled.hwmMb) < TARGETS.rssMb ? "met" : "MISSED"}\n`);
  const problems = runs.flatMap((r) => r.problems.map((p) => `${r.maxBytes}: ${p}`));
  if (problems.length > 0) process.stdout.write(`\n!!! ${problems.length} check(s) failed:\n${problems.map((p) => `!!!   ${p}`).join("\n")}\n`);
  return problems.length > 0 ? 1 : 0;
}
runBenchMain("bench/spool", main);
