// Commands that do not open a store must not pay for its drivers: importing the package loads
// neither; opening a SQLite store loads better-sqlite3, on the store's own thread (its native addon
// is mapped into the process, its modules are not in the opening thread's cache), and still not pg.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const index = new URL("../dist/index.js", import.meta.url).href;

/**
 * The driver modules a fresh process's main thread has loaded after running `code` (an ES module
 * body), and the drivers' native addons mapped into the process by any thread; `code` may leave
 * what it saw in `globalThis.addons` (a thread's addon may be unmapped when the thread ends).
 */
function driversLoadedAfter(code: string): { readonly modules: string[]; readonly addons: string[] } {
  const script = `${code}
const { createRequire } = await import("node:module");
const { readFileSync } = await import("node:fs");
const loaded = Object.keys(createRequire(import.meta.url).cache);
const mapped = readFileSync("/proc/self/maps", "utf8").match(/[^/\\s]+\\.node$/gm) ?? [];
const addons = [...new Set([...(globalThis.addons ?? []), ...mapped])].filter((a) => /sqlite|pg/.test(a)).sort();
console.log(JSON.stringify({ modules: [...new Set(loaded.flatMap((p) => /node_modules\\/(better-sqlite3|pg)\\//.exec(p)?.[1] ?? []))].sort(), addons }));`;
  return JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" })) as { modules: string[]; addons: string[] };
}

describe("the store's drivers", () => {
  it("are not loaded by importing the package or reading the configuration", () => {
    expect(driversLoadedAfter(`const s = await import(${JSON.stringify(index)}); s.storeConfig({ TAGWIRE_DATABASE_URL: "postgres://x@h/db" }); s.storeLayer({ TAGWIRE_DATABASE_URL: "none" });`)).toEqual({ modules: [], addons: [] });
  });

  it("load when a store opens, only the one it needs, SQLite's on the store's own thread", () => {
    const code = `
const { mkdtempSync, rmSync } = await import("node:fs");
const { join } = await import("node:path");
const { tmpdir } = await import("node:os");
const Effect = await import("effect/Effect");
const s = await import(${JSON.stringify(index)});
const dir = mkdtempSync(join(tmpdir(), "tagwire-lazy-"));
const store = await Effect.runPromise(s.openStore({ kind: "sqlite", path: join(dir, "tagwire.db"), historyDays: 90 }));
globalThis.addons = (await import("node:fs")).readFileSync("/proc/self/maps", "utf8").match(/[^/\\s]+\\.node$/gm) ?? [];
await store.close();
rmSync(dir, { recursive: true, force: true });`;
    expect(driversLoadedAfter(code)).toEqual({ modules: [], addons: ["better_sqlite3.node"] });
  });
});

/** The packages the compiled module at `url` imports, through its relative imports, at run time (type imports are gone from the JavaScript). */
function packagesImportedBy(url: URL, seen = new Set<string>(), packages = new Set<string>()): Set<string> {
  if (seen.has(url.href)) return packages;
  seen.add(url.href);
  for (const [, specifier] of readFileSync(url, "utf8").matchAll(/^\s*(?:import|export)\b[^"']*?["']([^"']+)["'];?\s*$/gm)) {
    if (specifier!.startsWith(".")) packagesImportedBy(new URL(specifier!, url), seen, packages);
    else packages.add(specifier!);
  }
  return packages;
}

describe("the embedded store's thread", () => {
  // With the engine's index (Effect, ajv, the manifests) the thread's heap was 48 MB, without it 10.
  it("loads no engine code but the digests' size", () => {
    const packages = [...packagesImportedBy(new URL("../dist/sqlite-thread.js", import.meta.url))].filter((p) => !p.startsWith("node:")).sort();
    expect(packages).toEqual(["@tagwire/engine/digest-bytes", "better-sqlite3"]);
  });
});
