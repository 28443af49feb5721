/**
 * `bytes` itself when it holds `needed` bytes, else a buffer at least twice as large (and at
 * least `floor`) with its first `used` bytes copied over: the growth rule of every byte buffer
 * the engine fills as it goes.
 */
export function grownBytes(bytes: Uint8Array, used: number, needed: number, floor = 0): Uint8Array {
  if (needed <= bytes.length) return bytes;
  const grown = new Uint8Array(Math.max(needed, bytes.length * 2, floor));
  grown.set(bytes.subarray(0, used));
  return grown;
}
