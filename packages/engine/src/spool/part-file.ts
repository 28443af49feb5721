// One part of a spool on disk: compressed blocks appended one after the other, read back by
// offset, and the file removed once every block has been read (or the run has ended).

import { open, rm, type FileHandle } from "node:fs/promises";

export class PartFile {
  /** Bytes appended so far. */
  private bytes = 0;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  /** A new file, readable by this user only (it holds Look rows); fails if the name is taken. */
  static async create(path: string): Promise<PartFile> {
    return new PartFile(path, await open(path, "wx+", 0o600));
  }

  get size(): number {
    return this.bytes;
  }

  /** Writes `block` at the end; resolves with its offset once it is all written. */
  async append(block: Uint8Array): Promise<number> {
    const offset = this.bytes;
    let written = 0;
    while (written < block.byteLength) {
      const { bytesWritten } = await this.handle.write(block, written, block.byteLength - written, offset + written);
      written += bytesWritten;
    }
    this.bytes += block.byteLength;
    return offset;
  }

  /** Reads `length` bytes at `offset` into the start of `out`, which is at least that long. */
  async read(offset: number, length: number, out: Buffer): Promise<Buffer> {
    let got = 0;
    while (got < length) {
      const { bytesRead } = await this.handle.read(out, got, length - got, offset + got);
      if (bytesRead === 0) throw new Error(`${this.path} ends ${length - got} bytes short of a block`);
      got += bytesRead;
    }
    return out.subarray(0, length);
  }

  /** Closes and deletes the file; a file already gone is fine. */
  async remove(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.path, { force: true });
  }
}
