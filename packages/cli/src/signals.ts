import { Effect } from "effect";

/** How often a long-running command checks that the process that started it is still there. */
const PARENT_CHECK_MS = 500;

/**
 * Runs until SIGINT or SIGTERM, then `close` (also when interrupted): how long-running commands end
 * cleanly, with exit 0. Losing the parent counts as SIGTERM: `npx tagwire serve` runs the command
 * under `npm exec` and a shell, and a SIGTERM to npm ends npm and the shell but reaches no further.
 */
export function stopOnSignal(close: () => Promise<void>): Effect.Effect<void> {
  const signal = Effect.async<void>((resume) => {
    const on = () => resume(Effect.void);
    const parent = process.ppid;
    const watch = setInterval(() => {
      if (process.ppid !== parent) on();
    }, PARENT_CHECK_MS).unref();
    process.once("SIGINT", on);
    process.once("SIGTERM", on);
    return Effect.sync(() => {
      clearInterval(watch);
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
    });
  });
  return Effect.acquireUseRelease(
    Effect.void,
    () => signal,
    () => Effect.promise(() => close()),
  );
}
