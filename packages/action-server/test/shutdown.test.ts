import { execFileSync } from "node:child_process";
import { connect } from "node:net";
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

/**
 * Opens a connection to the server at `url` and writes `request` (head and as much of the body as
 * given), then leaves it open: what comes back accumulates until the server closes the connection.
 */
async function openRequest(url: string, request: string): Promise<{ answer: () => string; ended: Promise<void> }> {
  const socket = connect(Number(new URL(url).port), "127.0.0.1");
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  let answer = "";
  socket.on("data", (c: Buffer) => (answer += c.toString("utf8")));
  // A connection cut while its body is still being sent may end in a reset: what was answered is still read.
  socket.on("error", () => {});
  const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.write(request);
  return { answer: () => answer, ended };
}

/** The log of a server whose one execute was stopped when the shutdown's grace period ran out, and nothing on stderr. */
function expectStoppedAtTheDeadline(server: { entries(): Array<Record<string, unknown>>; stderr(): string }): void {
  expect(server.entries().map((e) => e["msg"])).toEqual([
    "action server listening", "execute started", "shutting down: finishing executes in flight", "shutdown grace period over: stopping the executes still running", "execute finished", "stopped",
  ]);
  expect(server.stderr()).toBe("");
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
        expectStoppedAtTheDeadline(server);
      } finally {
        server.kill();
      }
    } finally {
      await emulators.close();
    }
  }, 40_000);

  it("SIGTERM with no execute running: connections whose body never ends (answered or not) do not hold the exit", async () => {
    // The default grace period (25 s): nothing runs, so nothing should wait for it.
    const server = await startServerProcess({}, [], 10_000);
    try {
      const unfinished = (head: string) => openRequest(server.url, `${head}\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n{"a":`);
      // Answered at once, their bodies left unread: refused (403), not found (404), a health check (200).
      const refused = await unfinished("POST / HTTP/1.1");
      const missing = await unfinished("POST /nowhere HTTP/1.1");
      const health = await unfinished("GET /healthz HTTP/1.1");
      // Not answered: its body is being read when the shutdown begins.
      const reading = await unfinished(`POST / HTTP/1.1\r\nAuthorization: Token token="${server.secret}"`);
      // Idle between keep-alive requests.
      const idle = await openRequest(server.url, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      expect(await waitFor(() => [refused, missing, health, idle].every((c) => c.answer().includes("\r\n\r\n")), 5_000)).toBe(true);
      expect(refused.answer()).toMatch(/^HTTP\/1\.1 403 /);
      expect(missing.answer()).toMatch(/^HTTP\/1\.1 404 /);
      expect(health.answer()).toMatch(/^HTTP\/1\.1 200 /);
      const termAt = Date.now();
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
      // Before the fix each answered connection held the exit for Node's 5 s keep-alive timeout.
      expect(Date.now() - termAt).toBeLessThan(1_500);
      await Promise.all([refused, missing, health, reading, idle].map((c) => c.ended));
      expect(reading.answer()).toMatch(/^HTTP\/1\.1 503 /);
      expect(server.stderr()).toBe("");
    } finally {
      server.kill();
    }
  }, 30_000);

  it("SIGTERM with a streaming inline Look that stalls: the execute answers within the grace period, and the process exits right after", async () => {
    const emulators = await startEmulators({ port: 0 });
    const graceMs = 2_000;
    try {
      const server = await startServerProcess({ TAGWIRE_KEEPALIVE_MS: "100", TAGWIRE_SEGMENT_URL: emulators.url, TAGWIRE_SHUTDOWN_GRACE_MS: String(graceMs) }, [], 10_000);
      try {
        // The settings come first, so the Look streams from the socket into the run; about half of it is sent, then nothing.
        const text = JSON.stringify(executeBody({ data: emulators.credentials("segment").settings, look: bigLook(2_000) }));
        const cut = text.indexOf("user1000@example.com");
        const stalled = await openRequest(
          server.url,
          `POST /actions/segment_event/execute HTTP/1.1\r\nHost: x\r\nAuthorization: Token token="${server.secret}"\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text.slice(0, cut)}`,
        );
        expect(await waitFor(() => server.lines().some((l) => l.includes('"execute started"')), 10_000)).toBe(true);
        // Time for the run to read what was sent and wait for the rest.
        await sleep(300);
        const termAt = Date.now();
        server.child.kill("SIGTERM");
        // The whole answer (the chunked body's last chunk) is in when the server closes the connection.
        let answeredAt = 0;
        expect(await waitFor(() => stalled.answer().endsWith("0\r\n\r\n") && (answeredAt = Date.now()) > 0, graceMs + 3_000, 5)).toBe(true);
        expect(await server.exited).toBe(0);
        const exitedAt = Date.now();
        expect(answeredAt - termAt).toBeLessThan(graceMs + 1_000);
        // Before the fix the connection, its body unfinished, held the exit for 5 s more.
        expect(exitedAt - answeredAt).toBeLessThan(1_000);
        await stalled.ended;
        const answer = stalled.answer();
        expect(answer).toMatch(/^HTTP\/1\.1 200 /);
        const looker = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4).replace(/^[0-9a-f]+\r\n/gm, "").replace(/\r\n/g, "").trim()).looker as { success: boolean; message: string };
        expect(looker.success).toBe(false);
        expect(looker.message).toContain("stopped by a shutdown");
        expectStoppedAtTheDeadline(server);
      } finally {
        server.kill();
      }
    } finally {
      await emulators.close();
    }
  }, 30_000);

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
