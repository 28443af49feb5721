import * as Data from "effect/Data";
import { sharedBudgetsConfig, stateDirOf, storeConfig, type SharedBudgetsConfig, type StoreConfig } from "@tagwire/store";
import {
  defaultWorkerCount, MAX_WORKERS, maxRowBytesFromEnv, rateLimitFromEnv, RateLimitSyntaxError, retryPolicyFromEnv, spoolConfigFromEnv, SpoolConfigError, syncWaitMsFromEnv,
  type Env, type RetryPolicy, type SpoolConfig,
} from "@tagwire/engine";

export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  /** The shared secret Looker sends as `Authorization: Token token="<secret>"`. */
  readonly secret: string;
  /** Public URL Looker reaches this server at; action URLs in the list are built from it. */
  readonly baseUrl: string;
  /** Hosts `download_url` may point at; undefined means any host. */
  readonly downloadHosts?: ReadonlyArray<string>;
  /** Where `TAGWIRE_<ID>_URL` and `TAGWIRE_<ID>_RATE_LIMIT` overrides are read (by the engine, for each execute). */
  readonly env: Env;
  /** Largest request body accepted (inline Looks arrive in the body). */
  readonly maxBodyBytes: number;
  /** Largest Look row accepted (`TAGWIRE_MAX_ROW_BYTES`); unset: the engine's 8 MiB. */
  readonly maxRowBytes?: number;
  /** How often a newline is written while an execute runs, so proxies and Looker keep the connection. */
  readonly keepAliveMs: number;
  /** A `download_url` that sends nothing for this long is abandoned. */
  readonly downloadIdleMs: number;
  /** How a destination request is retried; unset fields take the engine's defaults. */
  readonly retry?: Partial<RetryPolicy>;
  /** A request (headers and body) that has not fully arrived after this long is answered 408 (default 5 min). */
  readonly bodyTimeoutMs?: number;
  /** A destination request without a full answer after this long is abandoned and retried (default 30 s). */
  readonly requestTimeoutMs?: number;
  /** Destination requests in flight per execute; unset: the connector's own (`wire.concurrency`, else 4). */
  readonly concurrency?: number;
  /** Worker threads that parse and transform rows, shared by all executes (0: on the server's own thread). */
  readonly workers?: number;
  /** How long executes in flight at shutdown may go on before they stop and answer with what they did (default 25 s). */
  readonly shutdownGraceMs?: number;
  /** Bytes of rows in flight over all executes (`TAGWIRE_MEMORY_BUDGET_BYTES`); unset: a quarter of the V8 heap limit. */
  readonly memoryBudgetBytes?: number;
  /** Where sync state and run history are kept (`TAGWIRE_DATABASE_URL`, `TAGWIRE_STATE_DIR`, `TAGWIRE_HISTORY_DAYS`); unset: none is kept. */
  readonly store?: StoreConfig;
  /** Where replicas keep the rate budgets they share (`TAGWIRE_REDIS_URL`, else a Postgres store; `TAGWIRE_REPLICAS`); unset: each process keeps its own. */
  readonly sharedBudgets?: SharedBudgetsConfig;
  /** How long an execute waits while another run of its sync holds it (`TAGWIRE_SYNC_WAIT_MS`, default 5 min). */
  readonly syncWaitMs?: number;
  /**
   * Where a downloaded Look waits for the run to send it (`<TAGWIRE_STATE_DIR>/spool`) and how much
   * disk the executes' spools may use (`TAGWIRE_SPOOL_MAX_BYTES`); unset: the engine's default, in
   * the OS's temporary directory.
   */
  readonly spool?: SpoolConfig;
}

export class ConfigError extends Data.TaggedError("ConfigError")<{ readonly reason: string }> {
  override get message(): string {
    return this.reason;
  }
}

const positive = (env: Env, name: string, fallback: number): number => {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new ConfigError({ reason: `${name} must be a positive whole number, not \`${raw}\`.` });
  return n;
};

const wholeNumber = (env: Env, name: string, fallback: number): number => {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(n)) throw new ConfigError({ reason: `${name} must be a whole number (0 or more), not \`${raw}\`.` });
  return n;
};

/** How long a request's body may take to arrive: an inline Look of 64 MiB at 1 MB/s, with room to spare. */
export const DEFAULT_BODY_TIMEOUT_MS = 300_000;

/** Under Kubernetes' default 30 s between SIGTERM and SIGKILL, with room for the answers to be written. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 25_000;

/** Shortest ACTION_HUB_SECRET accepted: anything shorter can be guessed by a client that tries. */
export const MIN_SECRET_LENGTH = 16;

/** Largest TAGWIRE_CONCURRENCY: the server's destination sockets are shared by every execute. */
export const MAX_CONCURRENCY = 64;

/** Reads the Looker action hub's own variable names, plus tagwire's. */
export function configFromEnv(env: Env): ServerConfig {
  const secret = env["ACTION_HUB_SECRET"];
  if (secret === undefined || secret.trim() === "") {
    throw new ConfigError({ reason: "ACTION_HUB_SECRET is not set: choose a long random secret (e.g. `openssl rand -hex 32`) and enter the same value in Looker when adding the action hub." });
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    // The length only, never the value: a short secret is one that can be guessed.
    throw new ConfigError({ reason: `ACTION_HUB_SECRET is ${secret.length} characters long; use at least ${MIN_SECRET_LENGTH} random characters (e.g. \`openssl rand -hex 32\`).` });
  }
  const port = positive(env, "PORT", 8080);
  if (port > 65535) throw new ConfigError({ reason: `PORT must be at most 65535, not ${port}.` });
  const baseUrl = (env["ACTION_HUB_BASE_URL"] ?? `http://localhost:${port}`).replace(/\/+$/, "");
  if (!/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(baseUrl)) throw new ConfigError({ reason: `ACTION_HUB_BASE_URL must be an http(s) URL, not \`${baseUrl}\`.` });
  checkRateLimits(env);
  const store = storeConfig(env);
  if (!("kind" in store)) throw new ConfigError({ reason: store.reason });
  const sharedBudgets = sharedBudgetsConfig(env, store);
  if (!("kind" in sharedBudgets)) throw new ConfigError({ reason: sharedBudgets.reason });
  const hosts = env["TAGWIRE_DOWNLOAD_HOSTS"]?.split(",").map((h) => h.trim().toLowerCase()).filter((h) => h !== "");
  return {
    port,
    host: env["HOST"] ?? "0.0.0.0",
    secret,
    baseUrl,
    ...(hosts !== undefined && hosts.length > 0 ? { downloadHosts: hosts } : {}),
    env,
    maxBodyBytes: positive(env, "TAGWIRE_MAX_BODY_BYTES", 64 * 1024 * 1024),
    maxRowBytes: fromEngine(() => maxRowBytesFromEnv(env)),
    keepAliveMs: positive(env, "TAGWIRE_KEEPALIVE_MS", 20_000),
    downloadIdleMs: positive(env, "TAGWIRE_DOWNLOAD_IDLE_MS", 60_000),
    retry: retryPolicy(env),
    requestTimeoutMs: positive(env, "TAGWIRE_REQUEST_TIMEOUT_MS", 30_000),
    bodyTimeoutMs: positive(env, "TAGWIRE_BODY_TIMEOUT_MS", DEFAULT_BODY_TIMEOUT_MS),
    ...concurrency(env),
    workers: workers(env),
    shutdownGraceMs: wholeNumber(env, "TAGWIRE_SHUTDOWN_GRACE_MS", DEFAULT_SHUTDOWN_GRACE_MS),
    ...(env["TAGWIRE_MEMORY_BUDGET_BYTES"] !== undefined && env["TAGWIRE_MEMORY_BUDGET_BYTES"] !== "" ? { memoryBudgetBytes: positive(env, "TAGWIRE_MEMORY_BUDGET_BYTES", 1) } : {}),
    store,
    sharedBudgets,
    syncWaitMs: fromEngine(() => syncWaitMsFromEnv(env)),
    spool: spoolConfig(env),
  };
}

function spoolConfig(env: Env): SpoolConfig {
  try {
    return spoolConfigFromEnv(env, stateDirOf(env));
  } catch (e) {
    if (e instanceof SpoolConfigError) throw new ConfigError({ reason: e.reason });
    throw e;
  }
}

function retryPolicy(env: Env): RetryPolicy {
  try {
    return retryPolicyFromEnv(env);
  } catch (e) {
    throw new ConfigError({ reason: (e as Error).message });
  }
}

/** A setting the engine reads (and checks) for every runtime, its refusal as this server's ConfigError. */
function fromEngine<A>(read: () => A): A {
  try {
    return read();
  } catch (e) {
    if (e instanceof RangeError) throw new ConfigError({ reason: e.message });
    throw e;
  }
}

function workers(env: Env): number {
  const n = wholeNumber(env, "TAGWIRE_WORKERS", defaultWorkerCount());
  if (n > MAX_WORKERS) throw new ConfigError({ reason: `TAGWIRE_WORKERS must be at most ${MAX_WORKERS}, not ${n}.` });
  return n;
}

function concurrency(env: Env): { concurrency?: number } {
  if (env["TAGWIRE_CONCURRENCY"] === undefined || env["TAGWIRE_CONCURRENCY"] === "") return {};
  const n = positive(env, "TAGWIRE_CONCURRENCY", 1);
  if (n > MAX_CONCURRENCY) throw new ConfigError({ reason: `TAGWIRE_CONCURRENCY must be at most ${MAX_CONCURRENCY}, not ${n}.` });
  return { concurrency: n };
}

/** Each execute reads `TAGWIRE_<ID>_RATE_LIMIT` itself; reading them here too makes a typo stop the server at startup. */
function checkRateLimits(env: Env): void {
  for (const name of Object.keys(env)) {
    const id = /^TAGWIRE_(.+)_RATE_LIMIT$/.exec(name)?.[1];
    if (id === undefined) continue;
    try {
      rateLimitFromEnv(id.toLowerCase(), env);
    } catch (e) {
      if (e instanceof RateLimitSyntaxError) throw new ConfigError({ reason: `${name}: ${e.message}` });
      throw e;
    }
  }
}
