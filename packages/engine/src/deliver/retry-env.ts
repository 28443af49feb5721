import { defaultRetryPolicy, type RetryPolicy } from "./retry.js";

/** Where each part of the retry policy is read from, for `serve` and `send` alike. */
export const RETRY_VARIABLES = {
  maxRetries: "TAGWIRE_RETRY_MAX",
  baseDelayMs: "TAGWIRE_RETRY_BASE_MS",
  maxDelayMs: "TAGWIRE_RETRY_MAX_DELAY_MS",
  maxRetryAfterMs: "TAGWIRE_RETRY_AFTER_MAX_MS",
} as const satisfies Record<keyof RetryPolicy, string>;

/** Retries may be turned off and `Retry-After` ignored (0); a backoff delay of 0 would retry in a busy loop. */
const ZERO_ALLOWED: Record<keyof RetryPolicy, boolean> = { maxRetries: true, baseDelayMs: false, maxDelayMs: false, maxRetryAfterMs: true };

/** A retry value that is not a whole number in range; the message names where it came from. */
export class RetrySettingError extends Error {
  override name = "RetrySettingError";
}

/** One part of the policy, as text from a variable or a flag named `source`. */
export function retryValue(part: keyof RetryPolicy, raw: string, source: string): number {
  const n = Number(raw);
  const zero = ZERO_ALLOWED[part];
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(n) || (!zero && n === 0)) {
    throw new RetrySettingError(`${source} must be ${zero ? "a whole number (0 or more)" : "a positive whole number"}, not \`${raw.slice(0, 40)}\`.`);
  }
  return n;
}

/** The retry policy `TAGWIRE_RETRY_*` give, the engine's defaults for the parts they leave unset. */
export function retryPolicyFromEnv(env: Readonly<Record<string, string | undefined>>): RetryPolicy {
  const policy: Record<keyof RetryPolicy, number> = { ...defaultRetryPolicy };
  for (const part of Object.keys(RETRY_VARIABLES) as Array<keyof RetryPolicy>) {
    const raw = env[RETRY_VARIABLES[part]];
    if (raw !== undefined && raw !== "") policy[part] = retryValue(part, raw, RETRY_VARIABLES[part]);
  }
  return policy;
}
