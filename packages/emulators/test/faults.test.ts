import { afterEach, describe, expect, it } from "vitest";
import { FaultInjector } from "../src/faults.js";
import { EmulatorConfigError, startEmulators, type Emulators } from "../src/index.js";
import { MP_AUTH, mp, mpBatch, post, seg, SEG_AUTH, segIdentify } from "./support.js";

let running: Emulators | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

const start = async (options: Parameters<typeof startEmulators>[0]) => (running = await startEmulators({ port: 0, ...options }));

/** Sends `count` one-batch requests in sequence and tallies the outcomes (a dropped socket is `drop`). */
async function tally(emulators: Emulators, count: number) {
  const outcomes: Record<string, number> = {};
  for (let n = 0; n < count; n++) {
    let key: string;
    try {
      key = String((await post(mp(emulators), [mpBatch(n)], { auth: MP_AUTH })).status);
    } catch {
      key = "drop";
    }
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  }
  return outcomes;
}

describe("status rates", () => {
  it("roughly honours the rates over 200 requests, repeatably for a seed, and faulted requests accept nothing", async () => {
    const faults = { statusRates: { 429: 0.2, 503: 0.1, 500: 0.05 }, seed: 7 };
    const emulators = await start({ connectors: ["mparticle"], faults: { mparticle: faults } });
    const first = await tally(emulators, 200);
    expect(first["429"]).toBeGreaterThanOrEqual(25);
    expect(first["429"]).toBeLessThanOrEqual(55);
    expect(first["503"]).toBeGreaterThanOrEqual(10);
    expect(first["503"]).toBeLessThanOrEqual(30);
    expect(first["500"]).toBeGreaterThanOrEqual(3);
    expect(first["500"]).toBeLessThanOrEqual(18);
    const state = emulators.state()["mparticle"]!;
    expect(state.accepted).toBe(first["202"]);
    expect(state.faults).toEqual({ "429": first["429"], "503": first["503"], "500": first["500"] });
    expect(state.byStatus).toEqual(first);

    // Same seed after a reset: the same sequence of faults.
    emulators.reset();
    expect(await tally(emulators, 200)).toEqual(first);
  });

  it("sends Retry-After on 429 (default 1), a chosen value, or none", async () => {
    const emulators = await start({ connectors: ["segment"], faults: { segment: { statusRates: { 429: 1 } } } });
    const statusOf = async () => post(seg(emulators), { batch: [segIdentify(1)] }, { auth: SEG_AUTH });
    const first = await statusOf();
    expect(first.status).toBe(429);
    expect(first.headers.get("retry-after")).toBe("1");
    expect(first.json).toMatchObject({ success: false, code: "too_many_requests" });
    emulators.setFaults("segment", { statusRates: { 429: 1 }, retryAfterSeconds: 30 });
    expect((await statusOf()).headers.get("retry-after")).toBe("30");
    emulators.setFaults("segment", { statusRates: { 429: 1 }, retryAfterSeconds: null });
    const none = await statusOf();
    expect(none.status).toBe(429);
    expect(none.headers.has("retry-after")).toBe(false);
    emulators.setFaults("segment", { statusRates: { 503: 1 }, retryAfterSeconds: 30 });
    const unavailable = await statusOf();
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.has("retry-after")).toBe(false);
    expect(emulators.state()["segment"]!.accepted).toBe(0);
  });
});

describe("failAll, dropRate, latency", () => {
  it("failAll answers every request with its status, before auth", async () => {
    const emulators = await start({ connectors: ["mparticle"], faults: { mparticle: { failAll: 503 } } });
    expect(await tally(emulators, 10)).toEqual({ "503": 10 });
    expect((await post(mp(emulators), [mpBatch(1)], { auth: null })).status).toBe(503);
    expect(emulators.state()["mparticle"]).toMatchObject({ accepted: 0, faults: { failAll: 11 } });
  });

  it("dropRate 1 destroys the socket without an answer", async () => {
    const emulators = await start({ connectors: ["mparticle"], faults: { mparticle: { dropRate: 1 } } });
    await expect(post(mp(emulators), [mpBatch(1)], { auth: MP_AUTH })).rejects.toThrow();
    const state = emulators.state()["mparticle"]!;
    expect(state).toMatchObject({ requests: 1, accepted: 0, faults: { drop: 1 }, byStatus: {} });
  });

  it("dropRate 0.3 drops roughly 30% of 200 requests", async () => {
    const emulators = await start({ connectors: ["mparticle"], faults: { mparticle: { dropRate: 0.3, seed: 3 } } });
    const outcomes = await tally(emulators, 200);
    expect(outcomes["drop"]).toBeGreaterThanOrEqual(40);
    expect(outcomes["drop"]).toBeLessThanOrEqual(80);
    expect(outcomes["drop"]! + outcomes["202"]!).toBe(200);
    expect(emulators.state()["mparticle"]!.faults["drop"]).toBe(outcomes["drop"]);
  });

  it("latencyMs delays the answer", async () => {
    const emulators = await start({ connectors: ["mparticle"], faults: { mparticle: { latencyMs: 150 } } });
    const began = performance.now();
    expect((await post(mp(emulators), [mpBatch(1)], { auth: MP_AUTH })).status).toBe(202);
    expect(performance.now() - began).toBeGreaterThanOrEqual(140);
  });
});

describe("changing faults at runtime", () => {
  it("PUT /_emulator/faults replaces a connector's faults; setFaults does the same from code", async () => {
    const emulators = await start({ connectors: ["mparticle", "segment"] });
    expect((await post(mp(emulators), [mpBatch(1)], { auth: MP_AUTH })).status).toBe(202);

    const put = (body: unknown) =>
      fetch(`${emulators.url}/_emulator/faults`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect((await put({ mparticle: { failAll: 500 } })).status).toBe(200);
    expect((await post(mp(emulators), [mpBatch(2)], { auth: MP_AUTH })).status).toBe(500);
    // Segment untouched.
    expect((await post(seg(emulators), { batch: [segIdentify(1)] }, { auth: SEG_AUTH })).status).toBe(200);
    expect(await (await fetch(`${emulators.url}/_emulator/faults`)).json()).toEqual({ mparticle: { failAll: 500 }, segment: {} });

    const bad = await put({ mparticle: { statusRates: { 429: 2 } } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).message).toContain("probability");
    expect((await put({ nosuch: {} })).status).toBe(400);
    expect((await put({ mparticle: { bogus: 1 } })).status).toBe(400);
    // A rejected change leaves the previous faults in place.
    expect((await post(mp(emulators), [mpBatch(3)], { auth: MP_AUTH })).status).toBe(500);

    expect((await put({ mparticle: {} })).status).toBe(200);
    expect((await post(mp(emulators), [mpBatch(4)], { auth: MP_AUTH })).status).toBe(202);

    emulators.setFaults("segment", { failAll: 502 });
    expect((await post(seg(emulators), { batch: [segIdentify(2)] }, { auth: SEG_AUTH })).status).toBe(502);
    expect(() => emulators.setFaults("segment", { dropRate: -1 })).toThrow(EmulatorConfigError);
    expect(() => emulators.setFaults("nosuch", {})).toThrow(EmulatorConfigError);
  });
});

describe("FaultInjector", () => {
  it("rejects rates summing over 1 and non-error statuses", () => {
    expect(() => new FaultInjector({ statusRates: { 429: 0.6, 503: 0.6 } })).toThrow(/sum to at most 1/);
    expect(() => new FaultInjector({ statusRates: { 200: 0.1 } })).toThrow(/400-599/);
    expect(() => new FaultInjector({ failAll: 302 })).toThrow(/400-599/);
  });

  it("draws the same decisions for the same seed", () => {
    const draw = () => {
      const injector = new FaultInjector({ statusRates: { 429: 0.5 }, dropRate: 0.2, seed: 11 });
      return Array.from({ length: 50 }, () => injector.decide().kind);
    };
    const first = draw();
    expect(draw()).toEqual(first);
    expect(new Set(first)).toEqual(new Set(["none", "drop", "status"]));
  });
});
