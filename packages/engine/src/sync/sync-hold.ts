// Waiting for a sync that another run holds, the same way on every backend: the hold is tried,
// then tried again at short intervals until it is taken or the wait runs out. Polling needs no
// connection parked in a blocking wait and ends cleanly when the run is interrupted.

import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";

/**
 * How long a run waits for another run of its sync to end, unless the runtime says otherwise: long
 * enough for a retried schedule to find the first run done, short of Looker giving up on the execute.
 */
export const DEFAULT_SYNC_WAIT_MS = 300_000;

/** Where every runtime (the server, `tagwire send --sync`) reads how long a run waits for its sync. */
export const SYNC_WAIT_VARIABLE = "TAGWIRE_SYNC_WAIT_MS";

/** TAGWIRE_SYNC_WAIT_MS in ms (0: do not wait), else the default; a RangeError naming the variable for anything but a whole number. */
export function syncWaitMsFromEnv(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env[SYNC_WAIT_VARIABLE];
  if (raw === undefined || raw.trim() === "") return DEFAULT_SYNC_WAIT_MS;
  const n = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(n)) throw new RangeError(`${SYNC_WAIT_VARIABLE} must be a whole number (0 or more), not \`${raw.slice(0, 40)}\`.`);
  return n;
}

/** Between two tries: short against a run's length, long enough to cost the store nothing. */
export const HOLD_RETRY_MS = 200;

/** Tries `take` until it answers true or `waitMs` have passed; the answer of the last try. */
export function pollHold<E, R>(take: Effect.Effect<boolean, E, R>, waitMs: number, retryMs = HOLD_RETRY_MS): Effect.Effect<boolean, E, R> {
  return Effect.suspend(() => {
    const deadline = performance.now() + Math.max(0, waitMs);
    const attempt: Effect.Effect<boolean, E, R> = Effect.flatMap(take, (held) => {
      const left = deadline - performance.now();
      if (held || left <= 0) return Effect.succeed(held);
      return Effect.zipRight(Effect.sleep(Duration.millis(Math.min(retryMs, left))), attempt);
    });
    return attempt;
  });
}
