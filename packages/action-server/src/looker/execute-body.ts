// Reads an execute request body as it arrives, without holding the Look it carries inline. Every
// member but `attachment.data` is small and parsed as usual; the Look in `attachment.data` (JSON text
// in a string, or a JSON object) is handed on as the bytes of the Look document, never built as a
// string or an object: the run cuts and parses it row by row, as it does a download. When the members
// an execute needs (settings, form, plan) come before the Look, the Look streams straight from the
// socket into the run; when they come after it, the Look waits in a file until they have arrived.

import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { INCOMPLETE, jsonBytes, JsonValueScanner, groupDigits } from "@tagwire/engine";
import { BadRequest } from "./execute-request.js";
import { StringUnescaper } from "./string-unescaper.js";
import { BodyTimedOut, BodyTooLarge } from "../http-io.js";
import type { MainThreadTurns } from "../main-thread-turns.js";

/** The members an execute needs before its run can start. */
const NEEDED = ["data", "form_params", "scheduled_plan"] as const;
/** All members but the Look together: settings, form and plan are small. */
const MAX_ENVELOPE_BYTES = 1024 * 1024;
/** Unescaped Look bytes are handed on in pieces of about this size. */
const PIECE_BYTES = 64 * 1024;

const { BACKSLASH, QUOTE, isJsonWhitespace, startsValue } = jsonBytes;

export interface ExecuteBody {
  /** The body's members, `attachment.data` left out. */
  readonly envelope: Record<string, unknown>;
  /** The Look's bytes when it came inline. */
  readonly look?: AsyncIterable<Uint8Array>;
  /**
   * Settles once the whole body has been read: at once, unless the Look streams from the socket,
   * then when the run has read it. Rejects with what stopped the reading (e.g. BodyTooLarge).
   */
  readonly received: Promise<void>;
}

/** Stands for `attachment.data` in the envelope: the Look itself is `ExecuteBody.look`. */
export const INLINE = Symbol("inline Look");

/**
 * Resolves once the run can start: all NEEDED members read, or the body ended. `chunks` is the
 * request; it is read on as the returned Look is consumed. `waitLimitMs` bounds the time spent
 * waiting for the body's bytes (BodyTimedOut past it): time the run spends on rows, or waiting for
 * memory, between reads is the server's, not the client's, and does not count. With `turns`, each
 * chunk (read from the body, or from the file a Look waited in) is worked on in a turn of the
 * server's thread: unescaping and cutting a Look's rows is most of that thread's work.
 */
export async function readExecuteBody(chunks: AsyncIterable<Uint8Array>, limit: number, waitLimitMs = Infinity, turns?: MainThreadTurns): Promise<ExecuteBody> {
  const reader = new EnvelopeReader(chunks[Symbol.asyncIterator](), limit, waitLimitMs, turns);
  return reader.start();
}

type Sink = { readonly kind: "string" | "object" };

class EnvelopeReader {
  private readonly envelope: Record<string, unknown> = {};
  private buf: Uint8Array = new Uint8Array(0);
  private at = 0;
  private read = 0;
  private envelopeBytes = 0;
  private ended = false;
  /** Time spent waiting for the body's bytes so far. */
  private waitedMs = 0;
  /** The Look's bytes, while it is being read from the body. */
  private sink: Sink | undefined;
  private spool: { dir: string; path: string; out: WriteStream } | undefined;

  constructor(
    private readonly source: AsyncIterator<Uint8Array>,
    private readonly limit: number,
    private readonly waitLimitMs: number,
    private readonly turns: MainThreadTurns | undefined,
  ) {}

  async start(): Promise<ExecuteBody> {
    const first = await this.peekSignificant(true);
    if (first === undefined) throw this.malformed("a JSON object");
    if (first !== 0x7b && startsValue(first)) throw new BadRequest("The execute request body must be a JSON object.");
    await this.expect(0x7b, "'{'");
    for (let key = await this.firstKey(); key !== undefined; key = await this.nextKey()) {
      if (key === "attachment" && (await this.peekSignificant()) === 0x7b) {
        const live = await this.readAttachment();
        if (live !== undefined) return live;
      } else {
        define(this.envelope, key, await this.readValue());
      }
    }
    await this.expectEnd();
    return { envelope: this.envelope, ...(this.spool !== undefined ? { look: this.replaySpool() } : {}), received: Promise.resolve() };
  }

  /** After an object's `{`: its first member name (and the colon), or undefined for `{}`. */
  private async firstKey(): Promise<string | undefined> {
    const c = await this.nextSignificant();
    if (c === 0x7d) return undefined;
    if (c !== QUOTE) throw this.malformed("a member name");
    return this.keyAndColon();
  }

  /** After a member's value: the next member name (and the colon), or undefined at the object's `}`. */
  private async nextKey(): Promise<string | undefined> {
    const c = await this.nextSignificant();
    if (c === 0x7d) return undefined;
    if (c !== 0x2c) throw this.malformed("',' or '}'");
    if ((await this.nextSignificant()) !== QUOTE) throw this.malformed("a member name");
    return this.keyAndColon();
  }

  private async keyAndColon(): Promise<string> {
    const key = await this.readKey();
    await this.expect(0x3a, "':'");
    return key;
  }

  /** `attachment`: its members, and its `data` streamed (returned live) or spooled. */
  private async readAttachment(): Promise<ExecuteBody | undefined> {
    await this.expect(0x7b, "'{'");
    const attachment: Record<string, unknown> = {};
    define(this.envelope, "attachment", attachment);
    for (let key = await this.firstKey(); key !== undefined; key = await this.nextKey()) {
      const start = await this.peekSignificant();
      if (key !== "data" || (start !== QUOTE && start !== 0x7b)) {
        define(attachment, key, await this.readValue());
        continue;
      }
      if (start === QUOTE) this.at++;
      this.sink = { kind: start === QUOTE ? "string" : "object" };
      define(attachment, "data", INLINE);
      if (NEEDED.every((k) => Object.hasOwn(this.envelope, k))) {
        // Everything the run needs is here: the Look streams from the socket as the run reads it.
        const received = settlement();
        return { envelope: this.envelope, look: this.settling(this.lookBytes(false), received), received: received.promise };
      }
      await this.spoolLook();
    }
    return undefined;
  }

  /** The Look's bytes from the body; after it, the rest of the body is read (and ignored when `live`). */
  private async *lookBytes(spooling: boolean): AsyncGenerator<Uint8Array> {
    const sink = this.sink!;
    const scanner = new JsonValueScanner();
    let began = false;
    const unescape = new StringUnescaper(PIECE_BYTES);
    for (;;) {
      if (this.at >= this.buf.length && !(await this.fill())) throw this.malformed("the end of attachment.data");
      const from = this.at;
      if (sink.kind === "object") {
        const end = began ? scanner.resume(this.buf, this.read - this.buf.length) : scanner.begin(this.buf, from, this.read - this.buf.length);
        began = true;
        const stop = end === INCOMPLETE ? this.buf.length : end;
        this.at = stop;
        yield this.buf.slice(from, stop);
        if (end !== INCOMPLETE) break;
      } else {
        const { out, end } = unescape.run(this.buf, from);
        this.at = end === INCOMPLETE ? this.buf.length : end;
        for (const piece of out) yield piece;
        if (end !== INCOMPLETE) break;
      }
    }
    this.sink = undefined;
    if (!spooling) await this.finishLive();
  }

  /** The Look's bytes, settling `received` when the body has been read to its end or could not be. */
  private async *settling(look: AsyncGenerator<Uint8Array>, received: Settlement): AsyncGenerator<Uint8Array> {
    try {
      yield* look;
      received.resolve();
    } catch (e) {
      received.reject(e);
      throw e;
    } finally {
      // A run that stops reading early (a plan refused) leaves the rest of the body unread.
      received.reject(new Error("the Look was not read to its end"));
    }
  }

  /** The rest of a body whose Look was streamed (the attachment's other members, then the body's): read to the end, so the connection stays usable. */
  private async finishLive(): Promise<void> {
    for (let level = 0; level < 2; level++) {
      for (let key = await this.nextKey(); key !== undefined; key = await this.nextKey()) await this.readValue();
    }
    await this.expectEnd();
  }

  private async spoolLook(): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), "tagwire-look-"));
    const path = join(dir, "look.json");
    const out = createWriteStream(path);
    this.spool = { dir, path, out };
    try {
      for await (const piece of this.lookBytes(true)) {
        if (!out.write(piece)) await new Promise<void>((resolve) => out.once("drain", resolve));
      }
      await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    } catch (e) {
      out.destroy();
      await rm(dir, { recursive: true, force: true });
      this.spool = undefined;
      throw e;
    }
  }

  private async *replaySpool(): AsyncGenerator<Uint8Array> {
    const { dir, path } = this.spool!;
    try {
      const chunks = createReadStream(path, { highWaterMark: PIECE_BYTES }) as AsyncIterable<Buffer>;
      yield* this.turns === undefined ? chunks : this.turns.paced(chunks);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** A member name: JSON text up to its closing quote (the opening one is consumed). */
  private async readKey(): Promise<string> {
    const bytes: number[] = [QUOTE];
    let escaped = false;
    for (;;) {
      if (this.at >= this.buf.length && !(await this.fill())) throw this.malformed("'\"'");
      const c = this.buf[this.at++]!;
      bytes.push(c);
      if (bytes.length > 1024) throw new BadRequest("A member name of the request body is over 1,024 bytes long.");
      if (escaped) escaped = false;
      else if (c === BACKSLASH) escaped = true;
      else if (c === QUOTE) break;
    }
    this.count(bytes.length);
    try {
      return JSON.parse(Buffer.from(bytes).toString("utf8")) as string;
    } catch {
      throw this.malformed("a member name");
    }
  }

  /** One whole value of the envelope, parsed. */
  private async readValue(): Promise<unknown> {
    await this.peekSignificant();
    const scanner = new JsonValueScanner();
    const parts: Uint8Array[] = [];
    let end = scanner.begin(this.buf, this.at, this.read - this.buf.length);
    for (;;) {
      const stop = end === INCOMPLETE ? this.buf.length : end;
      parts.push(this.buf.subarray(this.at, stop));
      this.count(stop - this.at);
      this.at = stop;
      if (end !== INCOMPLETE) break;
      // A bare number at the very end of the body ends with it.
      if (!(await this.fill())) break;
      end = scanner.resume(this.buf, this.read - this.buf.length);
    }
    try {
      return JSON.parse(Buffer.concat(parts).toString("utf8")) as unknown;
    } catch (e) {
      throw new BadRequest(`The request body is not valid JSON: ${(e as Error).message}`);
    }
  }

  private count(bytes: number): void {
    this.envelopeBytes += bytes;
    if (this.envelopeBytes > MAX_ENVELOPE_BYTES) throw new BadRequest(`The request body's members other than attachment.data are over ${groupDigits(MAX_ENVELOPE_BYTES)} bytes.`);
  }

  private async expect(byte: number, what: string): Promise<void> {
    if ((await this.peekSignificant()) !== byte) throw this.malformed(what);
    this.at++;
  }

  private async expectEnd(): Promise<void> {
    const c = await this.peekSignificant(true);
    if (c !== undefined) throw this.malformed("the end of the body");
  }

  /** The next byte that is not whitespace, consumed. */
  private async nextSignificant(): Promise<number> {
    const c = await this.peekSignificant();
    this.at++;
    return c;
  }

  private async peekSignificant(): Promise<number>;
  private async peekSignificant(endOk: true): Promise<number | undefined>;
  private async peekSignificant(endOk = false): Promise<number | undefined> {
    for (;;) {
      while (this.at < this.buf.length) {
        const c = this.buf[this.at]!;
        if (!isJsonWhitespace(c)) return c;
        this.at++;
      }
      if (!(await this.fill())) {
        if (endOk) return undefined;
        throw this.malformed("more of the body");
      }
    }
  }

  /** The next chunk of the body; false at its end. */
  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const started = performance.now();
    const next = await this.nextChunk(this.waitLimitMs - this.waitedMs);
    this.waitedMs += performance.now() - started;
    // A wait for the thread is the server's time, not the client's: it is not counted.
    const turn = this.turns?.take();
    if (turn !== undefined) await turn;
    if (next.done === true) {
      this.ended = true;
      return false;
    }
    this.read += next.value.length;
    if (this.read > this.limit) throw new BodyTooLarge(this.limit);
    this.buf = next.value;
    this.at = 0;
    return true;
  }

  /** The source's next chunk, or BodyTimedOut when it does not come within `remainingMs`. */
  private async nextChunk(remainingMs: number): Promise<IteratorResult<Uint8Array>> {
    if (remainingMs === Infinity) return this.source.next();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new BodyTimedOut(this.waitLimitMs)), Math.max(0, remainingMs));
    });
    try {
      return await Promise.race([this.source.next(), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private malformed(expected: string): BadRequest {
    const offset = this.read - this.buf.length + this.at;
    return new BadRequest(`The request body is not valid JSON: expected ${expected} at byte ${offset}.`);
  }
}

interface Settlement {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

function settlement(): Settlement {
  let resolve: () => void = () => undefined;
  let reject: (e: unknown) => void = () => undefined;
  const promise = new Promise<void>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  // Nobody may wait on it (a run refused before reading): that is no unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** Own properties only, whatever the name: a `__proto__` member is data, not a prototype. */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
