// `send`'s retry policy: flags over the same TAGWIRE_RETRY_* variables `serve` reads, checked by the engine's one reader.
import * as HelpDoc from "@effect/cli/HelpDoc";
import * as Options from "@effect/cli/Options";
import * as ValidationError from "@effect/cli/ValidationError";
import * as Effect from "effect/Effect";
import * as Option from "effect/Option";
import { defaultRetryPolicy, RETRY_VARIABLES, retryPolicyFromEnv, retryValue, type RetryPolicy } from "@tagwire/engine";
import { InputError } from "./exit.js";

type Part = keyof RetryPolicy;

const FLAGS: Record<Part, { name: string; pseudo: string; description: string }> = {
  maxRetries: { name: "retry-max", pseudo: "n", description: `Retries of a failed request after the first attempt; 0 turns retries off. Default: ${RETRY_VARIABLES.maxRetries}, else ${defaultRetryPolicy.maxRetries}.` },
  baseDelayMs: { name: "retry-base-ms", pseudo: "ms", description: `The first backoff delay, doubled (with jitter) at each retry. Default: ${RETRY_VARIABLES.baseDelayMs}, else ${defaultRetryPolicy.baseDelayMs}.` },
  maxDelayMs: { name: "retry-max-delay-ms", pseudo: "ms", description: `The longest backoff delay. Default: ${RETRY_VARIABLES.maxDelayMs}, else ${defaultRetryPolicy.maxDelayMs}.` },
  maxRetryAfterMs: { name: "retry-after-max-ms", pseudo: "ms", description: `The longest Retry-After honoured; a longer one is shortened to it. Default: ${RETRY_VARIABLES.maxRetryAfterMs}, else ${defaultRetryPolicy.maxRetryAfterMs}.` },
};

const flag = (part: Part) =>
  Options.text(FLAGS[part].name).pipe(
    Options.withPseudoName(FLAGS[part].pseudo),
    Options.mapEffect((text) => Effect.try({ try: () => retryValue(part, text, `--${FLAGS[part].name}`), catch: (e) => ValidationError.invalidValue(HelpDoc.p((e as Error).message)) })),
    Options.optional,
    Options.withDescription(FLAGS[part].description),
  );

export const retryFlags = { retryMax: flag("maxRetries"), retryBaseMs: flag("baseDelayMs"), retryMaxDelayMs: flag("maxDelayMs"), retryAfterMaxMs: flag("maxRetryAfterMs") };

export interface RetryFlags {
  readonly retryMax: Option.Option<number>;
  readonly retryBaseMs: Option.Option<number>;
  readonly retryMaxDelayMs: Option.Option<number>;
  readonly retryAfterMaxMs: Option.Option<number>;
}

/** The flags first, then TAGWIRE_RETRY_*, then the engine's defaults; a bad variable is an input error naming it. */
export function retryPolicy(flags: RetryFlags, env: Readonly<Record<string, string | undefined>>): Effect.Effect<RetryPolicy, InputError> {
  return Effect.try({
    try: () => {
      const fromEnv = retryPolicyFromEnv(env);
      return {
        maxRetries: Option.getOrElse(flags.retryMax, () => fromEnv.maxRetries),
        baseDelayMs: Option.getOrElse(flags.retryBaseMs, () => fromEnv.baseDelayMs),
        maxDelayMs: Option.getOrElse(flags.retryMaxDelayMs, () => fromEnv.maxDelayMs),
        maxRetryAfterMs: Option.getOrElse(flags.retryAfterMaxMs, () => fromEnv.maxRetryAfterMs),
      };
    },
    catch: (e) => new InputError({ message: (e as Error).message, code: "config" }),
  });
}
