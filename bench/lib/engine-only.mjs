// Engine-only rate: the whole engine pipeline in one process with no HTTP at all. The Look is read
// from the file (page cache after the first read), parsed by the streaming json_detail parser,
// planned, every row transformed, serialised and batched, and each batch settled at once
// (`dryRun: true`). Record validation is off by default, as in the definition. Rows are
// read and transformed the way the action server does: cut on this thread, parsed and transformed
// on `--workers` worker threads (0: all on this thread).
//
// CLI (prints one JSON line; the benchmark runs it in a fresh process per measurement):
//   node bench/lib/engine-only.mjs --file look.json --connector mparticle --action mparticle \
//     --options '{"data_type":"event_data"}' --settings '{"apiKey":"k","apiSecret":"s"}' [--runs 3] [--validate] [--workers 1]

import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { Effect } from "effect";
import { engineLayer, findConnector, loadConnectors, lookSourceFromFile, readLook, runLook } from "../../packages/engine/dist/index.js";

/**
 * @typedef {object} EngineOnlyOptions
 * @property {string} path
 * @property {string} connectorId
 * @property {string} action
 * @property {Record<string, string>} options    form parameters
 * @property {Record<string, string>} settings   connector settings (credentials; not used to send)
 * @property {boolean} [validateRecords]        default false
 * @property {number} [workers]                 worker threads, default 0
 */

/**
 * @typedef {object} EngineOnlyResult
 * @property {number} ms         wall time of `runLook`, first event to report
 * @property {number} read       rows read
 * @property {number} delivered  rows that became records (settled without sending)
 * @property {number} rejected
 * @property {number} batches    batches formed (the requests a real run would send)
 */

/**
 * One dry run of the engine over the file.
 * @param {EngineOnlyOptions} o
 * @returns {Promise<EngineOnlyResult>}
 */
export async function measureEngineOnly(o) {
  const connector = findConnector(loadConnectors(), o.connectorId);
  // A batch is settled when delivered + failed moves (progress is also reported per chunk read).
  let batches = 0;
  let settled = 0;
  const t0 = performance.now();
  const report = await Effect.runPromise(
    runLook({
      connector,
      action: o.action,
      look: readLook(lookSourceFromFile(o.path), { raw: true }),
      settings: o.settings,
      options: o.options,
      env: {},
      dryRun: true,
      validateRecords: o.validateRecords === true,
      workers: o.workers ?? 0,
      onProgress: (p) => {
        const now = p.delivered + p.failed;
        if (now !== settled) {
          settled = now;
          batches++;
        }
      },
    }).pipe(Effect.provide(engineLayer())),
  );
  const ms = performance.now() - t0;
  return { ms, read: report.rows.read, delivered: report.rows.delivered, rejected: report.rows.rejected, batches };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({
    options: {
      file: { type: "string" },
      connector: { type: "string" },
      action: { type: "string" },
      options: { type: "string", default: "{}" },
      settings: { type: "string", default: "{}" },
      runs: { type: "string", default: "1" },
      validate: { type: "boolean", default: false },
      workers: { type: "string", default: "0" },
    },
  });
  if (values.file === undefined || values.connector === undefined || values.action === undefined) {
    process.stderr.write("usage: node bench/lib/engine-only.mjs --file F --connector ID --action NAME [--options JSON] [--settings JSON] [--runs N] [--validate] [--workers N]\n");
    process.exit(2);
  }
  const runs = Math.max(1, Math.min(10, Number(values.runs) || 1));
  /** @type {EngineOnlyResult[]} */
  const results = [];
  for (let i = 0; i < runs; i++) {
    results.push(
      await measureEngineOnly({
        path: values.file,
        connectorId: values.connector,
        action: values.action,
        options: JSON.parse(values.options),
        settings: JSON.parse(values.settings),
        validateRecords: values.validate,
        workers: Number(values.workers),
      }),
    );
  }
  const best = results.reduce((a, b) => (b.ms < a.ms ? b : a));
  process.stdout.write(`${JSON.stringify({ ...best, runs, allMs: results.map((r) => Math.round(r.ms)), peakRssBytes: process.resourceUsage().maxRSS * 1024, cpuSec: cpuSeconds() })}\n`);
}

/** CPU time this process has used, user + system, in seconds. */
function cpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
