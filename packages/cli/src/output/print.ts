import * as Effect from "effect/Effect";

/** Lines on stdout: the command's answer. */
export const printLines = (lines: ReadonlyArray<string>): Effect.Effect<void> => Effect.sync(() => void process.stdout.write(`${lines.join("\n")}\n`));

/** Lines on stderr: progress, diagnostics that accompany a failure. */
export const printErrorLines = (lines: ReadonlyArray<string>): Effect.Effect<void> => Effect.sync(() => void process.stderr.write(`${lines.join("\n")}\n`));

export const printJson = (value: unknown): Effect.Effect<void> => printLines([JSON.stringify(value, null, 2)]);
