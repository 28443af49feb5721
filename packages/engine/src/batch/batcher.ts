import type { Envelope, Limits } from "../generated/manifest.js";

/** Records ready for one request, serialised once; only the per-request fields are added per attempt. */
export interface Batch {
  readonly rows: ReadonlyArray<number>;
  readonly count: number;
  readonly bytes: number;
  body(sentAt: string): string;
}

const SENT_AT_SAMPLE = "2026-01-01T00:00:00.000Z";

/** Splits serialised records into requests within the API's count and byte limits. */
export class Batcher {
  private records: string[] = [];
  private rows: number[] = [];
  private bytes = 0;
  private readonly overhead: number;
  private readonly prefix: string;
  private readonly suffix: (sentAt: string) => string;

  /** `fields`: set in every request body before the records (e.g. a key carried in the body); needs an `object` envelope. */
  constructor(
    private readonly limits: Limits,
    envelope: Envelope,
    fields: Readonly<Record<string, string>> = {},
  ) {
    const fixed = Object.entries(fields).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)},`).join("");
    if (envelope.kind === "array") {
      if (fixed !== "") throw new Error("an `array` envelope cannot carry body fields");
      this.prefix = "[";
      this.suffix = () => "]";
    } else {
      this.prefix = `{${fixed}${JSON.stringify(envelope.itemsKey)}:[`;
      const sentAtKey = envelope.sentAtField;
      this.suffix = sentAtKey === undefined ? () => "]}" : (sentAt) => `],${JSON.stringify(sentAtKey)}:${JSON.stringify(sentAt)}}`;
    }
    this.overhead = Buffer.byteLength(this.prefix) + Buffer.byteLength(this.suffix(SENT_AT_SAMPLE));
  }

  /** The largest record that fits the API alone in a request. */
  get maxRecordBytes(): number {
    return Math.min(this.limits.maxRecordBytes, this.limits.maxRequestBytes - this.overhead);
  }

  /** Adds a record that fits `maxRecordBytes`; returns the batch it closed, if adding it had to. */
  add(json: string, bytes: number, rowNumber: number): Batch | undefined {
    let closed: Batch | undefined;
    const separator = this.records.length > 0 ? 1 : 0;
    if (this.records.length >= this.limits.maxRecordsPerRequest || this.overhead + this.bytes + separator + bytes > this.limits.maxRequestBytes) {
      closed = this.flush();
    }
    // The comma that joins this record to the previous one counts toward the request size.
    this.bytes += (this.records.length > 0 ? 1 : 0) + bytes;
    this.records.push(json);
    this.rows.push(rowNumber);
    return closed;
  }

  flush(): Batch | undefined {
    if (this.records.length === 0) return undefined;
    const payload = this.records.join(",");
    const { prefix, suffix, overhead } = this;
    const batch: Batch = {
      rows: this.rows,
      count: this.records.length,
      bytes: overhead + this.bytes,
      body: (sentAt) => prefix + payload + suffix(sentAt),
    };
    this.records = [];
    this.rows = [];
    this.bytes = 0;
    return batch;
  }
}
