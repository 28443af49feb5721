// Baseline: read a whole json_detail document into memory and JSON.parse it.
// Usage: node bench/lib/json-parse-baseline.mjs <look.json>

import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";

/**
 * @typedef {object} BaselineResult
 * @property {number} rows
 * @property {number} bytes
 * @property {number} readMs   reading and decoding the file
 * @property {number} parseMs  JSON.parse alone
 */

/**
 * @param {string} path
 * @returns {Promise<BaselineResult>}
 */
export async function timeJsonParse(path) {
  const t0 = performance.now();
  const text = await readFile(path, "utf8");
  const t1 = performance.now();
  const doc = JSON.parse(text);
  const t2 = performance.now();
  return { rows: doc.data.length, bytes: Buffer.byteLength(text), readMs: t1 - t0, parseMs: t2 - t1 };
}

/** @param {number} rows @param {number} ms */
export const rowsPerSecond = (rows, ms) => Math.round(rows / (ms / 1000));

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const path = process.argv[2];
  if (path === undefined) {
    console.error("usage: node bench/lib/json-parse-baseline.mjs <look.json>");
    process.exit(2);
  }
  const r = await timeJsonParse(path);
  console.log(
    `JSON.parse whole: ${r.rows} rows, ${(r.bytes / 1e6).toFixed(1)} MB: ` +
      `${rowsPerSecond(r.rows, r.parseMs)} rows/s parse only, ${rowsPerSecond(r.rows, r.readMs + r.parseMs)} rows/s with read`,
  );
}
