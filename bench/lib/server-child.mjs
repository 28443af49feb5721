// The action server as the benchmark runs it: its own process (so its memory is its own), started
// with `configFromEnv` on a free loopback port. Prints `{"port":N,"pid":N}` on stdout once
// listening. Log lines are counted, not written; the "execute finished" line is kept for the
// parent. Every destination request's latency (the value the server's histogram observes) is
// recorded so the parent can compute exact percentiles.
//
// Parent messages (IPC): {type:"stats"} -> {type:"stats", ...}; {type:"stop"} -> closes, exits 0.
// SIGTERM and SIGINT close the server too (so `--cpu-prof` writes its profile).

import { compactHeap } from "../../packages/engine/dist/run/compact-heap.js";

// As `tagwire serve` does before it loads the server's modules (packages/cli/src/bin.ts): the heap's
// growth is bounded unless the node flags given (`--server-node-args`) size it.
compactHeap();
const { configFromEnv, startActionServer } = await import("../../packages/action-server/dist/index.js");

const base = configFromEnv(process.env);
const config = { ...base, port: 0, host: "127.0.0.1" };

let logLines = 0;
/** @type {Record<string, unknown> | undefined} */
let lastExecute;
/** @param {string} line */
const logSink = (line) => {
  logLines++;
  if (line.includes('"execute finished"')) {
    try {
      lastExecute = JSON.parse(line);
    } catch {
      // not the line we want
    }
  }
};

const server = await startActionServer(config, { logSink });

/** @type {number[]} */
const latencies = [];
const metrics = /** @type {{ request?: (connector: string, status: number | undefined, ms: number) => void }} */ (server.metrics);
const latencyObserved = typeof metrics.request === "function";
if (latencyObserved && metrics.request !== undefined) {
  const original = metrics.request.bind(metrics);
  metrics.request = (connector, status, ms) => {
    latencies.push(ms);
    original(connector, status, ms);
  };
}

// Peaks of the V8 heap and of memory outside it, sampled every 200 ms, to tell apart what makes
// up the resident set (VmHWM itself is read by the parent from /proc). A sample costs about half a
// millisecond of the server's thread, so more often would slow what is measured.
const peaks = { heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  if (m.heapUsed > peaks.heapUsed) peaks.heapUsed = m.heapUsed;
  if (m.heapTotal > peaks.heapTotal) peaks.heapTotal = m.heapTotal;
  if (m.external > peaks.external) peaks.external = m.external;
  if (m.arrayBuffers > peaks.arrayBuffers) peaks.arrayBuffers = m.arrayBuffers;
}, 200);
sampler.unref();

/** Nearest-rank percentile, as the engine's run report computes it. @param {number[]} sorted @param {number} p */
const percentile = (sorted, p) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);

function stats() {
  const sorted = Float64Array.from(latencies).sort();
  const arr = Array.from(sorted);
  return {
    type: "stats",
    latencyObserved,
    latency: { count: arr.length, p50: percentile(arr, 50), p99: percentile(arr, 99), max: arr.length > 0 ? arr[arr.length - 1] : null },
    logLines,
    lastExecute,
    memory: process.memoryUsage(),
    peaks,
  };
}

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  const timer = setTimeout(() => process.exit(3), 30_000);
  timer.unref();
  try {
    await server.close();
  } finally {
    process.exit(0);
  }
}

process.on("message", (message) => {
  const type = /** @type {{ type?: string }} */ (message)?.type;
  if (type === "stats") process.send?.(stats());
  else if (type === "stop") void stop();
});
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
// The parent went away: do not linger.
process.on("disconnect", () => void stop());

process.stdout.write(`${JSON.stringify({ port: server.port, pid: process.pid })}\n`);
