// Runs `timeJsonParse` (json-parse-baseline.mjs) in its own process and prints one JSON line, so
// the whole-document string and object graph never share a heap with the benchmark.
// Usage: node --max-old-space-size=N bench/lib/json-parse-child.mjs <look.json> [runs]

import { timeJsonParse } from "./json-parse-baseline.mjs";

const path = process.argv[2];
if (path === undefined) {
  process.stderr.write("usage: node bench/lib/json-parse-child.mjs <look.json> [runs]\n");
  process.exit(2);
}
const runs = Math.max(1, Math.min(10, Number(process.argv[3]) || 1));
/** @type {Array<import("./json-parse-baseline.mjs").BaselineResult>} */
const results = [];
for (let i = 0; i < runs; i++) {
  results.push(await timeJsonParse(path));
  // Give the previous document back before the next read.
  globalThis.gc?.();
}
const best = results.reduce((a, b) => (b.parseMs < a.parseMs ? b : a));
process.stdout.write(`${JSON.stringify({ ...best, runs, allParseMs: results.map((r) => Math.round(r.parseMs)), peakRssBytes: process.resourceUsage().maxRSS * 1024, cpuSec: cpuSeconds() })}\n`);

/** CPU time this process has used, user + system, in seconds. */
function cpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
