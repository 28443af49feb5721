import * as Deferred from "effect/Deferred";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as FiberId from "effect/FiberId";
import { notTriedAgain, type BatchOutcome, type Halt, type SendCounters } from "../deliver/send-batch.js";
import { RunStoppedFailure, type DeliveryFailure } from "../deliver/retry.js";

/** Why a run was stopped: the process is shutting down (SIGTERM), or a person interrupted it (Ctrl-C). */
export type StopReason = "shutdown" | "interrupted";

/** How a caller stops a run: abort `signal` (its reason `"shutdown"` or `"interrupted"`). */
export interface RunStop {
  readonly signal: AbortSignal;
  /** How long requests already sent may take to be answered once the run is asked to stop; they are abandoned after. */
  readonly graceMs: number;
}

export const NOT_SENT = "not sent: the run was stopped";

/** How often a stopping run looks whether a batch is between requests (and can be given up at once). */
const WATCH_MS = 20;

/** Where one batch's sending is: waiting (for the pacer, the first answer or a retry), in a request, or answered. */
interface BatchWatch {
  phase: "waiting" | "sending" | "answered";
  sends: number;
  last?: DeliveryFailure;
}

/**
 * A run's stop once asked for: the halt is set (no new request goes out), reading stops, batches
 * that are waiting give up at once, and requests in flight have `graceMs` to be answered.
 */
export class RunStopping {
  reason: StopReason | undefined;
  private readonly requested: Deferred.Deferred<void>;
  private readonly graceOver: Deferred.Deferred<void>;
  private graceIsOver = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onAbort: () => void;
  /** Ends the read `orStop` waits for, if any, when the run is asked to stop. */
  private endRead: (() => void) | undefined;

  constructor(
    private readonly stop: RunStop | undefined,
    halt: Halt,
  ) {
    this.requested = Deferred.unsafeMake(FiberId.none);
    this.graceOver = Deferred.unsafeMake(FiberId.none);
    this.onAbort = () => {
      if (this.reason !== undefined) return;
      this.reason = stop?.signal.reason === "shutdown" ? "shutdown" : "interrupted";
      halt.failure ??= new RunStoppedFailure({ reason: NOT_SENT });
      Deferred.unsafeDone(this.requested, Exit.void);
      this.endRead?.();
      this.timer = setTimeout(() => {
        this.graceIsOver = true;
        Deferred.unsafeDone(this.graceOver, Exit.void);
      }, stop?.graceMs ?? 0);
    };
    if (stop === undefined) return;
    if (stop.signal.aborted) this.onAbort();
    else stop.signal.addEventListener("abort", this.onAbort, { once: true });
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
    if (this.stop === undefined) return read;
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
   * Sends a batch through `send` (given the counters to report to), or, once the run is asked to
   * stop, gives it up: at once while it waits, after the grace period while a request is out.
   */
  guard(counters: SendCounters, send: (counters: SendCounters) => Effect.Effect<BatchOutcome>): Effect.Effect<BatchOutcome> {
    if (this.stop === undefined) return send(counters);
    const watch: BatchWatch = { phase: "waiting", sends: 0 };
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
      },
    };
    return Effect.race(send(watched), this.giveUp(watch));
  }

  private giveUp(watch: BatchWatch): Effect.Effect<BatchOutcome> {
    const graceMs = this.stop?.graceMs ?? 0;
    const check: Effect.Effect<BatchOutcome> = Effect.suspend(() => {
      if (watch.phase === "waiting") {
        const stopped = new RunStoppedFailure({ reason: NOT_SENT });
        const failure = watch.last === undefined ? stopped : notTriedAgain(watch.last, stopped);
        return Effect.succeed({ ok: false, reason: failure.reason, retried: watch.sends > 1, ...(failure.status !== undefined ? { status: failure.status } : {}) });
      }
      if (watch.phase === "sending" && this.graceIsOver) {
        const reason = `no answer within ${(graceMs / 1000).toFixed(1)} s of the run being stopped: the request was abandoned, and may have been delivered`;
        return Effect.succeed({ ok: false, reason, retried: watch.sends > 1 });
      }
      // Answered: the send is about to settle on its own; in flight: wait for its answer or the grace period's end.
      const tick = Effect.sleep(Duration.millis(WATCH_MS));
      return Effect.zipRight(this.graceIsOver ? tick : Effect.raceFirst(tick, Deferred.await(this.graceOver)), check);
    });
    return Effect.zipRight(Deferred.await(this.requested), check);
  }

  /** Stops listening and drops the grace timer (a run that ended before its grace period). */
  close(): void {
    this.stop?.signal.removeEventListener("abort", this.onAbort);
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}
