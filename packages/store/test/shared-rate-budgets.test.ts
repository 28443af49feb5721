// The rate budgets replicas share, on Postgres and on Redis: two processes' budgets for one
// destination keep its limit together, a 429's hold reaches both, and a store that cannot be
// reached leaves each replica its share of the limit, said once without the URL's password.
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Layer from "effect/Layer";
import * as Scope from "effect/Scope";
import { RateBudgetsService, type RateBudgets, type SharedRateBudget } from "@tagwire/engine";
import { openStore, sharedBudgetsConfig, sharedRateBudgetsLayer, type SharedBudgetsConfig } from "../src/index.js";
import { postgres, type Place } from "./backends.js";

const REDIS_URL = process.env["TAGWIRE_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";

interface Replica {
  readonly budgets: RateBudgets;
  readonly warnings: string[];
}

const scopes: Scope.CloseableScope[] = [];
const places: Place[] = [];
afterEach(async () => {
  await Promise.all(scopes.splice(0).map((s) => Effect.runPromise(Scope.close(s, Exit.void))));
  await Promise.all(places.splice(0).map((p) => p.remove()));
});

/** One replica's budgets, as its server's runtime builds them. */
async function replica(config: SharedBudgetsConfig): Promise<Replica> {
  const warnings: string[] = [];
  const scope = Effect.runSync(Scope.make());
  scopes.push(scope);
  const context = await Effect.runPromise(Layer.buildWithScope(sharedRateBudgetsLayer(config, (m) => warnings.push(m)), scope));
  return { budgets: Context.get(context as Context.Context<RateBudgetsService>, RateBudgetsService), warnings };
}

/** Takes `count` turns of `records` records, one after the other; the ms each was granted at, from the start. */
async function turns(budget: SharedRateBudget, count: number, records: number, start: number): Promise<number[]> {
  const at: number[] = [];
  for (let i = 0; i < count; i++) {
    await Effect.runPromise(budget.take(records));
    at.push(performance.now() - start);
  }
  return at;
}

// One replica declared: were the store not used, each replica alone would keep the whole limit, twice it together.
const BACKENDS: ReadonlyArray<{ name: string; config(): Promise<SharedBudgetsConfig> }> = [
  {
    name: "Postgres",
    async config() {
      const place = await postgres.place();
      places.push(place);
      // The budgets' table is created by the store's migrations.
      await (await Effect.runPromise(openStore(place.config))).close();
      return { kind: "postgres", url: place.config.kind === "postgres" ? place.config.url : "", replicas: 1 };
    },
  },
  { name: "Redis", config: async () => ({ kind: "redis", url: REDIS_URL, replicas: 1 }) },
];

describe.each(BACKENDS)("rate budgets shared in $name", (backend) => {
  it("keep one limit for two replicas together, and a hold one of them puts reaches the other", async () => {
    const config = await backend.config();
    const [a, b] = [await replica(config), await replica(config)];
    // A destination of its own per test run: Redis keeps keys between runs.
    const key = `test\n${randomBytes(8).toString("hex")}`;
    const limit = { recordsPerSecond: 50 };
    const start = performance.now();
    // 2 x 6 turns of 10 records: 120 records at 50/s take at least two windows after the first.
    const [ta, tb] = await Promise.all([turns(a.budgets.budget(key, limit) as SharedRateBudget, 6, 10, start), turns(b.budgets.budget(key, limit) as SharedRateBudget, 6, 10, start)]);
    const granted = [...ta, ...tb].sort((x, y) => x - y);
    // At most 50 records (5 turns) in the first window, 100 by the end of the second.
    expect(granted.filter((t) => t < 950).length).toBeLessThanOrEqual(5);
    expect(granted.filter((t) => t < 1950).length).toBeLessThanOrEqual(10);
    expect(granted[11]!).toBeGreaterThanOrEqual(1950);
    expect(granted[11]!).toBeLessThan(4000);

    // A 429 seen by one replica: the other waits out the hold as well.
    const other = `test\n${randomBytes(8).toString("hex")}`;
    await Effect.runPromise((a.budgets.budget(other, limit) as SharedRateBudget).hold(2000));
    const held = performance.now();
    await Effect.runPromise((b.budgets.budget(other, limit) as SharedRateBudget).take(1));
    expect(performance.now() - held).toBeGreaterThanOrEqual(1500);
    expect([...a.warnings, ...b.warnings]).toEqual([]);
  });
});

describe("a replica that loses the shared store", () => {
  it("sends at its share of the limit (limit / TAGWIRE_REPLICAS) rather than stopping, and says so once without the password", async () => {
    const r = await replica({ kind: "redis", url: "redis://:s3cret-Pa55@127.0.0.1:1", replicas: 4 });
    const budget = r.budgets.budget(`test\n${randomBytes(8).toString("hex")}`, { recordsPerSecond: 40 }) as SharedRateBudget;
    const start = performance.now();
    // 40/s shared by 4 replicas: 10 records a window for this one; 30 records need three windows.
    const at = await turns(budget, 3, 10, start);
    expect(at[0]!).toBeLessThan(900);
    expect(at[2]!).toBeGreaterThanOrEqual(1900);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toContain("redis://127.0.0.1:1");
    expect(r.warnings[0]).toContain("1/4");
    expect(r.warnings[0]).not.toContain("s3cret");
  });
});

describe("sharedBudgetsConfig", () => {
  const pg = { kind: "postgres", url: "postgres://db/x", historyDays: 90 } as const;
  it("shares in Redis when TAGWIRE_REDIS_URL is set, else in a Postgres store, else not at all", () => {
    expect(sharedBudgetsConfig({ TAGWIRE_REDIS_URL: "redis://r:6379", TAGWIRE_REPLICAS: "3" }, pg)).toEqual({ kind: "redis", url: "redis://r:6379", replicas: 3 });
    expect(sharedBudgetsConfig({}, pg)).toEqual({ kind: "postgres", url: "postgres://db/x", replicas: 1 });
    expect(sharedBudgetsConfig({}, { kind: "sqlite", path: "/x/tagwire.db", historyDays: 90 })).toEqual({ kind: "none" });
    expect(sharedBudgetsConfig({}, { kind: "none" })).toEqual({ kind: "none" });
  });
  it("refuses a replica count or a Redis URL it cannot use, naming the variable", () => {
    expect((sharedBudgetsConfig({ TAGWIRE_REPLICAS: "0" }, pg) as Error).message).toMatch(/^TAGWIRE_REPLICAS must be/);
    expect((sharedBudgetsConfig({ TAGWIRE_REPLICAS: "two" }, pg) as Error).message).toMatch(/^TAGWIRE_REPLICAS must be/);
    expect((sharedBudgetsConfig({ TAGWIRE_REDIS_URL: "http://:pw@r" }, pg) as Error).message).toBe("TAGWIRE_REDIS_URL must be a redis:// or rediss:// URL");
  });
});
