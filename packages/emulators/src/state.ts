/** Counters of one connector's emulator, as `GET /_emulator/state` shows them. */
export interface ConnectorState {
  /** Requests to this connector's paths, whatever the answer (faulted and dropped ones included). */
  requests: number;
  /** Answers by HTTP status (dropped connections have none). */
  byStatus: Record<string, number>;
  /** Records stored (first time their dedup id was seen, or without one). */
  accepted: number;
  /** Records whose dedup id had already been accepted: answered as success, not stored again. */
  duplicates: number;
  /** Records the API answered 2xx for but did not accept (`accepted-then-dropped` connectors). */
  dropped: number;
  droppedReasons: Record<string, number>;
  /** Accepted records that carried no dedup id (always 0 for an API without a dedup field). */
  withoutDedupId: number;
  /** Injected faults by kind: a status code, `failAll` or `drop`. */
  faults: Record<string, number>;
}

/** `GET /_emulator/state`: one entry per loaded connector. */
export type EmulatorState = Record<string, ConnectorState>;

const emptyState = (): ConnectorState => ({
  requests: 0,
  byStatus: {},
  accepted: 0,
  duplicates: 0,
  dropped: 0,
  droppedReasons: {},
  withoutDedupId: 0,
  faults: {},
});

const bump = (counts: Record<string, number>, key: string, by = 1) => {
  counts[key] = (counts[key] ?? 0) + by;
};

/** Milliseconds of arrivals kept (16 MB at most); later ones are not timed. */
const MAX_ARRIVALS = 1_000_000;

/** Counters, accepted records and the set of seen dedup ids of one connector. */
export class ConnectorStore {
  state: ConnectorState = emptyState();
  private records: unknown[] = [];
  private seen = new Set<string>();
  /** When records arrived: [epoch ms, records that arrived in that ms], in arrival order. */
  private arrivals: Array<[number, number]> = [];

  constructor(
    /** Undefined for an API without a dedup field: every accepted record is stored, duplicates included. */
    private readonly dedupField: string | undefined,
    private readonly keepRecords: boolean,
  ) {}

  countRequest(): void {
    this.state.requests += 1;
  }

  countStatus(status: number): void {
    bump(this.state.byStatus, String(status));
  }

  countFault(kind: string): void {
    bump(this.state.faults, kind);
  }

  drop(reason: string, count = 1): void {
    this.state.dropped += count;
    bump(this.state.droppedReasons, reason, count);
  }

  /** Stores a record unless its dedup id was accepted before. */
  accept(record: unknown): void {
    this.arrived();
    if (this.dedupField === undefined) {
      this.state.accepted += 1;
      if (this.keepRecords) this.records.push(record);
      return;
    }
    const id =
      record !== null && typeof record === "object"
        ? (record as Record<string, unknown>)[this.dedupField]
        : undefined;
    if (typeof id === "string" || typeof id === "number") {
      const key = String(id);
      if (this.seen.has(key)) {
        this.state.duplicates += 1;
        return;
      }
      this.seen.add(key);
    } else {
      this.state.withoutDedupId += 1;
    }
    this.state.accepted += 1;
    if (this.keepRecords) this.records.push(record);
  }

  /** Counts a record that reached the API with a 2xx, duplicates included: what a rate limit is about. */
  private arrived(): void {
    const now = Date.now();
    const last = this.arrivals[this.arrivals.length - 1];
    if (last !== undefined && last[0] === now) last[1] += 1;
    else if (this.arrivals.length < MAX_ARRIVALS) this.arrivals.push([now, 1]);
  }

  /** When records arrived, one entry per millisecond that saw any: `[epoch ms, records]`. */
  arrivalTimes(): ReadonlyArray<readonly [number, number]> {
    return this.arrivals;
  }

  /** Accepted records in arrival order (empty when records are not kept). */
  list(offset = 0, limit = Number.POSITIVE_INFINITY): unknown[] {
    return this.records.slice(offset, offset + limit);
  }

  /** How many accepted records are kept for inspection. */
  get storedCount(): number {
    return this.records.length;
  }

  get recordsKept(): boolean {
    return this.keepRecords;
  }

  reset(): void {
    this.state = emptyState();
    this.records = [];
    this.seen = new Set();
    this.arrivals = [];
  }
}
