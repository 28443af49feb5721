// A DigestPage's entries as the backends read and write them.
import { DIGEST_BYTES, StoreError, type DigestPage } from "@tagwire/engine";

/** Checks that a page's columns hold `count` entries, so no statement reads past them. */
export function checkPage(page: DigestPage): StoreError | undefined {
  const need = page.count * DIGEST_BYTES;
  if (!Number.isSafeInteger(page.count) || page.count < 0) return new StoreError({ reason: `a digest page has ${String(page.count)} entries` });
  if (page.keys.byteLength < need || page.contents.byteLength < need) {
    return new StoreError({ reason: `a digest page of ${page.count} entries holds ${page.keys.byteLength} key and ${page.contents.byteLength} content bytes; it needs ${need} of each` });
  }
  if (page.sealed !== undefined && page.sealed.length < page.count) return new StoreError({ reason: `a digest page of ${page.count} entries has ${page.sealed.length} sealed entries` });
  return undefined;
}

/** Entry i of a digest column, as a Buffer over the same memory (no copy). */
export const digestAt = (column: Uint8Array, i: number): Buffer => Buffer.from(column.buffer, column.byteOffset + i * DIGEST_BYTES, DIGEST_BYTES);

/** The first `count` entries of a digest column, as a Buffer over the same memory. */
export const digestColumn = (column: Uint8Array, count: number): Buffer => Buffer.from(column.buffer, column.byteOffset, count * DIGEST_BYTES);

export const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Checks that a column of keys to forget is whole digests. */
export function checkKeys(keys: Uint8Array): StoreError | undefined {
  return keys.byteLength % DIGEST_BYTES === 0 ? undefined : new StoreError({ reason: `${keys.byteLength} bytes of keys is not a whole number of ${DIGEST_BYTES}-byte digests` });
}
