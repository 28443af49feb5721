// The pacer's arithmetic on a fake clock: every reservation is made at a chosen time and the test
// reads back the wait it was given, so rates are checked exactly, with no sleeping.

import { describe, expect, it } from "vitest";
import { Pacer, RateBudget, TokenBucket } from "../../src/deliver/pacer.js";

/** Reserves `n` requests at `nowMs`, one after another (as concurrent workers would), returning their waits. */
const reserveMany = (pacer: Pacer, n: number, nowMs: number, records = 1) => Array.from({ length: n }, () => pacer.reserve(records, nowMs));

/** When each reservation may be sent, for `n` workers that each send again as soon as they may. */
function sendTimes(pacer: Pacer, workers: number, requests: number, records = 1): number[] {
  const free = Array.from({ length: workers }, () => 0);
  const times: number[] = [];
  for (let i = 0; i < requests; i++) {
    const w = free.indexOf(Math.min(...free));
    const at = free[w]! + pacer.reserve(records, free[w]!);
    times.push(at);
    free[w] = at;
  }
  return times;
}

/** The most sends in any window of `ms` (window [t, t + ms)). */
function busiestWindow(times: number[], ms = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= ms) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe("token bucket", () => {
  it("lets one second's worth through at once, then one per 1/rate", () => {
    const bucket = new TokenBucket(10);
    expect(Array.from({ length: 10 }, () => bucket.reserve(1, 0))).toEqual(Array(10).fill(0));
    // The 11th waits for one token (100 ms), the 12th for two: reservations queue in call order.
    expect(bucket.reserve(1, 0)).toBeCloseTo(100);
    expect(bucket.reserve(1, 0)).toBeCloseTo(200);
  });

  it("refills with time, up to its capacity and no further", () => {
    const bucket = new TokenBucket(10);
    for (let i = 0; i < 10; i++) bucket.reserve(1, 0);
    expect(bucket.reserve(1, 500)).toBe(0); // 5 tokens came back in 500 ms
    // After a long idle time the bucket holds 10, not 100.
    const idle = Array.from({ length: 11 }, () => bucket.reserve(1, 10_000));
    expect(idle.slice(0, 10)).toEqual(Array(10).fill(0));
    expect(idle[10]).toBeCloseTo(100);
  });

  it("a cost over the capacity waits for a full bucket only, and the rate is still kept by charging it whole", () => {
    const bucket = new TokenBucket(50);
    // 100 records against 50/s: it goes at once (it can never wait forever) ...
    expect(bucket.reserve(100, 0)).toBe(0);
    // ... and the next request repays the debt: 50 tokens short, plus a full bucket for its own 100.
    expect(bucket.reserve(100, 0)).toBeCloseTo(2000);
    // Steady state: 100 records every 2 s, i.e. 50 per second on average.
    expect(bucket.reserve(100, 2000)).toBeCloseTo(2000);
  });

  it("a rate under one per second still lets single requests through", () => {
    const bucket = new TokenBucket(0.5);
    expect(bucket.reserve(1, 0)).toBe(0);
    expect(bucket.reserve(1, 0)).toBeCloseTo(2000);
  });
});

describe("pacer", () => {
  it("burst: a Look smaller than one second's worth goes out at once", () => {
    const pacer = new Pacer({ recordsPerSecond: 270 });
    expect(reserveMany(pacer, 2, 0, 100)).toEqual([0, 0]);
    expect(pacer.pacedMs).toBe(0);
  });

  it("steady rate: 4 workers against 50 requests/s stay within 50 + the burst in every second, and 50/s on average", () => {
    const pacer = new Pacer({ requestsPerSecond: 50 });
    const times = sendTimes(pacer, 4, 500);
    // 50 at once, then 450 more at 50/s: the last goes 9 s in.
    expect(times.at(-1)).toBeCloseTo(9000);
    expect(busiestWindow(times)).toBeLessThanOrEqual(100);
    expect(busiestWindow(times.filter((t) => t >= 1000))).toBeLessThanOrEqual(51);
  });

  it("keeps both limits: records and requests", () => {
    const pacer = new Pacer({ recordsPerSecond: 1000, requestsPerSecond: 5 });
    // Small requests: the request limit binds (5 go at once, then one per 200 ms).
    expect(reserveMany(pacer, 7, 0, 10).map(Math.round)).toEqual([0, 0, 0, 0, 0, 200, 400]);
    const big = new Pacer({ recordsPerSecond: 100, requestsPerSecond: 5 });
    // Big requests: the record limit binds (100 records go at once, then one 100-record request per second).
    expect(reserveMany(big, 3, 0, 100).map(Math.round)).toEqual([0, 1000, 2000]);
  });

  it("is shared fairly: concurrent reservations queue behind each other, none is starved", () => {
    const pacer = new Pacer({ requestsPerSecond: 10 });
    reserveMany(pacer, 10, 0);
    // Three workers ask at the same moment: each gets the next free slot, in the order they asked.
    expect(reserveMany(pacer, 3, 0).map(Math.round)).toEqual([100, 200, 300]);
    // A fourth asking later waits only for what is still queued ahead of it.
    expect(Math.round(pacer.reserve(1, 250))).toBe(150);
  });

  it("holds every request after a 429 until its Retry-After has passed, then resumes at the declared rate", () => {
    const pacer = new Pacer({ requestsPerSecond: 10 });
    expect(pacer.reserve(1, 0)).toBe(0);
    pacer.hold(1000);
    // Other workers asking during the hold wait for its end (the bucket refills meanwhile) ...
    expect(reserveMany(pacer, 3, 200)).toEqual([800, 800, 800]);
    // ... and a request after the hold is not held.
    expect(pacer.reserve(1, 1500)).toBe(0);
    // A shorter hold never cuts a longer one short.
    pacer.hold(3000);
    pacer.hold(2000);
    expect(pacer.reserve(1, 2500)).toBe(500);
  });

  it("without a declared limit it only holds on a 429", () => {
    const pacer = new Pacer();
    expect(reserveMany(pacer, 1000, 0)).toEqual(Array(1000).fill(0));
    pacer.hold(700);
    expect(pacer.reserve(100, 100)).toBe(600);
  });

  it("runs over one budget keep its limit together, a 429's hold stops them all, and each counts its own waits", () => {
    const budget = new RateBudget({ requestsPerSecond: 20 });
    const [a, b] = [new Pacer(budget), new Pacer(budget)];
    // Two runs of 4 workers each, alternating: 200 requests at 20/s overall.
    const times: number[] = [];
    const free = { a: [0, 0, 0, 0], b: [0, 0, 0, 0] };
    for (let i = 0; i < 200; i++) {
      const [pacer, slots] = i % 2 === 0 ? [a, free.a] : [b, free.b];
      const w = slots.indexOf(Math.min(...slots));
      slots[w] = slots[w]! + pacer.reserve(1, slots[w]!);
      times.push(slots[w]!);
    }
    expect(busiestWindow(times.filter((t) => t >= 1000))).toBeLessThanOrEqual(21);
    expect(Math.max(...times)).toBeCloseTo(9000, -2);
    expect(a.pacedMs).toBeGreaterThan(8000);
    expect(b.pacedMs).toBeGreaterThan(8000);
    a.hold(20_000);
    expect(b.reserve(1, 19_000)).toBeCloseTo(1000);
    // A run with a budget of its own is not held.
    expect(new Pacer({ requestsPerSecond: 20 }).reserve(1, 19_000)).toBe(0);
  });

  it("pacedMsAt counts only the waits lived through: a run stopped early did not wait for turns it gave up", () => {
    const pacer = new Pacer({ requestsPerSecond: 10 });
    reserveMany(pacer, 10, 0);
    // Three more requests reserved at 0 wait until 100, 200 and 300 ms; at 150 ms only 150 ms were waited.
    reserveMany(pacer, 3, 0);
    expect(pacer.pacedMsAt(150)).toBeCloseTo(150);
    expect(pacer.pacedMsAt(1_000)).toBeCloseTo(300);
  });

  it("pacedMs is the wall-clock time some request waited: overlapping waits count once", () => {
    const pacer = new Pacer({ requestsPerSecond: 10 });
    reserveMany(pacer, 10, 0);
    // Waits [0, 100], [0, 200], [0, 300]: 300 ms of waiting, not 600.
    reserveMany(pacer, 3, 0);
    expect(pacer.pacedMs).toBeCloseTo(300);
    // A wait after an idle gap adds its own length.
    pacer.hold(5500);
    pacer.reserve(1, 5000);
    expect(pacer.pacedMs).toBeCloseTo(800);
  });
});

describe("whether a budget holds a run back (what a spool reads ahead for)", () => {
  it("once a quarter of the burst is spent, until the bucket has filled again; and while a 429 holds requests", () => {
    const budget = new RateBudget({ recordsPerSecond: 100 });
    expect(budget.holds(0)).toBe(false);
    budget.reserve(20, 0);
    expect(budget.holds(0)).toBe(false);
    budget.reserve(10, 0);
    // 70 of 100 tokens left: sent faster than the limit allows.
    expect(budget.holds(0)).toBe(true);
    expect(budget.holds(40)).toBe(true);
    // 100 records a second: after 60 ms 76 tokens are back.
    expect(budget.holds(60)).toBe(false);
    budget.hold(5_000);
    expect(budget.holds(1_000)).toBe(true);
    expect(budget.holds(5_001)).toBe(false);
  });

  it("a run's pacer: its budget's, or a request waiting", () => {
    const pacer = new Pacer({ requestsPerSecond: 4 });
    expect(pacer.holdsBack(0)).toBe(false);
    for (let i = 0; i < 6; i++) pacer.reserve(1, 0);
    expect(pacer.holdsBack(0)).toBe(true);
  });
});
