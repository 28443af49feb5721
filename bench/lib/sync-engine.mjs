// Change-only syncs, engine side: the same Look run stateless, then as a sync's first run and its
// second (unchanged) run, with the state in memory and a destination that takes every request at
// once (no HTTP), so the figures are the engine's own cost of digests, the change filter, sealed
// identities and confirms. CPU seconds are the process's (every thread), as the machine is shared.
//
// CLI (prints one JSON line):
//   node bench/lib/sync-engine.mjs --file look.json --connector mparticle --action mparticle \
//     --options '{"data_type":"user_data"}' --settings '{"apiKey":"k","apiSecret":"s"}' [--workers 1] [--removed clear] [--sqlite dir]

import { parseArgs } from "node:util";
import { Effect } from "effect";
import { engineLayer, findConnector, loadConnectors, lookSourceFromFile, readLook, runLook, SyncStoreService } from "../../packages/engine/dist/index.js";
import { memorySyncStore } from "../../packages/engine/dist/testing.js";

const { values } = parseArgs({
  options: {
    file: { type: "string" },
    connector: { type: "string" },
    action: { type: "string" },
    options: { type: "string", default: "{}" },
    settings: { type: "string", default: "{}" },
    workers: { type: "string", default: "1" },
    removed: { type: "string", default: "ignore" },
    sqlite: { type: "string" },
  },
});
const connector = findConnector(loadConnectors(), String(values.connector));
/** A destination that takes every request at once. */
const transport = { post: async () => ({ kind: "response", status: 202, headers: {}, body: "" }), close: () => undefined };
// `--sqlite dir`: the embedded store in that directory instead of memory.
const store = values.sqlite === undefined ? memorySyncStore() : await (await import("../../packages/store/dist/sqlite.js")).openSqlite(`${values.sqlite}/tagwire.db`);

async function measure(label, sync) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const run = runLook({
    connector,
    action: values.action,
    look: readLook(lookSourceFromFile(String(values.file)), { raw: true }),
    settings: JSON.parse(String(values.settings)),
    options: JSON.parse(String(values.options)),
    env: { [`TAGWIRE_${connector.id.toUpperCase()}_URL`]: "http://127.0.0.1:9" },
    rateLimit: "off",
    transport,
    validateRecords: false,
    workers: Number(values.workers),
    ...(sync ? { sync: { instance: "bench", plan: "bench", removed: values.removed } } : {}),
  }).pipe(Effect.provide(engineLayer()));
  const report = await Effect.runPromise(sync ? Effect.provideService(run, SyncStoreService, store) : run);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    label,
    read: report.rows.read,
    delivered: report.rows.delivered,
    requests: report.requests.sent,
    sync: report.sync === undefined ? undefined : { new: report.sync.new, changed: report.sync.changed, unchanged: report.sync.unchanged, removed: report.sync.removed },
    wallSeconds: Math.round(ms) / 1000,
    cpuSeconds: Math.round(cpuSeconds * 1000) / 1000,
    rowsPerWallSecond: Math.round(report.rows.read / (ms / 1000)),
    rowsPerCpuSecond: Math.round(report.rows.read / cpuSeconds),
    rssMb: Math.round(process.memoryUsage().rss / 1e6),
  };
}

const results = [];
results.push(await measure("stateless", false));
results.push(await measure("sync, first run", true));
results.push(await measure("sync, second run (unchanged)", true));
process.stdout.write(`${JSON.stringify(results)}\n`);
