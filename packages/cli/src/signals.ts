import { Effect } from "effect";

/** Runs until SIGINT or SIGTERM, then `close` (also when interrupted): how long-running commands end cleanly, with exit 0. */
export function stopOnSignal(close: () => Promise<void>): Effect.Effect<void> {
  const signal = Effect.async<void>((resume) => {
    const on = () => resume(Effect.void);
    process.once("SIGINT", on);
    process.once("SIGTERM", on);
    return Effect.sync(() => {
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
