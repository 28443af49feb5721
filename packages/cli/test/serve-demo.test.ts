import { spawn } from "node:child_process";
import { createServer, connect } from "node:net";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { oneLine, tagwire } from "./support/cli.js";
import { start } from "./support/long-running.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const SECRET = "serve-test-secret-0123456789";

/** Whether something accepts connections on the port. */
const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

/** A port nothing listens on (the action server takes no port 0). */
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

describe("tagwire serve", () => {
  it("serves the Looker action list until SIGTERM, then stops gracefully with exit 0", async () => {
    const port = await freePort();
    const server = start(["serve", "--port", String(port)], { ACTION_HUB_SECRET: "serve-test-secret-0123456789", PORT: "1" });
    try {
      const [, url] = await server.waitFor(/^action server listening on (http:\/\/\S+) /m);
      expect(url).toBe(`http://127.0.0.1:${port}`);
      const list = await fetch(`${url}/`, { method: "POST", headers: { authorization: 'Token token="serve-test-secret-0123456789"' } });
      expect(list.status).toBe(200);
      const body = (await list.json()) as { integrations: Array<{ name: string }> };
      expect(body.integrations.map((i) => i.name)).toEqual(["amplitude", "braze", "mparticle", "segment_event", "segment_track", "segment_group"]);
    } finally {
      expect(await server.stop("SIGTERM")).toBe(0);
    }
    expect(server.stdout()).toContain('"msg":"stopped"');
  });

  it("`npx tagwire serve` (the README's production command) stops gracefully when npx gets SIGTERM", async () => {
    const port = await freePort();
    // npx runs the command under npm and a shell: a SIGTERM ends those two and would reach no further.
    const npx = spawn("npx", ["--offline", "tagwire", "serve", "--port", String(port)], {
      cwd: repoRoot,
      env: { ...process.env, ACTION_HUB_SECRET: SECRET, NO_COLOR: "1", TAGWIRE_DATABASE_URL: "none" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    npx.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
    try {
      expect(await until(async () => /action server listening/.test(out), 30_000)).toBe(true);
      expect(await listening(port)).toBe(true);
      const npmExited = new Promise((resolve) => npx.once("exit", resolve));
      npx.kill("SIGTERM");
      await npmExited;
      expect(await until(async () => !(await listening(port)), 5_000)).toBe(true);
      expect(await until(async () => out.includes('"msg":"stopped"'), 5_000)).toBe(true);
    } finally {
      npx.kill("SIGKILL");
    }
  }, 60_000);

  it("keeps serving when whoever read its stdout goes away (no EPIPE crash)", async () => {
    const port = await freePort();
    const server = start(["serve", "--port", String(port)], { ACTION_HUB_SECRET: SECRET });
    try {
      const [, url] = await server.waitFor(/^action server listening on (http:\/\/\S+) /m);
      server.child.stdout!.destroy();
      // Each refused request writes a log line to the closed pipe.
      for (let i = 0; i < 5; i++) {
        const refused = await fetch(`${url}/`, { method: "POST", headers: { authorization: 'Token token="wrong"' } });
        expect(refused.status).toBe(403);
      }
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(server.child.exitCode).toBeNull();
    } finally {
      expect(await server.stop("SIGTERM")).toBe(0);
    }
    expect(server.stderr()).not.toMatch(/EPIPE|^\s+at /m);
  });

  it("a configuration error is one line, exit 2", async () => {
    const r = await tagwire(["serve"], { env: { ACTION_HUB_SECRET: "" } });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^tagwire: ACTION_HUB_SECRET is not set/);
  });
});

describe("tagwire demo", () => {
  it("runs the quick start with no configuration", async () => {
    const r = await tagwire(["demo"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^tagwire demo: /);
    expect(r.stdout).toContain("mparticle received");
    expect(r.stdout).toContain("segment received");
  });

  it("--json prints one JSON summary", async () => {
    const r = await tagwire(["demo", "--json"]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.actions).toEqual(["amplitude", "braze", "mparticle", "segment_event", "segment_track", "segment_group"]);
    expect(summary.received.segment.accepted).toBeGreaterThan(0);
  });
});
