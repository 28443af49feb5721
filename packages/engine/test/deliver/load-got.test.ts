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
});
