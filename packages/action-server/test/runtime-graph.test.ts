import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { startServerProcess } from "./process.js";

// The server runs in production images: it must not load the destination stand-ins, which exist for
// tests, the demo and benchmarks (the emulators are a devDependency, for this package's tests only).
const trace = fileURLToPath(new URL("../../../bench/lib/module-trace.mjs", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tagwire-server-graph-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const isEmulators = (url: string) => url.includes("/packages/emulators/") || url.includes("/@tagwire/emulators/");

describe("runtime graph", () => {
  it("the package's runtime dependencies do not include the emulators", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).not.toContain("@tagwire/emulators");
  });

  it("a running server, having answered Looker's action list, has loaded no emulators module", async () => {
    const file = join(dir, "modules.txt");
    const server = await startServerProcess({ MODULE_TRACE_FILE: file }, ["--import", trace]);
    try {
      const list = await fetch(`${server.url}/`, { method: "POST", headers: { authorization: `Token token="${server.secret}"` } });
      expect(list.status).toBe(200);
      await list.text();
    } finally {
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
    }
    const loaded = readFileSync(file, "utf8").split("\n").filter((l) => l !== "");
    // The trace saw the server and the engine, so an empty list below is a real finding.
    expect(loaded.some((u) => u.endsWith("/packages/action-server/dist/index.js"))).toBe(true);
    expect(loaded.some((u) => u.includes("/packages/engine/dist/"))).toBe(true);
    expect(loaded.filter(isEmulators)).toEqual([]);
  });
});
