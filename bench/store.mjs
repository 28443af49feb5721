// The state store's throughput at the sizes a sync reaches: `confirm` of N rows in pages and
// `readState` of them back, on the embedded SQLite file and on Postgres, printed as rows/s.
// A second confirm of the same keys (every content changed) measures the replace path. Each line also
// gives its longest single call and the longest the caller's event loop was held meanwhile (the
// lateness of a 10 ms timer), which is what a server's other requests wait for at worst.
//
// Usage: node bench/store.mjs [--rows 1000000] [--page 4000] [--backends sqlite,postgres]
//                             [--postgres postgres://postgres@127.0.0.1:5432/test]
// Needs a build (`npm run build`). Postgres runs in a schema of its own, dropped at the end.

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as Effect from "effect/Effect";
import pg from "pg";
import { openStore } from "../packages/store/dist/index.js";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    page: { type: "string", default: "4000" },
    backends: { type: "string", default: "sqlite,postgres" },
    postgres: { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
  },
});
const rows = Number(values.rows);
const pageSize = Number(values.page);

/** The pages a run would confirm: random 16-byte digests, as the engine's are. */
function pages(count) {
  const out = [];
  for (let start = 0; start < count; start += pageSize) {
    const n = Math.min(pageSize, count - start);
    out.push({ count: n, keys: new Uint8Array(randomBytes(n * 16)), contents: new Uint8Array(randomBytes(n * 16)) });
  }
  return out;
}

async function measure(store) {
  const sync = await Effect.runPromise(store.openSync({ instance: "bench", plan: "bench", action: "bench", workspace: "bench" }, "bench"));
  const first = pages(rows);
  // `page` times one call; the timer's lateness is how long the event loop was held (a timer that
  // never got its turn counts at the end).
  const timed = async (what, run) => {
    let longest = 0;
    let held = 0;
    let due = performance.now() + 10;
    const timer = setInterval(() => {
      const now = performance.now();
      held = Math.max(held, now - due);
      due = now + 10;
    }, 10);
    const page = async (call) => {
      const t = process.hrtime.bigint();
      const result = await call();
      longest = Math.max(longest, Number(process.hrtime.bigint() - t) / 1e6);
      // A server's event loop turns between calls (its requests, the destination's answers).
      await new Promise((resolve) => setImmediate(resolve));
      return result;
    };
    const start = process.hrtime.bigint();
    const n = await run(page);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    held = Math.max(held, performance.now() - due);
    clearInterval(timer);
    return { what, rows: n, seconds, rate: n / seconds, longestMs: longest, heldMs: held };
  };
  const results = [];
  results.push(await timed("confirm (new keys)", async (timePage) => {
    for (const page of first) await timePage(() => Effect.runPromise(store.confirm(sync.id, page)));
    return rows;
  }));
  results.push(await timed("readState", async (timePage) => {
    let n = 0;
    const pages = store.readState(sync.id, pageSize)[Symbol.asyncIterator]();
    for (;;) {
      const next = await timePage(() => pages.next());
      if (next.done) break;
      n += next.value.count;
    }
    if (n !== rows) throw new Error(`read ${n} rows, confirmed ${rows}`);
    return n;
  }));
  const changed = first.map((p) => ({ ...p, contents: new Uint8Array(randomBytes(p.count * 16)) }));
  results.push(await timed("confirm (all changed)", async (timePage) => {
    for (const page of changed) await timePage(() => Effect.runPromise(store.confirm(sync.id, page)));
    return rows;
  }));
  return results;
}

const print = (backend, results, extra = "") => {
  for (const r of results) console.log(`${backend.padEnd(9)} ${r.what.padEnd(22)} ${r.rows.toLocaleString("en-US").padStart(10)} rows ${r.seconds.toFixed(2).padStart(7)} s ${Math.round(r.rate).toLocaleString("en-US").padStart(10)} rows/s, longest call ${Math.round(r.longestMs)} ms, event loop held ${Math.round(r.heldMs)} ms`);
  if (extra) console.log(`${backend.padEnd(9)} ${extra}`);
};

console.log(`# store: ${rows.toLocaleString("en-US")} rows in pages of ${pageSize}`);
for (const backend of values.backends.split(",")) {
  if (backend === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "tagwire-store-bench-"));
    const path = join(dir, "tagwire.db");
    const store = await Effect.runPromise(openStore({ kind: "sqlite", path, historyDays: 90 }));
    try {
      const results = await measure(store);
      print("sqlite", results, `file ${(statSync(path).size / 1048576).toFixed(0)} MB, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  } else if (backend === "postgres") {
    const schema = `tagwire_bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: values.postgres });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const url = new URL(values.postgres);
    url.searchParams.set("options", `-c search_path=${schema}`);
    const store = await Effect.runPromise(openStore({ kind: "postgres", url: url.toString(), historyDays: 90 }));
    try {
      print("postgres", await measure(store));
    } finally {
      await store.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
  } else {
    console.error(`unknown backend ${backend}: sqlite or postgres`);
    process.exitCode = 2;
  }
}
