// CI-sized run of bench/memory.mjs: the engine's peak memory does not grow with the Look's rows.
// The full check (10,000 vs 1,000,000 rows) is `node bench/memory.mjs`.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repo = fileURLToPath(new URL("../../../../", import.meta.url));
const script = `${repo}bench/memory.mjs`;
const built = [`${repo}packages/engine/dist/index.js`, `${repo}packages/emulators/dist/bin.js`];

interface BenchRun {
  rows: number;
  peakRssMb: number;
  ratio: number;
  liveHeapMb: number;
  delivered: number;
}
interface BenchResult {
  bench: string;
  maxRatio: number;
  ratio: number;
  ok: boolean;
  runs: BenchRun[];
}

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("memory bound", () => {
  it("100,000 rows peak within 1.5x of 5,000 rows, every row delivered", async () => {
    for (const file of built) expect(existsSync(file), `${file} is built (npx tsc -p tsconfig.build.json)`).toBe(true);
    const { code, stdout, stderr } = await runBench(["--rows", "5000,100000"]);
    const line = stdout.trim().split("\n").find((l) => l.startsWith('{"bench":"memory"'));
    expect(line, `the bench printed its JSON line\n${stdout}\n${stderr}`).toBeDefined();
    const result = JSON.parse(line!) as BenchResult;

    expect(result.runs.map((r) => r.rows)).toEqual([5000, 100_000]);
    expect(result.runs.map((r) => r.delivered)).toEqual([5000, 100_000]);
    expect(result.maxRatio).toBe(1.5);
    expect(result.ratio, stdout).toBeLessThanOrEqual(1.5);
    // What the engine holds after a run does not depend on how many rows went through it.
    const [small, large] = result.runs as [BenchRun, BenchRun];
    expect(large.liveHeapMb).toBeLessThanOrEqual(small.liveHeapMb * 1.5);
    expect(result.ok).toBe(true);
    expect(code, stderr).toBe(0);
  }, 60_000);
});
