// The rate-limit setting: the text people type (flag, environment variable), and which limit a
// run keeps when several are given.

import { describe, expect, it } from "vitest";
import { formatRateLimit, parseRateLimit, RateLimitSyntaxError } from "../../src/deliver/rate-limit.js";
import { Pacer } from "../../src/deliver/pacer.js";
import { findConnector, loadConnectors } from "../../src/manifest/load.js";
import { destinationOf, pacerFor, LocalRateBudgets, rateLimitVariable } from "../../src/run/pacing.js";
import { SettingsError } from "../../src/run/errors.js";
import type { Connector } from "../../src/manifest/connector.js";

describe("parseRateLimit", () => {
  it.each([
    ["5000 records/s", { recordsPerSecond: 5000 }],
    ["1000 requests/s", { requestsPerSecond: 1000 }],
    ["500 records/s, 20 requests/s", { recordsPerSecond: 500, requestsPerSecond: 20 }],
    ["20 requests/s,500 records/s", { recordsPerSecond: 500, requestsPerSecond: 20 }],
    ["  2.5 Records / sec ", { recordsPerSecond: 2.5 }],
    ["1 request/second", { requestsPerSecond: 1 }],
    ["off", "off"],
    [" OFF ", "off"],
  ] as const)("%j", (text, expected) => {
    expect(parseRateLimit(text)).toEqual(expected);
  });

  it.each([
    ["", "it is empty"],
    ["fast", "`fast` is not \"<n> records/s\" or \"<n> requests/s\""],
    ["5000", "`5000` is not \"<n> records/s\" or \"<n> requests/s\""],
    ["5000 events/s", "`5000 events/s` is not \"<n> records/s\" or \"<n> requests/s\""],
    ["100 records/min", "`100 records/min` is not \"<n> records/s\" or \"<n> requests/s\""],
    ["-5 records/s", "`-5 records/s` is not \"<n> records/s\" or \"<n> requests/s\""],
    ["0 requests/s", "`0 requests/s` must be above 0"],
    ["5 records/s, 6 records/s", "records/s is given twice"],
    ["5 records/s,", "`` is not \"<n> records/s\" or \"<n> requests/s\""],
  ])("refuses %j, naming the text", (text, problem) => {
    let error: unknown;
    try {
      parseRateLimit(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RateLimitSyntaxError);
    expect((error as RateLimitSyntaxError).message).toBe(
      `\`${text}\` is not a rate limit (${problem}): write "<n> records/s", "<n> requests/s", both separated by a comma (e.g. "500 records/s, 20 requests/s"), or "off".`,
    );
  });

  it("formatRateLimit writes what parseRateLimit reads", () => {
    for (const text of ["270 records/s", "1000 requests/s", "500 records/s, 20 requests/s", "off"]) expect(formatRateLimit(parseRateLimit(text))).toBe(text);
    expect(formatRateLimit(undefined)).toBe("off");
  });
});

describe("which limit a run keeps", () => {
  const connectors = loadConnectors();
  const declared = (connector: Connector) => connector.manifest.wire.rateLimit;
  const withLimit = connectors.find((c) => declared(c) !== undefined)!;
  /** A pacer's limit, read back through its arithmetic: how many 1-record requests go at once. */
  const burst = (pacer: Pacer | undefined) => {
    if (pacer === undefined) return "off";
    let n = 0;
    while (pacer.reserve(1, 0) === 0 && n < 100_000) n++;
    return n;
  };

  it("the manifest's declared limit by default", () => {
    const limit = declared(withLimit)!;
    expect(burst(pacerFor(withLimit, undefined, {}))).toBe(Math.floor(Math.min(limit.recordsPerSecond ?? Infinity, limit.requestsPerSecond ?? Infinity)));
  });

  it("TAGWIRE_<ID>_RATE_LIMIT over the manifest, the run's own over both", () => {
    const env = { [rateLimitVariable(withLimit.id)]: "7 requests/s" };
    expect(rateLimitVariable("mparticle")).toBe("TAGWIRE_MPARTICLE_RATE_LIMIT");
    expect(burst(pacerFor(withLimit, undefined, env))).toBe(7);
    expect(burst(pacerFor(withLimit, { requestsPerSecond: 3 }, env))).toBe(3);
    expect(burst(pacerFor(withLimit, "off", env))).toBe("off");
    expect(burst(pacerFor(withLimit, undefined, { [rateLimitVariable(withLimit.id)]: "off" }))).toBe("off");
    // An empty variable is unset.
    expect(burst(pacerFor(withLimit, { requestsPerSecond: 4 }, { [rateLimitVariable(withLimit.id)]: "" }))).toBe(4);
  });

  it("a connector without a declared limit still gets a pacer, for the 429 hold", () => {
    const bare = { ...withLimit, manifest: { ...withLimit.manifest, wire: { ...withLimit.manifest.wire, rateLimit: undefined } } } as Connector;
    const pacer = pacerFor(bare, undefined, {});
    expect(pacer).toBeInstanceOf(Pacer);
    expect(burst(pacer)).toBe(100_000);
  });

  it("runs to one destination with one limit share a budget; another destination or limit has its own", () => {
    const destination = destinationOf({ url: "https://example.test/v1/batch", headers: { authorization: "Basic a2V5Og==" } });
    const budgets = new LocalRateBudgets();
    const shared = [pacerFor(withLimit, { requestsPerSecond: 5 }, {}, { budgets, destination })!, pacerFor(withLimit, { requestsPerSecond: 5 }, {}, { budgets, destination })!];
    expect(shared[0]!.budget).toBe(shared[1]!.budget);
    expect([burst(shared[0]), burst(shared[1])]).toEqual([5, 0]);
    const otherKey = destinationOf({ url: "https://example.test/v1/batch", headers: { authorization: "Basic b3RoZXI6" } });
    expect(otherKey).not.toBe(destination);
    expect(otherKey).not.toContain("b3RoZXI6");
    expect(burst(pacerFor(withLimit, { requestsPerSecond: 5 }, {}, { budgets, destination: otherKey }))).toBe(5);
    expect(burst(pacerFor(withLimit, { requestsPerSecond: 6 }, {}, { budgets, destination }))).toBe(6);
    // A key carried in the body tells workspaces apart as well.
    const inBody = (key: string) => destinationOf({ url: "https://example.test/2/httpapi", headers: {}, bodyFields: { api_key: key } });
    expect(inBody("a")).not.toBe(inBody("b"));
  });

  it("a bad TAGWIRE_<ID>_RATE_LIMIT is a settings error naming the variable", () => {
    const variable = rateLimitVariable(withLimit.id);
    let error: unknown;
    try {
      pacerFor(withLimit, undefined, { [variable]: "lots" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).problems).toEqual([{ setting: variable, message: expect.stringMatching(new RegExp(`^${variable}: \`lots\` is not a rate limit`)) }]);
    // Not read at all when the run gives its own.
    expect(pacerFor(withLimit, "off", { [variable]: "lots" })).toBeUndefined();
  });

  it("the published limits are declared: mParticle 270 batches (records) per second, Segment 1,000 requests per second", () => {
    expect(declared(findConnector(connectors, "mparticle"))).toEqual({ recordsPerSecond: 270 });
    expect(declared(findConnector(connectors, "segment"))).toEqual({ requestsPerSecond: 1000 });
  });
});
