// A DigestPage's entries as the backends read and write them. The embedded store's thread uses
// this module too, so it imports no engine code but the digests' size.
import { DIGEST_BYTES } from "@tagwire/engine/digest-bytes";
import type { DigestPage } from "@tagwire/engine";

/**
 * Both backends stage confirmed pages and fold them into the state in key order; each folds a
 * sync's staged rows once no confirm has come for this long (after a run's last page).
 */
export const FOLD_WHEN_IDLE_MS = 1000;

/** Why a page's columns do not hold `count` entries (so a statement would read past them), or undefined. */
export function checkPage(page: DigestPage): string | undefined {
  const need = page.count * DIGEST_BYTES;
  if (!Number.isSafeInteger(page.count) || page.count < 0) return `a digest page has ${String(page.count)} entries`;
  if (page.keys.byteLength < need || page.contents.byteLength < need) {
    return `a digest page of ${page.count} entries holds ${page.keys.byteLength} key and ${page.contents.byteLength} content bytes; it needs ${need} of each`;
  }
  if (page.sealed !== undefined && page.sealed.length < page.count) return `a digest page of ${page.count} entries has ${page.sealed.length} sealed entries`;
  return undefined;
}

/** Entry i of a digest column, as a Buffer over the same memory (no copy). */
export const digestAt = (column: Uint8Array, i: number): Buffer => Buffer.from(column.buffer, column.byteOffset + i * DIGEST_BYTES, DIGEST_BYTES);

/** The first `count` entries of a digest column, as a Buffer over the same memory. */
export const digestColumn = (column: Uint8Array, count: number): Buffer => Buffer.from(column.buffer, column.byteOffset, count * DIGEST_BYTES);

export const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Why a column of keys to forget is not whole digests, or undefined. */
export function checkKeys(keys: Uint8Array): string | undefined {
  return keys.byteLength % DIGEST_BYTES === 0 ? undefined : `${keys.byteLength} bytes of keys is not a whole number of ${DIGEST_BYTES}-byte digests`;
}
