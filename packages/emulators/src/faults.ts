/** Faults one connector's emulator injects. Every field is optional; `{}` means a healthy destination. */
export interface FaultConfig {
  /** Probability per request of answering this status instead, e.g. `{ 429: 0.2, 503: 0.1 }`. Rates sum to at most 1. */
  statusRates?: { [status: number]: number };
  /** `Retry-After` seconds sent with an injected 429; `null` sends no header. Default 1. */
  retryAfterSeconds?: number | null;
  /** Delay added before every answer (faulted or not). */
  latencyMs?: number;
  /** Probability per request of destroying the socket without answering. */
  dropRate?: number;
  /** Answer every request with this status (a destination that is down). */
  failAll?: number;
  /** Seed of the fault PRNG, so a run with the same requests injects the same faults. */
  seed?: number;
}

/** What to do with one request. */
export type FaultDecision =
  | { kind: "none" }
  | { kind: "drop" }
  | { kind: "status"; status: number; label: string; retryAfterSeconds: number | null };

/** Thrown for a fault configuration that makes no sense; the CLI maps it to exit code 2. */
export class FaultConfigError extends Error {
  override name = "FaultConfigError";
}

const rate = (value: unknown, what: string): number => {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new FaultConfigError(`${what} must be a probability between 0 and 1`);
  }
  return value;
};

const errorStatus = (value: unknown, what: string): number => {
  const status = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 400 || status > 599) {
    throw new FaultConfigError(`${what} must be an HTTP error status (400-599)`);
  }
  return status;
};

/** Checks a fault configuration (as it may arrive from JSON) and returns a normalised copy. */
export function checkFaultConfig(input: unknown, where = "faults"): FaultConfig {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new FaultConfigError(`${where} must be an object`);
  }
  const known = new Set(["statusRates", "retryAfterSeconds", "latencyMs", "dropRate", "failAll", "seed"]);
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) throw new FaultConfigError(`${where}: unknown fault "${key}"`);
  }
  const config: FaultConfig = {};
  if (raw["statusRates"] !== undefined) {
    const rates = raw["statusRates"];
    if (rates === null || typeof rates !== "object" || Array.isArray(rates)) {
      throw new FaultConfigError(`${where}.statusRates must be an object of status: probability`);
    }
    const statusRates: Record<number, number> = {};
    let total = 0;
    for (const [status, value] of Object.entries(rates)) {
      const code = errorStatus(status, `${where}.statusRates key "${status}"`);
      statusRates[code] = rate(value, `${where}.statusRates[${status}]`);
      total += statusRates[code];
    }
    if (total > 1 + 1e-9) throw new FaultConfigError(`${where}.statusRates must sum to at most 1`);
    config.statusRates = statusRates;
  }
  const retryAfter = raw["retryAfterSeconds"];
  if (retryAfter !== undefined) {
    if (retryAfter !== null && (typeof retryAfter !== "number" || !Number.isInteger(retryAfter) || retryAfter < 0)) {
      throw new FaultConfigError(`${where}.retryAfterSeconds must be a non-negative integer or null`);
    }
    config.retryAfterSeconds = retryAfter;
  }
  const latency = raw["latencyMs"];
  if (latency !== undefined) {
    if (typeof latency !== "number" || !Number.isFinite(latency) || latency < 0) {
      throw new FaultConfigError(`${where}.latencyMs must be a non-negative number`);
    }
    config.latencyMs = latency;
  }
  if (raw["dropRate"] !== undefined) config.dropRate = rate(raw["dropRate"], `${where}.dropRate`);
  if (raw["failAll"] !== undefined && raw["failAll"] !== null) {
    config.failAll = errorStatus(raw["failAll"], `${where}.failAll`);
  }
  const seed = raw["seed"];
  if (seed !== undefined) {
    if (typeof seed !== "number" || !Number.isInteger(seed)) throw new FaultConfigError(`${where}.seed must be an integer`);
    config.seed = seed;
  }
  return config;
}

/** mulberry32: tiny, fast, good enough to spread faults; seeded for repeatable tests. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws the fault (if any) for each request of one connector. */
export class FaultInjector {
  private config: FaultConfig = {};
  private random: () => number = Math.random;
  private rates: Array<[number, number]> = [];

  constructor(config: FaultConfig = {}) {
    this.set(config);
  }

  /** Replaces the whole configuration and restarts the PRNG from its seed. */
  set(config: FaultConfig): void {
    this.config = checkFaultConfig(config);
    this.rates = Object.entries(this.config.statusRates ?? {})
      .map(([status, p]): [number, number] => [Number(status), p])
      .filter(([, p]) => p > 0)
      .sort((a, b) => a[0] - b[0]);
    this.restart();
  }

  /** Restarts the PRNG, so a reset emulator repeats the same fault sequence. */
  restart(): void {
    const seed = this.config.seed;
    this.random = seed === undefined ? Math.random : mulberry32(seed);
  }

  get current(): FaultConfig {
    return this.config;
  }

  get latencyMs(): number {
    return this.config.latencyMs ?? 0;
  }

  decide(): FaultDecision {
    const c = this.config;
    if (c.failAll !== undefined) return this.status(c.failAll, "failAll");
    if (c.dropRate && this.random() < c.dropRate) return { kind: "drop" };
    if (this.rates.length > 0) {
      const draw = this.random();
      let edge = 0;
      for (const [status, p] of this.rates) {
        edge += p;
        if (draw < edge) return this.status(status, String(status));
      }
    }
    return { kind: "none" };
  }

  private status(status: number, label: string): FaultDecision {
    const retryAfter = this.config.retryAfterSeconds === undefined ? 1 : this.config.retryAfterSeconds;
    return { kind: "status", status, label, retryAfterSeconds: status === 429 ? retryAfter : null };
  }
}
