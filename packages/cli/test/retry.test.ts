import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulators, type Emulators } from "@tagwire/emulators";
import { fixture, oneLine, tagwire } from "./support/cli.js";

// A Segment that answers 503 to everything: each batch is tried 1 + retries times, then reported failed.
let down: Emulators;
let env: Record<string, string>;
beforeAll(async () => {
  down = await startEmulators({ port: 0, connectors: ["segment"], faults: { segment: { failAll: 503 } } });
  env = { TAGWIRE_SEGMENT_URL: down.url, TAGWIRE_SEGMENT_SEGMENT_WRITE_KEY: "test-segment_write_key", TAGWIRE_RETRY_BASE_MS: "1", TAGWIRE_RETRY_MAX_DELAY_MS: "2" };
});
afterAll(() => down.close());

const send = (args: string[], extra: Record<string, string> = {}) => tagwire(["send", "--to", "segment", "--json", ...args, fixture("users.json")], { env: { ...env, ...extra } });

describe("send: the retry policy", () => {
  it("reads TAGWIRE_RETRY_MAX as serve does", async () => {
    const r = await send([], { TAGWIRE_RETRY_MAX: "2" });
    const report = JSON.parse(r.stdout);
    expect(r.code).toBe(1);
    expect(report.rows.failed).toBe(3);
    const firstAttempts = report.requests.sent - report.requests.retries;
    expect(firstAttempts).toBeGreaterThan(0);
    expect(report.requests.retries).toBe(2 * firstAttempts);
  });

  it("--retry-max overrides TAGWIRE_RETRY_MAX; 0 turns retries off", async () => {
    const r = await send(["--retry-max", "0"], { TAGWIRE_RETRY_MAX: "5" });
    const report = JSON.parse(r.stdout);
    expect(report.rows.failed).toBe(3);
    expect(report.requests.retries).toBe(0);
  });

  it("a bad TAGWIRE_RETRY_MAX is refused with its name, exit 2", async () => {
    const r = await tagwire(["send", "--to", "segment", fixture("users.json")], { env: { ...env, TAGWIRE_RETRY_MAX: "many" } });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe("tagwire: TAGWIRE_RETRY_MAX must be a whole number (0 or more), not `many`.");
  });

  it("a bad --retry-base-ms is a usage error naming the flag", async () => {
    const r = await send(["--retry-base-ms", "0"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toEqual({ code: "usage", message: "--retry-base-ms must be a positive whole number, not `0`.", exitCode: 2 });
  });
});
