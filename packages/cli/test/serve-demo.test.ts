import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { oneLine, tagwire } from "./support/cli.js";
import { start } from "./support/long-running.js";

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
    const server = start(["serve", "--port", String(port)], { ACTION_HUB_SECRET: "test-secret", PORT: "1" });
    try {
      const [, url] = await server.waitFor(/^action server listening on (http:\/\/\S+) /m);
      expect(url).toBe(`http://127.0.0.1:${port}`);
      const list = await fetch(`${url}/`, { method: "POST", headers: { authorization: 'Token token="test-secret"' } });
      expect(list.status).toBe(200);
      const body = (await list.json()) as { integrations: Array<{ name: string }> };
      expect(body.integrations.map((i) => i.name)).toEqual(["amplitude", "braze", "mparticle", "segment_event", "segment_track", "segment_group"]);
    } finally {
      expect(await server.stop("SIGTERM")).toBe(0);
    }
    expect(server.stdout()).toContain('"msg":"stopped"');
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
