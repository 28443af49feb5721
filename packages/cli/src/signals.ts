import * as Effect from "effect/Effect";
import type { StopReason } from "@tagwire/engine";
import { ExitCode } from "./exit.js";

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

/** How long requests already sent get to be answered after Ctrl-C, before they are abandoned. */
export const STOP_GRACE_MS = 5_000;

/**
 * For a command that can stop part-way with a report (`send`): the first SIGINT or SIGTERM aborts
 * `signal` (its reason: "interrupted" or "shutdown"), and says so on stderr; a second one ends the
 * process at once.
 */
export function stopSignal(): { readonly signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const on = (reason: StopReason) => () => {
    if (controller.signal.aborted) process.exit(ExitCode.interrupted);
    process.stderr.write(`\ntagwire: stopping: nothing more is read or sent; requests out get ${STOP_GRACE_MS / 1000} s to be answered (press Ctrl-C again to quit at once)\n`);
    controller.abort(reason);
  };
  const onInt = on("interrupted");
  const onTerm = on("shutdown");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  return {
    signal: controller.signal,
    release: () => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
    },
  };
}
