// Sealed identities: what a clearing record needs to address a subject (its identities and the
// names of the attributes it was given), kept by the store only encrypted. The key is derived
// from the destination's sensitive settings, which the store never holds, and the sync's salt:
// someone who reads the store cannot open a seal, and new credentials cannot open old ones.

import { createCipheriv, createDecipheriv, hkdfSync } from "node:crypto";

const IV_BYTES = 12;
const TAG_BYTES = 16;
const INFO = "tagwire sync sealed identities v1";

/** What opens and makes the seals of a sync: 32 bytes, never stored. */
export type SealKey = Uint8Array;

/**
 * HKDF-SHA256 over the sensitive settings' values (by name, in name order) with the sync's salt.
 * Undefined when the connector has no sensitive setting given: nothing to derive a secret from.
 */
export function sealKeyOf(sensitive: Readonly<Record<string, string | undefined>>, salt: Uint8Array): SealKey | undefined {
  const given = Object.keys(sensitive).sort().filter((k) => sensitive[k] !== undefined && sensitive[k] !== "").map((k) => [k, sensitive[k]]);
  if (given.length === 0) return undefined;
  return new Uint8Array(hkdfSync("sha256", Buffer.from(JSON.stringify(given)), salt, INFO, 32));
}

/**
 * AES-256-GCM of the text: the IV, the ciphertext, then the tag. `nonce` gives the IV: the record's
 * content digest, which the text is a function of (the identity part of that very content), so an
 * IV is used again only for the same text under the same key (a sync's), never for another; it
 * costs no random bytes per record, which were half the price of a seal.
 */
export function seal(key: SealKey, text: string, nonce: Uint8Array): Uint8Array {
  const iv = nonce.subarray(0, IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = cipher.update(text, "utf8");
  cipher.final();
  const out = new Uint8Array(IV_BYTES + body.length + TAG_BYTES);
  out.set(iv, 0);
  out.set(body, IV_BYTES);
  out.set(cipher.getAuthTag(), IV_BYTES + body.length);
  return out;
}

/** The sealed text, or undefined when this key cannot open it (other credentials) or it was altered. */
export function unseal(key: SealKey, sealed: Uint8Array): string | undefined {
  if (sealed.length < IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, IV_BYTES));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]).toString("utf8");
  } catch {
    return undefined;
  }
}
