import * as Effect from "effect/Effect";
import { engineLayer, runLook, type RunInput } from "../../src/index.js";

/** A run with engine services of its own, released when it ends: what a CLI command gives its run. */
export function runLookAlone(input: RunInput) {
  return runLook(input).pipe(Effect.provide(engineLayer()));
}
