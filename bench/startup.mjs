// Start-up time of the `tagwire` command: how long small commands take from process start to exit,
// which is what a person or a script waits for. Each command runs `--runs` times in a fresh process
// (after one unmeasured run that warms the file cache); the median and the fastest are printed, with
// `node -e 0` for the floor that Node itself costs on this machine. With /usr/bin/time present, the
// CPU time (user + system) of each process is printed too: on a shared, loaded machine it moves far
// less than the wall time, which includes waiting for a core. One more run of each command counts the
// ES modules it loads (bench/lib/module-trace.mjs; CommonJS files required by CommonJS are not seen).
//
// Usage: node bench/startup.mjs [--runs 10] [--bin packages/cli/dist/bin.js]
// Build first (`npm run build`). No timed test depends on these figures: a loaded machine moves them.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { runs: { type: "string", default: "10" }, bin: { type: "string", default: "packages/cli/dist/bin.js" } } });
const runs = Number(values.runs);
const bin = resolve(root, values.bin);
const look = resolve(root, "packages/cli/test/fixtures/users.json");

const cases = [
  ["node -e 0 (floor)", ["-e", "0"]],
  ["tagwire --help", [bin, "--help"]],
  ["tagwire destinations", [bin, "destinations"]],
  ["tagwire validate (5 rows)", [bin, "validate", "--to", "mparticle", look]],
];

const TIME = "/usr/bin/time";
const withCpu = existsSync(TIME);

/** Wall time, and CPU time when /usr/bin/time can tell it (it prints `user system` last on stderr). */
function time(args) {
  const [command, argv] = withCpu ? [TIME, ["-f", "%U %S", process.execPath, ...args]] : [process.execPath, args];
  const started = process.hrtime.bigint();
  const r = spawnSync(command, argv, { cwd: root, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  const cpu = withCpu ? r.stderr.toString().trim().split("\n").at(-1).split(" ").reduce((sum, s) => sum + Number(s) * 1000, 0) : NaN;
  return { wall, cpu };
}

const tracer = resolve(root, "bench/lib/module-trace.mjs");
const traceDir = mkdtempSync(join(tmpdir(), "tagwire-startup-"));

/** ES modules one run of the command loads. */
function modules(args, n) {
  const file = join(traceDir, `${n}.txt`);
  const r = spawnSync(process.execPath, ["--import", tracer, ...args], { cwd: root, stdio: "ignore", env: { ...process.env, NO_COLOR: "1", MODULE_TRACE_FILE: file } });
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}`);
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l !== "").length : 0;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`${"command".padEnd(28)}${"wall median".padStart(12)}${"wall fastest".padStart(13)}${"CPU median".padStart(12)}${"modules".padStart(9)}   ms, ${runs} runs each`);
for (const [n, [name, args]] of cases.entries()) {
  time(args);
  const samples = Array.from({ length: runs }, () => time(args));
  const wall = samples.map((s) => s.wall);
  const cpu = samples.map((s) => s.cpu);
  console.log(`${name.padEnd(28)}${median(wall).toFixed(0).padStart(12)}${Math.min(...wall).toFixed(0).padStart(13)}${(withCpu ? median(cpu).toFixed(0) : "-").padStart(12)}${String(modules(args, n)).padStart(9)}`);
}
rmSync(traceDir, { recursive: true, force: true });
