// The spool on its own: a source read ahead of a reader that lags, its bytes given back in order
// from memory and from part files, the files deleted as they are read and when the reading
// ends however it ends, the disk budget holding the source back, and the sweep of files a crashed
// process left. Sizes are small (kilobytes, not megabytes) so that a few hundred kilobytes cross
// every part.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as Effect from "effect/Effect";
import * as ManagedRuntime from "effect/ManagedRuntime";
import { afterEach, describe, expect, it } from "vitest";
import {
  partFileName, spoolConfigFromEnv, SpoolConfigError, spooledDownload, spoolLayer, SpoolService, thisProcess, DEFAULT_SPOOL_MAX_BYTES,
  type SpooledBytes, type Spools, type SpoolSizes,
} from "../../src/index.js";

const KiB = 1024;
/** Never held for the run's pace: these tests are about the disk. */
const SMALL: SpoolSizes = { windowBytes: 16 * KiB, blockBytes: 8 * KiB, partBytes: 24 * KiB, paceBytesPerSecond: 0 };

const dirs: string[] = [];
const runtimes: Array<ManagedRuntime.ManagedRuntime<SpoolService, never>> = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.dispose()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tagwire-spool-test-"));
  dirs.push(dir);
  return dir;
}

async function spoolsIn(dir: string, maxBytes = DEFAULT_SPOOL_MAX_BYTES, sizes: Partial<SpoolSizes> = SMALL): Promise<Spools> {
  const runtime = ManagedRuntime.make(spoolLayer({ dir, maxBytes }, { sizes }));
  runtimes.push(runtime);
  return runtime.runPromise(SpoolService);
}

const files = (dir: string): string[] => {
  try {
    return readdirSync(dir).filter((f) => f.endsWith(".spool"));
  } catch {
    return [];
  }
};

/** Deterministic bytes: JSON-like rows (they compress, as a Look does) or noise (it does not). */
function lookBytes(size: number, kind: "rows" | "noise", seed = 1): Buffer {
  let x = seed >>> 0 || 1;
  const next = () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0), x);
  // The high byte: an LCG's low bits repeat every few hundred values, which deflate would find.
  if (kind === "noise") return Buffer.from(Uint8Array.from({ length: size }, () => next() >>> 24));
  let text = "";
  for (let i = 0; text.length < size; i++) text += `{"users.id":{"value":${i}},"users.email":{"value":"u${next() % 100_000}@example.com"}},`;
  return Buffer.from(text.slice(0, size));
}

/** A source that yields `bytes` in chunks of uneven sizes, counting what was pulled; `fail` throws after the last chunk. */
function sourceOf(bytes: Buffer, options: { fail?: Error; chunk?: (i: number) => number } = {}) {
  const state = { pulled: 0, done: false, returned: false };
  const chunk = options.chunk ?? ((i: number) => 1000 + ((i * 7919) % 7000));
  async function* generate(): AsyncGenerator<Uint8Array> {
    try {
      let i = 0;
      for (let at = 0; at < bytes.length; i++) {
        const end = Math.min(bytes.length, at + chunk(i));
        state.pulled = end;
        yield bytes.subarray(at, end);
        at = end;
      }
      if (options.fail !== undefined) throw options.fail;
      state.done = true;
    } finally {
      state.returned = !state.done;
    }
  }
  return { source: generate(), state };
}

const until = async (check: () => boolean, ms = 5_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 2));
  }
};

/** Reads everything left, with a pause now and then, so that the spool is taken from while it is written. */
async function drain(iterator: AsyncIterator<Uint8Array>, into: Uint8Array[], pauseEvery = 0): Promise<void> {
  for (let i = 1; ; i++) {
    const next = await iterator.next();
    if (next.done === true) return;
    into.push(next.value);
    if (pauseEvery > 0 && i % pauseEvery === 0) await new Promise((r) => setTimeout(r, 1));
  }
}

describe("the spool", () => {
  it("reads the source ahead of a reader that waits, and gives the bytes back in order from memory and from part files", async () => {
    const dir = tempDir();
    const spools = await spoolsIn(dir);
    const bytes = lookBytes(600 * KiB, "rows");
    const { source, state } = sourceOf(bytes);
    const spooled = spools.open(source);
    const iterator = spooled[Symbol.asyncIterator]();
    const got: Uint8Array[] = [];
    const first = await iterator.next();
    got.push(first.value!);
    // The reader has taken one chunk; the whole source is read all the same.
    await until(() => spooled.finishedAt !== undefined);
    expect(state.done).toBe(true);
    const figures = spooled.figures();
    expect(figures.bytesRead).toBe(bytes.length);
    expect(figures.parts).toBeGreaterThanOrEqual(3);
    // Compressed: the rows take far less on disk than they did in the download.
    expect(figures.diskBytes).toBeLessThan(bytes.length / 2);
    expect(files(dir).length).toBeGreaterThanOrEqual(3);
    await drain(iterator, got);
    expect(Buffer.concat(got).equals(bytes)).toBe(true);
    expect(files(dir)).toEqual([]);
  });

  it("keeps the order byte for byte while the source and the reader both go on, catching up and falling behind", async () => {
    const dir = tempDir();
    const spools = await spoolsIn(dir);
    const bytes = Buffer.concat([lookBytes(300 * KiB, "rows", 2), lookBytes(200 * KiB, "noise", 3), lookBytes(300 * KiB, "rows", 4)]);
    // Small and large chunks, the source pausing now and then: the reader is sometimes ahead of it, sometimes far behind.
    const { source } = sourceOf(bytes, { chunk: (i) => (i % 13 === 0 ? 20 * KiB : 50 + ((i * 104_729) % 5000)) });
    async function* bursty(): AsyncGenerator<Uint8Array> {
      let i = 0;
      for await (const chunk of source) {
        if (++i % 40 === 0) await new Promise((r) => setTimeout(r, 5));
        yield chunk;
      }
    }
    const spooled = spools.open(bursty());
    const got: Uint8Array[] = [];
    await drain(spooled[Symbol.asyncIterator](), got, 25);
    expect(Buffer.concat(got).equals(bytes)).toBe(true);
    expect(spooled.figures().parts).toBeGreaterThan(0);
    expect(files(dir)).toEqual([]);
  });

  it("deletes each part file as soon as it has been read back, and the last when the reading ends", async () => {
    const dir = tempDir();
    const spools = await spoolsIn(dir);
    const bytes = lookBytes(200 * KiB, "noise", 5);
    const spooled = spools.open(sourceOf(bytes).source);
    const iterator = spooled[Symbol.asyncIterator]();
    const got: Uint8Array[] = [];
    got.push((await iterator.next()).value!);
    await until(() => spooled.finishedAt !== undefined);
    // The download has ended; its last block may still be on its way to disk.
    await until(() => spooled.figures().bytesSpooled > 0 && spooled.figures().diskBytes === spooled.figures().bytesSpooled && files(dir).length === spooled.figures().parts);
    await new Promise((r) => setTimeout(r, 20));
    const counts = [files(dir).length];
    expect(counts[0]).toBeGreaterThanOrEqual(6);
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) break;
      got.push(next.value);
      // Deletion is queued after the read: the count is looked at once it has had its turn.
      await new Promise((r) => setImmediate(r));
      counts.push(files(dir).length);
    }
    expect(Buffer.concat(got).equals(bytes)).toBe(true);
    // Never more files than before, and fewer after each part's worth of bytes.
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeLessThanOrEqual(counts[i - 1]!);
    expect(new Set(counts).size).toBeGreaterThanOrEqual(counts[0]!);
    expect(files(dir)).toEqual([]);
    expect(spooled.figures().diskBytes).toBe(0);
  });

  it("holds the source back once TAGWIRE_SPOOL_MAX_BYTES is used, and loses nothing", async () => {
    const dir = tempDir();
    const maxBytes = 64 * KiB;
    const spools = await spoolsIn(dir, maxBytes);
    // Noise: a block takes as much on disk as in memory, so the budget is reached quickly.
    const bytes = lookBytes(2048 * KiB, "noise", 6);
    const { source, state } = sourceOf(bytes);
    const spooled = spools.open(source);
    const iterator = spooled[Symbol.asyncIterator]();
    const got: Uint8Array[] = [(await iterator.next()).value!];
    await until(() => spooled.figures().fullWaitMs > 0 || state.pulled === bytes.length);
    const pulled = state.pulled;
    await new Promise((r) => setTimeout(r, 50));
    // Waiting: nothing more pulled, and no more than the window, the budget, one block and one chunk out of the source.
    expect(state.pulled).toBe(pulled);
    expect(pulled).toBeLessThanOrEqual(SMALL.windowBytes + maxBytes + SMALL.blockBytes + 8 * KiB);
    expect(spooled.finishedAt).toBeUndefined();
    await drain(iterator, got);
    expect(Buffer.concat(got).equals(bytes)).toBe(true);
    expect(spools.diskBytes().peak).toBeLessThanOrEqual(maxBytes);
    expect(spools.diskBytes().peak).toBeGreaterThan(maxBytes / 2);
    expect(files(dir)).toEqual([]);
  });

  it("shares the budget between the spools of a process", async () => {
    const dir = tempDir();
    const maxBytes = 64 * KiB;
    const spools = await spoolsIn(dir, maxBytes);
    const a = lookBytes(512 * KiB, "noise", 7);
    const b = lookBytes(512 * KiB, "noise", 8);
    const [sa, sb] = [spools.open(sourceOf(a).source), spools.open(sourceOf(b).source)];
    const [ia, ib] = [sa[Symbol.asyncIterator](), sb[Symbol.asyncIterator]()];
    const got: { a: Uint8Array[]; b: Uint8Array[] } = { a: [(await ia.next()).value!], b: [(await ib.next()).value!] };
    await until(() => sa.figures().fullWaitMs > 0 && sb.figures().fullWaitMs > 0);
    expect(spools.diskBytes().now).toBeLessThanOrEqual(maxBytes);
    await Promise.all([drain(ia, got.a, 3), drain(ib, got.b, 5)]);
    expect(Buffer.concat(got.a).equals(a)).toBe(true);
    expect(Buffer.concat(got.b).equals(b)).toBe(true);
    expect(spools.diskBytes().peak).toBeLessThanOrEqual(maxBytes);
    expect(files(dir)).toEqual([]);
  });

  it("gives every byte read before a source error, then fails with that error; its files are deleted", async () => {
    const dir = tempDir();
    const spools = await spoolsIn(dir);
    const bytes = lookBytes(300 * KiB, "rows", 9);
    const broke = new Error("the connection was reset after 307,200 bytes");
    const { source } = sourceOf(bytes, { fail: broke });
    const spooled = spools.open(source);
    const iterator = spooled[Symbol.asyncIterator]();
    const got: Uint8Array[] = [(await iterator.next()).value!];
    // The error has happened before the reader goes on: the bytes before it still come first.
    await until(() => spooled.figures().bytesRead === bytes.length);
    await new Promise((r) => setTimeout(r, 20));
    expect(files(dir).length).toBeGreaterThan(0);
    await expect(drain(iterator, got)).rejects.toBe(broke);
    expect(Buffer.concat(got).equals(bytes)).toBe(true);
    expect(spooled.finishedAt).toBeUndefined();
    expect(files(dir)).toEqual([]);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it("a reader that stops part-way deletes the files at once and lets the source go", async () => {
    const dir = tempDir();
    const spools = await spoolsIn(dir, 96 * KiB);
    const bytes = lookBytes(4096 * KiB, "noise", 10);
    const { source, state } = sourceOf(bytes);
    const spooled = spools.open(source);
    let taken = 0;
    for await (const chunk of spooled) {
      taken += chunk.byteLength;
      if (taken === chunk.byteLength) await until(() => files(dir).length >= 2);
      if (taken > 32 * KiB) break;
    }
    expect(files(dir)).toEqual([]);
    await until(() => state.returned);
    expect(state.pulled).toBeLessThan(bytes.length);
  });

  it("is closed with the run's scope, whatever the reader was doing", async () => {
    const dir = tempDir();
    const spools = await spoolsIn(dir);
    const { source, state } = sourceOf(lookBytes(400 * KiB, "noise", 11));
    let spooled: SpooledBytes | undefined;
    let reader: AsyncIterator<Uint8Array> | undefined;
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          spooled = yield* spooledDownload(source);
          reader = spooled[Symbol.asyncIterator]();
          yield* Effect.promise(() => reader!.next());
          yield* Effect.promise(() => until(() => spooled!.finishedAt !== undefined));
          expect(files(dir).length).toBeGreaterThan(0);
        }),
      ).pipe(Effect.provideService(SpoolService, spools)),
    );
    expect(files(dir)).toEqual([]);
    expect(state.done).toBe(true);
    // The reader finds the spool closed: no more bytes, no error.
    expect(await reader!.next()).toEqual({ done: true, value: undefined });
  });

  it("with TAGWIRE_SPOOL_MAX_BYTES=0 is the source as it was: read at the reader's pace, nothing on disk", async () => {
    const dir = tempDir();
    const spools = await spoolsIn(dir, 0);
    const bytes = lookBytes(300 * KiB, "rows", 12);
    const { source, state } = sourceOf(bytes);
    const spooled = spools.open(source);
    const iterator = spooled[Symbol.asyncIterator]();
    const got: Uint8Array[] = [(await iterator.next()).value!];
    await new Promise((r) => setTimeout(r, 30));
    expect(state.pulled).toBe(got[0]!.byteLength);
    await drain(iterator, got);
    expect(Buffer.concat(got).equals(bytes)).toBe(true);
    expect(spooled.finishedAt).toBeDefined();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a disk that refuses the spool's files leaves the reading at the reader's pace, every byte delivered", async () => {
    const parent = tempDir();
    // A file where the directory should be: no part can be made.
    const dir = join(parent, "not-a-dir");
    writeFileSync(dir, "");
    const spools = await spoolsIn(dir);
    const bytes = lookBytes(400 * KiB, "noise", 13);
    const { source, state } = sourceOf(bytes);
    const spooled = spools.open(source);
    const iterator = spooled[Symbol.asyncIterator]();
    const got: Uint8Array[] = [(await iterator.next()).value!];
    await until(() => spooled.figures().diskError !== undefined);
    await new Promise((r) => setTimeout(r, 30));
    expect(state.pulled).toBeLessThan(bytes.length);
    await drain(iterator, got);
    expect(Buffer.concat(got).equals(bytes)).toBe(true);
    expect(spooled.figures().diskError).toMatch(/^(ENOTDIR|EEXIST)/);
  });
});

describe("the spool and the run's pace", () => {
  /** Takes a chunk every `everyMs` until the end; how long it took. */
  async function readPaced(iterator: AsyncIterator<Uint8Array>, into: Uint8Array[], everyMs: number): Promise<number> {
    const started = performance.now();
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return performance.now() - started;
      into.push(next.value);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  it("a run that takes the bytes fast enough reads the download itself: nothing is read ahead, nothing goes to disk", async () => {
    const dir = tempDir();
    // A window of 16 KiB and a run taking about 4 KiB every 3 ms or so (about 1 MiB/s; a tenth of it under load), judged against 32 KiB/s.
    const spools = await spoolsIn(dir, DEFAULT_SPOOL_MAX_BYTES, { ...SMALL, paceBytesPerSecond: 32 * KiB });
    const bytes = lookBytes(2400 * KiB, "rows", 14);
    const { source, state } = sourceOf(bytes);
    const spooled = spools.open(source);
    const iterator = spooled[Symbol.asyncIterator]();
    const got: Uint8Array[] = [(await iterator.next()).value!];
    // The run has taken one chunk, and has not been slow for long enough to be judged: the download waits for it, though the disk has room.
    await new Promise((r) => setTimeout(r, 100));
    expect(state.pulled).toBe(got[0]!.byteLength);
    const ms = await readPaced(iterator, got, 3);
    // Long enough for the pace to have been judged again and again, not only in the first half second.
    expect(ms).toBeGreaterThan(1_000);
    expect(Buffer.concat(got).equals(bytes)).toBe(true);
    const figures = spooled.figures();
    expect(figures.parts).toBe(0);
    expect(figures.bytesSpooled).toBe(0);
    expect(figures.bytesDirect).toBe(bytes.length);
    expect(files(dir)).toEqual([]);
  });

  it("a run slower than the pace gets the disk: the download is read ahead of it, and every byte comes back in order", async () => {
    const dir = tempDir();
    // About 4 KiB every 20 ms or more: 200 KiB/s at most, judged against 4 MiB/s.
    const spools = await spoolsIn(dir, DEFAULT_SPOOL_MAX_BYTES, { ...SMALL, paceBytesPerSecond: 4 * 1024 * KiB });
    const bytes = lookBytes(400 * KiB, "rows", 15);
    const { source } = sourceOf(bytes);
    const spooled = spools.open(source);
    const iterator = spooled[Symbol.asyncIterator]();
    const got: Uint8Array[] = [];
    const reading = readPaced(iterator, got, 20);
    // Once the first half second has shown the pace, the rest of the download goes to disk at once.
    await until(() => spooled.finishedAt !== undefined, 3_000);
    expect(got.length).toBeLessThan(40);
    await reading;
    expect(Buffer.concat(got).equals(bytes)).toBe(true);
    expect(spooled.figures().parts).toBeGreaterThan(0);
    expect(spooled.figures().bytesDirect).toBeLessThan(bytes.length / 2);
    expect(files(dir)).toEqual([]);
  });

  it("a run its destination holds back gets the disk however fast it reads: the download is read to its end ahead of it", async () => {
    const dir = tempDir();
    const spools = await spoolsIn(dir, DEFAULT_SPOOL_MAX_BYTES, { ...SMALL, paceBytesPerSecond: 32 * KiB });
    const bytes = lookBytes(600 * KiB, "rows", 17);
    const { source, state } = sourceOf(bytes);
    const spooled = spools.open(source);
    // As a paced run says at its start: its rate limit holds its requests back.
    spooled.watchHold?.(() => true);
    const iterator = spooled[Symbol.asyncIterator]();
    const got: Uint8Array[] = [];
    // Far faster than the pace (about 1 MiB/s against 32 KiB/s), which alone would leave it reading the download itself.
    const reading = readPaced(iterator, got, 3);
    await until(() => spooled.finishedAt !== undefined);
    expect(state.done).toBe(true);
    expect(got.reduce((n, c) => n + c.byteLength, 0)).toBeLessThan(bytes.length / 2);
    await reading;
    expect(Buffer.concat(got).equals(bytes)).toBe(true);
    const figures = spooled.figures();
    expect(figures.parts).toBeGreaterThan(0);
    expect(figures.bytesDirect).toBeLessThan(bytes.length / 2);
    expect(files(dir)).toEqual([]);
  });

  it("while other downloads are open every run gets the spool, however fast it reads; alone again, it reads its download itself", async () => {
    const dir = tempDir();
    const spools = await spoolsIn(dir, DEFAULT_SPOOL_MAX_BYTES, { ...SMALL, paceBytesPerSecond: 32 * KiB });
    const [a, b] = [lookBytes(300 * KiB, "rows", 18), lookBytes(300 * KiB, "rows", 19)];
    const [sa, sb] = [spools.open(sourceOf(a).source), spools.open(sourceOf(b).source)];
    const [ia, ib] = [sa[Symbol.asyncIterator](), sb[Symbol.asyncIterator]()];
    const got: { a: Uint8Array[]; b: Uint8Array[] } = { a: [], b: [] };
    // Both far faster than the pace; each is read ahead at once all the same.
    await Promise.all([readPaced(ia, got.a, 1), readPaced(ib, got.b, 1)]);
    expect(Buffer.concat(got.a).equals(a)).toBe(true);
    expect(Buffer.concat(got.b).equals(b)).toBe(true);
    expect(sa.figures().bytesDirect).toBe(0);
    expect(sb.figures().bytesDirect).toBe(0);
    // Both closed: a third, alone, reads its download itself.
    const c = lookBytes(300 * KiB, "rows", 20);
    const sc = spools.open(sourceOf(c).source);
    const gotC: Uint8Array[] = [];
    await readPaced(sc[Symbol.asyncIterator](), gotC, 1);
    expect(Buffer.concat(gotC).equals(c)).toBe(true);
    expect(sc.figures().bytesDirect).toBe(c.length);
    expect(files(dir)).toEqual([]);
  });

  it("a run that falls behind gets the disk, and reads the download itself again once it has caught up and keeps pace", async () => {
    const dir = tempDir();
    const spools = await spoolsIn(dir, DEFAULT_SPOOL_MAX_BYTES, { ...SMALL, paceBytesPerSecond: 64 * KiB });
    const bytes = lookBytes(3000 * KiB, "rows", 16);
    const { source, state } = sourceOf(bytes);
    const spooled = spools.open(source);
    const iterator = spooled[Symbol.asyncIterator]();
    const got: Uint8Array[] = [(await iterator.next()).value!];
    // The run stalls: after half a second the spool reads ahead of it, onto the disk.
    await until(() => spooled.figures().parts > 0);
    await new Promise((r) => setTimeout(r, 20));
    const pulledWhileStalled = state.pulled;
    // The run then takes everything as fast as it can: it catches up with the disk and reads the rest itself.
    await drain(iterator, got);
    expect(Buffer.concat(got).equals(bytes)).toBe(true);
    const figures = spooled.figures();
    expect(figures.bytesSpooled).toBeGreaterThan(0);
    expect(figures.bytesDirect).toBeGreaterThan(0);
    // Read by the run itself: its first chunk, and only bytes the spool had not read ahead.
    expect(figures.bytesDirect).toBeLessThanOrEqual(got[0]!.byteLength + bytes.length - pulledWhileStalled);
    expect(files(dir)).toEqual([]);
  });
});

describe("the start-up sweep", () => {
  it("removes the files of processes of this host that have died, and only those", async () => {
    const dir = tempDir();
    const self = thisProcess();
    // A pid that was running a moment ago and is not any more.
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    const old = (Date.now() - 60_000) / 1000;
    const make = (name: string, mtime = old) => {
      writeFileSync(join(dir, name), "x");
      utimesSync(join(dir, name), mtime, mtime);
      return name;
    };
    const crashed = make(partFileName({ ...self, pid: dead, startedAt: self.startedAt - 120_000 }, 0, 0));
    const earlierLife = make(partFileName({ ...self, startedAt: self.startedAt - 120_000 }, 3, 1));
    const running = make(partFileName({ ...self, pid: process.ppid, startedAt: self.startedAt - 120_000 }, 0, 0));
    const otherHost = make(partFileName({ ...self, host: "another-host", pid: dead }, 0, 0));
    const mine = make(partFileName(self, 0, 0));
    const notOurs = make("notes.txt");
    const spools = await spoolsIn(dir);
    expect(spools.swept).toBe(2);
    expect(readdirSync(dir).sort()).toEqual([running, otherHost, mine, notOurs].sort());
    expect(readdirSync(dir)).not.toContain(crashed);
    expect(readdirSync(dir)).not.toContain(earlierLife);
  });

  it("finds nothing to do in a directory that does not exist yet", async () => {
    const spools = await spoolsIn(join(tempDir(), "spool"));
    expect(spools.swept).toBe(0);
  });
});

describe("the spool's configuration", () => {
  it("lives in the state directory, else the OS's temporary one; 4 GiB unless TAGWIRE_SPOOL_MAX_BYTES says otherwise", () => {
    expect(spoolConfigFromEnv({}, "/var/lib/tagwire")).toEqual({ dir: join("/var/lib/tagwire", "spool"), maxBytes: 4 * 1024 ** 3 });
    expect(spoolConfigFromEnv({ TAGWIRE_SPOOL_MAX_BYTES: "0" }, undefined)).toEqual({ dir: join(tmpdir(), "tagwire-spool"), maxBytes: 0 });
    expect(spoolConfigFromEnv({ TAGWIRE_SPOOL_MAX_BYTES: " 1048576 " }, undefined).maxBytes).toBe(1_048_576);
  });

  it.each(["4GB", "-1", "1.5", "1e9", "99999999999999999999"])("refuses TAGWIRE_SPOOL_MAX_BYTES=%s, naming the variable", (value) => {
    let error: unknown;
    try {
      spoolConfigFromEnv({ TAGWIRE_SPOOL_MAX_BYTES: value }, undefined);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SpoolConfigError);
    expect((error as Error).message).toBe(`TAGWIRE_SPOOL_MAX_BYTES must be a whole number of bytes (0 turns the spool off), not \`${value}\`.`);
  });
});
