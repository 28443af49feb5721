// Rate budgets that replicas sending to one destination workspace share, so that together they keep
// its limit: counted in the store they share (Postgres) or in Redis (TAGWIRE_REDIS_URL), through
// rate-limiter-flexible. A budget is a fixed window of one second per limit (records, requests): a
// request takes its records' points, and waits for the next window when this one is spent. A 429's
// hold blocks the budget's windows for every replica. A replica that loses the store sends at its
// share of the limit (limit / TAGWIRE_REPLICAS) through the library's insurance limiter, and says so
// once.
import { createHash } from "node:crypto";
import type Pg from "pg";
import type { Redis as RedisClient } from "ioredis";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { RateBudgetsService, StoreError, type RateBudgets, type SharedRateBudget } from "@tagwire/engine";
import type { RateLimiterAbstract, RateLimiterMemory as MemoryLimiter, RateLimiterRes } from "rate-limiter-flexible";
import { describePostgres, type StoreConfig } from "./config.js";

type Env = Readonly<Record<string, string | undefined>>;
type RateLimit = Parameters<RateBudgets["budget"]>[1];

/** Where replicas keep the budgets they share: none (each process keeps its own), Postgres or Redis. */
export type SharedBudgetsConfig =
  | { readonly kind: "none" }
  | { readonly kind: "postgres" | "redis"; readonly url: string; readonly replicas: number };

/** The window of a budget: one second, the unit limits are declared in (Redis counts whole seconds). */
const WINDOW_SECONDS = 1;
const WINDOW_MS = WINDOW_SECONDS * 1000;
/** A store that does not answer within this long is taken as lost for that request: the share applies. */
const STORE_TIMEOUT_MS = 2_000;
/** A granted request sent later than this after its place in the window takes a new place (see spend). */
const LATE_MS = 250;
/** The table migration 2 creates for RateLimiterPostgres. */
export const BUDGETS_TABLE = "tagwire_rate_budgets";

/**
 * The shared budgets the environment asks for: Redis with TAGWIRE_REDIS_URL, else the Postgres
 * store; none for the embedded file or no store (one process, its own budgets).
 */
export function sharedBudgetsConfig(env: Env, store: StoreConfig): SharedBudgetsConfig | StoreError {
  const raw = env["TAGWIRE_REPLICAS"]?.trim() ?? "";
  const replicas = raw === "" ? 1 : Number(raw);
  if (!/^\d+$/.test(raw === "" ? "1" : raw) || !Number.isSafeInteger(replicas) || replicas < 1) {
    return new StoreError({ reason: `TAGWIRE_REPLICAS must be a whole number of replicas, 1 or more; got "${raw.slice(0, 40)}"` });
  }
  const redis = env["TAGWIRE_REDIS_URL"]?.trim() ?? "";
  if (redis !== "") {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(redis)?.[1]?.toLowerCase();
    if (scheme !== "redis" && scheme !== "rediss") return new StoreError({ reason: "TAGWIRE_REDIS_URL must be a redis:// or rediss:// URL" });
    return { kind: "redis", url: redis, replicas };
  }
  return store.kind === "postgres" ? { kind: "postgres", url: store.url, replicas } : { kind: "none" };
}

/** A Redis URL as messages show it: host, port and database, never the password. */
export function describeRedis(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === "/" ? "" : u.pathname}`;
  } catch {
    return "redis://(unparsable URL)";
  }
}

/**
 * The RateBudgetsService of replicas that share a store, or nothing for `none` (the engine's own
 * budgets stay). `warn` is told once, without the URL's password, when the store cannot be reached.
 */
export function sharedRateBudgetsLayer(config: SharedBudgetsConfig, warn: (message: string) => void): Layer.Layer<never, StoreError> {
  if (config.kind === "none") return Layer.empty;
  return Layer.scoped(
    RateBudgetsService,
    Effect.acquireRelease(
      Effect.tryPromise({
        try: () => openSharedBudgets(config, warn),
        catch: (e) => new StoreError({ reason: `cannot open the shared rate budgets: ${e instanceof Error ? e.message : String(e)}` }),
      }),
      (budgets) => Effect.promise(() => budgets.close()),
    ),
  ) as Layer.Layer<never, StoreError>;
}

interface OpenedBudgets extends RateBudgets {
  close(): Promise<void>;
}

async function openSharedBudgets(config: Exclude<SharedBudgetsConfig, { kind: "none" }>, warn: (message: string) => void): Promise<OpenedBudgets> {
  const rlf = await import("rate-limiter-flexible");
  let warned = false;
  const where = config.kind === "redis" ? describeRedis(config.url) : describePostgres(config.url);
  const lost = () => {
    if (warned) return;
    warned = true;
    warn(`the shared rate budgets (${where}) cannot be reached: this replica sends at 1/${config.replicas} of each limit (TAGWIRE_REPLICAS) while they cannot`);
  };
  /** The library's insurance: this replica's share, used for a request the store does not answer. */
  class ReplicaShare extends rlf.RateLimiterMemory {
    override consume(key: string | number, points?: number, options?: { [key: string]: unknown }): Promise<RateLimiterRes> {
      lost();
      return super.consume(key, points, options);
    }
  }
  let close: () => Promise<void>;
  let limiter: (points: number, insurance: MemoryLimiter) => RateLimiterAbstract;
  if (config.kind === "redis") {
    const { Redis } = await import("ioredis");
    // No offline queue: while Redis is away a command fails at once and the replica's share applies.
    const client: RedisClient = new Redis(config.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: STORE_TIMEOUT_MS, commandTimeout: STORE_TIMEOUT_MS });
    // The client reconnects by itself; its errors (which may name the host, never the password) are the lost store.
    client.on("error", lost);
    // Without an offline queue, commands before the connection is ready would fail: wait for it, a while.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, STORE_TIMEOUT_MS);
      function done() {
        clearTimeout(timer);
        client.off("ready", done);
        resolve();
      }
      client.once("ready", done);
    });
    close = async () => void client.disconnect();
    limiter = (points, insurance) => new rlf.RateLimiterRedis({ storeClient: client, points, duration: WINDOW_SECONDS, keyPrefix: "tagwire:budget", insuranceLimiter: insurance });
  } else {
    const pg = (await import("pg")).default;
    // Connections of their own: a budget's request never waits behind a sync's pages.
    const pool: Pg.Pool = new pg.Pool({ connectionString: config.url, max: 2, connectionTimeoutMillis: STORE_TIMEOUT_MS, query_timeout: STORE_TIMEOUT_MS });
    pool.on("error", lost);
    close = () => pool.end().catch(() => undefined);
    limiter = (points, insurance) =>
      new rlf.RateLimiterPostgres({ storeClient: pool, storeType: "pool", tableName: BUDGETS_TABLE, tableCreated: true, points, duration: WINDOW_SECONDS, keyPrefix: "tagwire", insuranceLimiter: insurance });
  }
  // One limiter per points per window, each with its share; keys tell the destinations apart.
  const limiters = new Map<number, RateLimiterAbstract>();
  const limiterFor = (perSecond: number) => {
    const points = Math.max(1, Math.floor(perSecond * WINDOW_SECONDS));
    let found = limiters.get(points);
    if (found === undefined) limiters.set(points, (found = limiter(points, new ReplicaShare({ points: Math.max(1, Math.floor(points / config.replicas)), duration: WINDOW_SECONDS }))));
    return found;
  };
  return {
    budget: (key, limit) => sharedBudget(createHash("sha256").update(key).digest("hex").slice(0, 40), limit, limiterFor),
    close,
  };
}

/** How a shared budget spends its limits: records per window, requests per window. */
function sharedBudget(key: string, limit: RateLimit, limiterFor: (perSecond: number) => RateLimiterAbstract): SharedRateBudget {
  const dimensions: Array<{ readonly limiter: RateLimiterAbstract; readonly key: string; readonly cost: (records: number) => number }> = [];
  if (limit.recordsPerSecond !== undefined) dimensions.push({ limiter: limiterFor(limit.recordsPerSecond), key: `${key}:records`, cost: (records) => records });
  if (limit.requestsPerSecond !== undefined) dimensions.push({ limiter: limiterFor(limit.requestsPerSecond), key: `${key}:requests`, cost: () => 1 });
  let heldUntil = Number.NEGATIVE_INFINITY;
  return {
    get heldUntil() {
      return heldUntil;
    },
    take: (records) => Effect.forEach(dimensions, (d) => spend(d.limiter, d.key, d.cost(records)), { discard: true }),
    hold: (ms) =>
      Effect.suspend(() => {
        heldUntil = Math.max(heldUntil, performance.now() + ms);
        // Whole seconds, as Redis keeps them; a shorter hold would not outlast the window anyway.
        const seconds = Math.max(1, Math.ceil(ms / 1000));
        return Effect.forEach(dimensions, (d) => Effect.promise(() => d.limiter.block(d.key, seconds).catch(() => undefined)), { discard: true });
      }),
  };
}

/**
 * How long a granted request waits for its place in the window. A window is counted whole, so the
 * requests it grants at once would all go at its start, and any five seconds could then see six
 * windows' worth (measured at 200 records/s over three replicas: 1,200 records in a 5 s window,
 * +20%). Each request goes instead at its place in the window, after the points taken before it
 * (counted over every replica), so the limit is kept evenly and any 5 s see about five windows'.
 */
function placeInWindow(granted: RateLimiterRes, piece: number, points: number): number {
  const windowStart = granted.msBeforeNext - WINDOW_MS;
  return Math.max(0, Math.round(windowStart + ((granted.consumedPoints - piece) / points) * WINDOW_MS));
}

/**
 * Spends `cost` points of the budget's windows: a window that cannot take them is waited out. A
 * cost larger than a window takes whole windows in turn, so it is never refused for good.
 */
function spend(limiter: RateLimiterAbstract, key: string, cost: number): Effect.Effect<void> {
  return Effect.suspend(() => {
    let left = cost;
    const step: Effect.Effect<void> = Effect.suspend(() => {
      if (left <= 0) return Effect.void;
      const piece = Math.min(left, limiter.points);
      return Effect.flatMap(
        Effect.promise(() =>
          limiter.consume(key, piece).then(
            (granted) => ({ granted: true, waitMs: placeInWindow(granted, piece, limiter.points) }),
            // Refused: the window is spent (or held); anything else is an error the insurance did not take.
            (refused: RateLimiterRes | Error) => ({ granted: false, waitMs: refused instanceof Error ? WINDOW_MS : Math.max(1, refused.msBeforeNext) }),
          ),
        ),
        ({ granted, waitMs }) => {
          if (!granted) return Effect.zipRight(Effect.sleep(Duration.millis(waitMs)), step);
          const at = performance.now() + waitMs;
          return Effect.zipRight(
            waitMs === 0 ? Effect.void : Effect.sleep(Duration.millis(waitMs)),
            Effect.suspend(() => {
              // A process held up past its place (a busy event loop) would send on top of the places
              // after it: the place is given up (its points stay spent) and a new one taken.
              if (performance.now() - at <= LATE_MS) left -= piece;
              return step;
            }),
          );
        },
      );
    });
    return step;
  });
}
