/**
 * A set of 64-bit digest prefixes, each given as two 32-bit halves, held in one typed array with
 * open addressing: 8 bytes a slot and no object per entry, so a run of a million distinct records
 * keeps a few MB here rather than a Set of strings (tens of MB of heap).
 */
export class DigestSet {
  /** Slot i holds its prefix at 2i (high half) and 2i + 1 (low half); a zero prefix is `hasZero`. */
  private slots: Uint32Array;
  private mask: number;
  private size = 0;
  private hasZero = false;

  constructor(initialSlots = 1024) {
    const capacity = 2 ** Math.ceil(Math.log2(Math.max(16, initialSlots)));
    this.slots = new Uint32Array(capacity * 2);
    this.mask = capacity - 1;
  }

  /** Adds the prefix; false when it was already there. */
  add(high: number, low: number): boolean {
    high >>>= 0;
    low >>>= 0;
    if (high === 0 && low === 0) {
      if (this.hasZero) return false;
      this.hasZero = true;
      return true;
    }
    const slots = this.slots;
    // The low half picks the slot: the digest's bits are uniform, so no further mixing is needed.
    for (let i = low & this.mask; ; i = (i + 1) & this.mask) {
      const h = slots[2 * i]!;
      const l = slots[2 * i + 1]!;
      if (h === 0 && l === 0) break;
      if (h === high && l === low) return false;
    }
    // Kept at most 3/4 full, so a probe ends within a few slots.
    if ((this.size + 1) * 4 > (this.mask + 1) * 3) this.grow();
    this.place(high, low);
    this.size++;
    return true;
  }

  private place(high: number, low: number): void {
    const slots = this.slots;
    let i = low & this.mask;
    while (slots[2 * i] !== 0 || slots[2 * i + 1] !== 0) i = (i + 1) & this.mask;
    slots[2 * i] = high;
    slots[2 * i + 1] = low;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    this.mask = old.length - 1;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i] !== 0 || old[i + 1] !== 0) this.place(old[i]!, old[i + 1]!);
    }
  }
}
