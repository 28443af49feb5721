import { createHash } from "node:crypto";
import type { Connector } from "../manifest/connector.js";
import type { RateLimit } from "../generated/manifest.js";
import type { Endpoint } from "../deliver/send-batch.js";
import { Pacer, RateBudget, type Budget } from "../deliver/pacer.js";
import { parseRateLimit, RateLimitSyntaxError, type RateLimitSetting } from "../deliver/rate-limit.js";
import { rateLimitVariable, type Env } from "./endpoint.js";
import { SettingsError } from "./errors.js";

export { rateLimitVariable };

/** The environment's rate limit for a connector, if set; throws `RateLimitSyntaxError` on bad text. */
export function rateLimitFromEnv(connectorId: string, env: Env): RateLimitSetting | undefined {
  const text = env[rateLimitVariable(connectorId)];
  return text === undefined || text.trim() === "" ? undefined : parseRateLimit(text);
}

/**
 * The limit a run keeps: the send's own, else `TAGWIRE_<ID>_RATE_LIMIT`, else the manifest's (none: `{}`).
 * A malformed variable is a SettingsError naming it, so a dry run can check it as a send would.
 */
export function rateLimitOf(connector: Connector, given: RateLimitSetting | undefined, env: Env): RateLimitSetting {
  if (given !== undefined) return given;
  try {
    return rateLimitFromEnv(connector.id, env) ?? connector.manifest.wire.rateLimit ?? {};
  } catch (e) {
    if (!(e instanceof RateLimitSyntaxError)) throw e;
    const variable = rateLimitVariable(connector.id);
    throw new SettingsError({ problems: [{ setting: variable, message: `${variable}: ${e.message}` }] });
  }
}

/**
 * The run's pacer: the send's own rate limit, else the environment's, else the manifest's. Without
 * any limit it still holds the run on a 429's `Retry-After`; `"off"` gives none at all. Runs given
 * the same `budgets` whose `destination` (see destinationOf) and limit are the same share one
 * budget, so concurrent executes to one workspace keep its limit together; without them the run
 * has a budget of its own.
 */
export function pacerFor(connector: Connector, given: RateLimitSetting | undefined, env: Env, shared?: { readonly budgets: RateBudgets; readonly destination: string }): Pacer | undefined {
  const limit = rateLimitOf(connector, given, env);
  if (limit === "off") return undefined;
  return new Pacer(shared === undefined ? limit : shared.budgets.budget(`${connector.id}\n${JSON.stringify(limit)}\n${shared.destination}`, limit));
}

/** What holds a run's requests now, on the wall clock (the pacer keeps the monotonic one). */
export function pacingNow(pacer: Pacer): { pacedMs: number; pacedUntil?: number; heldUntil?: number } {
  const now = performance.now();
  const wall = (at: number) => Math.round(Date.now() + (at - now));
  return {
    pacedMs: Math.round(pacer.pacedMsAt(now)),
    ...(pacer.waitingUntil > now ? { pacedUntil: wall(pacer.waitingUntil) } : {}),
    ...(pacer.budget.heldUntil > now ? { heldUntil: wall(pacer.budget.heldUntil) } : {}),
  };
}

/**
 * Where requests go and as whom, without keeping the credentials: a digest of the URL, the headers
 * and the body fields (a key carried in the body). Two workspaces' keys give two destinations.
 */
export function destinationOf(endpoint: Endpoint): string {
  return createHash("sha256").update(JSON.stringify([endpoint.url, endpoint.headers, endpoint.bodyFields ?? {}])).digest("hex");
}

/** The budgets of the destinations this process has sent to; the oldest goes past this many. */
const MAX_BUDGETS = 1000;

/**
 * Where a run finds the budget of its destination and limit: runs given the same key share it. The
 * process keeps them itself (LocalRateBudgets), or asks a store its replicas share.
 */
export interface RateBudgets {
  budget(key: string, limit: RateLimit): Budget;
}

/** The rate budgets a process shares between its runs, one per destination and limit (see RateBudgetsService). */
export class LocalRateBudgets implements RateBudgets {
  private readonly budgets = new Map<string, RateBudget>();

  budget(key: string, limit: RateLimit): RateBudget {
    let budget = this.budgets.get(key);
    if (budget === undefined) {
      if (this.budgets.size >= MAX_BUDGETS) this.budgets.delete(this.budgets.keys().next().value!);
      this.budgets.set(key, (budget = new RateBudget(limit)));
    }
    return budget;
  }
}
