// The process's memory budget: charges that fit are granted at once, the others wait their turn in
// order, a charge larger than the whole budget goes alone, and nothing waits forever.

import { describe, expect, it } from "vitest";
import * as Effect from "effect/Effect";
import * as Fiber from "effect/Fiber";
import { defaultMemoryBudgetBytes, MemoryBudget } from "../../src/run/memory-budget.js";

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe("the memory budget", () => {
  it("grants what fits at once and makes the rest wait, first come first served", async () => {
    const waits: number[] = [];
    const budget = new MemoryBudget(100, { onWait: (_ms, bytes) => waits.push(bytes) });
    expect(budget.tryAcquire(60)).toBe(true);
    expect(budget.tryAcquire(50)).toBe(false);
    const order: string[] = [];
    const first = Effect.runPromise(Effect.map(budget.acquire(50), () => order.push("first")));
    const second = Effect.runPromise(Effect.map(budget.acquire(10), () => order.push("second")));
    await settle();
    // The second would fit, but it asked after the first: no barging, or a large chunk could wait forever.
    expect(order).toEqual([]);
    expect(budget.tryAcquire(10)).toBe(false);
    expect(budget.waiting).toBe(2);
    budget.release(60);
    await Promise.all([first, second]);
    expect(order).toEqual(["first", "second"]);
    expect(budget.bytesInUse).toBe(60);
    expect(waits).toEqual([50, 10]);
  });

  it("lets a charge larger than the whole budget go alone, once the others are released", async () => {
    const budget = new MemoryBudget(100);
    expect(budget.tryAcquire(30)).toBe(true);
    let granted = false;
    const large = Effect.runPromise(Effect.map(budget.acquire(500), () => (granted = true)));
    await settle();
    expect(granted).toBe(false);
    budget.release(30);
    await large;
    expect(budget.bytesInUse).toBe(500);
    // Nothing else goes beside it.
    expect(budget.tryAcquire(1)).toBe(false);
    budget.release(500);
    expect(budget.tryAcquire(500)).toBe(true);
  });

  it("an interrupted wait charges nothing and lets the next one through", async () => {
    const budget = new MemoryBudget(100);
    budget.tryAcquire(80);
    const fiber = Effect.runFork(budget.acquire(50));
    const next = Effect.runPromise(budget.acquire(10));
    await settle();
    await Effect.runPromise(Fiber.interrupt(fiber));
    await next;
    expect(budget.bytesInUse).toBe(90);
  });

  it("defaults to a quarter of the V8 heap limit", () => {
    expect(defaultMemoryBudgetBytes(400 * 2 ** 20)).toBe(100 * 2 ** 20);
    expect(defaultMemoryBudgetBytes()).toBeGreaterThan(0);
  });

  it("takes at most 128 MiB by default, when the heap limit follows the machine's memory", () => {
    expect(defaultMemoryBudgetBytes(4144 * 2 ** 20)).toBe(128 * 2 ** 20);
    expect(defaultMemoryBudgetBytes(512 * 2 ** 20)).toBe(128 * 2 ** 20);
  });
});
