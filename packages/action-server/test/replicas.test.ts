// Three replicas of the server on one machine, sharing one Postgres database (and Redis for the
// rate budgets, in the variant that sets TAGWIRE_REDIS_URL), each its own process, executes spread
// across them as Looker posts them. What the destination saw is read back from the emulator: every
// record, and when each arrived.

import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulatorProcess, startServerProcess, type EmulatorProcess, type ServerProcess } from "./process.js";
import { bigLook, executeBody, type LookJson, type LookerResult } from "./support.js";

const POSTGRES_URL = process.env["TAGWIRE_TEST_POSTGRES_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = process.env["TAGWIRE_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";
const INSTANCE = "looker-replicas.example.com";
const MP_FORM = { data_type: "user_data", environment: "development" };
/**
 * Low, so that a run under it is short, yet eight 100-record requests a second: one request is
 * 2.5% of a window's records, so the test measures the budget, not how records group into requests.
 */
const LIMIT = 800;
const WINDOW_MS = 5000;

async function adminQuery<R extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
}

interface WireRecord {
  user_identities?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The most records that arrived in any window of `windowMs`, from the emulator's arrival times. */
function maxInWindow(arrivals: ReadonlyArray<readonly [number, number]>, windowMs: number): number {
  let best = 0;
  let inWindow = 0;
  let first = 0;
  for (const [at, count] of arrivals) {
    inWindow += count;
    while (arrivals[first]![0] <= at - windowMs) inWindow -= arrivals[first++]![1];
    best = Math.max(best, inWindow);
  }
  return best;
}

const SHARED_IN = [
  { name: "Postgres", env: {} as Record<string, string> },
  { name: "Redis", env: { TAGWIRE_REDIS_URL: REDIS_URL } as Record<string, string> },
];

describe.each(SHARED_IN)("three replicas on one Postgres, rate budgets in $name", (shared) => {
  let emulators: EmulatorProcess;
  let schema: string;
  let replicas: ServerProcess[] = [];
  let webhooks = 0;
  const plans = `${Date.now()}-${randomBytes(3).toString("hex")}`;

  beforeAll(async () => {
    emulators = await startEmulatorProcess();
    schema = `tagwire_replicas_${process.pid}_${randomBytes(4).toString("hex")}`;
    await adminQuery(`CREATE SCHEMA ${schema}`);
    const url = new URL(POSTGRES_URL);
    url.searchParams.set("options", `-c search_path=${schema}`);
    const env = {
      TAGWIRE_DATABASE_URL: url.toString(),
      TAGWIRE_MPARTICLE_URL: emulators.url,
      TAGWIRE_MPARTICLE_RATE_LIMIT: `${LIMIT} records/s`,
      TAGWIRE_REPLICAS: "3",
      TAGWIRE_SYNC_WAIT_MS: "60000",
      ...shared.env,
    };
    // One after the other: the first applies the migrations. The third waits little for a sync another holds.
    for (const wait of ["60000", "60000", "300"]) replicas.push(await startServerProcess({ ...env, TAGWIRE_SYNC_WAIT_MS: wait }));
  });
  afterAll(async () => {
    for (const r of replicas) r.kill();
    emulators?.kill();
    await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });
  beforeEach(async () => {
    await emulators.reset();
  });

  async function received(): Promise<WireRecord[]> {
    return ((await (await fetch(`${emulators.url}/_emulator/mparticle/records?limit=100000`)).json()) as { records: WireRecord[] }).records;
  }

  /** One scheduled execute of `plan` on `replica`, and Looker's answer. */
  async function execute(replica: ServerProcess, plan: string, look: LookJson): Promise<LookerResult> {
    const body = executeBody({ data: emulators.settings.mparticle, form: MP_FORM, look });
    (body["scheduled_plan"] as Record<string, unknown>)["scheduled_plan_id"] = `${plans}-${plan}`;
    const res = await fetch(`${replica.url}/actions/mparticle/execute`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Token token="${replica.secret}"`, "x-looker-instance": INSTANCE, "x-looker-webhook-id": `replicas-${++webhooks}` },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { looker: LookerResult }).looker;
  }

  const ids = (records: ReadonlyArray<WireRecord>) => records.map((r) => String(r.user_identities?.["customer_id"]));

  it(`keep the declared limit together: at most the limit + 10% in every ${WINDOW_MS / 1000} s window the emulator saw`, { timeout: 90_000 }, async () => {
    // Six syncs of 1,200 rows, two on each replica at once: 7,200 records at 800/s, about 9 s.
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => execute(replicas[i % 3]!, `rate-${i}`, bigLook(1200))));
    const seconds = (performance.now() - started) / 1000;
    for (const a of answers) expect(a.success).toBe(true);
    expect((await received()).length).toBe(7200);
    const { arrivals } = (await (await fetch(`${emulators.url}/_emulator/mparticle/arrivals`)).json()) as { arrivals: Array<[number, number]> };
    const most = maxInWindow(arrivals, WINDOW_MS);
    const allowed = LIMIT * (WINDOW_MS / 1000);
    console.log(`replicas (${shared.name}): max ${most} records in a ${WINDOW_MS / 1000} s window against ${allowed} allowed (limit ${LIMIT} records/s, +10%: ${allowed * 1.1}); 7,200 records in ${seconds.toFixed(1)} s`);
    expect(most).toBeLessThanOrEqual(allowed * 1.1);
    // Kept, not starved: the three together sent near the limit.
    expect(most).toBeGreaterThanOrEqual(allowed * 0.8);
    // ...through the store they share: none fell back to its share of the limit.
    for (const r of replicas) expect(r.entries().filter((e) => String(e["msg"]).includes("cannot be reached"))).toEqual([]);
  });

  it("deliver each record once when the same sync is started on two replicas at once: the second waits, then sends what changed since", async () => {
    const [a, b] = await Promise.all([execute(replicas[0]!, "race", bigLook(300)), execute(replicas[1]!, "race", bigLook(300))]);
    const sent = ids(await received());
    expect(sent).toHaveLength(300);
    expect(new Set(sent).size).toBe(300);
    const messages = [a.message, b.message].sort();
    expect(messages[0]).toContain("sync: 0 new, 0 changed, 300 unchanged (not sent)");
    expect(messages[1]).toContain("sync: 300 new, 0 changed, 0 unchanged (not sent)");
    expect(a.success && b.success).toBe(true);
  });

  it("answer Looker that the sync is running elsewhere when the wait runs out, and send nothing; the next run sends the rows that changed", async () => {
    const first = execute(replicas[0]!, "busy", bigLook(1200));
    // The first run holds the sync once its records arrive.
    await waitUntil(async () => (await received()).length > 0);
    const changed = bigLook(1200);
    changed.data[0] = { ...changed.data[0]!, "users.city": { value: "Reykjavik" } };
    const busy = await execute(replicas[2]!, "busy", changed);
    expect(busy.success).toBe(false);
    expect(busy.message).toMatch(/^Nothing was sent: sync [0-9a-f]+ is running elsewhere: another execute of this schedule \(on this server or another replica\) did not finish within 300 ms\. None of this Look's rows were sent/);
    // The run history has it, as having waited and sent nothing.
    const kept = await adminQuery<{ figures: unknown; success: boolean }>(
      `SELECT r.figures, r.success FROM ${schema}.runs r JOIN ${schema}.syncs s ON s.id = r.sync_id WHERE s.plan = $1 AND r.figures ? 'busy'`,
      [`${plans}-busy`],
    );
    expect(kept).toEqual([{ figures: { read: 0, delivered: 0, rejected: 0, failed: 0, busy: { waitedMs: 300 } }, success: false }]);
    expect((await first).success).toBe(true);
    expect(await received()).toHaveLength(1200);
    await emulators.reset();
    const next = await execute(replicas[1]!, "busy", changed);
    expect(next.message).toContain("sync: 0 new, 1 changed, 1,199 unchanged (not sent)");
    expect(ids(await received())).toEqual(["5000"]);
  });

  async function waitUntil(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error("timed out");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it("after one of three replicas is killed (-9) mid-sync, the next run of the sync delivers exactly the rows it had not confirmed", { timeout: 90_000 }, async () => {
    const ROWS = 2400;
    const victim = replicas[0]!;
    const cut = execute(victim, "kill", bigLook(ROWS)).catch(() => undefined);
    // Rows the store has recorded as confirmed: staged, or folded into the state (one statement sees each row in one of them).
    const confirmedRows = async () =>
      (
        await adminQuery<{ confirmed: number }>(
          `SELECT count(*)::int AS confirmed FROM (SELECT st.key FROM ${schema}.sync_state st JOIN ${schema}.syncs s ON s.id = st.sync_id WHERE s.plan = $1
            UNION SELECT c.key FROM ${schema}.sync_confirmed c JOIN ${schema}.syncs s ON s.id = c.sync_id WHERE s.plan = $1) AS recorded`,
          [`${plans}-kill`],
        )
      )[0]!.confirmed;
    // Killed once it has confirmed some rows (it does every second), part of the way, while requests are in flight.
    await waitUntil(async () => (await confirmedRows()) > 0);
    victim.child.kill("SIGKILL");
    await victim.exited;
    await cut;
    const before = ids(await received());
    const confirmed = await confirmedRows();
    expect(confirmed).toBeGreaterThan(0);
    expect(confirmed).toBeLessThan(ROWS);
    await emulators.reset();

    // Another replica takes the sync at once: the killed one's session, and its lock, ended with it.
    const next = await execute(replicas[1]!, "kill", bigLook(ROWS));
    expect(next.success).toBe(true);
    const resent = ids(await received());
    expect(resent).toHaveLength(ROWS - confirmed);
    expect(new Set(resent).size).toBe(resent.length);
    const n = (count: number) => count.toLocaleString("en-US");
    expect(next.message).toContain(`sync: ${n(ROWS - confirmed)} new, 0 changed, ${n(confirmed)} unchanged (not sent)`);
    // Every row reached the destination once at least: what the killed replica confirmed, or this run.
    const all = new Set([...before, ...resent]);
    expect(all.size).toBe(ROWS);
    // Rows the killed replica delivered but had not confirmed are the only ones sent twice.
    expect(before.filter((id) => resent.includes(id)).length).toBeLessThanOrEqual(before.length - confirmed);
    replicas = replicas.slice(1);
  });
});
