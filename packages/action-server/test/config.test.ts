import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultWorkerCount } from "@tagwire/engine";
import { configFromEnv, ConfigError } from "../src/config.js";
import { isAuthorized, tokenFrom } from "../src/auth.js";

const SECRET = "a-long-random-secret-for-tests";

const fails = (env: Record<string, string | undefined>): ConfigError => {
  try {
    configFromEnv(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error("configFromEnv accepted the environment");
};

describe("configFromEnv", () => {
  it("TAGWIRE_WORKERS takes 0 to 8 worker threads; anything else stops the server", () => {
    expect(configFromEnv({ ACTION_HUB_SECRET: SECRET, TAGWIRE_WORKERS: "0" }).workers).toBe(0);
    expect(configFromEnv({ ACTION_HUB_SECRET: SECRET, TAGWIRE_WORKERS: "8" }).workers).toBe(8);
    for (const bad of ["9", "-1", "two", "1.5"]) {
      expect(() => configFromEnv({ ACTION_HUB_SECRET: SECRET, TAGWIRE_WORKERS: bad }), bad).toThrow(/TAGWIRE_WORKERS/);
    }
  });

  it("TAGWIRE_MEMORY_BUDGET_BYTES sets the memory budget; unset, the server takes a share of the heap limit", () => {
    expect(configFromEnv({ ACTION_HUB_SECRET: SECRET, TAGWIRE_MEMORY_BUDGET_BYTES: "104857600" }).memoryBudgetBytes).toBe(104_857_600);
    expect(configFromEnv({ ACTION_HUB_SECRET: SECRET }).memoryBudgetBytes).toBeUndefined();
  });

  it("TAGWIRE_SPOOL_MAX_BYTES bounds the spool (0: none); the spool lives in TAGWIRE_STATE_DIR, or in the temporary directory without one", () => {
    expect(configFromEnv({ ACTION_HUB_SECRET: SECRET, TAGWIRE_STATE_DIR: "/var/lib/tagwire", TAGWIRE_SPOOL_MAX_BYTES: "0" }).spool).toEqual({ dir: join("/var/lib/tagwire", "spool"), maxBytes: 0 });
    const replica = configFromEnv({ ACTION_HUB_SECRET: SECRET, TAGWIRE_DATABASE_URL: "postgres://tagwire@db/tagwire", TAGWIRE_SPOOL_MAX_BYTES: "1073741824" });
    expect(replica.spool).toEqual({ dir: join(tmpdir(), "tagwire-spool"), maxBytes: 1024 ** 3 });
    expect(configFromEnv({ ACTION_HUB_SECRET: SECRET, TAGWIRE_DATABASE_URL: "none", TAGWIRE_STATE_DIR: "/data" }).spool?.dir).toBe(join("/data", "spool"));
    expect(fails({ ACTION_HUB_SECRET: SECRET, TAGWIRE_SPOOL_MAX_BYTES: "4GiB" }).message).toBe("TAGWIRE_SPOOL_MAX_BYTES must be a whole number of bytes (0 turns the spool off), not `4GiB`.");
  });

  it("defaults: port 8080 on every interface, base URL from the port, any download host", () => {
    const env = { ACTION_HUB_SECRET: SECRET };
    const config = configFromEnv(env);
    expect(config).toEqual({
      port: 8080,
      host: "0.0.0.0",
      secret: SECRET,
      baseUrl: "http://localhost:8080",
      env,
      maxBodyBytes: 64 * 1024 * 1024,
      maxRowBytes: 8 * 1024 * 1024,
      keepAliveMs: 20_000,
      downloadIdleMs: 60_000,
      retry: { maxRetries: 6, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 300_000 },
      requestTimeoutMs: 30_000,
      bodyTimeoutMs: 300_000,
      workers: defaultWorkerCount(),
      shutdownGraceMs: 25_000,
      store: { kind: "sqlite", path: join(homedir(), ".local", "state", "tagwire", "tagwire.db"), historyDays: 90 },
      // One process on its file: its own rate budgets; another run of a sync is waited for 5 minutes.
      sharedBudgets: { kind: "none" },
      syncWaitMs: 300_000,
      // Downloads wait for their run beside the store's file, up to 4 GiB compressed.
      spool: { dir: join(homedir(), ".local", "state", "tagwire", "spool"), maxBytes: 4 * 1024 ** 3 },
    });
    expect(config.downloadHosts).toBeUndefined();
    expect(config.concurrency).toBeUndefined();
  });

  it("reads every variable", () => {
    const config = configFromEnv({
      ACTION_HUB_SECRET: SECRET,
      ACTION_HUB_BASE_URL: "https://tagwire.example.com/hub/",
      PORT: "9090",
      HOST: "127.0.0.1",
      TAGWIRE_DOWNLOAD_HOSTS: " Looker.Example.com , ,example.cloud.looker.com:19999",
      TAGWIRE_MAX_BODY_BYTES: "1048576",
      TAGWIRE_KEEPALIVE_MS: "5000",
      TAGWIRE_DOWNLOAD_IDLE_MS: "120000",
      TAGWIRE_MPARTICLE_URL: "http://127.0.0.1:9001",
      TAGWIRE_RETRY_MAX: "3",
      TAGWIRE_RETRY_BASE_MS: "20",
      TAGWIRE_RETRY_MAX_DELAY_MS: "200",
      TAGWIRE_RETRY_AFTER_MAX_MS: "5000",
      TAGWIRE_REQUEST_TIMEOUT_MS: "1500",
      TAGWIRE_BODY_TIMEOUT_MS: "60000",
      TAGWIRE_CONCURRENCY: "8",
      TAGWIRE_SHUTDOWN_GRACE_MS: "10000",
    });
    expect(config).toMatchObject({
      port: 9090,
      host: "127.0.0.1",
      baseUrl: "https://tagwire.example.com/hub",
      downloadHosts: ["looker.example.com", "example.cloud.looker.com:19999"],
      maxBodyBytes: 1_048_576,
      keepAliveMs: 5000,
      downloadIdleMs: 120_000,
      retry: { maxRetries: 3, baseDelayMs: 20, maxDelayMs: 200, maxRetryAfterMs: 5000 },
      requestTimeoutMs: 1500,
      bodyTimeoutMs: 60_000,
      concurrency: 8,
      shutdownGraceMs: 10_000,
    });
    expect(config.env["TAGWIRE_MPARTICLE_URL"]).toBe("http://127.0.0.1:9001");
  });

  it("TAGWIRE_RETRY_MAX=0 turns retries off; TAGWIRE_RETRY_AFTER_MAX_MS=0 retries at once whatever Retry-After says", () => {
    const config = configFromEnv({ ACTION_HUB_SECRET: SECRET, TAGWIRE_RETRY_MAX: "0", TAGWIRE_RETRY_AFTER_MAX_MS: "0" });
    expect(config.retry).toMatchObject({ maxRetries: 0, maxRetryAfterMs: 0 });
  });

  it.each(["-1", "2.5", "many", "1e3", "0x10"])("TAGWIRE_RETRY_MAX=%s is refused", (value) => {
    const e = fails({ ACTION_HUB_SECRET: SECRET, TAGWIRE_RETRY_MAX: value });
    expect(e.message).toBe(`TAGWIRE_RETRY_MAX must be a whole number (0 or more), not \`${value}\`.`);
  });

  it("TAGWIRE_SHUTDOWN_GRACE_MS is a whole number of ms; 0 stops executes at once on SIGTERM", () => {
    expect(configFromEnv({ ACTION_HUB_SECRET: SECRET, TAGWIRE_SHUTDOWN_GRACE_MS: "0" }).shutdownGraceMs).toBe(0);
    expect(fails({ ACTION_HUB_SECRET: SECRET, TAGWIRE_SHUTDOWN_GRACE_MS: "25s" }).message).toBe("TAGWIRE_SHUTDOWN_GRACE_MS must be a whole number (0 or more), not `25s`.");
  });

  it("replicas on Postgres share their rate budgets there, or in TAGWIRE_REDIS_URL; TAGWIRE_REPLICAS and TAGWIRE_SYNC_WAIT_MS are read", () => {
    const pg = "postgres://tagwire:pw@db.internal:5432/tagwire";
    expect(configFromEnv({ ACTION_HUB_SECRET: SECRET, TAGWIRE_DATABASE_URL: pg, TAGWIRE_REPLICAS: "3", TAGWIRE_SYNC_WAIT_MS: "0" })).toMatchObject({
      sharedBudgets: { kind: "postgres", url: pg, replicas: 3 },
      syncWaitMs: 0,
    });
    expect(configFromEnv({ ACTION_HUB_SECRET: SECRET, TAGWIRE_DATABASE_URL: pg, TAGWIRE_REDIS_URL: "redis://:pw@cache:6379" }).sharedBudgets).toEqual({ kind: "redis", url: "redis://:pw@cache:6379", replicas: 1 });
    expect(fails({ ACTION_HUB_SECRET: SECRET, TAGWIRE_REPLICAS: "0" }).message).toBe('TAGWIRE_REPLICAS must be a whole number of replicas, 1 or more; got "0"');
    expect(fails({ ACTION_HUB_SECRET: SECRET, TAGWIRE_REDIS_URL: "http://:s3cret@cache" }).message).toBe("TAGWIRE_REDIS_URL must be a redis:// or rediss:// URL");
    expect(fails({ ACTION_HUB_SECRET: SECRET, TAGWIRE_SYNC_WAIT_MS: "5m" }).message).toBe("TAGWIRE_SYNC_WAIT_MS must be a whole number (0 or more), not `5m`.");
  });

  it("TAGWIRE_CONCURRENCY must be between 1 and 64", () => {
    expect(fails({ ACTION_HUB_SECRET: SECRET, TAGWIRE_CONCURRENCY: "0" }).message).toBe("TAGWIRE_CONCURRENCY must be a positive whole number, not `0`.");
    expect(fails({ ACTION_HUB_SECRET: SECRET, TAGWIRE_CONCURRENCY: "65" }).message).toBe("TAGWIRE_CONCURRENCY must be at most 64, not 65.");
    expect(configFromEnv({ ACTION_HUB_SECRET: SECRET, TAGWIRE_CONCURRENCY: "64" }).concurrency).toBe(64);
  });

  it("an empty TAGWIRE_DOWNLOAD_HOSTS means any host", () => {
    expect(configFromEnv({ ACTION_HUB_SECRET: SECRET, TAGWIRE_DOWNLOAD_HOSTS: " , " }).downloadHosts).toBeUndefined();
  });

  it("a missing or blank ACTION_HUB_SECRET is an error that says what to do", () => {
    for (const value of [undefined, "", "   "]) {
      const e = fails({ ACTION_HUB_SECRET: value });
      expect(e.message).toMatch(/^ACTION_HUB_SECRET is not set/);
      expect(e.message).toContain("Looker");
    }
  });

  it("TAGWIRE_MAX_ROW_BYTES sets the row limit; a value that is not a whole number of bytes in range is refused", () => {
    expect(configFromEnv({ ACTION_HUB_SECRET: SECRET, TAGWIRE_MAX_ROW_BYTES: "16777216" }).maxRowBytes).toBe(16 * 1024 * 1024);
    for (const bad of ["16MB", "0", "-5", "1e9", "999999999999"]) {
      expect(fails({ ACTION_HUB_SECRET: SECRET, TAGWIRE_MAX_ROW_BYTES: bad }).message, bad).toMatch(/^TAGWIRE_MAX_ROW_BYTES must be a whole number of bytes from 1024 to 268435456, not `/);
    }
  });

  it("a short ACTION_HUB_SECRET is refused: the message gives its length and the minimum, never the value", () => {
    for (const value of ["abcde", "fifteen-chars-x"]) {
      const e = fails({ ACTION_HUB_SECRET: value });
      expect(e.message).toBe(`ACTION_HUB_SECRET is ${value.length} characters long; use at least 16 random characters (e.g. \`openssl rand -hex 32\`).`);
      expect(e.message).not.toContain(value);
    }
    expect(configFromEnv({ ACTION_HUB_SECRET: "sixteen-chars-xy" }).secret).toBe("sixteen-chars-xy");
  });

  it.each(["0", "-1", "80.5", "http", "65536", "1e9"])("PORT=%s is refused", (port) => {
    const e = fails({ ACTION_HUB_SECRET: SECRET, PORT: port });
    expect(e.message).toMatch(/^PORT must be/);
  });

  it.each(["ftp://x.example.com", "tagwire.example.com", "http://", "http://exa mple.com", "https:/x"])("ACTION_HUB_BASE_URL=%s is refused", (url) => {
    const e = fails({ ACTION_HUB_SECRET: SECRET, ACTION_HUB_BASE_URL: url });
    expect(e.message).toMatch(/^ACTION_HUB_BASE_URL must be an http\(s\) URL/);
  });

  it.each(["TAGWIRE_MAX_BODY_BYTES", "TAGWIRE_KEEPALIVE_MS", "TAGWIRE_DOWNLOAD_IDLE_MS", "TAGWIRE_RETRY_BASE_MS", "TAGWIRE_RETRY_MAX_DELAY_MS", "TAGWIRE_REQUEST_TIMEOUT_MS", "TAGWIRE_BODY_TIMEOUT_MS", "TAGWIRE_CONCURRENCY", "TAGWIRE_MEMORY_BUDGET_BYTES"])("%s must be a positive whole number", (name) => {
    const e = fails({ ACTION_HUB_SECRET: SECRET, [name]: "soon" });
    expect(e.message).toBe(`${name} must be a positive whole number, not \`soon\`.`);
  });

  it("TAGWIRE_<ID>_RATE_LIMIT is checked at startup: a bad value is refused, naming the variable and the text", () => {
    for (const value of ["5000 records/s", "1000 requests/s", "500 records/s, 20 requests/s", "off", ""]) {
      expect(configFromEnv({ ACTION_HUB_SECRET: SECRET, TAGWIRE_MPARTICLE_RATE_LIMIT: value }).env["TAGWIRE_MPARTICLE_RATE_LIMIT"]).toBe(value);
    }
    const e = fails({ ACTION_HUB_SECRET: SECRET, TAGWIRE_SEGMENT_RATE_LIMIT: "1000 per second" });
    expect(e.message).toMatch(/^TAGWIRE_SEGMENT_RATE_LIMIT: `1000 per second` is not a rate limit/);
    expect(e.message).toContain('"500 records/s, 20 requests/s"');
    expect(fails({ ACTION_HUB_SECRET: SECRET, TAGWIRE_MY_API_RATE_LIMIT: "0 requests/s" }).message).toMatch(/^TAGWIRE_MY_API_RATE_LIMIT: `0 requests\/s` is not a rate limit \(`0 requests\/s` must be above 0\)/);
  });

  it("never puts the secret in an error message", () => {
    const e = fails({ ACTION_HUB_SECRET: SECRET, PORT: "x" });
    expect(e.message).not.toContain(SECRET);
  });
});

describe("auth header parsing", () => {
  it("reads Looker's form and its lowercase variant", () => {
    expect(tokenFrom(`Token token="abc"`)).toBe("abc");
    expect(tokenFrom(`token token="abc"`)).toBe("abc");
    expect(tokenFrom(`Bearer abc`)).toBeUndefined();
    expect(tokenFrom(undefined)).toBeUndefined();
  });

  it("compares tokens of any length without throwing", () => {
    expect(isAuthorized(`Token token="${SECRET}"`, SECRET)).toBe(true);
    expect(isAuthorized(`Token token="x"`, SECRET)).toBe(false);
    expect(isAuthorized(`Token token="${SECRET}${SECRET}"`, SECRET)).toBe(false);
    expect(isAuthorized(`Token token=""`, SECRET)).toBe(false);
  });
});
