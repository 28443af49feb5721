// Child processes of the benchmark: the destination emulators, the action server, and one-shot
// measurement children. Each is its own process so its memory figures are its own; all listen on
// loopback only. Every wait here has a time limit.

import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, "../..");
const EMULATORS_BIN = resolve(REPO_ROOT, "packages/emulators/dist/bin.js");
const SERVER_CHILD = resolve(here, "server-child.mjs");

/** @type {Set<import("node:child_process").ChildProcess>} */
const live = new Set();

/** Ends every child this module started and that is still running (by pid). */
export function killChildren() {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  live.clear();
}

/**
 * Runs a benchmark's `main` as the process's work: its exit code becomes the process's, a throw
 * prints `label: stack` and exits 1, and Ctrl-C or SIGTERM exits 130 or 143; the children it
 * started are killed in every case.
 * @param {string} label
 * @param {() => Promise<number>} main
 */
export function runBenchMain(label, main) {
  for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM"])) {
    process.on(signal, () => {
      killChildren();
      process.exit(signal === "SIGINT" ? 130 : 143);
    });
  }
  main().then(
    (code) => {
      killChildren();
      process.exitCode = code;
    },
    (e) => {
      killChildren();
      process.stderr.write(`${label}: ${/** @type {Error} */ (e).stack ?? e}\n`);
      process.exitCode = 1;
    },
  );
}

/**
 * @param {import("node:child_process").ChildProcess} child
 * @param {string} label
 */
function track(child, label) {
  live.add(child);
  child.once("exit", () => live.delete(child));
  child.once("error", (e) => process.stderr.write(`[${label}] ${e.message}\n`));
}

/**
 * Resolves with the first stdout line (or accumulated text) that `match` accepts.
 * @template T
 * @param {import("node:child_process").ChildProcess} child
 * @param {(text: string) => T | undefined} match  called with all stdout so far
 * @param {number} timeoutMs
 * @param {string} label
 * @returns {Promise<T>}
 */
function waitForOutput(child, match, timeoutMs, label) {
  return new Promise((resolvePromise, reject) => {
    let text = "";
    const done = (/** @type {() => void} */ settle) => {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      settle();
    };
    const onData = (/** @type {Buffer} */ chunk) => {
      text += chunk.toString("utf8");
      const found = match(text);
      if (found !== undefined) done(() => resolvePromise(found));
    };
    const onExit = (/** @type {number | null} */ code) => done(() => reject(new Error(`${label} exited (code ${code}) before it was ready; stdout: ${text.slice(0, 500)}`)));
    const timer = setTimeout(() => done(() => reject(new Error(`${label} not ready after ${timeoutMs} ms; stdout: ${text.slice(0, 500)}`))), timeoutMs);
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
  });
}

/**
 * Forwards a child's stderr to ours, each line prefixed.
 * @param {import("node:child_process").ChildProcess} child @param {string} label
 */
function forwardStderr(child, label) {
  let rest = "";
  child.stderr?.on("data", (chunk) => {
    const lines = (rest + chunk.toString("utf8")).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) if (line.trim() !== "") process.stderr.write(`[${label}] ${line}\n`);
  });
}

/**
 * Waits for a child to exit, killing it after `timeoutMs`.
 * @param {import("node:child_process").ChildProcess} child @param {number} timeoutMs
 * @returns {Promise<number | null>} exit code
 */
function exited(child, timeoutMs) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolvePromise) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolvePromise(code);
    });
  });
}

// ---------------------------------------------------------------------------------------------

/**
 * @typedef {object} Emulators
 * @property {string} url
 * @property {number} pid
 * @property {Record<string, Record<string, string>>} credentials  connector id -> settings Looker sends
 * @property {() => Promise<Record<string, any>>} state   GET /_emulator/state
 * @property {() => Promise<void>} reset                  POST /_emulator/reset
 * @property {() => Promise<number>} cpuSeconds           CPU time the emulators have used
 * @property {() => Promise<void>} stop
 */

/**
 * Starts `packages/emulators/dist/bin.js` on a free loopback port with validation off and no
 * record keeping, and reads its URL and credentials from what it prints.
 * @returns {Promise<Emulators>}
 */
export async function startEmulators() {
  const child = spawn(process.execPath, [EMULATORS_BIN, "--port", "0", "--host", "127.0.0.1", "--no-validate", "--no-keep-records"], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  track(child, "emulators");
  forwardStderr(child, "emulators");
  const text = await waitForOutput(child, (t) => (t.includes("inspect:") && t.endsWith("\n") ? t : undefined), 20_000, "emulators");
  /** @type {Record<string, Record<string, string>>} */
  const credentials = {};
  let url = "";
  let current = "";
  for (const line of text.split("\n")) {
    const head = /^(\S+)\s+(http:\/\/127\.0\.0\.1:\d+)\s/.exec(line);
    if (head !== null && head[1] !== "inspect:") {
      current = head[1];
      url = head[2];
      credentials[current] = {};
      continue;
    }
    // "  basic auth: k=v k=v", "  bearer token: k=v", "  key in body field x: k=v": the settings to send.
    const auth = /^\s+[^=]+?:\s*(.*)$/.exec(line);
    if (auth !== null && current !== "") {
      for (const pair of auth[1].split(/\s+/)) {
        const eq = pair.indexOf("=");
        if (eq > 0) credentials[current][pair.slice(0, eq)] = pair.slice(eq + 1);
      }
    }
  }
  if (url === "") throw new Error(`could not read the emulators' URL from: ${text.slice(0, 300)}`);
  child.stdout?.resume();
  return {
    url,
    pid: /** @type {number} */ (child.pid),
    credentials,
    cpuSeconds: () => readProcCpuSeconds(/** @type {number} */ (child.pid)),
    state: async () => {
      const res = await fetch(`${url}/_emulator/state`, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`emulator state: HTTP ${res.status}`);
      return /** @type {Record<string, any>} */ (await res.json());
    },
    reset: async () => {
      const res = await fetch(`${url}/_emulator/reset`, { method: "POST", signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`emulator reset: HTTP ${res.status}`);
    },
    stop: async () => {
      child.kill("SIGTERM");
      await exited(child, 10_000);
    },
  };
}

// ---------------------------------------------------------------------------------------------

/**
 * @typedef {object} ServerStats
 * @property {boolean} latencyObserved  false when the server's metrics could not be observed
 * @property {{ count: number, p50: number | null, p99: number | null, max: number | null }} latency  ms
 * @property {number} logLines
 * @property {Record<string, any> | undefined} lastExecute  the server's "execute finished" log entry
 * @property {{ heapUsed: number, heapTotal: number, external: number, arrayBuffers: number }} peaks  bytes, sampled every 50 ms
 */

/**
 * @typedef {object} ServerChild
 * @property {string} url
 * @property {number} pid
 * @property {() => Promise<ServerStats>} stats
 * @property {() => Promise<string>} metricsText  GET /metrics
 * @property {() => Promise<ProcMemory>} memory     /proc/<pid>/status of the server
 * @property {() => Promise<number>} cpuSeconds     CPU time the server has used
 * @property {() => Promise<number | null>} stop   closes the server; resolves with the exit code
 */

/**
 * Starts `server-child.mjs`: a fresh process per run, so VmHWM covers that run only. Stateless
 * (TAGWIRE_DATABASE_URL=none) unless `env` names a store: a measurement never writes to the
 * user's state directory, and executes that share a scheduled plan are not made one sync.
 * @param {{ env: Record<string, string>, nodeArgs?: string[] }} options
 * @returns {Promise<ServerChild>}
 */
export async function startServerChild({ env, nodeArgs = [] }) {
  const child = spawn(process.execPath, [...nodeArgs, SERVER_CHILD], {
    cwd: REPO_ROOT,
    env: { ...process.env, TAGWIRE_DATABASE_URL: "none", ...env },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  track(child, "server");
  forwardStderr(child, "server");
  const ready = await waitForOutput(
    child,
    (t) => {
      const line = t.split("\n").find((l) => l.startsWith("{") && l.includes('"port"'));
      return line === undefined ? undefined : /** @type {{ port: number, pid: number }} */ (JSON.parse(line));
    },
    20_000,
    "action server",
  );
  child.stdout?.resume();
  const url = `http://127.0.0.1:${ready.port}`;
  const pid = /** @type {number} */ (child.pid);

  return {
    url,
    pid,
    stats: () =>
      new Promise((resolvePromise, reject) => {
        const timer = setTimeout(() => {
          child.off("message", onMessage);
          reject(new Error("the action server did not answer a stats request within 10 s"));
        }, 10_000);
        const onMessage = (/** @type {any} */ m) => {
          if (m?.type !== "stats") return;
          clearTimeout(timer);
          child.off("message", onMessage);
          resolvePromise(m);
        };
        child.on("message", onMessage);
        child.send({ type: "stats" });
      }),
    metricsText: async () => {
      const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`/metrics: HTTP ${res.status}`);
      return res.text();
    },
    memory: () => readProcMemory(pid),
    cpuSeconds: () => readProcCpuSeconds(pid),
    stop: async () => {
      if (child.connected) child.send({ type: "stop" });
      else child.kill("SIGTERM");
      return exited(child, 60_000);
    },
  };
}

// ---------------------------------------------------------------------------------------------

/**
 * @typedef {object} ProcMemory
 * @property {number} vmHwmBytes  peak resident set size since the process started
 * @property {number} vmRssBytes  resident set size now
 */

/**
 * Reads VmHWM and VmRSS from `/proc/<pid>/status` (Linux).
 * @param {number} pid
 * @returns {Promise<ProcMemory>}
 */
export async function readProcMemory(pid) {
  const text = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = (/** @type {string} */ key) => {
    const m = new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, "m").exec(text);
    if (m === null) throw new Error(`/proc/${pid}/status has no ${key}`);
    return Number(m[1]) * 1024;
  };
  return { vmHwmBytes: kb("VmHWM"), vmRssBytes: kb("VmRSS") };
}

/**
 * CPU time (user + system, seconds) a process has used so far, from `/proc/<pid>/stat` (Linux).
 * @param {number} pid
 * @returns {Promise<number>}
 */
export async function readProcCpuSeconds(pid) {
  const text = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which is in parentheses and may hold spaces); utime and stime
  // are fields 14 and 15 of the line, in clock ticks (USER_HZ, 100 on Linux).
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

/**
 * CPU time (seconds, all cores) the whole machine has spent busy since boot, from `/proc/stat`:
 * everything but idle and iowait. The difference over a run, minus the benchmark's own
 * processes, is what other processes took while it ran.
 * @returns {Promise<number>}
 */
export async function readSystemBusySeconds() {
  const line = (await readFile("/proc/stat", "utf8")).split("\n")[0];
  const [, ...ticks] = line.trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user)
  const busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7];
  return busy / CLOCK_TICKS;
}

/**
 * Waits (at most `maxSec`) until the machine is quiet: over a 2-second window, all processes
 * together keep less than `share` of one core busy. Call it when the benchmark's own processes
 * are idle. Resolves with the seconds waited and whether it became quiet.
 * @param {number} maxSec
 * @param {number} [share]
 * @returns {Promise<{ waitedSec: number, quiet: boolean, lastShare: number }>}
 */
export async function waitForQuiet(maxSec, share = 0.15) {
  const t0 = performance.now();
  const windowMs = 2_000;
  let lastShare = 0;
  const rounds = Math.max(1, Math.ceil((maxSec * 1000) / windowMs));
  for (let i = 0; i < rounds; i++) {
    const busy0 = await readSystemBusySeconds();
    await new Promise((r) => setTimeout(r, windowMs));
    lastShare = ((await readSystemBusySeconds()) - busy0) / (windowMs / 1000);
    if (lastShare < share) return { waitedSec: Math.round((performance.now() - t0) / 1000), quiet: true, lastShare };
  }
  return { waitedSec: Math.round((performance.now() - t0) / 1000), quiet: false, lastShare };
}

// ---------------------------------------------------------------------------------------------

/**
 * Runs `node [nodeArgs] script [args]` to completion and parses the last stdout line as JSON.
 * @param {string} script
 * @param {string[]} args
 * @param {{ nodeArgs?: string[], timeoutMs: number, label: string }} options
 * @returns {Promise<any>}
 */
export async function runJsonChild(script, args, { nodeArgs = [], timeoutMs, label }) {
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  track(child, label);
  let out = "";
  let err = "";
  child.stdout?.on("data", (c) => (out += c.toString("utf8")));
  child.stderr?.on("data", (c) => (err += c.toString("utf8")));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const code = await new Promise((resolvePromise) => child.once("exit", (c, signal) => resolvePromise(c ?? signal)));
  clearTimeout(timer);
  const last = out.trim().split("\n").pop() ?? "";
  if (code !== 0) {
    const reason = (err.trim().split("\n").find((l) => /Error|error|heap/.test(l)) ?? err.trim().split("\n").pop() ?? "").slice(0, 300);
    throw new Error(`${label} exited with ${code}${reason ? `: ${reason}` : ""}`);
  }
  return JSON.parse(last);
}
