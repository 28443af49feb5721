import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

// Module loading is once per process, so it is tried in a child process, on the build.
const dist = new URL("../../dist/deliver/load-got.js", import.meta.url).href;

/**
 * How many list formats a child made while got loaded and after, the message of a type check of
 * got's that fails, and whether `Intl.ListFormat` is the process's own again. The child counts the
 * list formats it makes by putting a counting one in `Intl.ListFormat` before anything loads.
 */
function loadInChild(load: "loadGot" | "import"): { whileLoading: number; message: string; afterMessage: number; restored: boolean } {
  const script = `
    const Real = Intl.ListFormat;
    let made = 0;
    class Counting extends Real { constructor(...args) { super(...args); made++; } }
    Intl.ListFormat = Counting;
    const { loadGot } = await import(${JSON.stringify(dist)});
    ${load === "loadGot" ? "await loadGot();" : 'await import("got");'}
    const whileLoading = made;
    const { default: got } = await import("got");
    let message = "";
    // got checks its options with @sindresorhus/is; a value of neither allowed type words both in a list.
    try { got.extend({ prefixUrl: 5 }); } catch (e) { message = e.message; }
    process.stdout.write(JSON.stringify({ whileLoading, message, afterMessage: made, restored: Intl.ListFormat === Counting }));`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", cwd: new URL("../..", import.meta.url) });
  return JSON.parse(out) as { whileLoading: number; message: string; afterMessage: number; restored: boolean };
}

describe("loadGot", { timeout: 30_000 }, () => {
  it("makes no list format while got loads (each pages in ICU's locale data), and got's messages read the same", () => {
    const plain = loadInChild("import");
    const lazy = loadInChild("loadGot");
    expect(plain.whileLoading).toBeGreaterThan(0);
    expect(lazy.whileLoading).toBe(0);
    expect(lazy.restored).toBe(true);
    expect(lazy.message).toContain("`string` or `URL`");
    expect(lazy.message).toBe(plain.message);
    expect(lazy.afterMessage).toBeGreaterThan(0);
  });

  it("makes each request's options as got does, the same keys and values, through its spread-free path", () => {
    // got's own method, then the one loadGot leaves, on the same options: http, https with TLS
    // settings, cache options set, a unix socket.
    const script = `
      import { isDeepStrictEqual } from "node:util";
      const { Options } = await import("got");
      const original = Options.prototype.createNativeRequestOptions;
      const cases = [
        ["http://127.0.0.1:9/v2/bulkevents", { method: "POST", headers: { authorization: "Basic x" }, body: "{}" }],
        ["https://api.example.com/v1/batch", { method: "POST", https: { rejectUnauthorized: false, minVersion: "TLSv1.2" }, timeout: { request: 1000 } }],
        ["http://127.0.0.1:9/track", { cacheOptions: { shared: false, cacheHeuristic: 0.5 } }],
        ["unix:/tmp/tagwire.sock:/v1/identify", { enableUnixSockets: true }],
      ];
      const before = cases.map(([url, o]) => original.call(new Options(url, o)));
      const { loadGot } = await import(${JSON.stringify(dist)});
      await loadGot();
      const lean = Options.prototype.createNativeRequestOptions;
      const after = cases.map(([url, o]) => new Options(url, o).createNativeRequestOptions());
      const kept = new Options(cases[2][0], cases[2][1]);
      kept.createNativeRequestOptions();
      process.stdout.write(JSON.stringify({
        replaced: lean !== original,
        same: before.map((b, i) => isDeepStrictEqual(b, after[i]) && Object.keys(b).length === Object.keys(after[i]).length),
        cacheShared: after[2].shared,
        cacheKept: kept.cacheOptions.shared === false && Object.keys(kept.cacheOptions).length === 4,
      }));`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", cwd: new URL("../..", import.meta.url) });
    const result = JSON.parse(out) as { replaced: boolean; same: boolean[]; cacheShared: unknown; cacheKept: boolean };
    expect(result.replaced).toBe(true);
    expect(result.same).toEqual([true, true, true, true]);
    expect(result.cacheShared).toBe(false);
    expect(result.cacheKept).toBe(true);
  });
});
