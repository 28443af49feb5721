// Sizes of a sync's digests, in a module of their own: worker threads need them without loading
// the store's interface (and the Effect modules it imports).

/** Bytes of each key and content digest the store keeps (the first bytes of a salted SHA-256). */
export const DIGEST_BYTES = 16;

/** Bytes a record's digests take side by side: its key's, then its content's. */
export const RECORD_DIGEST_BYTES = 2 * DIGEST_BYTES;
