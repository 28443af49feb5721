import { spawn, type ChildProcess } from "node:child_process";
import { bin, cliDir } from "./cli.js";

export interface Running {
  readonly child: ChildProcess;
  /** Everything printed on stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout holds a line matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a long-running `tagwire` command (emulators, serve) in its own process. */
export function start(args: ReadonlyArray<string>, env: Record<string, string> = {}): Running {
  // No state store unless the test names one: a test must not write to the user's state directory.
  const child = spawn(process.execPath, [bin, ...args], { cwd: cliDir, env: { ...process.env, NO_COLOR: "1", TAGWIRE_DATABASE_URL: "none", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString("utf8")));
  child.stderr!.on("data", (c: Buffer) => (err += c.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor: (pattern, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const started = Date.now();
        const poll = () => {
          const match = out.match(pattern);
          if (match) return resolve(match);
          if (child.exitCode !== null || Date.now() - started > timeoutMs) return reject(new Error(`no ${pattern} in stdout:\n${out}\nstderr:\n${err}`));
          setTimeout(poll, 50);
        };
        poll();
      }),
    stop: (signal = "SIGTERM") => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
