import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { tagwire } from "./support/cli.js";

const docs = readFileSync(new URL("../../../docs/cli.md", import.meta.url), "utf8");

/** Each `## \`tagwire <command>\`` section of docs/cli.md with the flags and arguments its tables list. */
function documented(): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  const parts = docs.split(/^## `tagwire ([a-z ]+)`$/m);
  for (let i = 1; i < parts.length; i += 2) {
    const rows = parts[i + 1]!.split("\n").filter((l) => l.startsWith("| `"));
    sections.set(parts[i]!, rows.map((r) => /^\| `(--[a-z-]+|<[a-z]+>)/.exec(r)?.[1]).filter((f): f is string => f !== undefined));
  }
  return sections;
}

/** The flags and arguments a command's --help lists. */
function listed(help: string): string[] {
  return [...help.matchAll(/^(--[a-z-]+|<[a-z]+>)/gm)].map((m) => m[1]!);
}

const commands = ["destinations", "validate", "preview", "send", "serve", "emulators", "demo", "manifest check", "token"];

describe("--help and docs/cli.md", () => {
  it("documents every command", () => {
    expect([...documented().keys()].sort()).toEqual([...commands].sort());
  });

  it.each(commands)("tagwire %s --help lists exactly the flags docs/cli.md documents", async (command) => {
    const r = await tagwire([...command.split(" "), "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("DESCRIPTION");
    expect(r.stdout).not.toMatch(/\u001b\[/);
    expect(listed(r.stdout).sort()).toEqual(documented().get(command)!.sort());
  });

  it("tagwire --help lists every command", async () => {
    const r = await tagwire(["--help"]);
    expect(r.code).toBe(0);
    for (const command of commands) expect(r.stdout).toContain(`  - ${command}`);
  });

  it("every exit code and environment variable the CLI uses is documented", () => {
    for (const code of ["| 0 |", "| 1 |", "| 2 |"]) expect(docs).toContain(code);
    for (const variable of ["TAGWIRE_<ID>_<SETTING>", "TAGWIRE_<ID>_URL", "LOOKERSDK_BASE_URL", "LOOKERSDK_CLIENT_ID", "LOOKERSDK_CLIENT_SECRET", "ACTION_HUB_SECRET", "NO_COLOR", "TAGWIRE_DEBUG"]) {
      expect(docs).toContain(variable);
    }
  });
});

describe("the installed command", () => {
  it("bin/tagwire.js (what npm links as `tagwire`) runs the built CLI", async () => {
    const { spawnSync } = await import("node:child_process");
    const shim = new URL("../bin/tagwire.js", import.meta.url).pathname;
    const r = spawnSync(process.execPath, [shim, "--version"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version);
  });
});
