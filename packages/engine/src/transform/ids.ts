import { hash } from "node:crypto";
import { grownBytes } from "../grow-bytes.js";
import { DigestSet } from "./digest-set.js";

/** Formats the first 32 hex digits of a SHA-256 digest as an RFC 9562 version-8 (custom) UUID. */
function uuidFromHex(h: string): string {
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const encoder = new TextEncoder();

/** Everything a record id depends on besides the record's content. */
export interface RecordIdScope {
  readonly connectorId: string;
  /** The Looker action: two actions of a connector never share an id. */
  readonly action: string;
  /** Digest of the settings that name the destination workspace (see `workspaceOf`). */
  readonly workspace: string;
  /** Looker's webhook id or the CLI's `--run-id`: the same run sends the same ids. */
  readonly runId: string;
}

/** The scope hashed once, as the prefix of every digest input of the run. */
function scopeKey(scope: RecordIdScope): string {
  return hash("sha256", JSON.stringify([scope.connectorId, scope.action, scope.workspace, scope.runId]));
}

function contentDigest(key: string, content: string): string {
  return hash("sha256", `${key}\n${content}`);
}

/** The id of the nth record (from 0) with this digest: the first one's is the digest itself. */
export function idOf(digest: string, occurrence: number): string {
  return uuidFromHex(occurrence === 0 ? digest : hash("sha256", `${digest}#${occurrence}`));
}

/**
 * The id of the `occurrence`th record (from 0) of a run with this content (the record's JSON
 * without its run fills): what `RecordIds` gives, for checks and tools.
 */
export function recordId(scope: RecordIdScope, content: string, occurrence = 0): string {
  return idOf(contentDigest(scopeKey(scope), content), occurrence);
}

/**
 * Content digests of one run's records. The input, `${key}\n` then the content as UTF-8, is
 * written into one scratch buffer and hashed as bytes, which costs less than half of hashing the
 * concatenated string (no flattening, no UTF-8 conversion inside the hash); the content's bytes
 * are then packed as they are (see `lastContent`).
 */
export class ContentDigests {
  private scratch: Uint8Array;
  private readonly keyBytes: number;
  private contentBytes = 0;

  constructor(scope: RecordIdScope) {
    const prefix = encoder.encode(`${scopeKey(scope)}\n`);
    this.keyBytes = prefix.length;
    this.scratch = grownBytes(prefix, prefix.length, 1024);
  }

  /** The UTF-8 bytes of the content last given to `of`; the next call overwrites them. */
  get lastContent(): Uint8Array {
    return this.scratch.subarray(this.keyBytes, this.keyBytes + this.contentBytes);
  }

  /** The same digest as `contentDigest(key, content)`, from its input as bytes. */
  of(content: string): string {
    // A UTF-16 code unit takes at most 3 UTF-8 bytes.
    this.scratch = grownBytes(this.scratch, this.keyBytes, this.keyBytes + content.length * 3);
    this.contentBytes = encoder.encodeInto(content, this.scratch.subarray(this.keyBytes)).written;
    return hash("sha256", this.scratch.subarray(0, this.keyBytes + this.contentBytes));
  }
}

/**
 * How many records with a digest came before, over a run: identical records are told apart by
 * it, so two identical rows stay two records. It must see every digest of the run, in row order.
 */
export class Occurrences {
  /** 46 bits of each digest seen: enough to tell a first occurrence, at about 6 MB per million records. */
  private readonly seen = new DigestSet();
  /** Repeats only (rare): how many records with this digest came before. */
  private readonly repeats = new Map<string, number>();

  next(digest: string): number {
    if (this.seen.add(parseInt(digest.slice(0, 8), 16), parseInt(digest.slice(8, 16), 16))) return 0;
    return this.repeat(digest);
  }

  /** `next` of the digest written as 64 hex digits at `at` in `hex` (see `DigestBytes`); the digest's string is made only for a repeat. */
  nextAt(hex: Uint8Array, at: number): number {
    if (this.seen.add(hexWord(hex, at), hexWord(hex, at + 8))) return 0;
    return this.repeat(digestAt(hex, at));
  }

  private repeat(digest: string): number {
    // Two different contents look alike to the set about once in 140 runs of a million records:
    // the second then counts as a repeat, which still gives it an id of its own (only a replay
    // with the rows in another order could then send that one record twice, never drop one).
    const occurrence = (this.repeats.get(digest) ?? 0) + 1;
    this.repeats.set(digest, occurrence);
    return occurrence;
  }
}

/** Hex digits of a SHA-256 digest. */
export const DIGEST_HEX = 64;

/** The digest written as hex digits at `at` in `hex`. */
export function digestAt(hex: Uint8Array, at: number): string {
  return Buffer.from(hex.buffer, hex.byteOffset + at, DIGEST_HEX).toString("latin1");
}

/** The 32-bit number that 8 hex digits (lower case, as `hash` writes them) at `at` in `hex` spell: what `parseInt` gives, without a string. */
function hexWord(hex: Uint8Array, at: number): number {
  let n = 0;
  for (let i = at; i < at + 8; i++) {
    const c = hex[i]!;
    // '0'-'9' are 48-57, 'a'-'f' 97-102.
    n = n * 16 + (c < 97 ? c - 48 : c - 87);
  }
  return n;
}

/**
 * Digests written back to back as hex digits: how a chunk's digests cross threads. A string of
 * them cost the worker a millisecond a chunk of 2,000 rows to post, and the run's thread a copy in
 * its heap; bytes are handed over.
 */
export class DigestBytes {
  private bytes: Uint8Array = new Uint8Array(DIGEST_HEX * 1024);
  private length = 0;

  push(digest: string): void {
    this.bytes = grownBytes(this.bytes, this.length, this.length + DIGEST_HEX);
    this.length += encoder.encodeInto(digest, this.bytes.subarray(this.length)).written;
  }

  /** The digests pushed since the last `take`, in a buffer of their own. */
  take(): Uint8Array {
    const taken = this.bytes.slice(0, this.length);
    this.length = 0;
    return taken;
  }
}

/** Where a row's record id comes from (see `RecordIds` and `FirstOccurrenceIds`). */
export interface RecordIdSource {
  /** The id of the next record with this content: a UUID, hex digits and dashes (written into JSON as it is). */
  next(content: string): string;
  /** The UTF-8 bytes of the content last given to `next`; the next call overwrites them. */
  readonly lastContent: Uint8Array;
}

/** What every id source has: the run's content digests, and the bytes of the last content. */
abstract class ContentIds implements RecordIdSource {
  protected readonly digests: ContentDigests;

  constructor(scope: RecordIdScope) {
    this.digests = new ContentDigests(scope);
  }

  get lastContent(): Uint8Array {
    return this.digests.lastContent;
  }

  abstract next(content: string): string;
}

/**
 * Deduplication ids of one run's records. An id is derived from the scope and the record's
 * content, not its position, so a retried execute whose rows come back in another order sends the
 * same ids; identical records are told apart by how many came before them in the run (see
 * `Occurrences`). One instance must see every record of the run, in row order.
 */
export class RecordIds extends ContentIds {
  private readonly occurrences = new Occurrences();

  next(content: string): string {
    const digest = this.digests.of(content);
    return idOf(digest, this.occurrences.next(digest));
  }
}

/**
 * Ids for a part of a run's records (a worker thread's chunks): each as if it were its content's
 * first occurrence, the digest kept in `taken`. Whoever sees the whole run in row order counts
 * the occurrences and rewrites the rare repeat's id (same length: see run/repeat-ids.ts).
 */
export class FirstOccurrenceIds extends ContentIds {
  /** Digests of the ids given since the last `take`, in order. */
  readonly taken = new DigestBytes();
  /** How many ids were given, over the run. */
  given = 0;

  next(content: string): string {
    const digest = this.digests.of(content);
    this.taken.push(digest);
    this.given++;
    return idOf(digest, 0);
  }
}

/** A stable UUID for a value (e.g. an anonymous id from an email): the same across runs. */
export function uuidOf(connectorId: string, path: string, value: unknown): string {
  return uuidFromHex(hash("sha256", `${connectorId}\u0000${path}\u0000${String(value)}`));
}
