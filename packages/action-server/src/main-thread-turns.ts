// Shares the server's own thread among the executes in flight, so that it never runs long without
// turning its event loop: new connections, /healthz and the answers of destinations are handled
// between slices of work. Each execute takes a turn before each chunk of its Look. While nobody
// waits, turns go at once until a slice of time is used up; after that, turns wait for the event
// loop to come round (a setImmediate), and each round grants the oldest waiting turns, as many as
// fit in a slice. Letting every execute run one chunk per round, as each yielding on its own did,
// makes a round last as long as a chunk of every execute together, and a health check wait for it.
// The runs' Effect fibers (sending requests, taking their answers, counting rows) take turns too,
// through `scheduler`: Effect's own runs their work as microtasks, which the event loop cannot
// interrupt, for up to 2,048 rounds before it lets a timer in.

import * as Scheduler from "effect/Scheduler";

/** How long the thread works on chunks before it lets the event loop turn (one chunk may run over it). */
export const DEFAULT_SLICE_MS = 10;

export interface TurnClock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Runs `task` once the event loop has come round (after pending I/O). */
  later(task: () => void): void;
}

const realClock: TurnClock = { now: () => performance.now(), later: (task) => void setImmediate(task) };

export class MainThreadTurns {
  private sliceEndsAt = -Infinity;
  /** Turns asked for and not yet granted, oldest first. */
  private readonly waiting: Array<() => void> = [];
  private roundAsked = false;
  private roundStartedAt = 0;
  /** Turns the last round granted. */
  private grantedInRound = 0;
  /** What a turn granted by a round took, as last measured; undefined before the first. */
  private turnMs: number | undefined;

  /** An Effect scheduler whose fibers run in turns (see Effect.withScheduler). */
  readonly scheduler: Scheduler.Scheduler = Scheduler.makeBatched((runBatch) => {
    const turn = this.take();
    if (turn === undefined) queueMicrotask(runBatch);
    else void turn.then(runBatch);
  });

  constructor(
    readonly sliceMs: number = DEFAULT_SLICE_MS,
    private readonly clock: TurnClock = realClock,
  ) {
    if (!(sliceMs > 0)) throw new RangeError(`a slice must be positive, not ${sliceMs}`);
  }

  /** Turns waiting for the event loop to come round. */
  get waitingTurns(): number {
    return this.waiting.length;
  }

  /**
   * A turn for one chunk of work: undefined when it may go on at once (within the slice, nobody
   * waiting), else a promise that settles when it may.
   */
  take(): Promise<void> | undefined {
    if (this.waiting.length === 0 && this.clock.now() < this.sliceEndsAt) return undefined;
    return new Promise<void>((grant) => {
      this.waiting.push(grant);
      this.askRound();
    });
  }

  /** The items of `source`, each after a turn. */
  async *paced<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
    for await (const item of source) {
      const turn = this.take();
      if (turn !== undefined) await turn;
      yield item;
    }
  }

  private askRound(): void {
    if (this.roundAsked) return;
    this.roundAsked = true;
    // Both in the same round: the event loop runs the granted turns' work (their microtasks) between them.
    this.clock.later(this.round);
    this.clock.later(this.measure);
  }

  /**
   * The event loop came round: a new slice begins, with as many of the oldest waiting turns as fit
   * in it by what the last round's took.
   */
  private readonly round = (): void => {
    this.roundAsked = false;
    if (this.waiting.length === 0) return;
    const turns = this.turnsThatFit();
    const now = this.clock.now();
    this.roundStartedAt = now;
    this.grantedInRound = 0;
    this.sliceEndsAt = now + this.sliceMs;
    for (let i = 0; i < turns && this.waiting.length > 0; i++) {
      this.grantedInRound++;
      this.waiting.shift()!();
    }
    if (this.waiting.length > 0) this.askRound();
  };

  /** Right after the round's granted turns have run up to their next wait: what each took. */
  private readonly measure = (): void => {
    if (this.grantedInRound > 0) this.turnMs = (this.clock.now() - this.roundStartedAt) / this.grantedInRound;
  };

  /** As many as fit in a slice, at least one, and at most twice as many as last time, so a round that turns out longer is one of few. */
  private turnsThatFit(): number {
    if (this.turnMs === undefined) return 1;
    return Math.max(1, Math.min(2 * this.grantedInRound, Math.floor(this.sliceMs / this.turnMs)));
  }
}
