// Peak memory of a whole run against the number of rows: streams synthetic json_detail Looks from
// disk through the engine (runLook) into the emulators, which run in a separate process so only
// the engine's memory is measured. Each size runs in a fresh engine process that samples its RSS
// every 50 ms, and reports its live heap after a full GC once the run is over. Exit code 1 when
// the largest run's peak exceeds 1.5x the smallest run's, or when a run did not deliver every row.
//
// The engine processes get a V8 heap budget (`--heap-mb`, default 256 MB, about nine times the
// engine's live heap). Without one, V8 sizes the old generation from the machine's RAM (a 4 GB
// limit on a 24 GB machine) and lets garbage pile up to well over 100 MB before a full GC, whatever
// the live set: the peak then measures V8's laziness, and a short run ends before reaching it.
// With a budget a run whose memory grew with its rows would exceed it and fail. `--heap-mb 0`
// measures with V8's defaults.
//
// Usage: node bench/memory.mjs [--rows 10000,1000000] [--connector mparticle|segment]
//          [--mode user|event] [--seed 1] [--max-ratio 1.5] [--heap-mb 256] [--keep]
// Build first: packages/engine and packages/emulators (`npx tsc -p tsconfig.build.json` in each).

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { writeSyntheticLook } from "./lib/synthetic-look.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const engineDist = resolve(here, "../packages/engine/dist/index.js");
const emulatorsDist = resolve(here, "../packages/emulators/dist/index.js");
const emulatorsBin = resolve(here, "../packages/emulators/dist/bin.js");
const SAMPLE_MS = 50;

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "10000,1000000" },
    connector: { type: "string", default: "mparticle" },
    mode: { type: "string", default: "user" },
    seed: { type: "string", default: "1" },
    "max-ratio": { type: "string", default: "1.5" },
    "heap-mb": { type: "string", default: "256" },
    keep: { type: "boolean", default: false },
    // Internal: one measured run in this process.
    child: { type: "boolean", default: false },
    file: { type: "string" },
    url: { type: "string" },
  },
});

if (args.child) await runChild();
else await runParent();

async function runParent() {
  for (const file of [engineDist, emulatorsDist, emulatorsBin]) {
    if (!existsSync(file)) fail(`${file} is missing: build packages/engine and packages/emulators first`);
  }
  const sizes = args.rows.split(",").map((s) => Number(s.trim().replace(/_/g, "")));
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n <= 0)) fail(`--rows must list positive whole numbers, got "${args.rows}"`);
  const maxRatio = Number(args["max-ratio"]);
  if (!(maxRatio > 0)) fail(`--max-ratio must be a positive number, got "${args["max-ratio"]}"`);
  if (!["user", "event"].includes(args.mode)) fail(`--mode must be user or event, got "${args.mode}"`);
  const heapMb = Number(args["heap-mb"]);
  if (!Number.isInteger(heapMb) || heapMb < 0) fail(`--heap-mb must be a whole number of MB (0: V8's default), got "${args["heap-mb"]}"`);

  const dir = await mkdtemp(join(tmpdir(), "tagwire-memory-"));
  const emulator = await startEmulatorProcess(args.connector);
  const results = [];
  try {
    for (const rows of sizes) {
      const path = join(dir, `look-${rows}.json`);
      const look = await writeSyntheticLook({ rows, mode: args.mode, seed: Number(args.seed), path });
      await fetch(`${emulator.url}/_emulator/reset`, { method: "POST" });
      const result = await measure(path, emulator.url, heapMb);
      const accepted = (await (await fetch(`${emulator.url}/_emulator/state`)).json())[args.connector]?.accepted;
      results.push({ ...result, rows, lookMb: look.bytes / 2 ** 20, accepted });
      if (!args.keep) await rm(path, { force: true });
    }
  } finally {
    emulator.stop();
    if (!args.keep) await rm(dir, { recursive: true, force: true });
  }

  const smallest = results.reduce((a, b) => (b.rows < a.rows ? b : a));
  const largest = results.reduce((a, b) => (b.rows > a.rows ? b : a));
  const table = results.map((r) => ({
    rows: r.rows,
    seconds: r.seconds,
    rowsPerSecond: Math.round(r.rows / r.seconds),
    peakRssMb: round(r.peakRss / 2 ** 20),
    ratio: round(r.peakRss / smallest.peakRss, 2),
    liveHeapMb: round(r.liveHeap / 2 ** 20),
    delivered: r.report.rows.delivered,
    requests: r.report.requests.sent,
  }));
  console.log(`${args.connector} (${args.mode} mode), engine heap budget: ${heapMb > 0 ? `${heapMb} MB` : "V8 default"}, Node ${process.version}`);
  printTable(table);
  const ratio = round(largest.peakRss / smallest.peakRss, 3);
  const incomplete = results.filter((r) => r.report.rows.read !== r.rows || r.report.rows.delivered !== r.rows || r.accepted !== r.rows);
  const ok = ratio <= maxRatio && incomplete.length === 0;
  console.log(JSON.stringify({ bench: "memory", connector: args.connector, mode: args.mode, node: process.version, heapMb: heapMb > 0 ? heapMb : null, maxRatio, ratio, ok, runs: table }));
  for (const r of incomplete) {
    console.error(`${r.rows} rows: read ${r.report.rows.read}, delivered ${r.report.rows.delivered}, accepted by the emulator ${r.accepted}`);
  }
  if (ratio > maxRatio) {
    console.error(`peak RSS grew ${ratio}x from ${smallest.rows} to ${largest.rows} rows (limit ${maxRatio}x)`);
  }
  process.exitCode = ok ? 0 : 1;
}

/** One run in a fresh engine process; resolves to its figures. */
function measure(file, url, heapMb) {
  return new Promise((resolvePromise, reject) => {
    const v8Flags = ["--expose-gc", ...(heapMb > 0 ? [`--max-old-space-size=${heapMb}`] : [])];
    const child = spawn(process.execPath, [...v8Flags, fileURLToPath(import.meta.url), "--child", "--file", file, "--url", url, "--connector", args.connector, "--mode", args.mode], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      if (code !== 0) return reject(new Error(`measuring ${file} exited with ${code}: ${out.trim()}`));
      try {
        resolvePromise(JSON.parse(line));
      } catch {
        reject(new Error(`measuring ${file} printed no result: ${out.trim()}`));
      }
    });
  });
}

/** The emulators in their own process: no validation, no kept records, as a benchmark needs. */
function startEmulatorProcess(connector) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [emulatorsBin, "--port", "0", "--no-validate", "--no-keep-records", "--connector", connector], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`the emulators did not start within 10 s: ${out}${err}`));
    }, 10_000);
    child.stderr.on("data", (d) => (err += d));
    child.stdout.on("data", (d) => {
      out += d;
      // bin prints `<id>  http://127.0.0.1:<port>  (TAGWIRE_<ID>_URL)` once it listens.
      const match = /(http:\/\/[^\s]+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolvePromise({ url: match[1], stop: () => child.kill("SIGTERM") });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the emulators exited with ${code}: ${err.trim()}`));
    });
  });
}

async function runChild() {
  let peak = process.memoryUsage().rss;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  const sampler = setInterval(sample, SAMPLE_MS);
  const { Effect } = await import("effect");
  const engine = await import(pathToFileURL(engineDist).href);
  const emulators = await import(pathToFileURL(emulatorsDist).href);

  const connector = engine.findConnector(engine.loadConnectors(), args.connector);
  const settings = emulators.expectedSettings(connector.manifest.wire.auth);
  const options = args.mode === "event" && connector.id === "mparticle" ? { data_type: "event_data" } : {};

  const started = performance.now();
  const report = await Effect.runPromise(
    engine.runLook({
      connector,
      look: engine.readLook(engine.lookSourceFromFile(args.file)),
      settings,
      options,
      env: { [engine.baseUrlVariable(connector.id)]: args.url },
      // The local emulator at full speed: what is measured is the engine, not the destination's pacing.
      rateLimit: "off",
    }).pipe(Effect.provide(engine.engineLayer())),
  );
  const seconds = (performance.now() - started) / 1000;
  sample();
  clearInterval(sampler);
  // What the run still holds once its garbage is gone (after the peak was taken).
  globalThis.gc?.();
  const liveHeap = process.memoryUsage().heapUsed;
  const { rejected, failed, warnings, diagnostics, ...summary } = report;
  process.stdout.write(`${JSON.stringify({ peakRss: peak, liveHeap, seconds: round(seconds, 2), report: { ...summary, rejected: rejected.slice(0, 3), failed } })}\n`);
  // Keep-alive sockets would hold the process open.
  process.exit(0);
}

function printTable(rows) {
  const header = ["rows", "seconds", "rows/s", "peak RSS MB", "ratio", "live heap MB", "delivered", "requests"];
  const lines = rows.map((r) => [r.rows.toLocaleString("en-US"), r.seconds.toFixed(2), r.rowsPerSecond.toLocaleString("en-US"), r.peakRssMb.toFixed(1), `${r.ratio.toFixed(2)}x`, r.liveHeapMb.toFixed(1), r.delivered.toLocaleString("en-US"), r.requests.toLocaleString("en-US")]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells) => cells.map((c, i) => c.padStart(widths[i])).join("  ");
  console.log(fmt(header));
  for (const l of lines) console.log(fmt(l));
}

function round(n, digits = 1) {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function fail(message) {
  console.error(`memory bench: ${message}`);
  process.exit(2);
}
