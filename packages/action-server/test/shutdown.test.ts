import { execFileSync } from "node:child_process";
import { startEmulators } from "@tagwire/emulators";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bigLook, chunked, executeBody, logEntries, partialRequest, sleep, startDownloads, startHarness, waitFor, type Harness, type LookerDownloads } from "./support.js";
import { distIndex, SERVE, startServerProcess } from "./process.js";

let downloads: LookerDownloads;
beforeAll(async () => {
  downloads = await startDownloads();
});
afterAll(() => downloads.close());

/** A Look whose download takes about `ms`. */
const slowLook = (rows: number, ms: number) => {
  const text = JSON.stringify(bigLook(rows));
  const pieces = 10;
  return downloads.serve(chunked(text, Math.ceil(text.length / pieces), ms / pieces));
};

/** An authenticated execute that announces a body of 1 MB and sends 10 bytes of it, then nothing. */
function stalledExecute(h: Harness): Promise<{ answer: () => string; ended: Promise<void> }> {
  return partialRequest(h, `POST /actions/segment_event/execute HTTP/1.1\r\nHost: x\r\nAuthorization: Token token="${h.secret}"\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n{"data":{"`);
}

describe("close() in process", () => {
  it("stops accepting, lets the execute in flight finish and answer, then resolves", async () => {
    const h = await startHarness({ keepAliveMs: 50 });
    let closed = false;
    try {
      const url = slowLook(120, 800);
      const pending = h.execute("mparticle", executeBody({ data: h.settings.mparticle, form: { data_type: "user_data", environment: "development" }, downloadUrl: url }));
      expect(await waitFor(() => h.logs.some((l) => l.includes('"execute started"')), 2_000)).toBe(true);
      let answeredAt = 0;
      const answered = pending.then((r) => {
        answeredAt = Date.now();
        return r;
      });
      const closing = h.server.close().then(() => {
        closed = true;
        return Date.now();
      });
      // New connections are refused while the execute finishes.
      await expect(fetch(`${h.server.url}/healthz`)).rejects.toThrow();
      const { looker, text } = await answered;
      const closedAt = await closing;
      expect(looker.success).toBe(true);
      expect(looker.message).toContain("120 of 120 rows delivered");
      expect(text.startsWith("\n")).toBe(true);
      expect(h.emulators.records("mparticle")).toHaveLength(120);
      // close() resolved only once the execute had finished and its whole answer was written.
      const entries = logEntries(h.logs);
      const at = (msg: string) => Date.parse(entries.find((e) => e["msg"] === msg)!["time"]);
      expect(closedAt).toBeGreaterThanOrEqual(at("execute finished"));
      expect(Math.abs(closedAt - answeredAt)).toBeLessThan(1_500);
      const msgs = entries.map((e) => e["msg"]);
      expect(msgs.indexOf("shutting down: finishing executes in flight")).toBeLessThan(msgs.indexOf("execute finished"));
      expect(msgs.at(-1)).toBe("stopped");
    } finally {
      if (!closed) await h.server.close();
      await h.emulators.close();
    }
  });

  it("cuts a request whose body is still arriving: close() does not wait for it, the client gets 503", async () => {
    const h = await startHarness();
    let closed = false;
    try {
      const stalled = await stalledExecute(h);
      await sleep(200);
      const started = Date.now();
      await h.server.close();
      closed = true;
      expect(Date.now() - started).toBeLessThan(1_000);
      await stalled.ended;
      expect(stalled.answer()).toMatch(/^HTTP\/1\.1 503 /);
      expect(stalled.answer()).toContain("shutting down");
    } finally {
      if (!closed) await h.server.close();
      await h.emulators.close();
    }
  });

  it("answers 408 to a request whose body does not arrive within TAGWIRE_BODY_TIMEOUT_MS", async () => {
    const h = await startHarness({ bodyTimeoutMs: 500 });
    try {
      const started = Date.now();
      const stalled = await stalledExecute(h);
      await stalled.ended;
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(stalled.answer()).toMatch(/^HTTP\/1\.1 408 /);
      const health = await fetch(`${h.server.url}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      await h.server.close();
      await h.emulators.close();
    }
  });

  it("closes at once when idle, even with a keep-alive connection open", async () => {
    const h = await startHarness();
    await h.post("/");
    const started = Date.now();
    await h.server.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    await h.emulators.close();
  });
});

// Tested as shipped: the built dist/index.js (test/build.ts builds it before any test file runs).
describe("a real process", () => {
  it("SIGTERM mid-execute: the execute completes and the process exits 0", async () => {
    const emulators = await startEmulators({ port: 0 });
    const secret = "process-test-secret-0123456789";
    try {
      const server = await startServerProcess(
        { ACTION_HUB_SECRET: secret, TAGWIRE_KEEPALIVE_MS: "100", TAGWIRE_MPARTICLE_URL: emulators.url, TAGWIRE_SEGMENT_URL: emulators.url },
        [],
        10_000,
      );
      try {
        const pending = fetch(`${server.url}/actions/segment_event/execute`, {
          method: "POST",
          headers: { authorization: `Token token="${secret}"`, "content-type": "application/json" },
          body: JSON.stringify(executeBody({ data: emulators.credentials("segment").settings, downloadUrl: slowLook(150, 1_000) })),
        }).then(async (r) => ({ status: r.status, text: await r.text() }));
        expect(await waitFor(() => server.lines().some((l) => l.includes('"execute started"')), 5_000, 10)).toBe(true);
        server.child.kill("SIGTERM");
        const res = await pending;
        expect(res.status).toBe(200);
        const looker = JSON.parse(res.text).looker;
        expect(looker.success).toBe(true);
        expect(looker.message).toContain("150 of 150 rows delivered");
        expect(await server.exited).toBe(0);
        expect(emulators.records("segment")).toHaveLength(150);
        const msgs = server.entries().map((e) => e["msg"]);
        expect(msgs).toEqual(["action server listening", "execute started", "shutting down: finishing executes in flight", "execute finished", "stopped"]);
        expect(server.lines().join("\n")).not.toContain(secret);
        expect(server.stderr()).toBe("");
      } finally {
        server.kill();
      }
    } finally {
      await emulators.close();
    }
  }, 30_000);

  it("SIGTERM with an execute that outlasts TAGWIRE_SHUTDOWN_GRACE_MS: it stops, answers Looker with its partial report within the grace period, and the process exits 0", async () => {
    // Every destination answer takes 150 ms, and the Look takes 20 s to download: far past the grace period.
    // Rows are transformed on the server's thread, so each part of the download is sent as it arrives.
    const emulators = await startEmulators({ port: 0, faults: { mparticle: { latencyMs: 150 } } });
    const secret = "process-test-secret-0123456789";
    const graceMs = 2_000;
    try {
      const server = await startServerProcess({ ACTION_HUB_SECRET: secret, TAGWIRE_KEEPALIVE_MS: "100", TAGWIRE_MPARTICLE_URL: emulators.url, TAGWIRE_SHUTDOWN_GRACE_MS: String(graceMs), TAGWIRE_WORKERS: "0" }, [], 10_000);
      try {
        const pending = fetch(`${server.url}/actions/mparticle/execute`, {
          method: "POST",
          headers: { authorization: `Token token="${secret}"`, "content-type": "application/json" },
          body: JSON.stringify(
            executeBody({ data: emulators.credentials("mparticle").settings, form: { data_type: "user_data", environment: "development" }, downloadUrl: slowLook(1_000, 20_000) }),
          ),
        }).then(async (r) => ({ status: r.status, text: await r.text(), at: Date.now() }));
        expect(await waitFor(() => emulators.records("mparticle").length > 0, 10_000, 10)).toBe(true);
        const termAt = Date.now();
        server.child.kill("SIGTERM");
        const res = await pending;
        expect(res.status).toBe(200);
        // Answered within the grace period (and the load of a shared machine).
        expect(res.at - termAt).toBeLessThan(graceMs + 1_000);
        const looker = JSON.parse(res.text).looker;
        expect(looker.success).toBe(false);
        const delivered = emulators.records("mparticle").length;
        const figures = new RegExp(`^mParticle: the run was stopped by a shutdown before the Look was read to its end \\(rows after row ([\\d,]+) were not read\\); ${delivered} of ([\\d,]+) rows delivered`);
        expect(looker.message).toMatch(figures);
        const [, lastRead, read] = figures.exec(looker.message)!;
        expect(lastRead).toBe(read);
        expect(Number(read!.replace(/,/g, ""))).toBeLessThan(1_000);
        if (Number(read!.replace(/,/g, "")) > delivered) expect(looker.message).toContain("failed (not sent: the run was stopped: rows");
        expect(await server.exited).toBe(0);
        const finished = server.entries().find((e) => e["msg"] === "execute finished")!;
        expect(finished["stopped"]).toEqual({ by: "shutdown", lookReadToEnd: false });
        expect(finished["rows"]["delivered"] + finished["rows"]["rejected"] + finished["rows"]["failed"]).toBe(finished["rows"]["read"]);
        const msgs = server.entries().map((e) => e["msg"]);
        expect(msgs).toEqual([
          "action server listening", "execute started", "shutting down: finishing executes in flight", "shutdown grace period over: stopping the executes still running", "execute finished", "stopped",
        ]);
        expect(server.stderr()).toBe("");
      } finally {
        server.kill();
      }
    } finally {
      await emulators.close();
    }
  }, 40_000);

  it("exits with a clear message when ACTION_HUB_SECRET is missing", () => {
    let error: { status?: number; stderr?: Buffer } | undefined;
    try {
      execFileSync(process.execPath, ["--input-type=module", "-e", SERVE], { env: { PATH: process.env["PATH"] ?? "", TAGWIRE_TEST_DIST: distIndex }, stdio: "pipe" });
    } catch (e) {
      error = e as { status?: number; stderr?: Buffer };
    }
    expect(error?.status).not.toBe(0);
    expect(String(error?.stderr)).toContain("ACTION_HUB_SECRET is not set");
  });
});
