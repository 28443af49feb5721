// One budget of bytes for the rows in flight of every run in a process: a chunk of rows is charged
// from when it is handed on to be transformed until its result is taken. Work that would go over
// the budget waits its turn, first come first served.

import { getHeapStatistics } from "node:v8";
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";

/** Share of the V8 heap limit the budget takes by default: rows turn into records, requests and garbage besides their own bytes. */
const HEAP_SHARE = 4;

/**
 * Most the default budget takes. Without `--max-old-space-size` V8's limit follows the machine's
 * memory (4 GB on a 24 GB machine), which says nothing of what the process should hold: a quarter
 * of it would let a gigabyte of rows wait in flight.
 */
const MAX_DEFAULT_BYTES = 128 * 2 ** 20;

/** The default budget: a quarter of the V8 heap limit (`--max-old-space-size` and the young generation), at most 128 MiB. */
export function defaultMemoryBudgetBytes(heapLimit: number = getHeapStatistics().heap_size_limit): number {
  return Math.min(MAX_DEFAULT_BYTES, Math.floor(heapLimit / HEAP_SHARE));
}

/** What a budget's figures say: its limit and the bytes charged now. */
export type MemoryBudgetFigures = Pick<MemoryBudget, "limit" | "bytesInUse">;

export interface MemoryBudgetObserver {
  /** A charge waited this long before it was granted. */
  readonly onWait?: (waitedMs: number, bytes: number) => void;
}

interface Waiter {
  readonly bytes: number;
  readonly grant: () => void;
}

/**
 * Bytes in use against a limit. A charge is granted when it fits, or when nothing else is charged
 * (a chunk larger than the whole budget goes alone, so nothing waits forever); otherwise it waits
 * behind the charges that asked before it. Nothing is refused: work only waits.
 */
export class MemoryBudget {
  private used = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    readonly limit: number,
    private readonly observer: MemoryBudgetObserver = {},
  ) {
    if (!(limit > 0)) throw new RangeError(`a memory budget must be positive, not ${limit}`);
  }

  get bytesInUse(): number {
    return this.used;
  }

  /** Charges waiting for their turn. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Charges `bytes` if that needs no wait (and nobody is waiting already). */
  tryAcquire(bytes: number): boolean {
    if (this.waiters.length > 0 || !this.fits(bytes)) return false;
    this.used += bytes;
    return true;
  }

  /** Charges `bytes`, waiting for room; succeeds with the milliseconds waited. An interrupted wait charges nothing. */
  acquire(bytes: number): Effect.Effect<number> {
    return Effect.suspend(() => {
      if (this.tryAcquire(bytes)) return Effect.succeed(0);
      const started = performance.now();
      return Effect.async<number>((resume) => {
        const waiter: Waiter = {
          bytes,
          grant: () => {
            const waited = performance.now() - started;
            this.observer.onWait?.(waited, bytes);
            resume(Effect.succeed(waited));
          },
        };
        this.waiters.push(waiter);
        return Effect.sync(() => {
          const at = this.waiters.indexOf(waiter);
          // Granted already (the fiber was interrupted as it resumed): give the charge back.
          if (at < 0) this.release(bytes);
          else {
            this.waiters.splice(at, 1);
            this.grantWaiters();
          }
        });
      });
    });
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
    this.grantWaiters();
  }

  private fits(bytes: number): boolean {
    return this.used === 0 || this.used + bytes <= this.limit;
  }

  private grantWaiters(): void {
    while (this.waiters.length > 0 && this.fits(this.waiters[0]!.bytes)) {
      const next = this.waiters.shift()!;
      this.used += next.bytes;
      next.grant();
    }
  }
}

/** The process's memory budget, for runs to share; a run without one bounds only its own rows in flight. */
export class MemoryBudgetService extends Context.Tag("@tagwire/engine/MemoryBudget")<MemoryBudgetService, MemoryBudget>() {}
