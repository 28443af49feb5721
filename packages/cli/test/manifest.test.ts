import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { oneLine, tagwire } from "./support/cli.js";

const connectors = fileURLToPath(new URL("../../../connectors/", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "tagwire-manifest-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of a shipped connector folder with its manifest changed, placed beside a copy of the schemas it refers to. */
function variant(id: string, change: (m: any) => void): string {
  const dir = join(work, `${id}-${Math.random().toString(36).slice(2)}`, "connectors", id);
  cpSync(join(connectors, id), dir, { recursive: true });
  cpSync(join(connectors, "..", "schemas"), join(dir, "..", "..", "schemas"), { recursive: true });
  const file = join(dir, "manifest.json");
  const manifest = JSON.parse(readFileSync(file, "utf8"));
  change(manifest);
  writeFileSync(file, JSON.stringify(manifest));
  return file;
}

describe("tagwire manifest check", () => {
  it.each(["mparticle", "segment", "braze", "amplitude"])("%s: ok line, exit 0", async (id) => {
    const file = join(connectors, id, "manifest.json");
    const m = JSON.parse(readFileSync(file, "utf8"));
    const n = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;
    const r = await tagwire(["manifest", "check", file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`ok: ${id} (${n(m.columns.length, "column rule")}, ${n(m.actions.length, "action")})\n`);
  });

  it("an invalid manifest: the engine's messages, exit 1", async () => {
    const file = variant("mparticle", (m) => {
      m.id = "Bad Id";
      delete m.wire.limits;
    });
    const r = await tagwire(["manifest", "check", file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/is not a valid connector manifest:\n {2}- at /);
    expect(r.stdout).toContain("must be 2-40 lowercase letters, digits or underscores, starting with a letter");
  });

  it("a manifest whose cross-field rules break: exit 1", async () => {
    const file = variant("segment", (m) => {
      m.requirements[0].anyOf = ["nowhere"];
    });
    const r = await tagwire(["manifest", "check", file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/is not a valid connector manifest/);
  });

  it("a file that is not JSON is an invalid manifest: exit 1", async () => {
    const file = join(work, "broken.json");
    writeFileSync(file, "{ not json");
    const r = await tagwire(["manifest", "check", file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("is not valid JSON");
  });

  it("an unreadable file: one line, exit 2", async () => {
    const r = await tagwire(["manifest", "check", join(work, "missing.json")]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^tagwire: cannot read .*missing\.json: no such file$/);
  });
});
