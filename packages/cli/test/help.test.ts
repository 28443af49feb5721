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
  return [...help.matchAll(/^ {2}(--[a-z-]+|<[a-z]+>)/gm)].map((m) => m[1]!);
}

const commands = ["destinations", "validate", "preview", "send", "runs", "runs show", "syncs", "syncs reset", "serve", "emulators", "demo", "manifest check", "token"];

describe("--help and docs/cli.md", () => {
  it("documents every command", () => {
    expect([...documented().keys()].sort()).toEqual([...commands].sort());
  });

  it.each(commands)("tagwire %s --help lists exactly the flags docs/cli.md documents", async (command) => {
    const r = await tagwire([...command.split(" "), "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: tagwire ${command}( |\\n)`));
    expect(r.stdout).not.toMatch(/\u001b\[/);
    expect(listed(r.stdout).sort()).toEqual(documented().get(command)!.sort());
  });

  it("tagwire --help lists every command", async () => {
    const r = await tagwire(["--help"]);
    expect(r.code).toBe(0);
    for (const command of commands) expect(r.stdout).toMatch(new RegExp(`^ {2}${command} {2,}\\S`, "m"));
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

describe("help a person can read", () => {
  const all = [[], ...commands.map((c) => c.split(" "))];

  it.each(all)("tagwire %s --help fits a 100-column terminal", async (...command) => {
    const r = await tagwire([...command, "--help"]);
    const widest = Math.max(...r.stdout.split("\n").map((l) => l.length));
    expect(widest).toBeLessThanOrEqual(100);
  });

  it.each(commands)("tagwire %s --help: every flag and argument has a sentence of its own", async (command) => {
    const r = await tagwire([...command.split(" "), "--help"]);
    expect(r.stdout).not.toMatch(/A user-defined piece of text|An integer\.|A true or false value|This setting is optional/);
    const lines = r.stdout.split("\n");
    lines.forEach((line, i) => {
      if (!/^ {2}(--|<)/.test(line)) return;
      expect(lines[i + 1], `the text under ${line.trim()}`).toMatch(/^ {6}[A-Z`"(].*\S/);
    });
  });

  it("usage reads `tagwire <command>`, not `$ <command>`", async () => {
    const r = await tagwire(["validate", "--help"]);
    expect(r.stdout.split("\n")[0]).toBe("Usage: tagwire validate --to connector[:downstream,...] [flags] [<source>]");
    expect(r.stdout).not.toContain("$ ");
  });

  it("a bare `tagwire` and `tagwire manifest` show their help", async () => {
    const bare = await tagwire([]);
    expect(bare.code).toBe(0);
    expect(bare.stdout).toMatch(/^tagwire \d+\.\d+\.\d+\n\nUsage: tagwire <command>\n/);
    const group = await tagwire(["manifest"]);
    expect(group.stdout).toMatch(/^Usage: tagwire manifest <command>\n/);
    expect(group.stdout).toMatch(/^ {2}check {2,}Validate a connector manifest/m);
  });

  it("`tagwire runs` and `tagwire syncs` run on their own; their --help shows both uses and their subcommand", async () => {
    const runs = await tagwire(["runs", "--help"]);
    expect(runs.stdout).toMatch(/^Usage: tagwire runs \[flags\]\n {7}tagwire runs <command>\n/);
    expect(runs.stdout).toMatch(/^ {2}show {2,}Show one run/m);
    const syncs = await tagwire(["syncs", "--help"]);
    expect(syncs.stdout).toMatch(/^Usage: tagwire syncs \[flags\]\n {7}tagwire syncs <command>\n/);
    expect(syncs.stdout).toMatch(/^ {2}reset {2,}Forget a sync's state/m);
    const bare = await tagwire(["runs"], { env: { TAGWIRE_DATABASE_URL: "none" } });
    expect(bare.stdout).not.toContain("Usage:");
    expect(bare.stderr).toMatch(/^tagwire: TAGWIRE_DATABASE_URL is `none`/);
  });

  it("usage errors start with `tagwire:`", async () => {
    for (const args of [["sned"], ["validate", "--jsn"], ["preview", "--to", "mparticle", "--limit", "0", "x.json"]]) {
      const r = await tagwire(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^tagwire: \S/);
    }
  });
});
