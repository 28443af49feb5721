import type { Connector } from "../manifest/connector.js";
import { Pacer } from "../deliver/pacer.js";
import { parseRateLimit, RateLimitSyntaxError, type RateLimitSetting } from "../deliver/rate-limit.js";
import { connectorVariable, type Env } from "./endpoint.js";
import { SettingsError } from "./errors.js";

/** `TAGWIRE_<ID>_RATE_LIMIT`: replaces the connector's declared `wire.rateLimit` (`"off"` turns pacing off). */
export function rateLimitVariable(connectorId: string): string {
  return connectorVariable(connectorId, "RATE_LIMIT");
}

/** The environment's rate limit for a connector, if set; throws `RateLimitSyntaxError` on bad text. */
export function rateLimitFromEnv(connectorId: string, env: Env): RateLimitSetting | undefined {
  const text = env[rateLimitVariable(connectorId)];
  return text === undefined || text.trim() === "" ? undefined : parseRateLimit(text);
}

/**
 * The run's pacer: the send's own rate limit, else the environment's, else the manifest's. Without
 * any limit it still holds the run on a 429's `Retry-After`; `"off"` gives none at all.
 */
export function pacerFor(connector: Connector, given: RateLimitSetting | undefined, env: Env): Pacer | undefined {
  let limit = given;
  if (limit === undefined) {
    try {
      limit = rateLimitFromEnv(connector.id, env);
    } catch (e) {
      if (!(e instanceof RateLimitSyntaxError)) throw e;
      const variable = rateLimitVariable(connector.id);
      throw new SettingsError({ problems: [{ setting: variable, message: `${variable}: ${e.message}` }] });
    }
  }
  limit ??= connector.manifest.wire.rateLimit;
  return limit === "off" ? undefined : new Pacer(limit);
}
