// The spool from the outside: the server as its own process, a Look downloaded from a local HTTP
// server as Looker's download_url serves it, and a destination slower than the download (the
// emulator answering late, the server paced under a rate limit). With the spool, the download is
// read as fast as it is served and ends long before the sending does; with TAGWIRE_SPOOL_MAX_BYTES=0
// it stays open for most of the sending, as before. Either way every record arrives once.

import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulatorProcess, startServerProcess, type EmulatorProcess } from "./process.js";
import { bigLook, executeBody, startDownloads, withDimension, type LookerDownloads, type LookerResult } from "./support.js";

const MP_FORM = { data_type: "user_data", environment: "development" };
/** 20,000 rows of about a kilobyte (most of it a column no rule sends): a 20 MB download, far more than the sockets between the two servers hold. */
const ROWS = 20_000;
/**
 * About 9 s of sending: 200 requests of 100 records, the first second's worth at once. Long enough
 * that reading the download stays a small part of it on a busy machine (1.4 s of 4 s was seen).
 */
const LIMIT = "2000 records/s";

interface WireRecord {
  user_identities?: Record<string, unknown>;
}

/** The Look's text: bigLook's rows, each with a long note no tag sends. */
function lookText(): string {
  const notes = { name: "users.notes", label: "Notes", type: "string", tags: [] };
  return JSON.stringify(withDimension(bigLook(ROWS), notes, (row) => `${row} `.repeat(1000).slice(0, 900)));
}

describe("the spool, through the Looker Action API with a real server process", () => {
  let emulators: EmulatorProcess;
  let downloads: LookerDownloads;
  let text: string;
  const states: string[] = [];

  beforeAll(async () => {
    // Every answer 20 ms late: a destination slower than the download, on top of the rate limit.
    emulators = await startEmulatorProcess(["--latency", "20"]);
    downloads = await startDownloads();
    text = lookText();
  });
  afterAll(async () => {
    emulators?.kill();
    await downloads?.close();
    for (const dir of states) rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await emulators.reset();
  });

  /**
   * One execute of the Look by download_url on a fresh server: when (ms after the execute was
   * posted) the download server finished its response, when Looker's answer came, and what arrived.
   */
  async function execute(env: Record<string, string>) {
    const state = mkdtempSync(join(tmpdir(), "tagwire-spool-blackbox-"));
    states.push(state);
    const server = await startServerProcess({ TAGWIRE_STATE_DIR: state, TAGWIRE_MPARTICLE_URL: emulators.url, TAGWIRE_MPARTICLE_RATE_LIMIT: LIMIT, TAGWIRE_DOWNLOAD_HOSTS: "127.0.0.1", ...env });
    try {
      let downloadEnded: number | undefined;
      const started = performance.now();
      // Served as fast as the server reads it, in 64 KiB writes that wait for the socket to drain.
      const url = downloads.serve(async (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        const bytes = Buffer.from(text);
        for (let at = 0; at < bytes.length && !res.destroyed; at += 65_536) {
          if (!res.write(bytes.subarray(at, at + 65_536))) await new Promise((resolve) => res.once("drain", resolve));
        }
        res.end(() => (downloadEnded = performance.now() - started));
      });
      const reply = await fetch(`${server.url}/actions/mparticle/execute`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Token token="${server.secret}"`, "x-looker-webhook-id": `spool-${Date.now()}` },
        body: JSON.stringify(executeBody({ data: emulators.settings.mparticle, form: MP_FORM, downloadUrl: url })),
      });
      expect(reply.status).toBe(200);
      const looker = ((await reply.json()) as { looker: LookerResult }).looker;
      const answered = performance.now() - started;
      const records = ((await (await fetch(`${emulators.url}/_emulator/mparticle/records?limit=100000`)).json()) as { records: WireRecord[] }).records;
      const finished = server.entries().find((e) => e["msg"] === "execute finished");
      return { looker, answered, downloadEnded: downloadEnded!, records, finished, spoolDir: join(state, "spool") };
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  }

  /** Every row's record, each once. */
  function everyRecordOnce(records: ReadonlyArray<WireRecord>): void {
    const ids = records.map((r) => Number(r.user_identities?.["customer_id"]));
    expect(ids).toHaveLength(ROWS);
    expect(new Set(ids).size).toBe(ROWS);
    expect(Math.min(...ids)).toBe(5000);
    expect(Math.max(...ids)).toBe(5000 + ROWS - 1);
  }

  it("reads the download to its end long before the sending ends; every record arrives once; the spool's files are gone", { timeout: 60_000 }, async () => {
    const run = await execute({});
    console.log(`spool on: download ended after ${(run.downloadEnded / 1000).toFixed(2)} s, answer after ${(run.answered / 1000).toFixed(2)} s; ${run.looker.message}`);
    expect(run.looker.success, run.looker.message).toBe(true);
    expect(run.looker.message).toMatch(/^mParticle: 20,000 of 20,000 rows delivered\. 200 requests, 0 retries, [\d.]+ s \(read in [\d.]+ s, sent in [\d.]+ s, [\d.]+ s of it paced by the rate limit or a Retry-After\)\.$/);
    expect(run.answered).toBeGreaterThan(3_500);
    expect(run.downloadEnded).toBeLessThan(run.answered * 0.3);
    everyRecordOnce(run.records);
    // The Look went through the disk: more than the memory window waited there.
    expect(run.finished?.["spool"]?.["parts"]).toBeGreaterThan(0);
    expect(run.finished?.["spool"]?.["peakDiskBytes"]).toBeGreaterThan(0);
    expect(run.finished?.["readMs"]).toBeLessThan(run.finished?.["sendMs"] / 3);
    expect(readdirSync(run.spoolDir)).toEqual([]);
  });

  it("with TAGWIRE_SPOOL_MAX_BYTES=0 the download stays open for most of the sending, as before the spool", { timeout: 60_000 }, async () => {
    const run = await execute({ TAGWIRE_SPOOL_MAX_BYTES: "0" });
    console.log(`spool off: download ended after ${(run.downloadEnded / 1000).toFixed(2)} s, answer after ${(run.answered / 1000).toFixed(2)} s; ${run.looker.message}`);
    expect(run.looker.success, run.looker.message).toBe(true);
    expect(run.answered).toBeGreaterThan(3_500);
    // What the sockets between the servers hold is sent after the download server is done: a few megabytes of the twenty.
    expect(run.downloadEnded).toBeGreaterThan(run.answered * 0.5);
    everyRecordOnce(run.records);
    expect(run.finished?.["spool"]?.["parts"]).toBe(0);
    expect(() => readdirSync(run.spoolDir)).toThrow(/ENOENT/);
  });
});
