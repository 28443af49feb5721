import { rowCount, type LookEvent, type RunProgress } from "@tagwire/engine";
import type { ByteCount } from "./sources/bytes.js";
import { count } from "./output/table.js";

export interface Progress {
  /** The engine's figures, given after each answer and each settled batch. */
  update(progress: RunProgress): void;
  /** Rows the engine has pulled from the source, counted as they go (the engine reports them only per chunk transformed). */
  readonly rows: { read: number };
  stop(): void;
}

/** For `--json`: the final report only. */
export function noProgress(): Progress {
  return { update: () => undefined, rows: { read: 0 }, stop: () => undefined };
}

/** How often plain lines are written when stderr is not a terminal (and once at the end). */
export const PLAIN_EVERY_MS = 5_000;
const BAR_EVERY_MS = 200;
/** The rate is taken over this last stretch of the run, so it follows a send that slows down or speeds up. */
const RATE_WINDOW_MS = 10_000;
/** A failed answer this recent means the send is being held by retries. */
const RETRYING_FOR_MS = 10_000;
const BAR_WIDTH = 20;

/**
 * Shows a send while it goes, on stderr so stdout keeps only the report: on a terminal a live bar
 * (of the rows settled, when the size is known) with the figures and, below it, what holds the send;
 * otherwise a plain line every 5 s, at once when a request fails (a retry is coming), and at the end.
 */
export function startProgress(label: string, bytes: ByteCount, stream: NodeJS.WriteStream = process.stderr): Progress {
  const meter = new ProgressMeter(label, bytes);
  const rows = { read: 0 };
  const now = (final = false) => meter.figures(rows.read, Date.now(), final);
  return { ...(stream.isTTY === true ? barProgress(stream, meter, now) : plainProgress(stream, meter, now)), rows };
}

/** Counts the rows of a Look's events as they are pulled. */
export async function* countingRows(events: AsyncIterable<LookEvent>, rows: { read: number }): AsyncGenerator<LookEvent, void, undefined> {
  for await (const event of events) {
    if (event.kind !== "header") rows.read += rowCount(event.rows);
    yield event;
  }
}

/** What the display shows at one moment. */
export interface ProgressFigures extends RunProgress {
  readonly label: string;
  /** Rows settled (delivered, rejected or failed) per second over the last 10 s. */
  readonly rate: number;
  /** Share of the rows settled, when the source's size is known (its rows are estimated from the share read). */
  readonly fraction?: number;
  readonly etaSeconds?: number;
  /** What holds the send now, if anything: the rate limit, a Retry-After, or retries. */
  readonly holding?: string;
  readonly now: number;
}

/** The engine's latest figures and a window of recent ones for the rate. */
export class ProgressMeter {
  private latest: RunProgress = { read: 0, delivered: 0, rejected: 0, failed: 0, requests: 0, retries: 0 };
  private readonly samples: Array<{ at: number; settled: number }> = [];

  constructor(
    private readonly label: string,
    private readonly bytes: ByteCount,
    startedAt = Date.now(),
  ) {
    this.samples.push({ at: startedAt, settled: 0 });
  }

  set(progress: RunProgress): void {
    this.latest = progress;
  }

  get lastFailureAt(): number | undefined {
    return this.latest.lastFailure?.at;
  }

  /** `final`: the run is over, so nothing holds it (a reservation it made may still lie ahead). */
  figures(pulled: number, now: number, final = false): ProgressFigures {
    const p = { ...this.latest, read: Math.max(this.latest.read, pulled) };
    const settled = p.delivered + p.rejected + p.failed;
    this.samples.push({ at: now, settled });
    while (this.samples.length > 2 && this.samples[1]!.at <= now - RATE_WINDOW_MS) this.samples.shift();
    const first = this.samples[0]!;
    const rate = now - first.at >= 500 ? ((settled - first.settled) * 1000) / (now - first.at) : 0;
    const sized = this.bytes.total !== undefined && this.bytes.total > 0;
    const shareRead = sized ? Math.min(1, this.bytes.read / this.bytes.total!) : undefined;
    // The rows to settle in all: those read, and those the unread share of the source holds at the same density.
    const expected = shareRead !== undefined && shareRead > 0 ? p.read / shareRead : undefined;
    const fraction = expected !== undefined && expected > 0 ? Math.min(1, settled / expected) : undefined;
    const etaSeconds = expected !== undefined && rate > 0 ? Math.max(0, Math.round((expected - settled) / rate)) : undefined;
    const holding = final ? undefined : holdingOf(p, now);
    return { ...p, label: this.label, rate, now, ...(fraction !== undefined ? { fraction } : {}), ...(etaSeconds !== undefined ? { etaSeconds } : {}), ...(holding ? { holding } : {}) };
  }
}

function holdingOf(p: RunProgress, now: number): string | undefined {
  if (p.heldUntil !== undefined && p.heldUntil > now) return `held: the destination asked to wait (Retry-After), ${seconds(p.heldUntil - now)} more`;
  if (p.lastFailure !== undefined && p.lastFailure.at > now - RETRYING_FOR_MS) {
    return `retrying: the last request failed (${p.lastFailure.reason}) ${seconds(now - p.lastFailure.at)} ago; ${count(p.retries)} ${p.retries === 1 ? "retry" : "retries"} so far`;
  }
  if (p.pacedUntil !== undefined && p.pacedUntil > now) return `paced: the rate limit holds the send (${seconds(p.pacedMs ?? 0)} paced so far)`;
  return undefined;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function duration(s: number): string {
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** Rows and what became of them, and the requests that carried them. */
function countParts(f: ProgressFigures): string[] {
  return [
    `${count(f.read)} read`,
    `${count(f.delivered)} delivered`,
    `${count(f.rejected)} rejected`,
    `${count(f.failed)} failed`,
    `${count(f.requests)} ${f.requests === 1 ? "request" : "requests"}`,
    `${count(f.retries)} ${f.retries === 1 ? "retry" : "retries"}`,
  ];
}

function speedParts(f: ProgressFigures): string[] {
  return [`${count(Math.round(f.rate))} rows/s`, ...(f.etaSeconds !== undefined ? [`ETA ${duration(f.etaSeconds)}`] : [])];
}

/** The terminal's lines (each under 100 columns): the bar with the rate, the figures, then what holds the send, if anything. */
export function barLines(f: ProgressFigures): string[] {
  const bar = f.fraction !== undefined ? [`${"█".repeat(Math.round(f.fraction * BAR_WIDTH)).padEnd(BAR_WIDTH, "░")} ${Math.floor(f.fraction * 100)}%`] : [];
  return [`${f.label} ${[...bar, ...speedParts(f)].join(" | ")}`, `  ${countParts(f).join(" | ")}`, ...(f.holding !== undefined ? [`  ${f.holding}`] : [])];
}

/** One line for a log or a pipe. */
export function plainLine(f: ProgressFigures): string {
  return `progress: ${f.label}: ${[...countParts(f), ...speedParts(f)].join(", ")}${f.holding !== undefined ? `; ${f.holding}` : ""}`;
}

function barProgress(stream: NodeJS.WriteStream, meter: ProgressMeter, now: (final?: boolean) => ProgressFigures): Omit<Progress, "rows"> {
  let drawn = 0;
  const draw = (final = false) => {
    // Lines cut to the terminal's width: a wrapped line would throw off the count of lines to redraw.
    const width = Math.max(20, (stream.columns || 100) - 1);
    const lines = barLines(now(final)).map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
    stream.write(`${drawn > 0 ? `\u001b[${drawn}A` : ""}\r\u001b[J${lines.join("\n")}\n`);
    drawn = lines.length;
  };
  const timer = setInterval(() => draw(), BAR_EVERY_MS).unref();
  draw();
  return {
    update: (p) => meter.set(p),
    stop: () => {
      clearInterval(timer);
      draw(true);
    },
  };
}

function plainProgress(stream: NodeJS.WriteStream, meter: ProgressMeter, now: (final?: boolean) => ProgressFigures): Omit<Progress, "rows"> {
  let toldFailureAt: number | undefined;
  let writtenAt = 0;
  // A send refused before it began (a missing setting, a Look that cannot be sent) has no figures to end on.
  let begun = false;
  const write = (final = false) => {
    writtenAt = Date.now();
    stream.write(`${plainLine(now(final))}\n`);
  };
  const timer = setInterval(() => write(), PLAIN_EVERY_MS).unref();
  return {
    update: (p) => {
      meter.set(p);
      begun = true;
      // A failed request is told as it happens (at most once a second): an unreachable destination is not silence.
      const failedAt = meter.lastFailureAt;
      if (failedAt !== undefined && failedAt !== toldFailureAt && Date.now() - writtenAt >= 1_000) {
        toldFailureAt = failedAt;
        write();
      }
    },
    stop: () => {
      clearInterval(timer);
      if (begun) write(true);
    },
  };
}
