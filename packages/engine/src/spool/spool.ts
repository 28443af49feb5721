// The spool: a downloaded Look's bytes read at the speed they are served, however slowly the run
// sends them. Bytes the run has not taken yet wait in a small window in memory and, beyond it, are
// compressed in blocks and appended to part files on disk, read back in order when the run gets
// to them. The run sees the same bytes in the same order as it would from the download itself, so
// the parser and everything after it is unchanged. A part is deleted once read; everything is
// deleted when the run ends. When the disk budget is used up, or the disk refuses a write, the
// reading waits for the run, as it would without a spool: no error, no byte lost.
//
// Order: the window holds the oldest bytes, the blocks on disk the next, and the tail (bytes
// gathering into the next block) the newest. A chunk goes straight into the window only when
// nothing waits on disk or in the tail, so taking from the window, then the disk, then the tail
// gives the bytes back in the order they came.
//
// A run that is the process's only spooled download and keeps pace with it reads it itself, as it
// would without a spool: the disk would only cost it compressing and reading back (about 4 CPU s
// a million rows), and a download read ahead into the window, even only a chunk ahead, kept 10 MB
// more of its buffers alive at the peak. The spool reads ahead of a run its destination holds back
// (its rate limit or a Retry-After: see `watchHold`), of one that takes less than
// `paceBytesPerSecond`, and of every run while other downloads are open (twenty runs reading their
// own sockets answered /healthz in up to 590 ms, against 167 ms with every download read ahead);
// once the run has caught up, is alone, not held back and takes twice the pace, it reads the
// download itself again. (A pace alone could not tell a held-back run from a busy one: a run under
// a limit of 20,000 records/s takes 10 MB/s, a run with only rows to work through 20 MB/s, and the
// spool's own cost slows the second.)

import { mkdir } from "node:fs/promises";
import { promisify } from "node:util";
import { createInflateRaw, deflateRaw, type InflateRaw } from "node:zlib";
import * as Data from "effect/Data";
import type { LookDownload } from "../run/run-input.js";
import { Changes, Serial } from "./changes.js";
import { Pace, PACE_SPAN_MS } from "./pace.js";
import { PartFile } from "./part-file.js";
import type { SpoolBudget } from "./spool-budget.js";
import { YOUNG_COLLECTION_BYTES } from "./young-garbage.js";

const deflate = promisify(deflateRaw);

const MiB = 1024 * 1024;

/** Sizes of the spool's parts; the defaults suit a Look of hundreds of megabytes. */
export interface SpoolSizes {
  /** Bytes kept in memory before any goes to disk, and what a catching-up run reads from. */
  readonly windowBytes: number;
  /** Bytes compressed together into one block (deflate works best on large inputs). */
  readonly blockBytes: number;
  /** Compressed bytes per part file: parts are deleted as soon as read, so the disk is given back as the run goes. */
  readonly partBytes: number;
  /** A run that takes the bytes slower than this gets the spool, held back or not; 0: the spool always reads ahead. */
  readonly paceBytesPerSecond: number;
}

/**
 * A run slower than 2 MiB/s that no rate limit holds back (a destination that answers slowly)
 * would keep a 500 MB Look's download open for four minutes: it gets the spool too.
 */
export const DEFAULT_SPOOL_SIZES: SpoolSizes = { windowBytes: 4 * MiB, blockBytes: MiB, partBytes: 32 * MiB, paceBytesPerSecond: 2 * MiB };

/**
 * What a block is read back in: the size of a download's chunks. Each is inflated when the run asks
 * for it and let go once taken, so it dies young; a whole block inflated at once lived for as long
 * as the run took to consume a megabyte, long enough to outlive the young generation, and blocks
 * gathered as garbage until a full collection (about 6 MB more resident while a spool was read back).
 */
const SLICE_BYTES = 64 * 1024;

/** What a spool tells about itself: for logs, the bench and tests. Never a byte of the Look. */
export interface SpoolFigures {
  /** Bytes read from the source. */
  readonly bytesRead: number;
  /** Of them, bytes the run read from the source itself, keeping pace with it. */
  readonly bytesDirect: number;
  /** Compressed bytes written to part files, in all. */
  readonly bytesSpooled: number;
  /** Compressed bytes on disk now. */
  readonly diskBytes: number;
  /** The most compressed bytes this spool had on disk at once. */
  readonly peakDiskBytes: number;
  /** Part files written. */
  readonly parts: number;
  /** How long the reading waited because the spool was full (or the disk refused), ms. */
  readonly fullWaitMs: number;
  /** Why the disk was not used for the rest of the run (a write failed), if it was not. */
  readonly diskError?: string;
}

/** The bytes of a downloaded Look as the run reads them, with when the download ended. */
export interface SpooledBytes extends AsyncIterable<Uint8Array>, LookDownload {
  figures(): SpoolFigures;
  /** Stops reading the source and deletes the spool's files; resolves once they are deleted. */
  close(): Promise<void>;
}

/** A block written to disk could not be read back: the bytes after it cannot be given to the run. */
export class SpoolReadError extends Data.TaggedError("SpoolReadError")<{ readonly reason: string }> {
  override get message(): string {
    return `the spooled Look could not be read back from disk: ${this.reason}`;
  }
}

interface Part {
  readonly file: PartFile;
  written: number;
  read: number;
}

interface Block {
  readonly part: Part;
  readonly offset: number;
  readonly length: number;
}

/** Where a spool keeps its files and how much disk it may use. */
export interface SpoolPlace {
  readonly dir: string;
  /** The file name of the spool's part `n`. */
  readonly partName: (n: number) => string;
  readonly budget: SpoolBudget;
  readonly sizes?: Partial<SpoolSizes>;
  /** Told once the spool is closed and its files deleted. */
  readonly onClosed?: () => void;
  /** Collects V8's young generation, to free the download's dead chunks (see young-garbage.ts). */
  readonly collectYoung?: () => void;
  /** Whether this is the only spool of the process open now; without it, always. */
  readonly alone?: () => boolean;
}

export class Spool implements SpooledBytes {
  private readonly sizes: SpoolSizes;
  private head: Uint8Array[] = [];
  private headBytes = 0;
  /**
   * The bytes gathering into the next block, copied out of the download's chunks into one buffer
   * that is compressed and filled again: no chunk is held once copied, and a block needs no copy of
   * its own to be compressed.
   */
  private tail: Buffer;
  private tailBytes = 0;
  /** The tail's other buffer, free once the block compressed from it is on disk. */
  private spare: Buffer | undefined;
  /** Blocks on disk the run has not read, oldest first. */
  private readonly blocks: Block[] = [];
  /**
   * The block being compressed and written while the tail fills again: its bytes, older than the
   * tail's, are in neither the tail nor `blocks`. One at a time.
   */
  private flushing: Promise<void> | undefined;
  /**
   * Where a block is read from disk, used again for each (a block is read once the one before it is
   * done): a buffer per block lived as long as the run took to consume it, long enough to outlive
   * the young generation.
   */
  private readBuffer: Buffer | undefined;
  /** The block being read back, inflated a slice at a time: its bytes are in neither `blocks` nor the window. */
  private unpacking: { readonly block: Block; readonly inflater?: InflateRaw; readonly slices?: AsyncIterator<Buffer> } | undefined;
  /** Since when (monotonic ms) the reading has waited for room, while it does. */
  private fullSince: number | undefined;
  private writing: Part | undefined;
  private readonly parts = new Set<Part>();
  private nextPart = 0;
  private readonly disk = new Serial();
  private readonly changes = new Changes();
  private iterator: AsyncIterator<Uint8Array> | undefined;
  /** How fast the run takes the bytes. */
  private pace: Pace | undefined;
  /** Whether the spool reads the source ahead of the run; else the run reads it itself. */
  private pumping = false;
  /** Whether the run waits for a chunk from the source (read by itself). */
  private pulling = false;
  /** Looks at the run's pace while it reads the source itself, and only then. */
  private paceWatch: ReturnType<typeof setInterval> | undefined;
  /** Wakes a spool waiting for the run to catch up when the run took nothing for a while (see Pace.checkMs). */
  private paceCheck: Promise<void> | undefined;
  /** Whether the run's destination holds it back now, once the run has said how to ask. */
  private isHeldBack: (() => boolean) | undefined;
  /** When (monotonic ms) the run was last seen held back. */
  private lastHeldBack = -Infinity;
  private started = false;
  private pumpEnded = false;
  private sourceError: { readonly error: unknown } | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  private finished: number | undefined;
  private diskError: string | undefined;
  private dirMade = false;
  /** Bytes read since the last young collection. */
  private uncollected = 0;
  private counts = { bytesRead: 0, bytesDirect: 0, bytesSpooled: 0, diskBytes: 0, peakDiskBytes: 0, parts: 0, fullWaitMs: 0 };

  constructor(
    private readonly source: AsyncIterable<Uint8Array>,
    private readonly place: SpoolPlace,
  ) {
    const sizes = { ...DEFAULT_SPOOL_SIZES, ...place.sizes };
    // A small budget makes small blocks and parts, so that several fit and the budget is never passed.
    const quarter = Math.max(1, Math.floor(place.budget.maxBytes / 4));
    const blockBytes = Math.max(1, Math.min(sizes.blockBytes, quarter));
    this.sizes = { windowBytes: sizes.windowBytes, blockBytes, partBytes: Math.max(blockBytes, Math.min(sizes.partBytes, quarter)), paceBytesPerSecond: sizes.paceBytesPerSecond };
    this.tail = Buffer.allocUnsafe(blockBytes);
  }

  get finishedAt(): number | undefined {
    return this.finished;
  }

  watchHold(heldBack: () => boolean): void {
    this.isHeldBack = heldBack;
  }

  figures(): SpoolFigures {
    const fullWaitMs = this.counts.fullWaitMs + (this.fullSince !== undefined ? performance.now() - this.fullSince : 0);
    return { ...this.counts, fullWaitMs, ...(this.diskError !== undefined ? { diskError: this.diskError } : {}) };
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.started) throw new Error("a spool is read once");
    this.started = true;
    return this.read();
  }

  /**
   * The run's side: the source itself while the run keeps pace, else the window, then the disk,
   * then the tail; the source's error after its last byte.
   */
  private async *read(): AsyncGenerator<Uint8Array, void, undefined> {
    // The download starts when the run asks for its first bytes, as it would without a spool.
    this.iterator = this.source[Symbol.asyncIterator]();
    this.pace = new Pace(performance.now());
    if (this.sizes.paceBytesPerSecond === 0 || !this.alone()) this.startPump();
    else this.readDirectly();
    try {
      for (;;) {
        if (this.closed) return;
        if (!this.pumping && !this.pumpEnded) {
          const chunk = await this.pull();
          if (chunk !== undefined) yield chunk;
          continue;
        }
        const chunk = this.head.shift();
        if (chunk !== undefined) {
          this.headBytes -= chunk.byteLength;
          this.took(chunk.byteLength);
          yield chunk;
          continue;
        }
        if (this.unpacking !== undefined || this.blocks.length > 0) {
          const slice = await this.nextSlice();
          if (slice !== undefined) {
            this.took(slice.byteLength);
            yield slice;
          }
          continue;
        }
        if (this.tailBytes > 0 && this.flushing === undefined) {
          // Caught up with the disk: the newest bytes are taken as they are, without a trip through
          // it; the run keeps that buffer, and the tail starts a new one.
          [this.head, this.headBytes] = [[this.tail.subarray(0, this.tailBytes)], this.tailBytes];
          // Once the download has ended no new tail is needed.
          [this.tail, this.tailBytes, this.spare] = [this.pumpEnded ? EMPTY : (this.spare ?? Buffer.allocUnsafe(this.sizes.blockBytes)), 0, undefined];
          this.changes.notify();
          continue;
        }
        if (this.pumpEnded && this.flushing === undefined) {
          if (this.sourceError !== undefined) throw this.sourceError.error;
          return;
        }
        await this.changes.next();
      }
    } finally {
      await this.close();
    }
  }

  /** The next chunk of the source, read by the run itself; undefined once it has ended (or failed: see `sourceError`). */
  private async pull(): Promise<Uint8Array | undefined> {
    this.pulling = true;
    try {
      const next = await this.iterator!.next();
      if (this.closed) return undefined;
      if (next.done === true) {
        this.finished = performance.now();
        this.endReading();
        return undefined;
      }
      this.counts.bytesRead += next.value.byteLength;
      this.counts.bytesDirect += next.value.byteLength;
      this.pace!.took(next.value.byteLength, performance.now());
      return next.value;
    } catch (e) {
      if (!this.closed) this.sourceError = { error: e };
      this.endReading();
      return undefined;
    } finally {
      this.pulling = false;
    }
  }

  /** The run took bytes from the spool: its pace, and a change for the reading ahead to look at. */
  private took(bytes: number): void {
    this.pace!.took(bytes, performance.now());
    this.changes.notify();
  }

  /** While the run reads the source itself: the spool reads ahead once the run is busy and not alone, held back or slower than the pace. */
  private watchPace(): void {
    if (!this.pulling && !this.pumpEnded && !this.closed && (!this.alone() || this.heldBack() || !this.keepsPace())) this.startPump();
  }

  private alone(): boolean {
    return this.place.alone?.() ?? true;
  }

  /** Whether the run's destination held it back within the last span (PACE_SPAN_MS). */
  private heldBack(): boolean {
    const now = performance.now();
    if (this.isHeldBack?.() === true) this.lastHeldBack = now;
    return now - this.lastHeldBack < PACE_SPAN_MS;
  }

  /** Whether the run takes the bytes at `share` of `paceBytesPerSecond` or faster. */
  private keepsPace(share = 1): boolean {
    return this.sizes.paceBytesPerSecond > 0 && this.pace!.atLeast(this.sizes.paceBytesPerSecond * share, performance.now());
  }

  /** The run reads the source itself from now on, its pace watched. */
  private readDirectly(): void {
    this.pumping = false;
    this.paceWatch = setInterval(() => this.watchPace(), Pace.checkMs);
  }

  private startPump(): void {
    clearInterval(this.paceWatch);
    this.pumping = true;
    void this.pump();
  }

  /**
   * The download's side: read as fast as it comes, into the window or the tail, the tail to disk a
   * block at a time; the source handed back to the run once it has caught up and keeps pace.
   */
  private async pump(): Promise<void> {
    let handedBack = false;
    try {
      for (;;) {
        // Once the run is alone, not held back and takes twice the pace, nothing more is read ahead
        // until it has caught up, unless that changes meanwhile or it falls under the pace: a run
        // near the pace would otherwise start and stop the reading every moment.
        for (let holding = false; !this.closed && this.alone() && !this.heldBack() && this.keepsPace(holding ? 1 : 2); holding = true) {
          if (this.nothingOnTheWay() && this.headBytes === 0) {
            handedBack = true;
            this.readDirectly();
            this.changes.notify();
            return;
          }
          await Promise.race([this.changes.next(), this.paceChecked()]);
        }
        const next = await this.iterator!.next();
        if (this.closed) return;
        if (next.done === true) break;
        await this.accept(next.value);
        if (this.closed) return;
      }
      this.finished = performance.now();
    } catch (e) {
      if (!this.closed) this.sourceError = { error: e };
    } finally {
      if (!handedBack) this.endReading();
    }
  }

  /** Resolves after Pace.checkMs; one timer for every waiter. */
  private paceChecked(): Promise<void> {
    return (this.paceCheck ??= new Promise<void>((resolve) =>
      setTimeout(() => {
        this.paceCheck = undefined;
        resolve();
      }, Pace.checkMs),
    ));
  }

  /** The source has ended, failed or been let go: nothing more will be read. */
  private endReading(): void {
    this.pumpEnded = true;
    clearInterval(this.paceWatch);
    // Nothing more will be written: the tail's other buffer goes, and an empty tail with it.
    this.spare = undefined;
    if (this.tailBytes === 0) this.tail = EMPTY;
    this.changes.notify();
  }

  /** No byte waits on disk, in the block being written or read back, or in the tail. */
  private nothingOnTheWay(): boolean {
    return this.blocks.length === 0 && this.flushing === undefined && this.unpacking === undefined && this.tailBytes === 0;
  }

  /** A chunk of the download: into the window when no older byte waits anywhere else, else copied into the tail, a block written whenever it fills. */
  private async accept(chunk: Uint8Array): Promise<void> {
    this.counts.bytesRead += chunk.byteLength;
    this.uncollected += chunk.byteLength;
    if (this.uncollected >= YOUNG_COLLECTION_BYTES) {
      this.uncollected = 0;
      this.place.collectYoung?.();
    }
    if (this.nothingOnTheWay() && this.headBytes + chunk.byteLength <= this.sizes.windowBytes) {
      this.head.push(chunk);
      this.headBytes += chunk.byteLength;
      this.changes.notify();
      return;
    }
    for (let at = 0; at < chunk.byteLength && !this.closed; ) {
      const n = Math.min(chunk.byteLength - at, this.tail.byteLength - this.tailBytes);
      this.tail.set(chunk.subarray(at, at + n), this.tailBytes);
      this.tailBytes += n;
      at += n;
      this.changes.notify();
      if (this.tailBytes === this.tail.byteLength) await this.flushTail();
    }
  }

  /**
   * Starts compressing the full tail into a block, and goes on reading into the other buffer while
   * it is compressed and written. A full tail waits for the block before it, and while the budget
   * has no room for it the source is not read: the run takes from the window, the disk and at last
   * the tail itself, and the reading goes on into an empty tail.
   */
  private async flushTail(): Promise<void> {
    if (this.flushing !== undefined) await this.flushing;
    while (!this.closed && this.tailBytes === this.tail.byteLength && !this.roomFor(this.tailBytes)) {
      this.fullSince ??= performance.now();
      await Promise.race([this.changes.next(), this.place.budget.freed.next()]);
    }
    if (this.fullSince !== undefined) this.counts.fullWaitMs += performance.now() - this.fullSince;
    this.fullSince = undefined;
    if (this.closed || this.tailBytes < this.tail.byteLength) return;
    const [full, raw] = [this.tail, this.tailBytes];
    [this.tail, this.tailBytes, this.spare] = [this.spare ?? Buffer.allocUnsafe(this.sizes.blockBytes), 0, undefined];
    // Room is taken as soon as it is found, for the most the block can take, so that spools
    // compressing at the same time never pass the budget together; the rest is given back once written.
    const reserved = deflateBound(raw);
    this.place.budget.take(reserved);
    this.flushing = this.compress(full, raw, reserved).finally(() => {
      this.flushing = undefined;
      this.changes.notify();
    });
  }

  private async compress(full: Buffer, raw: number, reserved: number): Promise<void> {
    let kept = 0;
    try {
      // Level 1: a Look's JSON compresses about eightfold even so, at a small cost of CPU (off the
      // main thread, in libuv's pool). Output chunks as large as a block's output, so that one
      // block is one trip to the pool.
      const block = await deflate(full.subarray(0, raw), { level: 1, chunkSize: DEFLATE_CHUNK_BYTES });
      kept = await this.append(block);
      if (full.byteLength === this.sizes.blockBytes && !this.pumpEnded) this.spare = full;
    } catch (e) {
      // The disk refused (full, read-only, gone): the block's bytes go back in front of the tail's,
      // and the reading waits for the run from now on.
      this.diskError ??= describe(e);
      const merged = Buffer.allocUnsafe(raw + this.tailBytes);
      full.copy(merged, 0, 0, raw);
      this.tail.copy(merged, raw, 0, this.tailBytes);
      [this.tail, this.tailBytes] = [merged, merged.byteLength];
    } finally {
      // The written block stays counted (until its part is deleted); the rest of the room is given back.
      this.place.budget.give(reserved - kept);
    }
  }

  private roomFor(raw: number): boolean {
    return this.diskError === undefined && this.place.budget.fits(deflateBound(raw));
  }

  /**
   * Appends one block, in a new part when the current one is full; resolves with the bytes
   * written (none once the spool is closed) when the block is on disk.
   */
  private append(block: Uint8Array): Promise<number> {
    return this.disk.run(async () => {
      if (this.closed) return 0;
      let part = this.writing;
      if (part === undefined || part.file.size + block.byteLength > this.sizes.partBytes) {
        if (part !== undefined) this.writing = undefined;
        if (part !== undefined && part.read === part.written) await this.removePart(part);
        if (!this.dirMade) await mkdir(this.place.dir, { recursive: true, mode: 0o700 });
        this.dirMade = true;
        const file = await PartFile.create(`${this.place.dir}/${this.place.partName(this.nextPart++)}`);
        part = { file, written: 0, read: 0 };
        this.parts.add(part);
        this.writing = part;
        this.counts.parts++;
      }
      let offset: number;
      try {
        offset = await part.file.append(block);
      } catch (e) {
        // The part's size counts only whole blocks: what part of this one reached the disk goes with the file.
        this.writing = undefined;
        throw e;
      }
      part.written++;
      this.blocks.push({ part, offset, length: block.byteLength });
      this.counts.bytesSpooled += block.byteLength;
      this.counts.diskBytes += block.byteLength;
      this.counts.peakDiskBytes = Math.max(this.counts.peakDiskBytes, this.counts.diskBytes);
      return block.byteLength;
    });
  }

  /**
   * The next slice of the oldest block on disk: the block is read from its part when its first
   * slice is asked for, and inflated one slice per call (the inflater waits while its slice is not
   * taken). Undefined once the block is done; its part is deleted once all its blocks are.
   */
  private async nextSlice(): Promise<Buffer | undefined> {
    try {
      if (this.unpacking === undefined) {
        const block = this.blocks.shift()!;
        this.unpacking = { block };
        if (this.readBuffer === undefined || this.readBuffer.byteLength < block.length) this.readBuffer = Buffer.allocUnsafe(block.length);
        const into = this.readBuffer;
        const compressed = await this.disk.run(() => block.part.file.read(block.offset, block.length, into));
        if (this.closed) return undefined;
        // Its output chunks are a slice each, and its readable side holds less than one: it inflates
        // the next slice only once this one has been taken.
        const inflater = createInflateRaw({ chunkSize: SLICE_BYTES });
        inflater.end(compressed);
        this.unpacking = { block, inflater, slices: inflater[Symbol.asyncIterator]() };
      }
      const next = await this.unpacking.slices!.next();
      if (this.closed) return undefined;
      if (next.done !== true) return next.value;
    } catch (e) {
      if (this.closed) return undefined;
      this.unpacking?.inflater?.destroy();
      this.unpacking = undefined;
      throw new SpoolReadError({ reason: describe(e) });
    }
    const { part } = this.unpacking.block;
    this.unpacking = undefined;
    part.read++;
    // The part being written is deleted too once the run has caught up with it: the next block starts a new one.
    if (part.read === part.written && (part !== this.writing || this.flushing === undefined)) {
      if (part === this.writing) this.writing = undefined;
      void this.disk.run(() => this.removePart(part));
    }
    return undefined;
  }

  /** Run on the disk queue only. */
  private async removePart(part: Part): Promise<void> {
    if (!this.parts.delete(part)) return;
    // A file that cannot be deleted now is left to the next start-up's sweep; its bytes no longer count.
    await part.file.remove().catch(() => undefined);
    this.place.budget.give(part.file.size);
    this.counts.diskBytes -= part.file.size;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      clearInterval(this.paceWatch);
      this.changes.notify();
      // Lets the download go. Not awaited: a generator's return waits for the read it is in, and
      // a stalled download ends only with its idle timeout.
      this.iterator?.return?.().catch(() => undefined);
      [this.head, this.headBytes, this.tailBytes] = [[], 0, 0];
      this.blocks.length = 0;
      this.unpacking?.inflater?.destroy();
      this.unpacking = undefined;
      this.writing = undefined;
      this.readBuffer = undefined;
      [this.tail, this.spare] = [EMPTY, undefined];
      await this.disk.run(async () => {
        for (const part of [...this.parts]) await this.removePart(part);
      });
      this.place.onClosed?.();
    })();
    return this.closing;
  }
}

/** A spool turned off (TAGWIRE_SPOOL_MAX_BYTES=0): the download read at the run's pace, as it always was. */
export class Unspooled implements SpooledBytes {
  private finished: number | undefined;
  private bytesRead = 0;

  constructor(private readonly source: AsyncIterable<Uint8Array>) {}

  get finishedAt(): number | undefined {
    return this.finished;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for await (const chunk of this.source) {
      this.bytesRead += chunk.byteLength;
      yield chunk;
    }
    this.finished = performance.now();
  }

  figures(): SpoolFigures {
    return { bytesRead: this.bytesRead, bytesDirect: this.bytesRead, bytesSpooled: 0, diskBytes: 0, peakDiskBytes: 0, parts: 0, fullWaitMs: 0 };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const EMPTY = Buffer.alloc(0);

/** Deflate's output chunk: more than a block of a Look compresses to. */
const DEFLATE_CHUNK_BYTES = 256 * 1024;

/** The most bytes deflate makes of `raw` bytes (zlib's deflateBound, with room to spare). */
const deflateBound = (raw: number): number => raw + (raw >>> 12) + (raw >>> 14) + (raw >>> 25) + 13;

/** An error's errno code or message: never a byte of the Look. */
function describe(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  const message = e instanceof Error ? e.message : String(e);
  return typeof code === "string" ? `${code}: ${message}` : message;
}
