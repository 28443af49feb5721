import { createHash } from "node:crypto";
import { Worker } from "node:worker_threads";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeyState, KeySet, Snapshot, SnapshotBuilder } from "../../src/sync/snapshot.js";

/** A 16-byte digest standing for `name`. */
function digest(name: string): Uint8Array {
  return createHash("sha256").update(name).digest().subarray(0, 16);
}

/** A key's digest followed by a content's, as records carry them. */
function pair(key: string, content: string): Uint8Array {
  const out = new Uint8Array(32);
  out.set(digest(key), 0);
  out.set(digest(content), 16);
  return out;
}

function hex(bytes: Uint8Array): string[] {
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) out.push(Buffer.from(bytes.subarray(i, i + 16)).toString("hex"));
  return out.sort();
}

/** Which of `keys` the snapshot holds as unseen (hex, sorted), checked against its count of them. */
function unseenOf(s: Snapshot, keys: ReadonlyArray<string>): string[] {
  const unseen = keys.map(digest).filter((d) => s.isUnseen(d, 0));
  expect(s.unseenCount()).toBe(unseen.length);
  return hex(Buffer.concat(unseen));
}

function snapshotOf(entries: ReadonlyArray<readonly [string, string]>): Snapshot {
  const s = SnapshotBuilder.forEntries(entries.length);
  for (const [k, c] of entries) s.add(digest(k), 0, digest(c), 0);
  return s.build();
}

describe("Snapshot", () => {
  it("tells new, changed and unchanged keys apart", () => {
    const s = snapshotOf([["a", "1"], ["b", "2"]]);
    const seen = { duplicate: false };
    expect(s.check(pair("a", "1"), 0, seen)).toBe(KeyState.Unchanged);
    expect(s.check(pair("b", "3"), 0, seen)).toBe(KeyState.Changed);
    expect(s.check(pair("c", "1"), 0, seen)).toBe(KeyState.New);
    expect(seen.duplicate).toBe(false);
  });

  it("finds a key given twice in a run", () => {
    const s = snapshotOf([["a", "1"]]);
    const seen = { duplicate: false };
    s.check(pair("a", "1"), 0, seen);
    expect(seen.duplicate).toBe(false);
    s.check(pair("a", "2"), 0, seen);
    expect(seen.duplicate).toBe(true);
  });

  it("gives the keys no row had", () => {
    const s = snapshotOf([["a", "1"], ["b", "2"], ["c", "3"]]);
    s.check(pair("b", "2"), 0, { duplicate: false });
    expect(unseenOf(s, ["a", "b", "c", "d"])).toEqual(hex(Buffer.concat([digest("a"), digest("c")])));
  });

  it("takes a key sharing its first 8 bytes with another key of the state as changed, and neither as removed", () => {
    const a = digest("a");
    const b = new Uint8Array(a);
    b[15] = b[15]! ^ 1;
    const builder = SnapshotBuilder.forEntries(3);
    builder.add(a, 0, digest("1"), 0);
    builder.add(digest("c"), 0, digest("3"), 0);
    builder.add(b, 0, digest("2"), 0);
    const s = builder.build();
    // Neither is taken as removed, though no row had them.
    expect(s.isUnseen(a, 0) || s.isUnseen(b, 0)).toBe(false);
    expect(s.unseenCount()).toBe(1);
    expect(s.isUnseen(digest("c"), 0)).toBe(true);
    // Key a with b's content: which of the two keys it is cannot be told, so it is sent rather than skipped.
    const record = new Uint8Array(32);
    record.set(a, 0);
    record.set(digest("2"), 16);
    const seen = { duplicate: false };
    expect(s.check(record, 0, seen)).toBe(KeyState.Changed);
    expect(seen.duplicate).toBe(false);
  });

  it("keeps 16 bytes and a bit an entry, besides its index", () => {
    const { memory, bucketBits } = SnapshotBuilder.forEntries(1_000_000).build().buffers;
    expect(memory.byteLength).toBe(1_000_000 * 16 + Math.ceil(1_000_000 / 32) * 4 + ((1 << bucketBits) + 1) * 4);
    expect(memory.byteLength).toBeLessThan(16.5 * 1024 * 1024);
  });

  it("finds every key among many, whatever order they were added in", () => {
    const count = 20_000;
    const builder = SnapshotBuilder.forEntries(count);
    for (let i = count - 1; i >= 0; i--) builder.add(digest(`k${i}`), 0, digest(`c${i}`), 0);
    const s = builder.build();
    expect(s.buffers.bucketBits).toBeGreaterThan(8);
    const seen = { duplicate: false };
    let checked = 0;
    for (let i = 0; i < count; i += 7, checked++) expect(s.check(pair(`k${i}`, `c${i}`), 0, seen)).toBe(KeyState.Unchanged);
    for (let i = 1; i < count; i += 7, checked++) expect(s.check(pair(`k${i}`, "other"), 0, seen)).toBe(KeyState.Changed);
    for (let i = 0; i < 1000; i++) expect(s.check(pair(`absent${i}`, "c"), 0, seen)).toBe(KeyState.New);
    expect(s.unseenCount()).toBe(count - checked);
  });

  it("reads digests at any offset", () => {
    const s = snapshotOf([["a", "1"]]);
    const buf = new Uint8Array(40);
    buf.set(pair("a", "1"), 5);
    expect(s.check(buf, 5, { duplicate: false })).toBe(KeyState.Unchanged);
  });

  it("refuses more entries than it was made for", () => {
    const s = SnapshotBuilder.forEntries(1);
    expect(() => {
      for (let i = 0; i < 100; i++) s.add(digest(`k${i}`), 0, digest("c"), 0);
    }).toThrow(/made for fewer than/);
  });

  it("marks keys seen from a worker thread in the same memory", async () => {
    const s = snapshotOf([["a", "1"], ["b", "2"]]);
    // The worker checks key a, as a row worker does, in the snapshot it attaches to (the build's module).
    const source = `
      import { parentPort, workerData } from "node:worker_threads";
      import { Snapshot } from ${JSON.stringify(new URL("../../dist/sync/snapshot.js", import.meta.url).href)};
      const record = new Uint8Array(workerData.record);
      Snapshot.attach(workerData.buffers).check(record, 0, { duplicate: false });
      parentPort.postMessage("done");
    `;
    const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`), { workerData: { buffers: s.buffers, record: pair("a", "1").buffer } });
    await new Promise((resolve) => worker.once("message", resolve));
    await worker.terminate();
    expect(unseenOf(s, ["a", "b"])).toEqual(hex(digest("b")));
    const seen = { duplicate: false };
    Snapshot.attach(s.buffers).check(pair("a", "1"), 0, seen);
    expect(seen.duplicate).toBe(true);
  });

  it("agrees with a Map for any previous state and any run", () => {
    const name = fc.string({ maxLength: 4 });
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(name, name), { selector: ([k]) => k, maxLength: 200 }), fc.array(fc.tuple(name, name), { maxLength: 200 }), (previous, run) => {
        const s = snapshotOf(previous);
        const model = new Map(previous);
        const seenKeys = new Set<string>();
        // As a run keeps them: by their first 8 bytes.
        const newKeys = new KeySet();
        for (const [k, c] of run) {
          const seen = { duplicate: false };
          const state = s.check(pair(k, c), 0, seen);
          const expected = !model.has(k) ? KeyState.New : model.get(k) === c ? KeyState.Unchanged : KeyState.Changed;
          expect(state).toBe(expected);
          const duplicate = state === KeyState.New ? !newKeys.add(digest(k), 0) : seen.duplicate;
          expect(duplicate).toBe(seenKeys.has(k));
          seenKeys.add(k);
        }
        const unseen = previous.filter(([k]) => !seenKeys.has(k)).map(([k]) => digest(k));
        expect(unseenOf(s, [...previous.map(([k]) => k), ...run.map(([k]) => k)])).toEqual(hex(Buffer.concat(unseen)));
      }),
    );
  });
});

describe("Snapshot.fromPages", () => {
  it("grows past its first size as the store's pages come, and keeps every entry", async () => {
    const entries = Array.from({ length: 3000 }, (_, i) => [`k${i}`, `c${i}`] as const);
    async function* pages() {
      for (let start = 0; start < entries.length; start += 700) {
        const page = entries.slice(start, start + 700);
        yield { count: page.length, keys: Buffer.concat(page.map(([k]) => digest(k))), contents: Buffer.concat(page.map(([, c]) => digest(c))) };
      }
    }
    const s = await Snapshot.fromPages(pages());
    const seen = { duplicate: false };
    for (const [k, c] of entries) expect(s.check(pair(k, c), 0, seen)).toBe(KeyState.Unchanged);
    expect(s.unseenCount()).toBe(0);
  });
});

describe("Snapshot.fromPages, keys sharing their first 8 bytes", () => {
  it("keeps them shared when the snapshot grows", async () => {
    const a = digest("shared");
    const b = new Uint8Array(a);
    b[15] = b[15]! ^ 1;
    const others = Array.from({ length: 2000 }, (_, i) => digest(`k${i}`));
    async function* pages() {
      yield { count: 2, keys: Buffer.concat([a, b]), contents: Buffer.concat([digest("1"), digest("2")]) };
      yield { count: others.length, keys: Buffer.concat(others), contents: Buffer.concat(others.map(() => digest("c"))) };
    }
    const s = await Snapshot.fromPages(pages());
    expect(s.buffers.capacity).toBeGreaterThan(2);
    // Never inferred removed, and never skipped as unchanged.
    expect(s.isUnseen(a, 0) || s.isUnseen(b, 0)).toBe(false);
    expect(s.unseenCount()).toBe(others.length);
    const record = new Uint8Array(32);
    record.set(a, 0);
    record.set(digest("1"), 16);
    expect(s.check(record, 0, { duplicate: false })).toBe(KeyState.Changed);
  });
});

describe("Snapshot.fromPages with the store's count", () => {
  it("makes the snapshot for the count the first page gives, and never grows it", async () => {
    const entries = Array.from({ length: 3000 }, (_, i) => [`k${i}`, `c${i}`] as const);
    async function* pages() {
      for (let start = 0; start < entries.length; start += 700) {
        const page = entries.slice(start, start + 700);
        yield {
          count: page.length,
          keys: Buffer.concat(page.map(([k]) => digest(k))),
          contents: Buffer.concat(page.map(([, c]) => digest(c))),
          ...(start === 0 ? { total: entries.length } : {}),
        };
      }
    }
    const s = await Snapshot.fromPages(pages());
    expect(s.buffers.capacity).toBe(entries.length);
    const seen = { duplicate: false };
    for (const [k, c] of entries) expect(s.check(pair(k, c), 0, seen)).toBe(KeyState.Unchanged);
    expect(s.check(pair("k7", "other"), 0, seen)).toBe(KeyState.Changed);
    expect(s.unseenCount()).toBe(0);
  });
});

describe("KeySet", () => {
  it("grows past its first table and still finds every key", () => {
    const keys = new KeySet();
    for (let i = 0; i < 5000; i++) expect(keys.add(digest(`k${i}`), 0)).toBe(true);
    for (let i = 0; i < 5000; i += 97) expect(keys.add(digest(`k${i}`), 0)).toBe(false);
    for (let i = 0; i < 5000; i += 89) expect(keys.has(digest(`k${i}`), 0)).toBe(true);
    expect(keys.has(digest("k5000"), 0)).toBe(false);
    expect(keys.size).toBe(5000);
  });

  it("tells keys apart by their first 8 bytes", () => {
    const a = digest("a");
    const b = new Uint8Array(a);
    b[15] = b[15]! ^ 1;
    const keys = new KeySet();
    expect(keys.add(a, 0)).toBe(true);
    expect(keys.add(b, 0)).toBe(false);
    b[7] = b[7]! ^ 1;
    expect(keys.add(b, 0)).toBe(true);
  });
});
