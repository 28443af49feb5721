// The load target of the action server: many large inline executes and a few long streamed ones at
// once, with the Dockerfile's heap flags and with Node's defaults. Every execute must finish with
// every row delivered (per its Looker answer, and per what the emulators accepted), the server's peak
// RSS (VmHWM) must stay under its V8 heap limit, and /healthz must answer within 100 ms throughout
// (polled every 50 ms from a thread of its own, so the bench's own work does not delay the polls).
// Exit code 1 when a target is missed.
//
// Usage: npm run bench:load -- [--inline 20] [--inline-rows 110000] [--streamed 2]
//          [--streamed-rows 300000] [--configs docker,default] [--health-limit-ms 100] [--seed 7]
// 110,000 user-mode rows make an inline body of about 60 MB. Run with fewer rows first to debug.

import { randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { arenaEnv, dockerfileServer } from "./lib/dockerfile.mjs";
import { startDownloadServer } from "./lib/download-server.mjs";
import { inlineBodyParts, parseSummary, postExecute, postInlineExecute } from "./lib/looker-client.mjs";
import { ensureLook } from "./lib/looks.mjs";
import { killChildren, startEmulators, startServerChild } from "./lib/processes.mjs";
import { SCENARIOS } from "./lib/scenarios.mjs";
import { syntheticLookChunks } from "./lib/synthetic-look.mjs";

const MB = 2 ** 20;
const EXECUTE_TIMEOUT_MS = 30 * 60_000;
const HEALTH_EVERY_MS = 50;
/** The server as the Docker image starts it (the Dockerfile's NODE_OPTIONS and MALLOC_ARENA_MAX), and with Node's and glibc's defaults. */
const CONFIGS = {
  docker: dockerfileServer(),
  default: { nodeOptions: "", mallocArenaMax: "" },
};

const { values: args } = parseArgs({
  options: {
    inline: { type: "string", default: "20" },
    "inline-rows": { type: "string", default: "110000" },
    streamed: { type: "string", default: "2" },
    "streamed-rows": { type: "string", default: "300000" },
    configs: { type: "string", default: "docker,default" },
    "health-limit-ms": { type: "string", default: "100" },
    seed: { type: "string", default: "7" },
  },
});
const inlineCount = wholeNumber("inline");
const inlineRows = wholeNumber("inline-rows");
const streamedCount = wholeNumber("streamed");
const streamedRows = wholeNumber("streamed-rows");
const healthLimitMs = wholeNumber("health-limit-ms");
const seed = wholeNumber("seed");
const configs = args.configs.split(",").map((c) => c.trim());
for (const c of configs) if (!(c in CONFIGS)) fail(`--configs: unknown ${c}; choose from ${Object.keys(CONFIGS).join(", ")}`);

const scenarios = [SCENARIOS.find((s) => s.id === "mparticle-user"), SCENARIOS.find((s) => s.id === "segment-identify")];
const log = (/** @type {string} */ line) => process.stderr.write(`${line}\n`);

process.on("SIGINT", () => {
  killChildren();
  process.exit(130);
});

const dir = await mkdtemp(join(tmpdir(), "tagwire-load-"));
const emulators = await startEmulators();
const downloads = await startDownloadServer();
const results = [];
try {
  const streamedLook = streamedCount > 0 ? await ensureLook({ rows: streamedRows, mode: "user", seed, log }) : undefined;
  /** One inline body per connector, streamed from disk to each of its executes. */
  const bodies = [];
  for (const s of scenarios) {
    const path = join(dir, `inline-${s.connector}.json`);
    log(`writing a ${inlineRows.toLocaleString("en-US")}-row inline execute body for ${s.connector}`);
    bodies.push({ scenario: s, path, bytes: await writeInlineBody(path, s, emulators.credentials[s.connector] ?? {}) });
  }
  for (const name of configs) {
    results.push(await runLoad(name, CONFIGS[name], bodies, streamedLook));
  }
} finally {
  await downloads.close();
  await emulators.stop();
  killChildren();
  await rm(dir, { recursive: true, force: true });
}

console.log(JSON.stringify({ bench: "load", node: process.version, inline: { count: inlineCount, rows: inlineRows }, streamed: { count: streamedCount, rows: streamedRows }, healthLimitMs, results }));
process.exitCode = results.every((r) => r.ok) ? 0 : 1;

/**
 * @param {string} name
 * @param {{ nodeOptions: string, mallocArenaMax: string }} config
 * @param {Array<{ scenario: any, path: string, bytes: number }>} bodies
 * @param {{ path: string, rows: number } | undefined} streamedLook
 */
async function runLoad(name, config, bodies, streamedLook) {
  const { nodeOptions, mallocArenaMax } = config;
  await emulators.reset();
  const heapLimit = heapLimitOf(nodeOptions);
  const secret = randomBytes(24).toString("hex");
  /** @type {Record<string, string>} */
  const env = { ACTION_HUB_SECRET: secret, HOST: "127.0.0.1", TAGWIRE_DOWNLOAD_HOSTS: "127.0.0.1", NODE_OPTIONS: nodeOptions, ...arenaEnv(mallocArenaMax) };
  // The local emulators, unpaced: the load is on the server, not the destinations' published rate limits.
  for (const id of Object.keys(emulators.credentials)) {
    env[`TAGWIRE_${id.toUpperCase()}_URL`] = emulators.url;
    env[`TAGWIRE_${id.toUpperCase()}_RATE_LIMIT`] = "off";
  }
  const server = await startServerChild({ env });
  try {
    log(`${name} (NODE_OPTIONS="${nodeOptions}", MALLOC_ARENA_MAX=${mallocArenaMax || "(glibc's default)"}, heap limit ${(heapLimit / MB).toFixed(0)} MB): ${inlineCount} inline executes of ${(bodies[0].bytes / 1e6).toFixed(1)} MB and ${streamedCount} streamed of ${streamedRows.toLocaleString("en-US")} rows at once`);
    const health = startHealthPoller(server.url);
    const started = performance.now();
    const runs = [
      ...Array.from({ length: inlineCount }, (_, i) => {
        const body = bodies[i % bodies.length];
        return { kind: "inline", connector: body.scenario.connector, rows: inlineRows, answer: postInlineExecute({ serverUrl: server.url, secret, action: body.scenario.action, bodyPath: body.path, bodyBytes: body.bytes, webhookId: `load-inline-${name}-${i}`, timeoutMs: EXECUTE_TIMEOUT_MS }) };
      }),
      ...Array.from({ length: streamedCount }, (_, i) => {
        const s = scenarios[i % scenarios.length];
        const answer = postExecute({ serverUrl: server.url, secret, action: s.action, settings: emulators.credentials[s.connector] ?? {}, formParams: s.formParams, downloadUrl: downloads.urlFor(/** @type {{ path: string }} */ (streamedLook).path), webhookId: `load-streamed-${name}-${i}`, title: `load ${i}`, timeoutMs: EXECUTE_TIMEOUT_MS });
        return { kind: "streamed", connector: s.connector, rows: streamedRows, answer };
      }),
    ];
    const settled = await Promise.allSettled(runs.map((r) => r.answer));
    const seconds = (performance.now() - started) / 1000;
    const polls = await health.stop();
    const memory = await server.memory();
    const metrics = await server.metricsText();
    const state = await emulators.state();

    const problems = [];
    /** @type {Record<string, number>} */
    const delivered = {};
    let slowest = { inline: 0, streamed: 0 };
    for (const [i, outcome] of settled.entries()) {
      const run = runs[i];
      if (outcome.status === "rejected") {
        problems.push(`${run.kind} execute ${i}: ${outcome.reason?.message ?? outcome.reason}`);
        continue;
      }
      const { status, looker, wallMs } = outcome.value;
      slowest[run.kind] = Math.max(slowest[run.kind], wallMs / 1000);
      const figures = parseSummary(looker.message);
      if (status !== 200 || !looker.success || figures === null || figures.read !== run.rows || figures.delivered !== run.rows) {
        problems.push(`${run.kind} execute ${i} (${run.connector}): HTTP ${status}, ${looker.message.slice(0, 300)}`);
      }
      delivered[run.connector] = (delivered[run.connector] ?? 0) + (figures?.delivered ?? 0);
    }
    for (const [connector, count] of Object.entries(delivered)) {
      const accepted = state[connector]?.accepted ?? 0;
      if (accepted !== count || (state[connector]?.duplicates ?? 0) !== 0) problems.push(`${connector}: the emulator accepted ${accepted} records (${state[connector]?.duplicates ?? 0} duplicates); the answers say ${count} delivered`);
    }
    const answered = polls.filter((p) => p >= 0).sort((a, b) => a - b);
    const failedPolls = polls.length - answered.length;
    const healthMax = answered.at(-1) ?? Infinity;
    const peakRss = memory.vmHwmBytes;
    if (failedPolls > 0) problems.push(`/healthz failed ${failedPolls} of ${polls.length} times`);
    if (healthMax > healthLimitMs) problems.push(`/healthz took up to ${healthMax.toFixed(0)} ms (target ${healthLimitMs} ms)`);
    if (peakRss >= heapLimit) problems.push(`peak RSS ${(peakRss / MB).toFixed(0)} MB is not under the heap limit of ${(heapLimit / MB).toFixed(0)} MB`);
    const rows = inlineCount * inlineRows + streamedCount * streamedRows;
    const result = {
      config: name,
      nodeOptions,
      mallocArenaMax: mallocArenaMax || null,
      ok: problems.length === 0,
      seconds: round(seconds, 1),
      rows,
      rowsPerSecond: Math.round(rows / seconds),
      slowestInlineSeconds: round(slowest.inline, 1),
      slowestStreamedSeconds: round(slowest.streamed, 1),
      heapLimitMb: round(heapLimit / MB, 0),
      memoryBudgetMb: round(metric(metrics, "tagwire_memory_budget_bytes") / MB, 1),
      peakRssMb: round(peakRss / MB, 0),
      memoryWaits: metric(metrics, "tagwire_memory_waits_total"),
      memoryWaitSeconds: round(metric(metrics, "tagwire_memory_wait_seconds_total"), 1),
      health: { polls: polls.length, failed: failedPolls, p50Ms: round(answered[Math.floor(answered.length / 2)] ?? NaN, 1), p99Ms: round(answered[Math.floor(answered.length * 0.99)] ?? NaN, 1), maxMs: round(healthMax, 1) },
      delivered,
      problems,
    };
    console.log(
      `${name}: ${inlineCount} x ${inlineRows.toLocaleString("en-US")} rows inline + ${streamedCount} x ${streamedRows.toLocaleString("en-US")} streamed in ${result.seconds} s ` +
        `(${result.rowsPerSecond.toLocaleString("en-US")} rows/s; slowest inline ${result.slowestInlineSeconds} s, streamed ${result.slowestStreamedSeconds} s); ` +
        `every row delivered: ${problems.some((p) => !p.startsWith("/healthz") && !p.startsWith("peak")) ? "NO" : "yes"}; ` +
        `peak RSS ${result.peakRssMb} MB (heap limit ${result.heapLimitMb} MB, memory budget ${result.memoryBudgetMb} MB, ${result.memoryWaits} waits, ${result.memoryWaitSeconds} s); ` +
        `/healthz ${polls.length} polls, p50 ${result.health.p50Ms} ms, p99 ${result.health.p99Ms} ms, max ${result.health.maxMs} ms${failedPolls > 0 ? `, ${failedPolls} failed` : ""}`,
    );
    for (const p of problems) console.log(`  MISSED: ${p}`);
    return result;
  } finally {
    await server.stop();
  }
}

/**
 * Writes an execute body with the Look inline, as a JSON string in `attachment.data`, after the settings.
 * @returns {Promise<number>} its size in bytes
 */
async function writeInlineBody(path, scenario, settings) {
  const { head, tail } = inlineBodyParts({ settings, formParams: scenario.formParams, title: `load ${scenario.id}` });
  const out = createWriteStream(path);
  const write = async (/** @type {string} */ text) => {
    if (!out.write(text)) await once(out, "drain");
  };
  await write(head);
  for (const chunk of syntheticLookChunks({ rows: inlineRows, mode: "user", seed })) await write(JSON.stringify(chunk).slice(1, -1));
  await write(tail);
  out.end();
  await once(out, "finish");
  return (await stat(path)).size;
}

/** The V8 heap limit of a Node process started with these options. */
function heapLimitOf(nodeOptions) {
  const text = execFileSync(process.execPath, ["-e", "process.stdout.write(String(require('node:v8').getHeapStatistics().heap_size_limit))"], { env: { ...process.env, NODE_OPTIONS: nodeOptions } });
  return Number(text);
}

/**
 * Polls GET /healthz every HEALTH_EVERY_MS on a fresh connection each time, from a worker thread.
 * `stop` resolves with each poll's latency in ms (-1: no 200 answer within 5 s).
 * @param {string} url
 */
function startHealthPoller(url) {
  const worker = new Worker(
    `
    const { parentPort, workerData } = require("node:worker_threads");
    const http = require("node:http");
    const latencies = [];
    let stopping = false;
    parentPort.on("message", () => (stopping = true));
    const next = () => (stopping ? parentPort.postMessage(latencies) : setTimeout(poll, workerData.every));
    function poll() {
      const t0 = performance.now();
      const req = http.get(workerData.url + "/healthz", { agent: false, timeout: 5000 }, (res) => {
        res.resume();
        res.on("end", () => {
          latencies.push(res.statusCode === 200 ? performance.now() - t0 : -1);
          next();
        });
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", () => {
        latencies.push(-1);
        next();
      });
    }
    poll();
    `,
    { eval: true, workerData: { url, every: HEALTH_EVERY_MS } },
  );
  return {
    stop: async () => {
      worker.postMessage("stop");
      const [latencies] = await once(worker, "message");
      await worker.terminate();
      return /** @type {number[]} */ (latencies);
    },
  };
}

/** @param {string} text @param {string} series */
function metric(text, series) {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** @param {string} name */
function wholeNumber(name) {
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n < 0) fail(`--${name} must be a whole number, got "${args[name]}"`);
  return n;
}

function round(n, digits = 1) {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function fail(message) {
  console.error(`load bench: ${message}`);
  process.exit(2);
}
