// Replicas sharing one Postgres database: the rate they keep together, and what the shared budget
// costs a request. Figures: docs/production.md, "Sizing".
//
// 1. Three action servers on one Postgres (rate budgets in Postgres, then in Redis), six syncs of
//    one Look spread across them under a low limit: the most records the emulator saw in any 5 s
//    window against the limit (the target: within the limit + 10%).
// 2. One server sending as fast as it can, with its budget shared in Postgres, in Redis, or none
//    (the rate limit off; a budget of the process is arithmetic only): requests/s at the emulator,
//    the three in turn for a few rounds.
//
// Usage: node bench/replicas.mjs [--limit 800] [--rows 1200] [--fast-rows 60000] [--rounds 3]
//                                [--postgres postgres://postgres@127.0.0.1:5432/test] [--redis redis://127.0.0.1:6379]
// Each part runs in a Postgres schema of its own, dropped at the end. Needs a build. Exits 1 when
// a check fails, 2 on bad arguments.

import { randomBytes } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { startDownloadServer } from "./lib/download-server.mjs";
import { postExecute } from "./lib/looker-client.mjs";
import { ensureLook } from "./lib/looks.mjs";
import { runBenchMain, startEmulators, startServerChild } from "./lib/processes.mjs";
import { benchSchema } from "./lib/postgres-schema.mjs";

const WINDOW_MS = 5000;
const EXECUTE_TIMEOUT_MS = 10 * 60_000;
const FORM = { data_type: "user_data", environment: "development" };
const progress = (/** @type {string} */ line) => process.stderr.write(`[replicas ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function readOptions() {
  const { values } = parseArgs({
    strict: true,
    options: {
      limit: { type: "string", default: "800" },
      rows: { type: "string", default: "1200" },
      "fast-rows": { type: "string", default: "60000" },
      rounds: { type: "string", default: "3" },
      postgres: { type: "string", default: process.env["TAGWIRE_TEST_POSTGRES_URL"] ?? "postgres://postgres@127.0.0.1:5432/test" },
      redis: { type: "string", default: process.env["TAGWIRE_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379" },
    },
  });
  const whole = (/** @type {string} */ name) => {
    const n = Number(values[name]);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a whole number above 0`);
    return n;
  };
  return { limit: whole("limit"), rows: whole("rows"), fastRows: whole("fast-rows"), rounds: whole("rounds"), postgres: values.postgres, redis: values.redis };
}

/** The most records that arrived in any window of `windowMs`, from the emulator's arrival times. */
function maxInWindow(/** @type {Array<[number, number]>} */ arrivals, /** @type {number} */ windowMs) {
  let best = 0;
  let inWindow = 0;
  let first = 0;
  for (const [at, count] of arrivals) {
    inWindow += count;
    while (arrivals[first][0] <= at - windowMs) inWindow -= arrivals[first++][1];
    best = Math.max(best, inWindow);
  }
  return best;
}

/**
 * `count` syncs of the Look at `path` (each its own Looker instance, so they run at once), spread
 * over `servers`; the wall time and every answer.
 */
async function executes(ctx, servers, path, count, label) {
  const started = performance.now();
  const answers = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      postExecute({
        serverUrl: servers[i % servers.length].url,
        secret: ctx.secret,
        action: "mparticle",
        settings: ctx.emulators.credentials["mparticle"] ?? {},
        formParams: FORM,
        downloadUrl: ctx.downloads.urlFor(path),
        webhookId: `bench-replicas-${label}-${i}-${Date.now()}`,
        title: `bench replicas ${label}`,
        timeoutMs: EXECUTE_TIMEOUT_MS,
        instance: `bench-${label}-${i}-${randomBytes(3).toString("hex")}.looker.example.com`,
      }),
    ),
  );
  return { seconds: (performance.now() - started) / 1000, answers };
}

async function withServers(ctx, count, env, use) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await startServerChild({ env: { ACTION_HUB_SECRET: ctx.secret, HOST: "127.0.0.1", TAGWIRE_DOWNLOAD_HOSTS: "127.0.0.1", TAGWIRE_MPARTICLE_URL: ctx.emulators.url, ...env } }));
    return await use(servers);
  } finally {
    for (const s of servers) await s.stop();
  }
}

async function main() {
  let options;
  try {
    options = readOptions();
  } catch (e) {
    process.stderr.write(`bench/replicas: ${/** @type {Error} */ (e).message}\n`);
    return 2;
  }
  const ctx = { secret: randomBytes(24).toString("hex"), emulators: await startEmulators(), downloads: await startDownloadServer() };
  const problems = [];
  const lines = [];
  try {
    // 1. The rate three replicas keep together.
    const look = await ensureLook({ rows: options.rows, mode: "user", seed: 1, log: progress });
    for (const shared of [{ name: "Postgres", env: {} }, { name: "Redis", env: { TAGWIRE_REDIS_URL: options.redis } }]) {
      const place = await benchSchema(options.postgres, "tagwire_bench_replicas");
      try {
        await ctx.emulators.reset();
        const env = { TAGWIRE_DATABASE_URL: place.url, TAGWIRE_MPARTICLE_RATE_LIMIT: `${options.limit} records/s`, TAGWIRE_REPLICAS: "3", ...shared.env };
        progress(`three replicas, budgets in ${shared.name}: six syncs of ${options.rows} rows at ${options.limit} records/s`);
        const run = await withServers(ctx, 3, env, (servers) => executes(ctx, servers, look.path, 6, `rate-${shared.name}`));
        const res = await fetch(`${ctx.emulators.url}/_emulator/mparticle/arrivals`);
        const { arrivals } = /** @type {{ arrivals: Array<[number, number]> }} */ (await res.json());
        const total = arrivals.reduce((n, [, c]) => n + c, 0);
        const most = maxInWindow(arrivals, WINDOW_MS);
        const allowed = options.limit * (WINDOW_MS / 1000);
        const over = Math.round((most / allowed - 1) * 1000) / 10;
        lines.push(`| 3 replicas, budgets in ${shared.name} | ${options.limit} records/s | ${most.toLocaleString("en-US")} | ${allowed.toLocaleString("en-US")} | ${over > 0 ? "+" : ""}${over}% | ${total.toLocaleString("en-US")} in ${run.seconds.toFixed(1)} s |`);
        if (total !== 6 * options.rows) problems.push(`${shared.name}: the emulator saw ${total} records, not ${6 * options.rows}`);
        if (most > allowed * 1.1) problems.push(`${shared.name}: ${most} records in a 5 s window, over the limit + 10% (${allowed * 1.1})`);
        for (const a of run.answers) if (!a.looker.success) problems.push(`${shared.name}: ${a.looker.message}`);
      } finally {
        await place.drop();
      }
    }
    // 2. What a shared budget costs a request, at a limit never reached: the three in turn, round
    // after round, each round's best kept, so that the load of other processes falls on all three.
    const fast = await ensureLook({ rows: options.fastRows, mode: "user", seed: 2, log: progress });
    const budgets = [
      { name: "none (rate limit off)", env: { TAGWIRE_MPARTICLE_RATE_LIMIT: "off" } },
      { name: "Postgres", env: { TAGWIRE_MPARTICLE_RATE_LIMIT: "100000000 records/s" } },
      { name: "Redis", env: { TAGWIRE_MPARTICLE_RATE_LIMIT: "100000000 records/s", TAGWIRE_REDIS_URL: options.redis } },
    ];
    const costs = budgets.map((b) => ({ name: b.name, requests: 0, perSecond: [] }));
    for (let round = 1; round <= options.rounds; round++) {
      for (const [i, budget] of budgets.entries()) {
        const place = await benchSchema(options.postgres, "tagwire_bench_replicas");
        try {
          await ctx.emulators.reset();
          progress(`round ${round}, one server, budget ${budget.name}: two syncs of ${options.fastRows} rows as fast as they go`);
          const run = await withServers(ctx, 1, { TAGWIRE_DATABASE_URL: place.url, ...budget.env }, (servers) => executes(ctx, servers, fast.path, 2, `fast-${i}`));
          const requests = (await ctx.emulators.state())["mparticle"].requests;
          costs[i].requests = requests;
          costs[i].perSecond.push(requests / run.seconds);
          for (const a of run.answers) if (!a.looker.success) problems.push(`${budget.name}: ${a.looker.message}`);
        } finally {
          await place.drop();
        }
      }
    }
    process.stdout.write(`\nRate kept by replicas (the most records the emulator saw in any ${WINDOW_MS / 1000} s window; target: within the limit + 10%)\n`);
    process.stdout.write(`| replicas | limit | most in 5 s | limit x 5 s | over | records |\n|---|---|---|---|---|---|\n${lines.join("\n")}\n`);
    process.stdout.write(`\nCost of a shared budget (one server, two syncs of ${options.fastRows.toLocaleString("en-US")} rows at once, limit never reached; best of ${options.rounds} rounds, load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores)\n`);
    process.stdout.write(`| budget | requests | requests/s (each round) | best vs none |\n|---|---|---|---|\n`);
    const best = (/** @type {number[]} */ rates) => Math.max(...rates);
    for (const c of costs) {
      const rounds = c.perSecond.map((r) => Math.round(r)).join(", ");
      process.stdout.write(`| ${c.name} | ${c.requests.toLocaleString("en-US")} | ${rounds} | ${Math.round((best(c.perSecond) / best(costs[0].perSecond) - 1) * 1000) / 10}% |\n`);
    }
  } finally {
    await ctx.emulators.stop();
    await ctx.downloads.close();
  }
  if (problems.length > 0) process.stdout.write(`\n!!! ${problems.length} check(s) failed:\n${problems.map((p) => `!!!   ${p}`).join("\n")}\n`);
  return problems.length > 0 ? 1 : 0;
}
runBenchMain("bench/replicas", main);
