import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import type { RateLimit } from "../generated/manifest.js";

/**
 * A token bucket that hands out reservations: `reserve` takes the tokens at once and says how long
 * the caller waits before sending, so concurrent callers queue in call order instead of racing.
 * Capacity is one second's worth, so a small Look goes out at once.
 */
export class TokenBucket {
  private readonly capacity: number;
  private readonly perMs: number;
  private tokens: number;
  private at: number | undefined;

  constructor(perSecond: number) {
    // At least one unit: a rate under 1/s still lets a request through, one at a time.
    this.capacity = Math.max(perSecond, 1);
    this.perMs = perSecond / 1000;
    this.tokens = this.capacity;
  }

  /**
   * Takes `cost` tokens at `nowMs` and returns the wait in ms. The caller waits only until the bucket
   * holds `min(cost, capacity)`, so a cost over the capacity can never wait forever; the whole cost
   * is still charged (the bucket goes into debt), so the callers after it keep the average rate.
   */
  reserve(cost: number, nowMs: number): number {
    const at = this.at ?? nowMs;
    const from = Math.max(at, nowMs);
    this.tokens = Math.min(this.capacity, this.tokens + (from - at) * this.perMs);
    this.at = from;
    const needed = Math.min(cost, this.capacity);
    const wait = this.tokens >= needed ? 0 : (needed - this.tokens) / this.perMs;
    this.tokens -= cost;
    return from - nowMs + wait;
  }

  /** Whether a quarter of the burst is spent at `nowMs`: the bucket is taken from faster than its rate. */
  behind(nowMs: number): boolean {
    if (this.at === undefined) return false;
    return this.tokens + Math.max(0, nowMs - this.at) * this.perMs < this.capacity * 0.75;
  }
}

/**
 * A destination's rate budget: a bucket per declared limit (1 per request, `records` per record),
 * and a hold that a 429 with `Retry-After` puts on every request. Runs sending to the same
 * destination share one, so together they keep its limit. Pure: the clock is an argument.
 */
export class RateBudget {
  private readonly requests: TokenBucket | undefined;
  private readonly records: TokenBucket | undefined;
  private held = Number.NEGATIVE_INFINITY;

  constructor(limit: RateLimit = {}) {
    this.requests = limit.requestsPerSecond !== undefined ? new TokenBucket(limit.requestsPerSecond) : undefined;
    this.records = limit.recordsPerSecond !== undefined ? new TokenBucket(limit.recordsPerSecond) : undefined;
  }

  /** Reserves one request carrying `records` records; returns how many ms to wait before sending it. */
  reserve(records: number, nowMs: number): number {
    const from = Math.max(nowMs, this.held);
    return from - nowMs + Math.max(this.requests?.reserve(1, from) ?? 0, this.records?.reserve(records, from) ?? 0);
  }

  /** No request is sent before `untilMs` (the destination said so with a 429). */
  hold(untilMs: number): void {
    this.held = Math.max(this.held, untilMs);
  }

  /** Until when a 429's `Retry-After` holds every request (in the clock `reserve` is given). */
  get heldUntil(): number {
    return this.held;
  }

  /** Whether requests are held at `nowMs`, or sent faster than a limit allows, so that they soon will be. */
  holds(nowMs: number): boolean {
    return this.held > nowMs || this.requests?.behind(nowMs) === true || this.records?.behind(nowMs) === true;
  }
}

/**
 * A destination's rate budget kept outside the process, for replicas that send to the same
 * workspace: a turn is asked of the store they share and comes when it says so, and a 429's hold
 * is put there for all of them (see RateBudgetsService).
 */
export interface SharedRateBudget {
  /** Waits until a request carrying `records` records may be sent. */
  take(records: number): Effect.Effect<void>;
  /** No request under the budget, on any replica, is sent for `ms` from now. */
  hold(ms: number): Effect.Effect<void>;
  /** Until when (`performance.now()`'s clock) this process knows requests are held. */
  readonly heldUntil: number;
}

/** A run's budget: computed in the process, or asked of a store replicas share. */
export type Budget = RateBudget | SharedRateBudget;

/** One run's pacing under a budget (its own, or one shared with other runs), and how long it waited. */
export class Pacer {
  readonly budget: Budget;
  private waitedUntil = Number.NEGATIVE_INFINITY;
  private waited = 0;

  constructor(limit: RateLimit | Budget = {}) {
    this.budget = limit instanceof RateBudget || isShared(limit) ? limit : new RateBudget(limit);
  }

  /** Reserves one request carrying `records` records under a budget of the process; returns how many ms to wait before sending it. */
  reserve(records: number, nowMs: number): number {
    if (isShared(this.budget)) throw new Error("a shared budget is taken with `pace`, not reserved");
    const wait = this.budget.reserve(records, nowMs);
    this.account(nowMs, nowMs + wait);
    return wait;
  }

  /** No request under a budget of the process is sent before `untilMs` (the destination said so with a 429). */
  hold(untilMs: number): void {
    if (isShared(this.budget)) throw new Error("a shared budget is held with `holdFor`");
    this.budget.hold(untilMs);
  }

  /** A turn taken from a shared budget: asked at `startMs`, given at `endMs`. */
  tookTurn(startMs: number, endMs: number): void {
    this.account(startMs, endMs);
  }

  /**
   * The waits lived through by `nowMs` (same clock as `reserve`): a run stopped while requests
   * were reserved ahead did not wait for the turns it gave up.
   */
  pacedMsAt(nowMs: number): number {
    return this.waited - Math.max(0, this.waitedUntil - nowMs);
  }

  /**
   * Whether the budget holds the run's requests back at `nowMs` (`performance.now()`'s clock), or
   * soon will: a budget of the process knows when its burst is being spent; a shared one, only when
   * a request waits or a 429 holds them.
   */
  holdsBack(nowMs: number): boolean {
    return this.waitedUntil > nowMs || (isShared(this.budget) ? this.budget.heldUntil > nowMs : this.budget.holds(nowMs));
  }

  /** When the last reservation's wait ends: a request of the run waits until then. */
  get waitingUntil(): number {
    return this.waitedUntil;
  }

  /** Wall-clock ms during which at least one of the run's requests was waiting: overlapping waits count once. */
  get pacedMs(): number {
    return this.waited;
  }

  // Reservations come in clock order, so the union of their waits only ever grows at its end.
  private account(start: number, end: number): void {
    if (end <= this.waitedUntil || end <= start) return;
    this.waited += end - Math.max(start, this.waitedUntil);
    this.waitedUntil = end;
  }
}

const now = () => performance.now();

function isShared(budget: RateLimit | Budget): budget is SharedRateBudget {
  return typeof (budget as Partial<SharedRateBudget>).take === "function";
}

/** Waits for the pacer's turn for one request of `records` records. */
export function pace(pacer: Pacer, records: number): Effect.Effect<void> {
  return Effect.suspend(() => {
    const { budget } = pacer;
    if (isShared(budget)) {
      const asked = now();
      return Effect.tap(budget.take(records), () => Effect.sync(() => pacer.tookTurn(asked, now())));
    }
    const ms = pacer.reserve(records, now());
    return ms > 0 ? Effect.sleep(Duration.millis(ms)) : Effect.void;
  });
}

/** Holds every request under the pacer's budget (every replica's, when it is shared) for `ms` from now. */
export function holdFor(pacer: Pacer, ms: number): Effect.Effect<void> {
  return Effect.suspend(() => {
    const { budget } = pacer;
    if (isShared(budget)) return budget.hold(ms);
    pacer.hold(now() + ms);
    return Effect.void;
  });
}
