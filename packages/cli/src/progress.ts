import { SingleBar } from "cli-progress";
import { rowCount, type LookEvent, type RunProgress } from "@tagwire/engine";
import type { ByteCount } from "./sources/bytes.js";
import { count } from "./output/table.js";

export interface Progress {
  /** The engine's figures, given when a batch settles. */
  update(progress: RunProgress): void;
  /** Rows the engine has pulled from the source, counted as they go (the engine reports them only per settled batch). */
  readonly rows: { read: number };
  stop(): void;
}

const PLAIN_EVERY_MS = 1000;
const BAR_EVERY_MS = 200;

/**
 * Shows a run while it goes, on stderr so stdout keeps only the report: a bar on a terminal
 * (by bytes read when the size is known), otherwise a plain line at most once a second.
 */
export function startProgress(bytes: ByteCount, stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = Date.now();
  const rows = { read: 0 };
  let settled: RunProgress = { read: 0, delivered: 0, rejected: 0, failed: 0, requests: 0, retries: 0 };
  const current = (): RunProgress => ({ ...settled, read: Math.max(settled.read, rows.read) });
  const rate = () => Math.round(current().read / Math.max(0.001, (Date.now() - started) / 1000));
  const set = (p: RunProgress) => (settled = p);
  const shown = stream.isTTY === true ? barProgress(bytes, stream, current, rate, set) : plainProgress(stream, current, rate, set);
  return { ...shown, rows };
}

/** Counts the rows of a Look's events as they are pulled. */
export async function* countingRows(events: AsyncIterable<LookEvent>, rows: { read: number }): AsyncGenerator<LookEvent, void, undefined> {
  for await (const event of events) {
    if (event.kind !== "header") rows.read += rowCount(event.rows);
    yield event;
  }
}

function barProgress(bytes: ByteCount, stream: NodeJS.WriteStream, current: () => RunProgress, rate: () => number, set: (p: RunProgress) => void): Omit<Progress, "rows"> {
  const figures = "{rows} rows | {rate} rows/s | {rejected} rejected | {failed} failed";
  const sized = bytes.total !== undefined && bytes.total > 0;
  const bar = new SingleBar({ stream, format: sized ? `{bar} {percentage}% | ${figures}` : figures, hideCursor: true, barsize: 30, etaBuffer: 50 });
  const payload = () => {
    const p = current();
    return { rows: count(p.read), rate: count(rate()), rejected: count(p.rejected), failed: count(p.failed) };
  };
  bar.start(sized ? bytes.total! : 1, 0, payload());
  const draw = () => bar.update(sized ? Math.min(bytes.read, bytes.total!) : 0, payload());
  const timer = setInterval(draw, BAR_EVERY_MS).unref();
  return {
    update: (p) => {
      set(p);
      draw();
    },
    stop: () => {
      clearInterval(timer);
      draw();
      bar.stop();
    },
  };
}

function plainProgress(stream: NodeJS.WriteStream, current: () => RunProgress, rate: () => number, set: (p: RunProgress) => void): Omit<Progress, "rows"> {
  let shown = "";
  const line = () => {
    const p = current();
    const figures = `${count(p.read)} rows read, ${count(p.delivered)} delivered, ${count(p.rejected)} rejected, ${count(p.failed)} failed`;
    if (figures === shown) return;
    shown = figures;
    stream.write(`progress: ${figures}, ${count(rate())} rows/s\n`);
  };
  const timer = setInterval(line, PLAIN_EVERY_MS).unref();
  return {
    update: set,
    stop: () => clearInterval(timer),
  };
}
