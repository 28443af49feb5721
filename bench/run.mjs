// tagwire benchmark: synthetic Looks through the action server's execute endpoint into the local
// destination emulators, plus the engine-only and JSON.parse rates of the same documents.
// Method, columns and the results.json schema: docs/performance.md.
//
// Usage: npm run bench -- [--quick] [--rows 10000,100000] [--scenarios mparticle-event,segment-identify]
//                         [--seed 1] [--out bench/results.json] [--profile] [--json-parse-max-mb 500]
//                         [--wait-quiet 0] [--server-node-args="--max-old-space-size=64"] [--workers 1]
//                         [--store none|sqlite|postgres://...]
//        npm run bench -- --sync [--rows 1000000] [--stores sqlite,postgres://...]  (change-only syncs: bench/sync.mjs)
//        npm run bench -- --replicas [--limit 800] [--rows 1200] [--fast-rows 60000] [--rounds 3]  (replicas on one Postgres: bench/replicas.mjs)
//        npm run bench -- --spool [--rows 1000000] [--limit 20000] [--compare-off]  (the spool under a rate limit: bench/spool.mjs)
// Progress goes to stderr; the table goes to stdout. Exits 1 when a correctness check fails or a
// run breaks, 2 on bad arguments.

import { randomBytes } from "node:crypto";
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { dockerfileServer, mallocArenaEnv } from "./lib/dockerfile.mjs";
import { startDownloadServer } from "./lib/download-server.mjs";
import { estimateFromHistogram } from "./lib/histogram.mjs";
import { parseSummary, postExecute } from "./lib/looker-client.mjs";
import { ensureLook, LOOK_DIR } from "./lib/looks.mjs";
import { runBenchMain, readSystemBusySeconds, REPO_ROOT, runJsonChild, startEmulators, startServerChild, waitForQuiet } from "./lib/processes.mjs";
import { evaluateTargets, formatTable, formatTargets, SCHEMA_VERSION, writeResults } from "./lib/report.mjs";
import { selectRows, selectScenarios } from "./lib/scenarios.mjs";
import { summariseProfile } from "./lib/cpu-profile.mjs";
import { defaultWorkerCount, MAX_WORKERS } from "../packages/engine/dist/index.js";

const LIB = fileURLToPath(new URL("./lib/", import.meta.url));
const MB = 1024 * 1024;
const EXECUTE_TIMEOUT_MS = 30 * 60_000;
const CHILD_TIMEOUT_MS = 15 * 60_000;
/** Engine-only and JSON.parse take the best of this many runs for Looks up to REPEAT_MAX_ROWS rows. */
const REPEATS = 3;
const REPEAT_MAX_ROWS = 100_000;
/** With --wait-quiet: how many more times a measurement disturbed by other processes is repeated. */
const MAX_RETRIES = 2;

const USAGE = `usage: npm run bench -- [--quick] [--rows 10000,100000,1000000] [--scenarios mparticle-event,mparticle-user,segment-identify]
                      [--seed 1] [--out bench/results.json] [--profile] [--json-parse-max-mb 500]
                      [--wait-quiet seconds]  (before each measurement, wait up to this long for other processes to go idle)
                      [--server-node-args="..."]  (node flags for the server and engine-only children; default: the Dockerfile's NODE_OPTIONS)
                      [--malloc-arena-max N]  (the server's MALLOC_ARENA_MAX; default: the Dockerfile's with its NODE_OPTIONS, else glibc's; empty: none)
                      [--workers N]  (TAGWIRE_WORKERS for the server, --workers for engine-only; default: the server's own default)
                      [--store none|sqlite|postgres://...]  (the server's state store: none, the default, keeps no state; sqlite
                       a file in a temporary TAGWIRE_STATE_DIR removed at the end; never the user's own state directory)
       npm run bench -- --sync [--rows 1000000] [--stores sqlite,postgres://...] [--seed 1] [--workers N] [--server-node-args="..."]
                      (change-only syncs on a state store: a full, an unchanged and a 1%-changed run of one scheduled Look)
       npm run bench -- --replicas [--limit 800] [--rows 1200] [--fast-rows 60000] [--rounds 3] [--postgres URL] [--redis URL]
                      (three replicas on one Postgres: the most records in any 5 s window against the limit; a shared budget's cost per request)
       npm run bench -- --spool [--rows 1000000] [--limit 20000] [--scenario mparticle-event|mparticle-user] [--max-bytes N] [--compare-off]
                      [--seed 1] [--workers N] [--server-node-args="..."] [--malloc-arena-max N] [--wait-quiet seconds]
                      (a Look sent under a rate limit through the spool: when the download was read, the send rate, peak RSS, the spool's peak)`;

/** @param {string} line */
const progress = (line) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function readOptions() {
  const { values } = parseArgs({
    strict: true,
    options: {
      rows: { type: "string" },
      scenarios: { type: "string" },
      quick: { type: "boolean", default: false },
      seed: { type: "string", default: "1" },
      out: { type: "string", default: fileURLToPath(new URL("./results.json", import.meta.url)) },
      profile: { type: "boolean", default: false },
      "json-parse-max-mb": { type: "string", default: "500" },
      "wait-quiet": { type: "string", default: "0" },
      "server-node-args": { type: "string", default: dockerfileServer().nodeOptions },
      "malloc-arena-max": { type: "string" },
      workers: { type: "string", default: process.env["TAGWIRE_WORKERS"] ?? String(defaultWorkerCount()) },
      store: { type: "string", default: "none" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const seed = Number(values.seed);
  const jsonParseMaxMb = Number(values["json-parse-max-mb"]);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, not "${values.seed}"`);
  if (!Number.isFinite(jsonParseMaxMb) || jsonParseMaxMb < 0) throw new Error(`--json-parse-max-mb must be a number of MB`);
  const waitQuietSec = Number(values["wait-quiet"]);
  if (!Number.isInteger(waitQuietSec) || waitQuietSec < 0 || waitQuietSec > 3600) throw new Error(`--wait-quiet must be whole seconds between 0 and 3600`);
  if (!/^(none|sqlite|postgres(ql)?:\/\/.+)$/.test(values.store)) throw new Error(`--store must be none, sqlite or a postgres:// URL`);
  return {
    help: values.help,
    rows: selectRows(values.rows, values.quick).sort((a, b) => a - b),
    scenarios: selectScenarios(values.scenarios),
    quick: values.quick,
    seed,
    out: resolve(values.out),
    profile: values.profile,
    jsonParseMaxBytes: jsonParseMaxMb * 1e6,
    waitQuietSec,
    serverNodeArgs: values["server-node-args"].split(" ").filter((a) => a !== ""),
    allocatorEnv: mallocArenaEnv(values["malloc-arena-max"], values["server-node-args"]),
    workers: wholeNumber(values.workers, "--workers"),
    store: values.store,
  };
}

/**
 * The server's state store, named explicitly so that the bench never inherits one from its
 * environment (the default would be the user's own state directory): its variables, what to print,
 * and how to remove what it made.
 * @param {string} store `none`, `sqlite` or a postgres:// URL
 * @returns {Promise<{ env: Record<string, string>, description: string, remove: () => Promise<void> }>}
 */
async function benchStore(store) {
  if (store === "none") return { env: { TAGWIRE_DATABASE_URL: "none" }, description: "none (TAGWIRE_DATABASE_URL=none: stateless, every row sent)", remove: async () => {} };
  if (store === "sqlite") {
    const dir = await mkdtemp(join(tmpdir(), "tagwire-bench-state-"));
    return { env: { TAGWIRE_DATABASE_URL: "", TAGWIRE_STATE_DIR: dir }, description: `embedded SQLite in ${dir} (removed at the end)`, remove: () => rm(dir, { recursive: true, force: true }) };
  }
  const url = new URL(store);
  return { env: { TAGWIRE_DATABASE_URL: store }, description: `Postgres ${url.protocol}//${url.username !== "" ? `${url.username}@` : ""}${url.host}${url.pathname}`, remove: async () => {} };
}

/** @param {string} text @param {string} flag */
function wholeNumber(text, flag) {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > MAX_WORKERS) throw new Error(`${flag} must be a whole number from 0 to ${MAX_WORKERS}, not "${text}"`);
  return n;
}

/**
 * The newest modification time among the built files the benchmark runs, so a rebuild in the
 * middle of a run (by someone else on the machine) is noticed.
 * @returns {Promise<string | null>} ISO time
 */
async function newestBuild() {
  let newest = 0;
  for (const pkg of ["engine", "action-server", "emulators"]) {
    const dir = join(REPO_ROOT, "packages", pkg, "dist");
    try {
      const names = /** @type {string[]} */ (await readdir(dir, { recursive: true }));
      for (const name of names) {
        if (!name.endsWith(".js")) continue;
        const m = (await stat(join(dir, name))).mtimeMs;
        if (m > newest) newest = m;
      }
    } catch {
      // missing dist: reported before the run starts
    }
  }
  return newest === 0 ? null : new Date(newest).toISOString();
}

function gitInfo() {
  try {
    const commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: REPO_ROOT, encoding: "utf8" }).trim();
    const changed = execFileSync("git", ["status", "--porcelain"], { cwd: REPO_ROOT, encoding: "utf8" }).split("\n").filter((l) => l.trim() !== "").length;
    return { commit, changedFiles: changed };
  } catch {
    return { commit: null, changedFiles: null };
  }
}

/**
 * @typedef {import("./lib/report.mjs").RunResult} RunResult
 * @typedef {{
 *   e2e: NonNullable<RunResult["e2e"]>, server: NonNullable<RunResult["server"]>, requests: NonNullable<RunResult["requests"]>,
 *   latencyMs: RunResult["latencyMs"], latencyHistogramMs: RunResult["latencyHistogramMs"], check: RunResult["check"],
 *   profile: RunResult["profile"], notes: string[],
 * }} EndToEnd
 */

/**
 * One execute through a fresh action server, checked against the emulator.
 * @param {import("./lib/scenarios.mjs").Scenario} scenario
 * @param {import("./lib/looks.mjs").LookFile} look
 * @param {{ emulators: import("./lib/processes.mjs").Emulators, downloads: import("./lib/download-server.mjs").DownloadServer, profileDir: string | undefined, serverNodeArgs: string[], allocatorEnv: Record<string, string>, workers: number, storeEnv: Record<string, string> }} ctx
 * @returns {Promise<EndToEnd>}
 */
async function runEndToEnd(scenario, look, ctx) {
  const { emulators, downloads } = ctx;
  /** @type {string[]} */
  const notes = [];
  await emulators.reset();
  const secret = randomBytes(24).toString("hex");
  /** @type {Record<string, string>} */
  const env = { ACTION_HUB_SECRET: secret, HOST: "127.0.0.1", TAGWIRE_DOWNLOAD_HOSTS: "127.0.0.1", TAGWIRE_WORKERS: String(ctx.workers), ...ctx.allocatorEnv, ...ctx.storeEnv };
  // The local emulators, unpaced: the bench measures the server, not the destinations' published rate limits.
  for (const id of Object.keys(emulators.credentials)) {
    env[`TAGWIRE_${id.toUpperCase()}_URL`] = emulators.url;
    env[`TAGWIRE_${id.toUpperCase()}_RATE_LIMIT`] = "off";
  }
  // One folder per attempt, so the profiles kept belong to the attempt kept. Node names each
  // thread's file itself (with its thread id), so the worker threads get profiles of their own.
  const attemptDir = ctx.profileDir === undefined ? undefined : join(ctx.profileDir, `server-${scenario.id}-${look.rows}-${Date.now()}`);
  const nodeArgs = [...ctx.serverNodeArgs, ...(attemptDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${attemptDir}`])];
  const server = await startServerChild({ env, nodeArgs });
  let stopped = false;
  try {
    const start = await server.memory();
    const cpuBefore = { server: await server.cpuSeconds(), emulators: await emulators.cpuSeconds(), bench: process.cpuUsage(), system: await readSystemBusySeconds() };
    progress(`  ${scenario.id} ${look.rows.toLocaleString("en-US")} rows: execute (server pid ${server.pid}, RSS ${(start.vmRssBytes / MB).toFixed(1)} MB at start)`);
    const windowStartUs = Number(process.hrtime.bigint() / 1000n);
    const result = await postExecute({
      serverUrl: server.url,
      secret,
      action: scenario.action,
      settings: emulators.credentials[scenario.connector] ?? {},
      formParams: scenario.formParams,
      downloadUrl: downloads.urlFor(look.path),
      webhookId: `bench-${scenario.id}-${look.rows}-${Date.now()}`,
      title: `bench ${scenario.id} ${look.rows}`,
      timeoutMs: EXECUTE_TIMEOUT_MS,
    });
    const windowEndUs = Number(process.hrtime.bigint() / 1000n);
    const end = await server.memory();
    const cpuBench = process.cpuUsage(cpuBefore.bench);
    const cpu = {
      serverSec: round((await server.cpuSeconds()) - cpuBefore.server, 2),
      emulatorsSec: round((await emulators.cpuSeconds()) - cpuBefore.emulators, 2),
      benchSec: round((cpuBench.user + cpuBench.system) / 1e6, 2),
      otherSec: 0,
    };
    const systemSec = (await readSystemBusySeconds()) - cpuBefore.system;
    cpu.otherSec = round(Math.max(0, systemSec - cpu.serverSec - cpu.emulatorsSec - cpu.benchSec), 2);
    const stats = await server.stats();
    const metricsText = await server.metricsText();
    const state = (await emulators.state())[scenario.connector] ?? {};

    const histogram = estimateFromHistogram(metricsText, "tagwire_destination_request_seconds", scenario.connector);
    const latencyMs = stats.latencyObserved
      ? { source: /** @type {const} */ ("observed"), p50: roundOrNull(stats.latency.p50, 2), p99: roundOrNull(stats.latency.p99, 2), max: roundOrNull(stats.latency.max, 2), count: stats.latency.count }
      : histogram === null
        ? null
        : { source: /** @type {const} */ ("histogram"), p50: histogram.p50, p99: histogram.p99, max: null, count: histogram.count };
    if (!stats.latencyObserved) notes.push("latency percentiles estimated from the /metrics histogram buckets");

    const summary = parseSummary(result.looker.message);
    const accepted = typeof state.accepted === "number" ? state.accepted : null;
    /** @type {import("./lib/report.mjs").RunResult["check"]} */
    const check = {
      ok: false,
      expectedAccepted: summary === null ? null : look.rows - summary.rejected,
      accepted,
      duplicates: state.duplicates ?? null,
      dropped: state.dropped ?? null,
      read: summary?.read ?? null,
      rejected: summary?.rejected ?? null,
      failed: summary?.failed ?? null,
      detail: "",
    };
    const problems = [];
    if (result.status !== 200) problems.push(`execute answered HTTP ${result.status}`);
    if (summary === null) problems.push(`cannot read the figures from the Looker message: ${result.looker.message.slice(0, 200)}`);
    else {
      if (summary.read !== look.rows) problems.push(`the server read ${summary.read} rows of ${look.rows}`);
      if (accepted !== summary.delivered) problems.push(`emulator accepted ${accepted}, the server says ${summary.delivered} delivered`);
      if (accepted !== look.rows - summary.rejected) problems.push(`emulator accepted ${accepted}, expected rows - rejected = ${look.rows - summary.rejected}`);
      if (summary.failed > 0) problems.push(`${summary.failed} rows failed after retries`);
    }
    if ((state.duplicates ?? 0) > 0) problems.push(`emulator counted ${state.duplicates} duplicates`);
    if ((state.dropped ?? 0) > 0) problems.push(`emulator dropped ${state.dropped} records`);
    check.ok = problems.length === 0;
    check.detail = problems.join("; ");
    const serverRequests = typeof stats.lastExecute?.requests === "number" ? stats.lastExecute.requests : summary?.requests ?? null;
    if (serverRequests !== null && serverRequests !== state.requests) notes.push(`server counted ${serverRequests} requests, emulator ${state.requests}`);
    if (summary !== null && summary.rejected > 0) notes.push(`${summary.rejected} rows rejected by the server: ${result.looker.message.slice(0, 300)}`);

    const exitCode = await server.stop();
    stopped = true;
    if (exitCode !== 0) notes.push(`action server exited with ${exitCode}`);
    /** @type {import("./lib/report.mjs").RunResult["profile"]} */
    let profile = null;
    if (attemptDir !== undefined) {
      const files = existsSync(attemptDir) ? await threadProfiles(attemptDir) : [];
      if (files.length === 0) notes.push(`no CPU profile written in ${attemptDir}`);
      profile = [];
      for (const { thread, path } of files) {
        // Only the samples taken while the execute ran (start-up and shutdown left out).
        const summaryOfProfile = await summariseProfile(path, 15, { startUs: windowStartUs, endUs: windowEndUs });
        if (!summaryOfProfile.windowed) notes.push(`CPU profile of the ${thread}: the execute's time window did not match the profile; the whole thread life is summarised`);
        profile.push({ thread, path, sampledMs: summaryOfProfile.totalMs, executeOnly: summaryOfProfile.windowed, top: summaryOfProfile.entries, areas: summaryOfProfile.areas });
      }
    }

    return {
      e2e: {
        wallMs: round(result.wallMs, 1),
        rowsPerSec: Math.round(look.rows / (result.wallMs / 1000)),
        headersMs: round(result.headersMs, 1),
        httpStatus: result.status,
        lookerSuccess: result.looker.success,
        lookerMessage: result.looker.message,
        cpu,
      },
      server: {
        peakRssMb: round(end.vmHwmBytes / MB, 1),
        startRssMb: round(start.vmRssBytes / MB, 1),
        endRssMb: round(end.vmRssBytes / MB, 1),
        peakHeapUsedMb: round((stats.peaks?.heapUsed ?? 0) / MB, 1),
        peakHeapTotalMb: round((stats.peaks?.heapTotal ?? 0) / MB, 1),
        peakExternalMb: round((stats.peaks?.external ?? 0) / MB, 1),
        peakArrayBuffersMb: round((stats.peaks?.arrayBuffers ?? 0) / MB, 1),
        profiled: ctx.profileDir !== undefined,
        // What the download's spool did (bytes to disk, how long the download waited): from the server's log.
        spool: stats.lastExecute?.spool ?? null,
      },
      requests: { emulator: state.requests ?? 0, server: serverRequests, byStatus: state.byStatus ?? {} },
      latencyMs,
      latencyHistogramMs: histogram === null ? null : { p50: histogram.p50, p99: histogram.p99, count: histogram.count, bucketsMs: histogram.bucketsMs },
      check,
      profile,
      notes,
    };
  } finally {
    if (!stopped) await server.stop();
  }
}

/**
 * The server's profiles, main thread first. Node names them `CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile`;
 * the main thread's id is 0.
 * @param {string} dir
 * @returns {Promise<Array<{ thread: string, path: string }>>}
 */
async function threadProfiles(dir) {
  const found = [];
  for (const name of await readdir(dir)) {
    const tid = /^CPU\.\d+\.\d+\.\d+\.(\d+)\.\d+\.cpuprofile$/.exec(name);
    if (tid !== null) found.push({ tid: Number(tid[1]), path: join(dir, name) });
  }
  found.sort((a, b) => a.tid - b.tid);
  return found.map(({ tid, path }, i) => ({ thread: tid === 0 ? "main thread" : `worker thread ${i + (found[0]?.tid === 0 ? 0 : 1)}`, path }));
}

/** Above this share of one core taken by other processes, a measurement is flagged. */
const CONTENTION_SHARE = 0.1;

/**
 * A note when other processes on the machine used a noticeable share of CPU during a measurement.
 * @param {number} otherSec  CPU seconds used by processes outside the benchmark
 * @param {number} wallSec
 * @returns {string | undefined}
 */
function contentionNote(otherSec, wallSec) {
  // Below 0.1 CPU s the difference is process start-up and exit bookkeeping, not other work.
  if (wallSec <= 0 || otherSec < 0.1 || otherSec / wallSec <= CONTENTION_SHARE) return undefined;
  return `other processes used ${otherSec.toFixed(1)} CPU s in ${wallSec.toFixed(1)} s (${Math.round((otherSec / wallSec) * 100)}% of one core); figures may be low`;
}

/**
 * Runs a measurement child and measures what other processes took meanwhile.
 * @param {string} script @param {string[]} args @param {{ nodeArgs?: string[], timeoutMs: number, label: string }} options
 * @returns {Promise<{ result: any, otherSec: number, wallSec: number }>}
 */
async function measuredChild(script, args, options) {
  const busy0 = await readSystemBusySeconds();
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await runJsonChild(script, args, options);
  const wallSec = (performance.now() - t0) / 1000;
  const own = process.cpuUsage(own0);
  const busy = (await readSystemBusySeconds()) - busy0;
  const otherSec = Math.max(0, busy - (result.cpuSec ?? 0) - (own.user + own.system) / 1e6);
  return { result, otherSec: round(otherSec, 2), wallSec };
}

/**
 * @param {number} n @param {number} digits
 * @returns {number}
 */
function round(n, digits) {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/**
 * @param {number | null | undefined} n @param {number} digits
 * @returns {number | null}
 */
const roundOrNull = (n, digits) => (n === null || n === undefined ? null : round(n, digits));

/**
 * `--sync` runs the change-only sync scenario instead (bench/sync.mjs), `--replicas` replicas sharing
 * one Postgres (bench/replicas.mjs), `--spool` a Look under a rate limit through the spool
 * (bench/spool.mjs); each takes the other arguments.
 * @param {string} flag
 * @param {string} script
 * @returns {Promise<number>} its exit code
 */
async function runOtherBench(flag, script) {
  const args = process.argv.slice(2).filter((a) => a !== flag);
  const child = spawn(process.execPath, [fileURLToPath(new URL(script, import.meta.url)), ...args], { stdio: "inherit" });
  const [code] = await once(child, "exit");
  return code ?? 1;
}

async function main() {
  if (process.argv.includes("--sync")) return runOtherBench("--sync", "./sync.mjs");
  if (process.argv.includes("--replicas")) return runOtherBench("--replicas", "./replicas.mjs");
  if (process.argv.includes("--spool")) return runOtherBench("--spool", "./spool.mjs");
  /** @type {ReturnType<typeof readOptions>} */
  let options;
  try {
    options = readOptions();
  } catch (e) {
    process.stderr.write(`bench: ${/** @type {Error} */ (e).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  for (const dist of ["packages/engine/dist/index.js", "packages/action-server/dist/index.js", "packages/emulators/dist/bin.js"]) {
    if (!existsSync(join(REPO_ROOT, dist))) {
      process.stderr.write(`bench: ${dist} is missing; build first: npx turbo run build\n`);
      return 1;
    }
  }

  const startedAt = new Date().toISOString();
  const buildAtStart = await newestBuild();
  const loadAvgStart = loadavg().map((n) => round(n, 2));
  if ((loadAvgStart[0] ?? 0) > cpus().length * 0.5) {
    progress(`warning: load average ${loadAvgStart.join(", ")} on ${cpus().length} CPUs: other work on this machine will lower the figures`);
  }
  progress(`scenarios ${options.scenarios.map((/** @type {{ id: string }} */ s) => s.id).join(", ")}; rows ${options.rows.join(", ")}; seed ${options.seed}; Looks in ${LOOK_DIR}`);
  const profileDir = options.profile ? join(LOOK_DIR, "profiles") : undefined;
  if (profileDir !== undefined) {
    await rm(profileDir, { recursive: true, force: true });
    await mkdir(profileDir, { recursive: true });
  }

  const store = await benchStore(options.store);
  progress(`state store: ${store.description}`);
  const emulators = await startEmulators();
  const downloads = await startDownloadServer();
  progress(`emulators at ${emulators.url} (pid ${emulators.pid}, validation off); downloads at ${downloads.url}`);

  /** @type {import("./lib/report.mjs").RunResult[]} */
  const runs = [];
  /** @type {Map<string, import("./lib/report.mjs").RunResult["jsonParse"]>} JSON.parse result per Look file */
  const jsonParseByFile = new Map();
  let broken = false;
  const jsonParseHeapMb = Math.max(2048, Math.min(16_384, Math.floor((totalmem() / MB) * 0.6)));

  try {
    for (const rows of options.rows) {
      for (const scenario of options.scenarios) {
        const look = await ensureLook({ rows, mode: scenario.mode, seed: options.seed, log: progress });
        /** @type {import("./lib/report.mjs").RunResult} */
        const run = {
          scenario: scenario.id,
          connector: scenario.connector,
          action: scenario.action,
          formParams: scenario.formParams,
          mode: scenario.mode,
          rows,
          look: { path: look.path, bytes: look.bytes, seed: look.seed, reused: look.reused },
          e2e: null,
          server: null,
          requests: null,
          latencyMs: null,
          latencyHistogramMs: null,
          engineOnly: null,
          jsonParse: null,
          ratioE2eToJsonParse: null,
          check: { ok: false, expectedAccepted: null, accepted: null, duplicates: null, dropped: null, read: null, rejected: null, failed: null, detail: "not run" },
          profile: null,
          notes: [],
        };
        runs.push(run);

        /**
         * Before a measurement: wait for other processes to go idle, when asked to.
         * @param {string} what
         * @returns {Promise<boolean>} false when the machine stayed busy
         */
        const settle = async (what) => {
          if (options.waitQuietSec === 0) return true;
          const q = await waitForQuiet(options.waitQuietSec);
          if (q.waitedSec > 2) progress(`  waited ${q.waitedSec} s for a quiet machine before ${what}${q.quiet ? "" : ` (still ${Math.round(q.lastShare * 100)}% of a core busy)`}`);
          return q.quiet;
        };
        /**
         * Runs a measurement; with --wait-quiet, measures again (at most MAX_RETRIES times) while
         * other processes took a noticeable share of the CPU, and keeps the quietest attempt.
         * @template T
         * @param {string} what
         * @param {() => Promise<{ value: T, otherSec: number, wallSec: number, final?: boolean }>} measure  `final`: do not measure again (a failed check)
         * @returns {Promise<{ value: T, otherSec: number, wallSec: number }>}
         */
        const measureQuietly = async (what, measure) => {
          const attempts = options.waitQuietSec > 0 ? 1 + MAX_RETRIES : 1;
          /** @type {{ value: T, otherSec: number, wallSec: number } | undefined} */
          let best;
          let tried = 0;
          let busyStarts = 0;
          for (let attempt = 1; attempt <= attempts; attempt++) {
            if (!(await settle(what))) busyStarts++;
            const m = await measure();
            tried = attempt;
            if (m.final === true) {
              best = m;
              break;
            }
            if (best === undefined || m.otherSec / m.wallSec < best.otherSec / best.wallSec) best = m;
            const busy = contentionNote(m.otherSec, m.wallSec);
            if (busy === undefined) break;
            if (attempt < attempts) progress(`    ${what}: ${busy}; measuring again`);
          }
          if (busyStarts > 0) run.notes.push(`${what}: the machine was still busy after waiting ${options.waitQuietSec} s (${busyStarts} of ${tried} attempts)`);
          if (tried > 1) run.notes.push(`${what}: measured ${tried} times because other processes were busy; the quietest attempt is kept`);
          const kept = /** @type {{ value: T, otherSec: number, wallSec: number }} */ (best);
          const busy = contentionNote(kept.otherSec, kept.wallSec);
          if (busy !== undefined) run.notes.push(`${what}: ${busy}`);
          return kept;
        };

        // 1. End to end, in a fresh action server process.
        try {
          const { value: e2e } = await measureQuietly("end to end", async () => {
            const value = await runEndToEnd(scenario, look, { emulators, downloads, profileDir, serverNodeArgs: options.serverNodeArgs, allocatorEnv: options.allocatorEnv, workers: options.workers, storeEnv: store.env });
            progress(
              `    ${value.e2e.rowsPerSec.toLocaleString("en-US")} rows/s, ${(value.e2e.wallMs / 1000).toFixed(2)} s, peak RSS ${value.server.peakRssMb} MB ` +
                `(heap used ${value.server.peakHeapUsedMb}, heap total ${value.server.peakHeapTotalMb}, external ${value.server.peakExternalMb} MB), ` +
                `${value.requests.emulator} requests, p50 ${value.latencyMs?.p50} ms, p99 ${value.latencyMs?.p99} ms; ` +
                `CPU s: server ${value.e2e.cpu.serverSec}, emulators ${value.e2e.cpu.emulatorsSec}, download server ${value.e2e.cpu.benchSec}, other processes ${value.e2e.cpu.otherSec}`,
            );
            return { value, otherSec: value.e2e.cpu.otherSec, wallSec: value.e2e.wallMs / 1000, final: !value.check.ok };
          });
          Object.assign(run, { ...e2e, notes: [...run.notes, ...e2e.notes] });
          if (!run.check.ok) {
            broken = true;
            process.stderr.write(`\n!!! CORRECTNESS MISMATCH ${scenario.id} ${rows} rows: ${run.check.detail}\n!!! Looker message: ${run.e2e?.lookerMessage}\n\n`);
          }
        } catch (e) {
          broken = true;
          run.check.detail = `end-to-end run failed: ${/** @type {Error} */ (e).message}`;
          process.stderr.write(`\n!!! ${scenario.id} ${rows} rows: ${run.check.detail}\n\n`);
        }

        // 2. Engine only, in its own process (no HTTP, no server).
        const repeats = rows <= REPEAT_MAX_ROWS ? REPEATS : 1;
        try {
          const { value: r, otherSec } = await measureQuietly("engine only", async () => {
            progress(`  ${scenario.id} ${rows.toLocaleString("en-US")} rows: engine only (best of ${repeats})`);
            const m = await measuredChild(
              join(LIB, "engine-only.mjs"),
              [
                "--file", look.path,
                "--connector", scenario.connector,
                "--action", scenario.action,
                "--options", JSON.stringify(scenario.formParams),
                "--settings", JSON.stringify(emulators.credentials[scenario.connector] ?? {}),
                "--runs", String(repeats),
                "--workers", String(options.workers),
              ],
              { timeoutMs: CHILD_TIMEOUT_MS, label: "engine-only", nodeArgs: options.serverNodeArgs },
            );
            progress(`    ${Math.round(m.result.read / (m.result.ms / 1000)).toLocaleString("en-US")} rows/s`);
            return { value: m.result, otherSec: m.otherSec, wallSec: m.wallSec };
          });
          run.engineOnly = {
            rowsPerSec: Math.round(r.read / (r.ms / 1000)),
            ms: round(r.ms, 1),
            runs: r.runs,
            allMs: r.allMs,
            read: r.read,
            rejected: r.rejected,
            batches: r.batches,
            peakRssMb: round(r.peakRssBytes / MB, 1),
            validateRecords: false,
            otherCpuSec: otherSec,
          };
          if (r.read !== rows) run.notes.push(`engine-only read ${r.read} rows of ${rows}`);
        } catch (e) {
          run.notes.push(`engine-only failed: ${/** @type {Error} */ (e).message}`);
          progress(`    engine-only failed: ${/** @type {Error} */ (e).message}`);
        }

        // 3. JSON.parse of the same document, once per file.
        if (!jsonParseByFile.has(look.path)) {
          if (look.bytes > options.jsonParseMaxBytes) {
            const reason = `file is ${(look.bytes / 1e6).toFixed(0)} MB, over the ${(options.jsonParseMaxBytes / 1e6).toFixed(0)} MB limit for reading it whole`;
            jsonParseByFile.set(look.path, { skipped: reason });
            progress(`  JSON.parse skipped: ${reason}`);
          } else {
            try {
              const { value: r, otherSec } = await measureQuietly("JSON.parse", async () => {
                progress(`  JSON.parse of ${look.path} (best of ${repeats})`);
                const m = await measuredChild(join(LIB, "json-parse-child.mjs"), [look.path, String(repeats)], {
                  nodeArgs: ["--expose-gc", `--max-old-space-size=${jsonParseHeapMb}`],
                  timeoutMs: CHILD_TIMEOUT_MS,
                  label: "JSON.parse",
                });
                return { value: m.result, otherSec: m.otherSec, wallSec: m.wallSec };
              });
              jsonParseByFile.set(look.path, {
                rowsPerSec: Math.round(r.rows / (r.parseMs / 1000)),
                parseMs: round(r.parseMs, 1),
                readMs: round(r.readMs, 1),
                runs: r.runs,
                peakRssMb: round(r.peakRssBytes / MB, 1),
                otherCpuSec: otherSec,
              });
            } catch (e) {
              jsonParseByFile.set(look.path, { skipped: `JSON.parse failed: ${/** @type {Error} */ (e).message}` });
            }
          }
        }
        run.jsonParse = jsonParseByFile.get(look.path) ?? null;
        if (run.jsonParse !== null && "skipped" in run.jsonParse) run.notes.push(`JSON.parse not measured: ${run.jsonParse.skipped}`);
        if (run.jsonParse !== null && "rowsPerSec" in run.jsonParse && run.e2e !== null) {
          run.ratioE2eToJsonParse = round(run.e2e.rowsPerSec / run.jsonParse.rowsPerSec, 4);
        }
      }
    }
  } finally {
    await downloads.close();
    await emulators.stop();
    await store.remove();
  }

  const buildAtEnd = await newestBuild();
  if (buildAtEnd !== buildAtStart) {
    process.stderr.write(`\n!!! the built packages changed during the run (newest dist file ${buildAtStart} -> ${buildAtEnd}): the runs did not all measure the same code\n\n`);
  }
  const targets = evaluateTargets(runs);
  const doc = {
    schemaVersion: SCHEMA_VERSION,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: {
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? null,
      totalMemMb: Math.round(totalmem() / MB),
      loadAvgStart,
      loadAvgEnd: loadavg().map((n) => round(n, 2)),
    },
    git: gitInfo(),
    build: { newestDistFileAtStart: buildAtStart, newestDistFileAtEnd: buildAtEnd, changedDuringRun: buildAtEnd !== buildAtStart },
    options: {
      rows: options.rows,
      scenarios: options.scenarios.map((/** @type {{ id: string }} */ s) => s.id),
      seed: options.seed,
      quick: options.quick,
      profile: options.profile,
      jsonParseMaxMb: options.jsonParseMaxBytes / 1e6,
      waitQuietSec: options.waitQuietSec,
      serverNodeArgs: options.serverNodeArgs,
      mallocArenaMax: options.allocatorEnv["MALLOC_ARENA_MAX"] ?? null,
      workers: options.workers,
      emulators: { validate: false, keepRecords: false },
    },
    runs,
    targets,
  };
  await writeResults(options.out, doc);

  process.stdout.write(`\n${formatTable(runs)}\n\n`);
  process.stdout.write(`Targets (printed, not enforced):\n${formatTargets(targets)}\n`);
  const notes = runs.flatMap((r) => r.notes.map((n) => `  ${r.scenario} ${r.rows.toLocaleString("en-US")}: ${n}`));
  if (notes.length > 0) process.stdout.write(`\nNotes:\n${notes.join("\n")}\n`);
  for (const r of runs) {
    for (const p of r.profile ?? []) {
      const scope = p.executeOnly ? "during the execute" : "whole thread life";
      process.stdout.write(`\nCPU profile of the server's ${p.thread}, ${r.scenario} ${r.rows.toLocaleString("en-US")} rows, ${scope} (${p.path}):\n`);
      process.stdout.write(`  by area: ${p.areas.slice(0, 8).map((a) => `${a.area} ${a.pct}%`).join(", ")}\n  top self time:\n`);
      for (const e of p.top.slice(0, 10)) process.stdout.write(`  ${String(e.selfPct).padStart(5)}%  ${e.function}  ${e.location}\n`);
    }
  }
  process.stdout.write(`\nresults: ${options.out}\n`);
  const mismatches = runs.filter((r) => !r.check.ok);
  if (mismatches.length > 0) {
    process.stdout.write(`\n!!! ${mismatches.length} run(s) FAILED the correctness check:\n`);
    for (const r of mismatches) process.stdout.write(`!!!   ${r.scenario} ${r.rows.toLocaleString("en-US")} rows: ${r.check.detail}\n`);
  }
  return broken || mismatches.length > 0 ? 1 : 0;
}

runBenchMain("bench", main);
