import * as Effect from "effect/Effect";
import { writeErrorLines, writeJson, writeLines } from "./write.js";

/** Lines on stdout: the command's answer. */
export const printLines = (lines: ReadonlyArray<string>): Effect.Effect<void> => Effect.sync(() => writeLines(lines));

/** Lines on stderr: progress, diagnostics that accompany a failure. */
export const printErrorLines = (lines: ReadonlyArray<string>): Effect.Effect<void> => Effect.sync(() => writeErrorLines(lines));

export const printJson = (value: unknown): Effect.Effect<void> => Effect.sync(() => writeJson(value));
