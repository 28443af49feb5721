// The docs are checked against the code, so they cannot drift: the environment variables the code
// reads, each command's flags in the examples, the Looker actions and connectors the server lists.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadConnectors } from "@tagwire/engine";
import { tagwire } from "./support/cli.js";

const root = new URL("../../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");
const docs = ["README.md", ...readdirSync(new URL("docs/", root)).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)].map((path) => ({ path, text: read(path) }));
const cliDoc = read("docs/cli.md");

/** Every .ts file under packages/<p>/src. */
function sources(): string[] {
  const out: string[] = [];
  for (const pkg of readdirSync(new URL("packages/", root))) {
    const walk = (dir: URL) => {
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (e.isDirectory()) walk(new URL(`${e.name}/`, dir));
        else if (e.name.endsWith(".ts")) out.push(readFileSync(new URL(e.name, dir), "utf8"));
      }
    };
    walk(new URL(`packages/${pkg}/src/`, root));
  }
  return out;
}

/** The variables the code reads by name: `env["X"]`, `env.X`, `(env, "X", ...)`, and the "TAGWIRE_..." names it keeps in constants. */
function variablesRead(): Set<string> {
  const found = new Set<string>();
  const patterns = [/env\["([A-Z][A-Z0-9_]+)"\]/g, /env\.([A-Z][A-Z0-9_]+)\b/g, /\(env, "([A-Z][A-Z0-9_]+)"/g, /"(TAGWIRE_[A-Z0-9_]+)"/g];
  for (const text of sources()) for (const p of patterns) for (const m of text.matchAll(p)) found.add(m[1]!);
  return found;
}

const connectors = loadConnectors();
const upperSnake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/[^A-Za-z0-9]+/g, "_").toUpperCase();
/** The per-connector variables: TAGWIRE_<ID>_URL, _RATE_LIMIT and one per setting. */
const perConnector = new Set(connectors.flatMap((c) => ["URL", "RATE_LIMIT", ...c.manifest.settings.map((s) => upperSnake(s.name))].map((n) => `TAGWIRE_${upperSnake(c.id)}_${n}`)));

const COMMANDS = ["destinations", "validate", "preview", "send", "runs", "runs show", "syncs", "syncs reset", "serve", "emulators", "demo", "manifest check", "token"];

/** `tagwire <command> ...` as the docs show it: in fenced code blocks, and in inline code. */
function commandLines(text: string): Array<{ command: string; rest: string }> {
  const shown: string[] = [];
  let fenced = false;
  for (const line of text.split("\n")) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    else if (fenced) shown.push(line.replace(/\s#.*$/, ""));
    else for (const m of line.matchAll(/`([^`]*tagwire [^`]*)`/g)) shown.push(m[1]!);
  }
  return shown.flatMap((line) => {
    const m = /(?:^|\s)(?:npx )?tagwire ((?:manifest |runs |syncs )?[a-z]+)\b(.*)$/.exec(line);
    return m !== null && COMMANDS.includes(m[1]!) ? [{ command: m[1]!, rest: m[2]! }] : [];
  });
}

describe("docs agree with the code", () => {
  it("every variable the code reads is documented in docs/cli.md", () => {
    const read = variablesRead();
    expect(read.size).toBeGreaterThan(15);
    for (const name of read) expect(cliDoc, `${name} is read by the code`).toContain(name);
  });

  it("every TAGWIRE_ variable the docs name is one the code reads", () => {
    const read = variablesRead();
    for (const { path, text } of docs) {
      for (const [name] of text.matchAll(/\bTAGWIRE_[A-Z0-9_]+\b(?![<*])/g)) {
        if (name.endsWith("_")) continue; // a pattern such as TAGWIRE_<ID>_URL, cut at the placeholder
        expect(read.has(name) || perConnector.has(name), `${path} names ${name}`).toBe(true);
      }
    }
  });

  it("the action hub's actions and /healthz connectors are the ones the server lists", () => {
    const setup = read("docs/looker-setup.md");
    const actions = connectors.flatMap((c) => c.manifest.actions.map((a) => a.name));
    const words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];
    const said = /with its (\w+)\s+actions \(one per action of each connector: ([^)]+)\)/.exec(setup);
    expect(said, "looker-setup.md says how many actions the hub shows").not.toBeNull();
    expect(said![1]).toBe(words[actions.length]);
    expect([...said![2]!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]).sort()).toEqual([...actions].sort());
    const healthz = /"connectors":(\[[^\]]*\])/.exec(setup);
    expect(JSON.parse(healthz![1]!)).toEqual(connectors.map((c) => c.id).sort());
  });

  it("every action name the docs show in backticks exists", () => {
    const actions = new Set(connectors.flatMap((c) => c.manifest.actions.map((a) => a.name)));
    for (const { path, text } of docs) {
      for (const [, name] of text.matchAll(/`(segment_[a-z]+)`/g)) expect(actions.has(name!), `${path} shows action ${name}`).toBe(true);
      for (const [, name] of text.matchAll(/--action[ =]([a-z_]+)/g)) if (name !== "name") expect(actions.has(name!), `${path} shows --action ${name}`).toBe(true);
    }
  });

  it("every `tagwire` example in the docs uses a command and flags that exist", async () => {
    const helps = new Map<string, string>();
    const helpOf = async (command: string) => {
      if (!helps.has(command)) helps.set(command, (await tagwire([...command.split(" "), "--help"])).stdout);
      return helps.get(command)!;
    };
    const examples = docs.flatMap(({ path, text }) => commandLines(text).map((line) => ({ path, ...line })));
    expect(examples.length).toBeGreaterThan(10);
    for (const { path, command, rest } of examples) {
      const help = await helpOf(command);
      expect(help, `${path}: tagwire ${command}`).toMatch(new RegExp(`^Usage: tagwire ${command}( |\\n)`));
      for (const [flag] of rest.matchAll(/(?<=\s)--[a-z][a-z-]*/g)) {
        if (flag === "--help" || flag === "--version") continue;
        expect(help, `${path}: tagwire ${command} ${flag}`).toMatch(new RegExp(`^ {2}${flag}\\b`, "m"));
      }
    }
  });
});
