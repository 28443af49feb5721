// Driver errors as the engine's StoreError (see failure-reason.ts for what they say).
import { StoreError } from "@tagwire/engine";
import { failureReason } from "./failure-reason.js";

/** `scrub` removes what the message must not show (a password) from a driver's text. */
export function storeFailure(describe: string, doing: string, cause: unknown, scrub?: (text: string) => string): StoreError {
  return cause instanceof StoreError ? cause : new StoreError({ reason: failureReason(describe, doing, cause, scrub) });
}
