// Commands that do not open a store must not pay for its drivers: importing the package loads
// neither; opening a SQLite store loads better-sqlite3 and still not pg.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const index = new URL("../dist/index.js", import.meta.url).href;

/** The driver modules a fresh process has loaded after running `code` (an ES module body). */
function driversLoadedAfter(code: string): string[] {
  const script = `${code}
const { createRequire } = await import("node:module");
const loaded = Object.keys(createRequire(import.meta.url).cache);
console.log(JSON.stringify([...new Set(loaded.flatMap((p) => /node_modules\\/(better-sqlite3|pg)\\//.exec(p)?.[1] ?? []))].sort()));`;
  return JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" })) as string[];
}

describe("the store's drivers", () => {
  it("are not loaded by importing the package or reading the configuration", () => {
    expect(driversLoadedAfter(`const s = await import(${JSON.stringify(index)}); s.storeConfig({ TAGWIRE_DATABASE_URL: "postgres://x@h/db" }); s.storeLayer({ TAGWIRE_DATABASE_URL: "none" });`)).toEqual([]);
  });

  it("load when a store opens, only the one it needs", () => {
    const code = `
const { mkdtempSync, rmSync } = await import("node:fs");
const { join } = await import("node:path");
const { tmpdir } = await import("node:os");
const Effect = await import("effect/Effect");
const s = await import(${JSON.stringify(index)});
const dir = mkdtempSync(join(tmpdir(), "tagwire-lazy-"));
const store = await Effect.runPromise(s.openStore({ kind: "sqlite", path: join(dir, "tagwire.db"), historyDays: 90 }));
await store.close();
rmSync(dir, { recursive: true, force: true });`;
    expect(driversLoadedAfter(code)).toEqual(["better-sqlite3"]);
  });
});
