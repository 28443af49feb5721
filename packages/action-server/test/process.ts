import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath, pathToFileURL } from "node:url";
import { waitFor } from "./support.js";

export const distIndex = pathToFileURL(fileURLToPath(new URL("../dist/index.js", import.meta.url))).href;

/** `tagwire serve` in miniature: the environment, the server, and close on SIGTERM. */
export const SERVE = `
const { configFromEnv, startActionServer } = await import(process.env.TAGWIRE_TEST_DIST);
// The handler is in place before the server listens: a SIGTERM sent as soon as it does is not lost.
const started = startActionServer(configFromEnv(process.env));
process.once("SIGTERM", () => {
  started.then((server) => server.close()).then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
});
await started;
`;

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The action server as its own process (the built dist/), configured by environment variables. */
export interface ServerProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly secret: string;
  /** Every stdout line so far (one JSON log line each). */
  lines(): string[];
  entries(): Array<Record<string, any>>;
  stderr(): string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  /** The kernel's high-water mark of the process's resident memory (VmHWM), in MiB. */
  peakRssMb(): number;
  /** Kills the process if it still runs. */
  kill(): void;
}

/** Fails unless the server is listening within `startMs`. */
export async function startServerProcess(env: Record<string, string>, nodeArgs: string[] = [], startMs = 15_000): Promise<ServerProcess> {
  const port = await freePort();
  const secret = env["ACTION_HUB_SECRET"] ?? `process-secret-${port}-0123456789abcdef`;
  const child = spawn(process.execPath, [...nodeArgs, "--input-type=module", "-e", SERVE], {
    env: {
      PATH: process.env["PATH"] ?? "",
      TAGWIRE_TEST_DIST: distIndex,
      ACTION_HUB_SECRET: secret,
      PORT: String(port),
      HOST: "127.0.0.1",
      ACTION_HUB_BASE_URL: `http://127.0.0.1:${port}`,
      // No state store unless a test asks for one: a test must not write to the user's state directory.
      TAGWIRE_DATABASE_URL: "none",
      ...env,
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const lines = () => stdout.split("\n").filter((l) => l.trim() !== "");
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  if (!(await waitFor(() => stdout.includes('"action server listening"') || child.exitCode !== null, startMs, 25))) {
    kill();
    throw new Error(`the server process did not start: ${stderr}`);
  }
  if (child.exitCode !== null) throw new Error(`the server process exited with ${child.exitCode}: ${stderr}`);
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    secret,
    lines,
    entries: () => lines().map((l) => JSON.parse(l) as Record<string, any>),
    stderr: () => stderr,
    exited,
    peakRssMb() {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      const kb = /^VmHWM:\s+(\d+) kB$/m.exec(status);
      if (kb === null) throw new Error("no VmHWM in /proc/<pid>/status");
      return Number(kb[1]) / 1024;
    },
    kill,
  };
}

const emulatorsBin = fileURLToPath(new URL("../../emulators/dist/bin.js", import.meta.url));

/** The destination emulators as their own process (so their CPU is not the test's), with inspection over HTTP. */
export interface EmulatorProcess {
  readonly url: string;
  state(): Promise<Record<string, { requests: number; accepted: number; duplicates: number; dropped: number }>>;
  /** Clears counters and dedup ids. */
  reset(): Promise<void>;
  /** The credentials every connector expects by default: `test-<setting>`. */
  readonly settings: { mparticle: Record<string, string>; segment: Record<string, string> };
  kill(): void;
}

export async function startEmulatorProcess(args: string[] = []): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, [emulatorsBin, "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  const found = () => /^\S+\s+(http:\/\/127\.0\.0\.1:\d+)\s/m.exec(stdout)?.[1];
  if (!(await waitFor(() => found() !== undefined || child.exitCode !== null, 15_000, 25)) || found() === undefined) {
    kill();
    throw new Error(`the emulators did not start: ${stderr}`);
  }
  const url = found()!;
  return {
    url,
    state: async () => (await (await fetch(`${url}/_emulator/state`)).json()) as Awaited<ReturnType<EmulatorProcess["state"]>>,
    reset: async () => {
      await (await fetch(`${url}/_emulator/reset`, { method: "POST" })).text();
    },
    settings: { mparticle: { apiKey: "test-apiKey", apiSecret: "test-apiSecret" }, segment: { segment_write_key: "test-segment_write_key" } },
    kill,
  };
}
