// The benchmark's output: a table on stdout, the targets with pass/fail, and bench/results.json.
// The results.json schema is documented in docs/performance.md; bump SCHEMA_VERSION on any
// incompatible change.

import { writeFile } from "node:fs/promises";

export const SCHEMA_VERSION = 1;

/** The targets (printed, not enforced). */
export const TARGETS = {
  e2eRowsPerSec: 100_000,
  e2eScenarios: ["mparticle-event", "segment-identify"],
  e2eRows: 1_000_000,
  peakRssMb: 150,
  rssGrowthMax: 1.5,
  engineRowsPerSec: 200_000,
};

/**
 * One scenario at one size. Fields are null when not measured (see `notes`).
 * @typedef {object} RunResult
 * @property {string} scenario
 * @property {string} connector
 * @property {string} action
 * @property {Record<string, string>} formParams
 * @property {"user" | "event"} mode
 * @property {number} rows
 * @property {{ path: string, bytes: number, seed: number, reused: boolean }} look
 * @property {{ wallMs: number, rowsPerSec: number, headersMs: number, httpStatus: number, lookerSuccess: boolean, lookerMessage: string, cpu: { serverSec: number, emulatorsSec: number, benchSec: number, otherSec: number } } | null} e2e
 * @property {{ peakRssMb: number, startRssMb: number, endRssMb: number, peakHeapUsedMb: number, peakHeapTotalMb: number, peakExternalMb: number, peakArrayBuffersMb: number, profiled: boolean, spool: Record<string, number | string> | null } | null} server
 * @property {{ emulator: number, server: number | null, byStatus: Record<string, number> } | null} requests
 * @property {{ source: "observed" | "histogram", p50: number | null, p99: number | null, max: number | null, count: number } | null} latencyMs
 * @property {{ p50: number | null, p99: number | null, count: number, bucketsMs: number[] } | null} latencyHistogramMs
 * @property {{ rowsPerSec: number, ms: number, runs: number, allMs: number[], read: number, rejected: number, batches: number, peakRssMb: number, validateRecords: boolean, otherCpuSec: number } | null} engineOnly
 * @property {{ rowsPerSec: number, parseMs: number, readMs: number, runs: number, peakRssMb: number, otherCpuSec: number } | { skipped: string } | null} jsonParse
 * @property {number | null} ratioE2eToJsonParse
 * @property {{ ok: boolean, expectedAccepted: number | null, accepted: number | null, duplicates: number | null, dropped: number | null, read: number | null, rejected: number | null, failed: number | null, detail: string }} check
 * @property {Array<{ thread: string, path: string, sampledMs: number, executeOnly: boolean, top: Array<{ function: string, location: string, selfMs: number, selfPct: number }>, areas: Array<{ area: string, ms: number, pct: number }> }> | null} profile
 * @property {string[]} notes
 */

/**
 * @typedef {object} Target
 * @property {string} name
 * @property {string} scenario
 * @property {number} rows
 * @property {string} threshold
 * @property {number | null} value
 * @property {boolean | null} met   null when not measured in this run
 */

/** @param {number | null | undefined} n @param {number} [digits] */
const fmt = (n, digits = 0) => (n === null || n === undefined || Number.isNaN(n) ? "–" : n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }));

/**
 * @param {RunResult} r
 * @returns {number | null}
 */
const jsonParseRate = (r) => (r.jsonParse !== null && "rowsPerSec" in r.jsonParse ? r.jsonParse.rowsPerSec : null);

/**
 * @param {RunResult[]} runs
 * @returns {string}
 */
export function formatTable(runs) {
  const header = ["scenario", "rows", "e2e rows/s", "wall s", "peak RSS MB", "requests", "p50 ms", "p99 ms", "engine rows/s", "JSON.parse rows/s", "e2e/JSON.parse", "check"];
  const rows = runs.map((r) => [
    r.scenario,
    fmt(r.rows),
    fmt(r.e2e?.rowsPerSec),
    fmt(r.e2e === null ? null : r.e2e.wallMs / 1000, 2),
    fmt(r.server?.peakRssMb, 1),
    fmt(r.requests?.emulator),
    `${fmt(r.latencyMs?.p50, 1)}${r.latencyMs?.source === "histogram" ? "~" : ""}`,
    `${fmt(r.latencyMs?.p99, 1)}${r.latencyMs?.source === "histogram" ? "~" : ""}`,
    fmt(r.engineOnly?.rowsPerSec),
    r.jsonParse !== null && "skipped" in r.jsonParse ? "skipped" : fmt(jsonParseRate(r)),
    r.ratioE2eToJsonParse === null ? "–" : `${(r.ratioE2eToJsonParse * 100).toFixed(1)}%`,
    r.check.ok ? "ok" : "MISMATCH",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (/** @type {string[]} */ cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/**
 * Evaluates the targets on whatever this run measured.
 * @param {RunResult[]} runs
 * @returns {Target[]}
 */
export function evaluateTargets(runs) {
  /** @type {Target[]} */
  const out = [];
  const at = (/** @type {string} */ scenario, /** @type {number} */ rows) => runs.find((r) => r.scenario === scenario && r.rows === rows);
  for (const scenario of TARGETS.e2eScenarios) {
    const r = at(scenario, TARGETS.e2eRows);
    const value = r?.e2e?.rowsPerSec ?? null;
    out.push({ name: "e2e rows/s", scenario, rows: TARGETS.e2eRows, threshold: `>= ${fmt(TARGETS.e2eRowsPerSec)}`, value, met: value === null ? null : value >= TARGETS.e2eRowsPerSec });
  }
  const scenarios = [...new Set(runs.map((r) => r.scenario))];
  for (const scenario of scenarios) {
    const big = at(scenario, TARGETS.e2eRows);
    const small = at(scenario, 10_000);
    const rss = big?.server?.peakRssMb ?? null;
    out.push({ name: "server peak RSS MB", scenario, rows: TARGETS.e2eRows, threshold: `< ${TARGETS.peakRssMb}`, value: rss, met: rss === null ? null : rss < TARGETS.peakRssMb });
    const growth = rss !== null && small?.server?.peakRssMb ? rss / small.server.peakRssMb : null;
    out.push({
      name: "peak RSS 1M / 10k",
      scenario,
      rows: TARGETS.e2eRows,
      threshold: `<= ${TARGETS.rssGrowthMax}x`,
      value: growth === null ? null : Math.round(growth * 100) / 100,
      met: growth === null ? null : growth <= TARGETS.rssGrowthMax,
    });
    const engine = big?.engineOnly?.rowsPerSec ?? null;
    out.push({ name: "engine-only rows/s", scenario, rows: TARGETS.e2eRows, threshold: `>= ${fmt(TARGETS.engineRowsPerSec)}`, value: engine, met: engine === null ? null : engine >= TARGETS.engineRowsPerSec });
  }
  return out;
}

/** @param {Target[]} targets @returns {string} */
export function formatTargets(targets) {
  return targets
    .map((t) => {
      const verdict = t.met === null ? "not measured" : t.met ? "met" : "NOT MET";
      const value = t.value === null ? "–" : t.name.includes("/ 10k") ? `${t.value}x` : fmt(t.value, t.name.includes("MB") ? 1 : 0);
      return `  ${verdict.padEnd(12)} ${t.name} (${t.scenario}, ${fmt(t.rows)} rows): ${value}, target ${t.threshold}`;
    })
    .join("\n");
}

/**
 * @param {string} path
 * @param {object} doc  the whole results.json document
 */
export async function writeResults(path, doc) {
  await writeFile(path, `${JSON.stringify(doc, null, 2)}\n`);
}
