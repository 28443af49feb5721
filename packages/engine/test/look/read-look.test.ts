import { once } from "node:events";
import { createWriteStream, type ReadStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LookFormatError, lookSourceFromFile, lookSourceFromString, readLook, type LookEvent, type LookRow } from "../../src/look/index.js";
import { documentOf, lookerLikeMembers, sampleFields, sampleRows } from "./look-fixtures.js";

async function collect(events: AsyncIterable<LookEvent>): Promise<LookEvent[]> {
  const out: LookEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

const rowsOf = (events: LookEvent[]): LookRow[] => events.flatMap((e) => (e.kind === "rows" ? e.rows : []));

describe("readLook", () => {
  const text = documentOf(lookerLikeMembers());

  it("yields the header once, first, then the rows in batches", async () => {
    const events = await collect(readLook(lookSourceFromString(text, 50)));
    expect(events[0]).toEqual({ kind: "header", header: { fields: sampleFields, ranAt: "2025-06-01T12:00:00+00:00" } });
    expect(events.filter((e) => e.kind === "header")).toHaveLength(1);
    expect(events.slice(1).every((e) => e.kind === "rows" && e.rows.length > 0)).toBe(true);
    expect(rowsOf(events)).toEqual(sampleRows);
  });

  it("yields the header before the rows when fields come after data", async () => {
    const doc = documentOf([["data", JSON.stringify(sampleRows)], ["fields", JSON.stringify(sampleFields)]]);
    const events = await collect(readLook(lookSourceFromString(doc, 16)));
    expect(events.map((e) => e.kind)).toEqual(["header", "rows"]);
    expect(rowsOf(events)).toEqual(sampleRows);
  });

  it("reads string chunks, byte chunks and Node Readables alike", async () => {
    const bytes = Buffer.from(text);
    const sources = [
      [text],
      [bytes.subarray(0, 101), bytes.subarray(101)],
      Readable.from([bytes.subarray(0, 7), bytes.subarray(7)]),
    ];
    for (const source of sources) expect(rowsOf(await collect(readLook(source)))).toEqual(sampleRows);
  });

  it("slices in-memory text so it takes the streaming path", async () => {
    const slices = [];
    for await (const slice of lookSourceFromString("é".repeat(10), 3)) slices.push(slice.length);
    expect(slices).toEqual([3, 3, 3, 3, 3, 3, 2]); // 20 bytes, split inside characters
  });

  it("throws LookFormatError for a truncated Look after yielding the rows it could read", async () => {
    const events: LookEvent[] = [];
    const cut = text.slice(0, text.lastIndexOf("}") - 40);
    await expect(async () => {
      for await (const event of readLook(lookSourceFromString(cut, 64))) events.push(event);
    }).rejects.toThrow(LookFormatError);
    expect(events[0]?.kind).toBe("header");
  });

  it("passes the parser options through", async () => {
    await expect(collect(readLook([text], { maxRowBytes: 64 }))).rejects.toThrow(/larger than 64 bytes/);
  });
});

describe("lookSourceFromFile", () => {
  let dir: string;
  let path: string;
  const rowCount = 20_000;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tagwire-look-"));
    path = join(dir, "look.json");
    // Large enough to span many 256 KiB reads, with multi-byte characters at varying offsets.
    const out = createWriteStream(path);
    out.write(`{"ran_at":"2025-01-01T00:00:00Z","sql":"select '[data]'","fields":${JSON.stringify(sampleFields)},"data":[`);
    for (let r = 0; r < rowCount; r++) {
      const row = { "users.email": { value: `u${r}@example.com` }, "users.city": { value: r % 7 === 0 ? "Zürich 🙂 \"q\" \\" : "Lisbon" }, "orders.count": { value: r } };
      if (!out.write((r === 0 ? "" : ",") + JSON.stringify(row))) await once(out, "drain");
    }
    out.end(`],"timezone":"UTC"}`);
    await once(out, "finish");
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads a file in chunks and gives the rows JSON.parse gives", async () => {
    const expected = JSON.parse(await readFile(path, "utf8")) as { data: LookRow[] };
    const events = await collect(readLook(lookSourceFromFile(path)));
    expect(events.filter((e) => e.kind === "rows").length).toBeGreaterThan(1);
    expect(rowsOf(events)).toEqual(expected.data);
  });

  it("closes the file when the reader stops early", async () => {
    const source = lookSourceFromFile(path);
    for await (const event of readLook(source)) {
      if (event.kind === "rows") break;
    }
    expect((source as ReadStream).destroyed).toBe(true);
  });
});
