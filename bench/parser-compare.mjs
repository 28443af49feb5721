// Compares ways of reading a large Look: JSON.parse of the whole document, the engine's
// streaming json_detail parser, and @streamparser/json. Each method runs in its own process so
// JIT state and heap do not leak between them.
//
// Usage: node bench/parser-compare.mjs [--rows 200000] [--mode user|event] [--pivot]
//          [--seed 1] [--runs 3] [--engine path/to/look/index.js] [--keep]
//          [--methods json-parse,engine-push,...]  (default: all)
// The engine module defaults to packages/engine/dist/look/index.js (build the engine first).

import { spawnSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { rowsPerSecond, timeJsonParse } from "./lib/json-parse-baseline.mjs";
import { writeSyntheticLook } from "./lib/synthetic-look.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const defaultEngine = resolve(here, "../packages/engine/dist/look/index.js");
const CHUNK_BYTES = 256 * 1024;

const METHODS = {
  "JSON.parse whole (parse only)": "json-parse",
  "JSON.parse whole (read + parse)": "json-parse-read",
  "engine JsonDetailParser.push": "engine-push",
  "engine readLook (file source)": "engine-readlook",
  "@streamparser/json JSONParser": "streamparser",
};

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "200000" },
    mode: { type: "string", default: "user" },
    pivot: { type: "boolean", default: false },
    seed: { type: "string", default: "1" },
    runs: { type: "string", default: "3" },
    engine: { type: "string", default: process.env.TAGWIRE_LOOK_MODULE ?? defaultEngine },
    keep: { type: "boolean", default: false },
    methods: { type: "string" },
    child: { type: "string" },
    file: { type: "string" },
  },
});

async function runParent() {
  const rows = Number(args.rows);
  const dir = await mkdtemp(join(tmpdir(), "tagwire-bench-"));
  const path = join(dir, `look-${rows}.json`);
  const mode = args.mode === "event" ? "event" : "user";
  const file = await writeSyntheticLook({ rows, mode, seed: Number(args.seed), pivot: args.pivot, path });
  console.log(
    `Look: ${rows} rows, ${mode} mode${args.pivot ? ", pivoted" : ""}, ${(file.bytes / 1e6).toFixed(1)} MB ` +
      `(${Math.round(file.bytes / rows)} bytes a row); best of ${args.runs} runs, Node ${process.version}`,
  );
  try {
    const wanted = args.methods?.split(",");
    for (const [label, method] of Object.entries(METHODS)) {
      if (wanted !== undefined && !wanted.includes(method)) continue;
      const child = spawnSync(
        process.execPath,
        ["--expose-gc", fileURLToPath(import.meta.url), "--child", method, "--file", path, "--runs", String(args.runs), "--engine", args.engine],
        { encoding: "utf8" },
      );
      if (child.status !== 0) {
        console.log(`${label.padEnd(34)} failed: ${(child.stderr || child.stdout).trim().split("\n")[0]}`);
        continue;
      }
      const r = JSON.parse(child.stdout.trim().split("\n").pop() ?? "{}");
      if (r.rows !== rows) throw new Error(`${label} produced ${r.rows} rows, expected ${rows}`);
      console.log(
        `${label.padEnd(34)} ${String(rowsPerSecond(r.rows, r.ms)).padStart(8)} rows/s  ` +
          `(${r.ms.toFixed(0)} ms, peak RSS ${mb(r.peakRss)} MB, peak heap ${mb(r.peakHeap)} MB)`,
      );
    }
  } finally {
    if (args.keep) console.log(`kept ${path}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

/** @param {number} bytes */
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(0);

/**
 * Runs one method `runs` times and prints {rows, ms, peakRss, peakHeap} for the fastest run.
 * @param {string} method @param {string} path @param {number} runs @param {string} engine
 */
async function runChild(method, path, runs, engine) {
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const timer = setInterval(sample, 20);
  const run = await loadMethod(method, engine);
  let best = { rows: 0, ms: Infinity };
  for (let i = 0; i < runs; i++) {
    globalThis.gc?.(); // start each run from a clean heap so earlier runs' garbage is not billed
    const r = await run(path, sample);
    if (r.ms < best.ms) best = r;
  }
  clearInterval(timer);
  sample();
  console.log(JSON.stringify({ ...best, peakRss, peakHeap }));
}

/**
 * @param {string} method @param {string} engine
 * @returns {Promise<(path: string, sample: () => void) => Promise<{ rows: number, ms: number }>>}
 */
async function loadMethod(method, engine) {
  switch (method) {
    case "json-parse":
      return async (path, sample) => {
        const r = await timeJsonParse(path);
        sample();
        return { rows: r.rows, ms: r.parseMs };
      };
    case "json-parse-read":
      return async (path, sample) => {
        const r = await timeJsonParse(path);
        sample();
        return { rows: r.rows, ms: r.readMs + r.parseMs };
      };
    case "engine-push": {
      const { JsonDetailParser } = await import(pathToFileURL(engine).href);
      return async (path) => {
        const t0 = performance.now();
        const parser = new JsonDetailParser();
        let rows = 0;
        for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES })) rows += parser.push(chunk).length;
        rows += parser.end().length;
        return { rows, ms: performance.now() - t0 };
      };
    }
    case "engine-readlook": {
      const { readLook, lookSourceFromFile } = await import(pathToFileURL(engine).href);
      return async (path) => {
        const t0 = performance.now();
        let rows = 0;
        for await (const event of readLook(lookSourceFromFile(path))) if (event.kind === "rows") rows += event.rows.length;
        return { rows, ms: performance.now() - t0 };
      };
    }
    case "streamparser": {
      const { JSONParser } = await import("@streamparser/json");
      return async (path) => {
        const t0 = performance.now();
        const parser = new JSONParser({ paths: ["$.fields", "$.ran_at", "$.data.*"], keepStack: false });
        let rows = 0;
        parser.onValue = ({ key }) => {
          if (typeof key === "number") rows++;
        };
        for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES })) parser.write(chunk);
        return { rows, ms: performance.now() - t0 };
      };
    }
    default:
      throw new Error(`unknown method ${method}`);
  }
}

if (args.child !== undefined) {
  await runChild(args.child, /** @type {string} */ (args.file), Number(args.runs), args.engine);
} else {
  await runParent();
}
