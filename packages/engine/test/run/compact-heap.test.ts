import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compactHeap } from "../../src/run/compact-heap.js";

// The flags hold for the whole process, so they are tried in child processes, on the build (as the row worker is).
const dist = new URL("../../dist/run/compact-heap.js", import.meta.url).href;
const rowWorker = new URL("../../dist/run/row-worker.js", import.meta.url).href;

/**
 * The young generation's largest size (MB) while a child makes garbage, and whether it applied the
 * bounds; with `worker`, after a row worker thread started, told to set them again or not.
 */
function youngGenerationOf(callCompactHeap: boolean, nodeArgs: string[] = [], worker?: { compactHeap: boolean }): { applied: boolean; newSpaceMb: number } {
  const startWorker =
    worker === undefined
      ? ""
      : `const w = new Worker(new URL(${JSON.stringify(rowWorker)}), { workerData: ${JSON.stringify(worker)}, execArgv: [] });
         await new Promise((ready) => w.once("message", ready));`;
  const script = `
    import { getHeapSpaceStatistics } from "node:v8";
    import { Worker } from "node:worker_threads";
    import { compactHeap } from ${JSON.stringify(dist)};
    const applied = ${callCompactHeap} ? compactHeap() : false;
    ${startWorker}
    let kept = [], most = 0;
    for (let i = 0; i < 2e6; i++) {
      kept.push({ i, s: "row " + i });
      if (kept.length > 20000) kept = [];
      if (i % 5000 === 0) most = Math.max(most, getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size);
    }
    process.stdout.write(JSON.stringify({ applied, newSpaceMb: most / 2 ** 20 }));
    process.exit(0);`;
  const out = execFileSync(process.execPath, [...nodeArgs, "--input-type=module", "-e", script], { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } });
  return JSON.parse(out) as { applied: boolean; newSpaceMb: number };
}

// Each case starts node processes that make 2 million objects: seconds on a busy machine.
describe("compactHeap", { timeout: 60_000 }, () => {
  it("keeps the young generation at its starting size where V8 would grow it", () => {
    const grown = youngGenerationOf(false);
    const compact = youngGenerationOf(true);
    expect(grown.newSpaceMb).toBeGreaterThan(8);
    expect(compact.applied).toBe(true);
    expect(compact.newSpaceMb).toBeLessThanOrEqual(4);
  });

  it("keeps the bounds after a row worker thread starts, which resets them for the process", () => {
    expect(youngGenerationOf(true, [], { compactHeap: false }).newSpaceMb).toBeGreaterThan(8);
    expect(youngGenerationOf(true, [], { compactHeap: true }).newSpaceMb).toBeLessThanOrEqual(4);
  });

  it("leaves a heap sized by options as it was told", () => {
    expect(youngGenerationOf(true, ["--max-semi-space-size=8"]).applied).toBe(false);
    expect(compactHeap([], "--max-old-space-size=384")).toBe(false);
    expect(compactHeap(["--max_semi_space_size=2"], "")).toBe(false);
    expect(compactHeap(["--heap-growing-percent=50"], "")).toBe(false);
  });
});
