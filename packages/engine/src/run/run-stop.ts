import * as Deferred from "effect/Deferred";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import type * as Fiber from "effect/Fiber";
import * as FiberId from "effect/FiberId";
import { notTriedAgain, type BatchOutcome, type Halt, type SendCounters } from "../deliver/send-batch.js";
import { RunStoppedFailure, type DeliveryFailure } from "../deliver/retry.js";

/**
 * Why a run was stopped: the process is shutting down (SIGTERM), a person interrupted it (Ctrl-C),
 * or the run lost its hold on its sync (another run may now hold it and send the same rows).
 */
export type StopReason = "shutdown" | "interrupted" | "hold lost";

/** How a caller stops a run: abort `signal` (its reason `"shutdown"` or `"interrupted"`). */
export interface RunStop {
  readonly signal: AbortSignal;
  /** How long requests already sent may take to be answered once the run is asked to stop; they are abandoned after. */
  readonly graceMs: number;
}

export const NOT_SENT = "not sent: the run was stopped";

/** How long requests in flight may take to be answered when a run without a caller's stop loses its sync: the transport's default timeout. */
const HOLD_LOST_GRACE_MS = 30_000;

/** Where one batch's sending is: waiting (for the pacer, the first answer or a retry), in a request, or answered. */
interface BatchWatch {
  phase: "waiting" | "sending" | "answered";
  sends: number;
  last?: DeliveryFailure;
  /** The fiber sending the batch, interrupted when the batch is given up. */
  readonly fiber: Fiber.RuntimeFiber<unknown, unknown>;
  /** Set when the batch is given up: what it is settled with. */
  outcome?: BatchOutcome;
}

/**
 * A run's stop once asked for: the halt is set (no new request goes out), reading stops, batches
 * that are waiting give up at once, and requests in flight have `graceMs` to be answered.
 */
export class RunStopping {
  reason: StopReason | undefined;
  /** What the stop's reason does not say (why a hold was lost). */
  detail: string | undefined;
  /** A run holding a sync may stop itself (see `holdWatch`) without a caller's stop. */
  private mayStop: boolean;
  private graceMs: number;
  private readonly requested: Deferred.Deferred<void>;
  /** The batches being sent, each until it has settled. */
  private readonly watches = new Set<BatchWatch>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onAbort: () => void;
  /** Ends the read `orStop` waits for, if any, when the run is asked to stop. */
  private endRead: (() => void) | undefined;

  constructor(
    private readonly stop: RunStop | undefined,
    private readonly halt: Halt,
  ) {
    this.requested = Deferred.unsafeMake(FiberId.none);
    this.mayStop = stop !== undefined;
    this.graceMs = stop?.graceMs ?? 0;
    this.onAbort = () => this.ask(stop?.signal.reason === "shutdown" ? "shutdown" : "interrupted");
    if (stop === undefined) return;
    if (stop.signal.aborted) this.onAbort();
    else stop.signal.addEventListener("abort", this.onAbort, { once: true });
  }

  /** The reason of the rows the stop leaves unsent. */
  private get notSent(): string {
    return this.detail === undefined ? NOT_SENT : `not sent: the run lost its hold on the sync (${this.detail})`;
  }

  private ask(reason: StopReason): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.halt.failure ??= new RunStoppedFailure({ reason: this.notSent });
    Deferred.unsafeDone(this.requested, Exit.void);
    this.endRead?.();
    this.giveUpAll("waiting");
    this.timer = setTimeout(() => this.giveUpAll("sending"), this.graceMs);
  }

  /**
   * For a run about to hold a sync: what the store calls if it loses the hold (its connection
   * broke, its lease was taken). Another replica may then run the sync and send the rows this run
   * has not, so this one sends no more: requests out are answered (within the grace period), and
   * the rest fail with why, for the next run to send.
   */
  holdWatch(): (why: string) => void {
    this.mayStop = true;
    if (this.stop === undefined) this.graceMs = HOLD_LOST_GRACE_MS;
    return (why) => {
      if (this.reason !== undefined) return;
      this.detail = why;
      this.ask("hold lost");
    };
  }

  /** Completes when the run is asked to stop (never without a stop). */
  get asked(): Effect.Effect<void> {
    return Deferred.await(this.requested);
  }

  /**
   * The read, or `stopped` once the run is asked to stop, whichever comes first. Raced with
   * promises, not fibers: it runs for every chunk of the Look, and forking fibers for each cost
   * more than reading the chunk; one callback is kept for the read in progress, none for those done.
   */
  orStop<A, B>(read: Promise<A>, stopped: B): Promise<A | B> {
    if (this.reason !== undefined) return Promise.resolve(stopped);
    if (!this.mayStop) return read;
    return new Promise<A | B>((resolve, reject) => {
      this.endRead = () => resolve(stopped);
      read.then(
        (value) => {
          this.endRead = undefined;
          resolve(value);
        },
        (error: unknown) => {
          this.endRead = undefined;
          reject(error);
        },
      );
    });
  }

  /**
   * Sends a batch through `send` (given the counters to report to) and settles its outcome with
   * `settle`; once the run is asked to stop, gives it up: at once while it waits, after the grace
   * period while a request is out. A batch given up has its fiber interrupted (its request, its
   * wait) and is settled with why, so `guard` runs on a fiber of the batch's own (deliverBatches
   * forks one per batch). No fiber is made here: a race with the stop for each request cost the
   * run's thread about 1.5 CPU s per 10,000 requests (docs/performance.md).
   */
  guard(counters: SendCounters, send: (counters: SendCounters) => Effect.Effect<BatchOutcome>, settle: (outcome: BatchOutcome) => Effect.Effect<void>): Effect.Effect<void> {
    if (!this.mayStop) return Effect.flatMap(send(counters), settle);
    return Effect.withFiberRuntime<void>((fiber) => {
      const watch: BatchWatch = { phase: "waiting", sends: 0, fiber };
      if (this.reason !== undefined) return settle(this.givenUp(watch));
      const watched: SendCounters = {
        ...counters,
        onSend: () => {
          watch.phase = "sending";
          watch.sends++;
          counters.onSend?.();
        },
        onAnswer: (failure) => {
          watch.phase = failure === undefined ? "answered" : "waiting";
          if (failure !== undefined && failure._tag !== "RunStoppedFailure") watch.last = failure;
          counters.onAnswer?.(failure);
          // Waiting again (for a retry) once the run is asked to stop: given up at once.
          if (watch.phase === "waiting" && this.reason !== undefined) this.giveUp(watch);
        },
      };
      // Settled once: by its outcome, or as given up. A batch being settled is no longer watched.
      const settleOnce = (outcome: BatchOutcome) =>
        Effect.suspend(() => {
          if (!this.watches.delete(watch)) return Effect.void;
          return settle(outcome);
        });
      this.watches.add(watch);
      return Effect.flatMap(send(watched), settleOnce).pipe(
        Effect.onInterrupt(() => (watch.outcome === undefined ? Effect.void : settleOnce(watch.outcome))),
        Effect.ensuring(Effect.sync(() => this.watches.delete(watch))),
      );
    });
  }

  /** The outcome of a batch given up where it is: waiting, or in a request past the grace period. */
  private givenUp(watch: BatchWatch): BatchOutcome {
    if (watch.phase === "sending") {
      const reason = `no answer within ${(this.graceMs / 1000).toFixed(1)} s of the run being stopped: the request was abandoned, and may have been delivered`;
      return { ok: false, reason, retried: watch.sends > 1 };
    }
    const stopped = new RunStoppedFailure({ reason: this.notSent });
    const failure = watch.last === undefined ? stopped : notTriedAgain(watch.last, stopped);
    return { ok: false, reason: failure.reason, retried: watch.sends > 1, ...(failure.status !== undefined ? { status: failure.status } : {}) };
  }

  /** Interrupts the batch's fiber, which then settles the batch as given up (see `guard`). */
  private giveUp(watch: BatchWatch): void {
    if (watch.outcome !== undefined || !this.watches.has(watch)) return;
    watch.outcome = this.givenUp(watch);
    watch.fiber.unsafeInterruptAsFork(FiberId.none);
  }

  /** Gives up the batches in `phase` (answered ones settle on their own). */
  private giveUpAll(phase: "waiting" | "sending"): void {
    for (const watch of this.watches) if (watch.phase === phase) this.giveUp(watch);
  }

  /** Stops listening and drops the grace timer (a run that ended before its grace period). */
  close(): void {
    this.stop?.signal.removeEventListener("abort", this.onAbort);
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}
