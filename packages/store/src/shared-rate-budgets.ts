// Rate budgets that replicas sending to one destination workspace share, so that together they keep
// its limit: counted in the store they share (Postgres) or in Redis (TAGWIRE_REDIS_URL), through
// rate-limiter-flexible. A budget is a window of one second per limit (records, requests); each
// replica takes points from it in blocks and sends each request at its place in the window (see
// SharedDimension). A 429's hold blocks the budget's window for every replica. A replica that
// loses the store sends at its share of the limit (limit / TAGWIRE_REPLICAS) through the library's
// insurance limiter, and says so once.
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
/** A request sent later than this after its place in the window takes a new place (see SharedDimension). */
const LATE_MS = 250;
/** A replica takes a tenth of a window's points at once (see SharedDimension). */
const BLOCK_SHARE = 0.1;
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
  const dimensions: Array<{ readonly spent: SharedDimension; readonly cost: (records: number) => number }> = [];
  if (limit.recordsPerSecond !== undefined) dimensions.push({ spent: new SharedDimension(limiterFor(limit.recordsPerSecond), `${key}:records`), cost: (records) => records });
  if (limit.requestsPerSecond !== undefined) dimensions.push({ spent: new SharedDimension(limiterFor(limit.requestsPerSecond), `${key}:requests`), cost: () => 1 });
  let heldUntil = Number.NEGATIVE_INFINITY;
  return {
    get heldUntil() {
      return heldUntil;
    },
    take: (records) => Effect.forEach(dimensions, (d) => d.spent.take(d.cost(records)), { discard: true }),
    hold: (ms) =>
      Effect.suspend(() => {
        heldUntil = Math.max(heldUntil, performance.now() + ms);
        // Whole seconds, as Redis keeps them; a shorter hold would not outlast the window anyway.
        const seconds = Math.max(1, Math.ceil(ms / 1000));
        return Effect.forEach(dimensions, (d) => d.spent.hold(seconds), { discard: true });
      }),
  };
}

/**
 * One limit of a shared budget as this replica spends it. Points are taken from the store in
 * blocks of a tenth of a window (or one request's, if larger), so most requests spend what the
 * replica holds without a round trip. A block's points have places in the window, one after the
 * other: a request goes at its place. A window is counted whole, so the requests it grants at
 * once would otherwise all go at its start, and any five seconds could see six windows' worth
 * (measured at 200 records/s over three replicas: 1,200 records in a 5 s window, +20%); at their
 * places, any 5 s see about five windows' worth.
 */
class SharedDimension {
  /** Points of the block held, and the place (performance.now()) of the next one. */
  private left = 0;
  private nextAt = 0;
  /** One block taken at a time: requests that find none wait for it. */
  private readonly taking = Effect.unsafeMakeSemaphore(1);

  constructor(
    private readonly limiter: RateLimiterAbstract,
    private readonly key: string,
  ) {}

  private get msPerPoint(): number {
    return WINDOW_MS / this.limiter.points;
  }

  /** Waits for the place of `cost` points. */
  take(cost: number): Effect.Effect<void> {
    // A cost over a whole window takes whole windows in turn (a tiny limit), and goes at the end.
    if (cost > this.limiter.points) return spend(this.limiter, this.key, cost);
    return Effect.flatMap(this.place(cost), (at) => {
      const wait = at - performance.now();
      const sent = Effect.suspend(() => (performance.now() - at <= LATE_MS ? Effect.void : this.take(cost)));
      return wait > 0 ? Effect.zipRight(Effect.sleep(Duration.millis(wait)), sent) : sent;
    });
  }

  /** The place of `cost` points: from the block held, else from a new block. */
  private place(cost: number): Effect.Effect<number> {
    const held = this.fromBlock(cost);
    if (held !== undefined) return Effect.succeed(held);
    // Another request may have taken a block meanwhile, or spent the new one first: tried again until a place is found.
    const fill: Effect.Effect<number> = Effect.suspend(() => {
      const found = this.fromBlock(cost);
      return found !== undefined ? Effect.succeed(found) : Effect.zipRight(this.newBlock(Math.max(cost, Math.ceil(this.limiter.points * BLOCK_SHARE))), fill);
    });
    return this.taking.withPermits(1)(fill);
  }

  /**
   * A place from the block held, if it has `cost` points whose places have not passed by more
   * than LATE_MS (a replica idle or held up meanwhile gives up the rest: sent now, they would land
   * on the places of other replicas' requests).
   */
  private fromBlock(cost: number): number | undefined {
    const now = performance.now();
    if (this.left < cost || now - this.nextAt > LATE_MS) return undefined;
    const at = this.nextAt;
    this.left -= cost;
    this.nextAt += cost * this.msPerPoint;
    return at;
  }

  /** Takes `points` from the store's window, waiting out windows that cannot give them. */
  private newBlock(points: number): Effect.Effect<void> {
    return Effect.flatMap(
      Effect.promise(() =>
        this.limiter.consume(this.key, points).then(
          (granted) => ({ granted, waitMs: 0 }),
          // Refused: the window is spent (or held); anything else is an error the insurance did not take.
          (refused: RateLimiterRes | Error) => ({ granted: undefined, waitMs: refused instanceof Error ? WINDOW_MS : Math.max(1, refused.msBeforeNext) }),
        ),
      ),
      ({ granted, waitMs }) => {
        if (granted === undefined) return Effect.zipRight(Effect.sleep(Duration.millis(waitMs)), this.newBlock(points));
        // The block's first place: after the points the window gave before it, over every replica.
        this.nextAt = performance.now() + granted.msBeforeNext - WINDOW_MS + (granted.consumedPoints - points) * this.msPerPoint;
        this.left = points;
        return Effect.void;
      },
    );
  }

  /** A 429's hold: the block held is given up, and the store's window blocked for every replica. */
  hold(seconds: number): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.left = 0;
      return Effect.promise(() => this.limiter.block(this.key, seconds).then(() => undefined, () => undefined));
    });
  }
}

/**
 * Spends `cost` points larger than a window: a window that cannot take them is waited out, and
 * whole windows are taken in turn, so the cost is never refused for good.
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
            () => 0,
            (refused: RateLimiterRes | Error) => (refused instanceof Error ? WINDOW_MS : Math.max(1, refused.msBeforeNext)),
          ),
        ),
        (waitMs) => {
          if (waitMs === 0) left -= piece;
          return waitMs === 0 ? step : Effect.zipRight(Effect.sleep(Duration.millis(waitMs)), step);
        },
      );
    });
    return step;
  });
}
