// The run's stages as a caller meets them: a Look whose header was read before the run, the bound
// on requests in flight, and the row buffers a reader takes back. The connector is the real Braze
// manifest (50 records a request); the transport is a stub the test holds answers in.

import * as Effect from "effect/Effect";
import { describe, expect, it } from "vitest";
import { findConnector, loadConnectors, lookSourceFromString, peekHeader, readLook, type AttemptResult, type RunInput, type RunReport, type Transport } from "../../src/index.js";
import { RawRowsBuilder } from "../../src/look/raw-rows.js";
import { field } from "../support/look-builder.js";
import { runLookAlone } from "../support/run-alone.js";

const braze = findConnector(loadConnectors(), "braze");
const settings = Object.fromEntries(braze.manifest.settings.map((s) => [s.name, s.choices?.[0]?.value ?? `key-for-${s.name}`]));
const OK: AttemptResult = { kind: "response", status: 201, headers: {}, body: '{"message":"success"}' };

function brazeLook(count: number): string {
  const data = Array.from({ length: count }, (_, i) => ({ "users.id": { value: `u-${i + 1}` }, "users.plan": { value: "gold" } }));
  const fields = { dimensions: [field("users.id", ["braze_id"]), field("users.plan", ["braze_attribute"])], measures: [], table_calculations: [], pivots: [] };
  return JSON.stringify({ id: "q", ran_at: "2026-11-01T10:00:00Z", fields, data });
}

/** Answers a request only when the test releases it; counts the requests out at once. */
function heldTransport(): Transport & { posted: number; inFlight: number; most: number; release(): void } {
  const waiting: Array<() => void> = [];
  const t = {
    posted: 0,
    inFlight: 0,
    most: 0,
    post(): Promise<AttemptResult> {
      t.posted++;
      t.inFlight++;
      t.most = Math.max(t.most, t.inFlight);
      return new Promise<AttemptResult>((resolve) =>
        waiting.push(() => {
          t.inFlight--;
          resolve(OK);
        }),
      );
    },
    release: () => waiting.splice(0).forEach((answer) => answer()),
    close: () => undefined,
  };
  return t;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function send(input: Partial<RunInput> & Pick<RunInput, "look" | "transport">): Promise<RunReport> {
  return Effect.runPromise(runLookAlone({ connector: braze, settings, options: {}, runId: "run-1", env: {}, rateLimit: "off", ...input }));
}

describe("the run's pipeline", () => {
  it("takes a Look whose header the caller has read, and reports it as it reports the whole Look", async () => {
    const text = brazeLook(120);
    const whole = await send({ look: readLook([text]), transport: answeringTransport() });
    const peeked = await peekHeader(readLook([text]));
    expect(peeked?.header.fields.dimensions.map((f) => f.name)).toEqual(["users.id", "users.plan"]);
    const fromPeeked = await send({ look: peeked!, transport: answeringTransport() });
    expect(fromPeeked.rows).toEqual({ read: 120, delivered: 120, rejected: 0, failed: 0 });
    expect(fromPeeked.rows).toEqual(whole.rows);
    expect(fromPeeked.requests.sent).toBe(whole.requests.sent);
  });

  it("has no more than `concurrency` requests out at once, and keeps that many out while there are batches", async () => {
    const transport = heldTransport();
    let done = false;
    const pending = send({ look: readLook([brazeLook(1_000)]), transport, concurrency: 3 }).finally(() => (done = true));
    // The first request goes alone (refused credentials would stop the run there); then three at once.
    while (!done) {
      await sleep(5);
      transport.release();
    }
    const report = await pending;
    expect(report.rows).toEqual({ read: 1_000, delivered: 1_000, rejected: 0, failed: 0 });
    expect(transport.posted).toBe(20);
    expect(transport.most).toBe(3);
  });
});

describe("a row over the reader's size limit", () => {
  /** 120 rows; rows 50 and 51 carry 3 KB of text, over a 1 KiB limit. */
  const look = (() => {
    const parsed = JSON.parse(brazeLook(120)) as { data: Array<Record<string, { value: unknown }>> };
    for (const i of [49, 50]) parsed.data[i]!["users.plan"] = { value: `"]}{[\\${"p".repeat(3000)}` };
    return JSON.stringify(parsed);
  })();

  it("is rejected alone, with its number, the limit and the setting named, whether rows are parsed before the run or in it, here or on a worker", async () => {
    for (const [raw, workers] of [[false, 0], [true, 0], [true, 1], [false, 1]] as const) {
      const bodies: string[] = [];
      const transport = { post: async (_url: string, body: string | Uint8Array) => (bodies.push(String(body)), OK), close: () => undefined };
      const report = await send({ look: readLook(lookSourceFromString(look, 700), { raw, maxRowBytes: 1024 }), transport, workers });
      const where = `raw: ${raw}, workers: ${workers}`;
      expect(report.rows, where).toEqual({ read: 120, delivered: 118, rejected: 2, failed: 0 });
      expect(report.sourceError, where).toBeUndefined();
      expect(report.rejected, where).toEqual([
        {
          reason: "row larger than 1 KiB, not read (raise TAGWIRE_MAX_ROW_BYTES if such rows are expected)",
          count: 2,
          examples: [
            { row: 50, detail: expect.stringMatching(/^row is 3,0\d\d bytes \(starting at byte \d+\)$/) },
            { row: 51, detail: expect.stringMatching(/^row is 3,0\d\d bytes \(starting at byte \d+\)$/) },
          ],
        },
      ]);
      const sent = bodies.flatMap((b) => b.match(/"u-\d+"/g) ?? []).map((id) => Number(id.slice(3, -1)));
      expect(new Set(sent), where).toEqual(new Set(Array.from({ length: 120 }, (_, i) => i + 1).filter((n) => n !== 50 && n !== 51)));
    }
  });
});

describe("a Look reader's row buffers", () => {
  const row = new TextEncoder().encode('{"users.id":{"value":"u-1"}}');
  const chunkOf = (builder: RawRowsBuilder, firstRow: number) => {
    builder.add(row, 0, row.length, 0);
    return builder.take(firstRow);
  };

  it("fill a buffer given back to the reader again, and no other reader's", () => {
    const builder = new RawRowsBuilder();
    const given = chunkOf(builder, 1).bytes.buffer as ArrayBuffer;
    builder.recycle(given);
    // The next chunk was already started in a buffer of its own; the one after it reuses the buffer given back.
    expect(chunkOf(builder, 2).bytes.buffer).not.toBe(given);
    expect(chunkOf(builder, 3).bytes.buffer).toBe(given);

    const other = new RawRowsBuilder();
    const kept = chunkOf(builder, 4).bytes.buffer as ArrayBuffer;
    builder.recycle(kept);
    chunkOf(other, 1);
    expect(chunkOf(other, 2).bytes.buffer).not.toBe(kept);
  });
});

/** A transport that answers every request at once. */
function answeringTransport(): Transport & { posted: number } {
  const t = { posted: 0, post: async () => (t.posted++, OK), close: () => undefined };
  return t;
}
