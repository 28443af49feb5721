import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

beforeAll(() => {
  // The command line is tested as shipped: the built dist/bin.js.
  execFileSync(process.execPath, [createRequire(import.meta.url).resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
    cwd: packageDir,
    stdio: "pipe",
  });
}, 120_000);

let child: ChildProcess | undefined;
afterEach(() => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  child = undefined;
});

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

/** Starts the CLI and resolves with its output once it has printed its last startup line (`inspect: ...`). */
function launch(args: string[]) {
  child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const proc = child;
  const ready = new Promise<string>((resolve, reject) => {
    proc.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      // Output may arrive in several chunks: wait for the whole startup banner, not a line count.
      if (/^inspect: .*\n/m.test(out)) resolve(out);
    });
    proc.once("exit", (code) => reject(new Error(`exited ${code} early: ${out}`)));
  });
  return { proc, ready };
}

const run = (args: string[]) =>
  new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const proc = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    proc.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    proc.once("exit", (code) => resolve({ code, stderr }));
  });

describe("tagwire-emulators", () => {
  it("starts on the chosen port, prints each connector's URL and credentials, answers health, stops on SIGTERM", { timeout: 30_000 }, async () => {
    const port = await freePort();
    const { proc, ready } = launch(["--port", String(port), "--fault", "segment:503=1", "--seed", "1"]);
    const out = await ready;
    const url = `http://127.0.0.1:${port}`;
    expect(out).toContain(`mparticle  ${url}  (TAGWIRE_MPARTICLE_URL)`);
    expect(out).toContain(`segment    ${url}  (TAGWIRE_SEGMENT_URL)`);
    expect(out).toContain("apiKey=test-apiKey apiSecret=test-apiSecret");
    expect(out).toContain("segment_write_key=test-segment_write_key (empty password)");
    expect(out).toContain(`braze      ${url}  (TAGWIRE_BRAZE_URL)`);
    expect(out).toContain("bearer token: braze_api_key=test-braze_api_key");
    expect(out).toContain("key in body field api_key: api_key=test-api_key");

    const health = (await (await fetch(`${url}/_emulator/health`)).json()) as { ok: boolean };
    expect(health.ok).toBe(true);
    const faulted = await fetch(`${url}/v1/batch`, { method: "POST" });
    expect(faulted.status).toBe(503);
    expect(await (await fetch(`${url}/_emulator/faults`)).json()).toEqual({
      amplitude: { seed: 1 },
      braze: { seed: 1 },
      mparticle: { seed: 1 },
      segment: { statusRates: { 503: 1 }, seed: 1 },
    });

    const exited = new Promise<number | null>((resolve) => proc.once("exit", resolve));
    proc.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("exits 2 with one clear line on bad arguments", async () => {
    for (const [args, message] of [
      [["--bogus"], "Unknown option '--bogus'"],
      [["--port", "http"], "--port must be an integer"],
      [["--fault", "mparticle:503=2"], "probability between 0 and 1"],
      [["--fault", "mparticle-503"], "must look like connector:kind=value"],
      [["--fault", "mparticle:slow=1"], 'unknown kind "slow"'],
      [["--connector", "nosuch"], 'unknown connector "nosuch"'],
      [["--connector", "segment", "--fault", "mparticle:drop=0.1"], 'connector "mparticle", which is not emulated'],
    ] as const) {
      const { code, stderr } = await run([...args]);
      expect(code, args.join(" ")).toBe(2);
      expect(stderr.trim().split("\n")).toHaveLength(1);
      expect(stderr).toContain(message);
    }
    // Seven process starts in a row: on a loaded 2-core machine they take longer than vitest's 5 s default.
  }, 30_000);
});
