import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const cliDir = fileURLToPath(new URL("../../", import.meta.url));
export const bin = fileURLToPath(new URL("../../dist/bin.js", import.meta.url));
export const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

export interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the built `tagwire` binary as a user would. Asynchronous on purpose: servers started by the
 * test in this process (emulators, the Looker stand-in) must keep answering while it runs.
 */
export function tagwire(args: ReadonlyArray<string>, options: { env?: Record<string, string | undefined>; input?: string } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", ...options.env };
    // Settings and Looker variables of the developer's shell must not leak into the tests.
    for (const key of Object.keys(env)) if ((key.startsWith("TAGWIRE_") || key.startsWith("LOOKERSDK_")) && !(options.env && key in options.env)) delete env[key];
    // No state store unless the test names one: a test must not write to the user's state directory.
    if (!(options.env && ("TAGWIRE_DATABASE_URL" in options.env || "TAGWIRE_STATE_DIR" in options.env))) env["TAGWIRE_DATABASE_URL"] = "none";
    const child = spawn(process.execPath, [bin, ...args], { cwd: cliDir, env: env as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** One clear line on stderr, and nothing that looks like a stack trace. */
export function oneLine(stderr: string): string {
  const lines = stderr.split("\n").filter((l) => l.trim() !== "");
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got ${lines.length}:\n${stderr}`);
  if (/^\s+at /m.test(stderr)) throw new Error(`stack trace on stderr:\n${stderr}`);
  return lines[0]!;
}

/** users.json with a 40 KB note on row 2: as a Segment record, over the API's 32 KB per message. */
export function lookWithLargeRow(): string {
  const look = JSON.parse(readFileSync(fixture("users.json"), "utf8"));
  look.fields.dimensions.push({ name: "users.note", label: "Users Note", label_short: "Note", tags: [], type: "string", view: "users" });
  look.data.forEach((row: Record<string, unknown>, i: number) => (row["users.note"] = { value: i === 1 ? "n".repeat(40_000) : "short" }));
  return JSON.stringify(look);
}

/**
 * users-valid.json with users.city tagged `segment_group_ld`, a near miss of Segment's
 * `segment_group_id` that costs no identifier: a plan warning, the column left out, the Look sendable.
 */
export function lookWithNearMissTag(): string {
  const look = JSON.parse(readFileSync(fixture("users-valid.json"), "utf8"));
  const city = look.fields.dimensions.find((f: { name: string }) => f.name === "users.city");
  city.tags = ["segment_group_ld"];
  return JSON.stringify(look);
}
