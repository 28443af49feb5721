// Summarises a V8 .cpuprofile (as written by `node --cpu-prof`): the functions with the most
// self time, and the time per area of the code (each sample goes to the first frame, from the
// leaf up, that belongs to a known area). An optional time window keeps only the samples taken
// while an execute ran (profile timestamps and process.hrtime share the monotonic clock).
// Usage: node bench/lib/cpu-profile.mjs <file.cpuprofile> [top=20]

import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/**
 * @typedef {object} ProfileEntry
 * @property {string} function
 * @property {string} location  file:line, relative to the repository when inside it (`~/` = node_modules)
 * @property {number} selfMs
 * @property {number} selfPct   of the sampled time in the window, idle included
 */

/**
 * @typedef {object} ProfileSummary
 * @property {number} totalMs    sampled time in the window
 * @property {boolean} windowed  false when no window was given or it did not overlap the profile
 * @property {ProfileEntry[]} entries  top functions by self time
 * @property {Array<{ area: string, ms: number, pct: number }>} areas
 */

/** Areas, tried in order on each frame from the leaf up. @type {Array<[string, (name: string, url: string) => boolean]>} */
const AREAS = [
  ["garbage collection", (n) => n === "(garbage collector)"],
  ["idle", (n) => n === "(idle)"],
  ["module loading (start-up)", (_, u) => u.startsWith("node:internal/modules")],
  ["record validation (ajv)", (n, u) => u.includes("/ajv") || (u === "" && /^validate\d*$/.test(n))],
  ["Look parsing (engine/look)", (_, u) => u.includes("engine/dist/look/")],
  ["transform (engine/transform, engine/plan)", (_, u) => u.includes("engine/dist/transform/") || u.includes("engine/dist/plan/")],
  ["batching (engine/batch)", (_, u) => u.includes("engine/dist/batch/")],
  ["delivery (engine/deliver)", (_, u) => u.includes("engine/dist/deliver/")],
  ["run loop: stringify, byte count, report (engine/run)", (_, u) => u.includes("engine/dist/run/")],
  ["Effect runtime", (_, u) => u.includes("/effect/")],
  ["got (download, requests)", (_, u) => u.includes("/got/") || u.includes("/http2-wrapper/") || u.includes("/@szmarczak/")],
  ["node http, net and streams", (_, u) => /^node:(_http|net|internal\/(streams|stream_base_commons|http|net|webstreams))/.test(u) || u === "node:stream"],
  ["action server", (_, u) => u.includes("action-server/dist/")],
  ["prom-client", (_, u) => u.includes("/prom-client/")],
];

/**
 * @param {string} path
 * @param {number} [top]
 * @param {{ startUs: number, endUs: number }} [window]  monotonic microseconds
 * @returns {Promise<ProfileSummary>}
 */
export async function summariseProfile(path, top = 20, window) {
  const profile = JSON.parse(await readFile(path, "utf8"));
  /** @type {Map<number, { callFrame: { functionName: string, url: string, lineNumber: number }, parent?: number }>} */
  const nodes = new Map();
  for (const node of profile.nodes) nodes.set(node.id, { callFrame: node.callFrame });
  for (const node of profile.nodes) for (const child of node.children ?? []) {
    const c = nodes.get(child);
    if (c !== undefined) c.parent = node.id;
  }
  const samples = /** @type {number[]} */ (profile.samples ?? []);
  const deltas = /** @type {number[]} */ (profile.timeDeltas ?? []);
  const endOfProfile = profile.endTime ?? 0;
  const windowed = window !== undefined && window.startUs < endOfProfile && window.endUs > (profile.startTime ?? 0);

  /** @type {Map<string, ProfileEntry>} */
  const byKey = new Map();
  /** @type {Map<string, number>} */
  const areas = new Map();
  /** @type {Map<number, string>} */
  const areaOfNode = new Map();
  let totalUs = 0;
  let t = profile.startTime ?? 0;
  for (let i = 0; i < samples.length; i++) {
    const dt = Math.max(0, deltas[i] ?? 0);
    t += deltas[i] ?? 0;
    if (windowed && (t < window.startUs || t > window.endUs)) continue;
    totalUs += dt;
    const id = samples[i];
    const node = nodes.get(id);
    if (node === undefined) continue;
    const frame = node.callFrame;
    const location = frame.url === "" ? "" : `${shorten(frame.url)}:${frame.lineNumber + 1}`;
    const name = frame.functionName === "" ? "(anonymous)" : frame.functionName;
    const key = `${name}|${location}`;
    let entry = byKey.get(key);
    if (entry === undefined) {
      entry = { function: name, location, selfMs: 0, selfPct: 0 };
      byKey.set(key, entry);
    }
    entry.selfMs += dt / 1000;
    let area = areaOfNode.get(id);
    if (area === undefined) {
      area = areaOf(nodes, id);
      areaOfNode.set(id, area);
    }
    areas.set(area, (areas.get(area) ?? 0) + dt / 1000);
  }
  const totalMs = totalUs / 1000;
  const pct = (/** @type {number} */ ms) => (totalMs === 0 ? 0 : Math.round((ms / totalMs) * 1000) / 10);
  const entries = [...byKey.values()]
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, top)
    .map((e) => ({ ...e, selfMs: Math.round(e.selfMs), selfPct: pct(e.selfMs) }));
  return {
    totalMs: Math.round(totalMs),
    windowed,
    entries,
    areas: [...areas].sort((a, b) => b[1] - a[1]).map(([area, ms]) => ({ area, ms: Math.round(ms), pct: pct(ms) })),
  };
}

/**
 * The area of a sample: the first frame from the leaf up that an AREAS rule claims.
 * @param {Map<number, { callFrame: { functionName: string, url: string }, parent?: number }>} nodes
 * @param {number} id
 */
function areaOf(nodes, id) {
  /** @type {number | undefined} */
  let current = id;
  for (let depth = 0; current !== undefined && depth < 500; depth++) {
    const node = nodes.get(current);
    if (node === undefined) break;
    const { functionName, url } = node.callFrame;
    for (const [area, test] of AREAS) if (test(functionName, url)) return area;
    current = node.parent;
  }
  const leaf = nodes.get(id)?.callFrame.functionName ?? "";
  return leaf === "(program)" ? "other native code (program)" : "other";
}

/** @param {string} url */
function shorten(url) {
  if (!url.startsWith("file://")) return url;
  const path = fileURLToPath(url);
  const rel = relative(repoRoot, path);
  return rel.startsWith("..") ? path : rel.replace(/^node_modules\//, "~/");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const path = process.argv[2];
  if (path === undefined) {
    process.stderr.write("usage: node bench/lib/cpu-profile.mjs <file.cpuprofile> [top]\n");
    process.exit(2);
  }
  const { totalMs, entries, areas } = await summariseProfile(path, Number(process.argv[3]) || 20);
  process.stdout.write(`${totalMs} ms sampled\n\nby area:\n`);
  for (const a of areas) process.stdout.write(`${String(a.pct).padStart(5)}%  ${String(a.ms).padStart(7)} ms  ${a.area}\n`);
  process.stdout.write(`\ntop functions by self time:\n`);
  for (const e of entries) process.stdout.write(`${String(e.selfPct).padStart(5)}%  ${String(e.selfMs).padStart(7)} ms  ${e.function}  ${e.location}\n`);
}
