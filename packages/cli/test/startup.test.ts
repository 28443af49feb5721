import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { fixture, tagwire } from "./support/cli.js";

// What a command loads decides how fast it starts; these commands never send, so they must not load
// the HTTP client (or anything else only a run that sends needs).
const trace = fileURLToPath(new URL("../../../bench/lib/module-trace.mjs", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tagwire-startup-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let runs = 0;
async function modulesLoadedBy(args: string[]): Promise<string[]> {
  const file = join(dir, `${++runs}.txt`);
  const r = await tagwire(args, { env: { NODE_OPTIONS: `--import ${trace}`, MODULE_TRACE_FILE: file } });
  expect(r.code, r.stderr).toBe(0);
  return readFileSync(file, "utf8").split("\n").filter((l) => l !== "");
}

const packageOf = (url: string) => /node_modules\/((@[^/]+\/)?[^/]+)\//.exec(url)?.[1];

describe("start-up", () => {
  for (const args of [["--help"], ["destinations"], ["validate", "--to", "mparticle", fixture("users.json")]]) {
    it(`tagwire ${args[0]} does not load the HTTP client`, async () => {
      const loaded = await modulesLoadedBy(args);
      expect(loaded.some((u) => u.endsWith("/dist/bin.js"))).toBe(true);
      expect(loaded.filter((u) => packageOf(u) === "got")).toEqual([]);
    });
  }

  for (const args of [["destinations"], ["validate", "--to", "mparticle", fixture("users.json")]]) {
    // Before the fast path these loaded 811 modules (@effect/cli's parser pulls in fast-check through effect/Schema) and took 1.5 s.
    it(`tagwire ${args[0]} is answered without @effect/cli, in a fraction of the modules`, async () => {
      const loaded = await modulesLoadedBy(args);
      expect(loaded.filter((u) => ["@effect/cli", "@effect/platform", "fast-check", "got", "ajv"].includes(packageOf(u) ?? ""))).toEqual([]);
      expect(loaded.length).toBeLessThan(200);
    });
  }

  it("tagwire --help is answered without loading @effect/cli, effect or the engine", async () => {
    const loaded = await modulesLoadedBy(["--help"]);
    expect(loaded.filter((u) => packageOf(u) !== undefined || u.includes("/packages/engine/"))).toEqual([]);
  });
});
