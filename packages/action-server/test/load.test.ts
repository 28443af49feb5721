// Load: many large Looks at once through one server process, streamed from download_urls. Every
// execute completes with correct figures, /healthz keeps answering, and the server's memory stays
// bounded (its VmHWM, the kernel's high-water mark of resident memory, read from /proc). The
// server and the emulators are processes of their own, so each one's CPU and memory are its own.

import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulatorProcess, startServerProcess, type EmulatorProcess } from "./process.js";
import { executeBody, sleep, startDownloads, type LookerDownloads } from "./support.js";

const EXECUTES = 20;
const ROWS = 50_000;
const HEALTH_EVERY_MS = 200;
const HEALTH_LIMIT_MS = 1_000;

const syntheticLook = pathToFileURL(fileURLToPath(new URL("../../../bench/lib/synthetic-look.mjs", import.meta.url))).href;

let dir: string;
let lookPath: string;
let emulators: EmulatorProcess;
let downloads: LookerDownloads;
const summary: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tagwire-load-"));
  lookPath = join(dir, `look-user-${ROWS}.json`);
  const { writeSyntheticLook } = (await import(syntheticLook)) as { writeSyntheticLook: (o: { rows: number; mode: string; seed: number; path: string }) => Promise<{ bytes: number }> };
  await writeSyntheticLook({ rows: ROWS, mode: "user", seed: 11, path: lookPath });
  emulators = await startEmulatorProcess(["--no-validate", "--no-keep-records"]);
  downloads = await startDownloads();
}, 120_000);

afterAll(async () => {
  emulators?.kill();
  await downloads?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  if (summary.length > 0) console.log(`\n${summary.join("\n")}\n`);
});

/** The Look file behind a one-time URL, streamed in 64 KB reads with chunked encoding, as Looker streams a large result. */
const streamed = () =>
  downloads.serve(async (_req, res) => {
    res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
    await pipeline(createReadStream(lookPath, { highWaterMark: 64 * 1024 }), res);
  });

/** Runs the executes at once against a fresh server process, polling /healthz throughout; checks every figure. */
async function load(label: string, nodeArgs: string[], peakLimitMb: number): Promise<void> {
  await emulators.reset();
  const server = await startServerProcess({
    TAGWIRE_MPARTICLE_URL: emulators.url,
    TAGWIRE_SEGMENT_URL: emulators.url,
    // Load against the local emulator, not mParticle's published pacing.
    TAGWIRE_MPARTICLE_RATE_LIMIT: "off",
    TAGWIRE_DOWNLOAD_HOSTS: "127.0.0.1",
    TAGWIRE_KEEPALIVE_MS: "5000",
  }, nodeArgs);
  try {
    const actions = Array.from({ length: EXECUTES }, (_, i) => (i % 2 === 0 ? "mparticle" : "segment_event"));
    const settings: Record<string, Record<string, string>> = { mparticle: emulators.settings.mparticle, segment_event: emulators.settings.segment };
    const form: Record<string, Record<string, string>> = { mparticle: { data_type: "user_data", environment: "development" }, segment_event: {} };

    // Health, every 200 ms, for as long as the executes run.
    const health: number[] = [];
    let running = true;
    const poller = (async () => {
      while (running) {
        const started = performance.now();
        const res = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
        const body = (await res.json()) as { status: string };
        health.push(performance.now() - started);
        expect(res.status).toBe(200);
        expect(body.status).toBe("ok");
        await sleep(HEALTH_EVERY_MS);
      }
    })();

    const started = performance.now();
    const answers = await Promise.all(
      actions.map(async (action, i) => {
        const res = await fetch(`${server.url}/actions/${action}/execute`, {
          method: "POST",
          headers: { authorization: `Token token="${server.secret}"`, "content-type": "application/json", "x-request-id": `load-${i}`, "x-looker-webhook-id": `load-run-${i}` },
          body: JSON.stringify(executeBody({ data: settings[action]!, form: form[action]!, downloadUrl: streamed(), hidden: ["users.notes"] })),
        });
        return { status: res.status, looker: JSON.parse(await res.text()).looker as { success: boolean; message: string } };
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    running = false;
    await poller;
    const peakRssMb = server.peakRssMb();

    const finished = server.entries().filter((e) => e["msg"] === "execute finished");
    expect(finished).toHaveLength(EXECUTES);
    const delivered: Record<string, number> = { mparticle: 0, segment: 0 };
    for (const [i, answer] of answers.entries()) {
      const f = finished.find((e) => e["requestId"] === `load-${i}`)!;
      expect(answer.status).toBe(200);
      expect(f["rows"]).toEqual({ read: ROWS, delivered: ROWS, rejected: 0, failed: 0 });
      expect(answer.looker.success).toBe(true);
      expect(answer.looker.message).toContain(`${ROWS.toLocaleString("en-US")} of ${ROWS.toLocaleString("en-US")} rows delivered.`);
      delivered[f["connector"] as string]! += f["rows"].delivered as number;
    }
    // What the destinations accepted is what the server reports delivered, each record once.
    const state = await emulators.state();
    for (const connector of ["mparticle", "segment"]) {
      expect(state[connector]!.accepted, connector).toBe(delivered[connector]);
      expect(state[connector]!.duplicates, connector).toBe(0);
      expect(state[connector]!.dropped, connector).toBe(0);
    }

    const sorted = [...health].sort((a, b) => a - b);
    const worst = sorted.at(-1)!;
    const p50 = sorted[Math.floor(sorted.length / 2)]!;
    summary.push(
      `Load (${label}): ${EXECUTES} executes x ${ROWS.toLocaleString("en-US")} rows by download_url (${EXECUTES / 2} mParticle user_data, ${EXECUTES / 2} Segment identify) ` +
        `in ${seconds.toFixed(1)} s = ${Math.round((EXECUTES * ROWS) / seconds).toLocaleString("en-US")} rows/s; server peak RSS (VmHWM) ${peakRssMb.toFixed(0)} MB (limit ${peakLimitMb}); ` +
        `/healthz ${health.length} answers, p50 ${p50.toFixed(0)} ms, max ${worst.toFixed(0)} ms`,
    );
    expect(health.length).toBeGreaterThan(seconds * 2);
    expect(worst).toBeLessThan(HEALTH_LIMIT_MS);
    expect(peakRssMb).toBeLessThan(peakLimitMb);
  } finally {
    server.kill();
  }
}

describe(`${EXECUTES} executes of ${ROWS.toLocaleString("en-US")}-row Looks at once`, () => {
  it("as shipped: all complete with correct figures, /healthz answers within a second throughout, peak RSS under 512 MB", async () => {
    // V8 lets garbage build up while there is room: the peak is mostly collector headroom.
    await load("as shipped", [], 512);
  }, 180_000);

  it("with a 256 MB heap: the same, and peak RSS under 400 MB (live memory does not grow with the Looks)", async () => {
    await load("--max-old-space-size=256", ["--max-old-space-size=256"], 400);
  }, 180_000);
});
