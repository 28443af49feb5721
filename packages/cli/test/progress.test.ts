import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { barLines, countingRows, plainLine, ProgressMeter, startProgress } from "../src/progress.js";

/** A stream that says it is a terminal and keeps what is written to it. */
function terminal(): NodeJS.WriteStream & { text(): string } {
  let text = "";
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  }) as unknown as NodeJS.WriteStream & { text(): string };
  Object.assign(stream, { isTTY: true, columns: 100, rows: 40, text: () => text });
  return stream;
}

const base = { read: 0, delivered: 0, rejected: 0, failed: 0, requests: 0, retries: 0 };
const T0 = 1_800_000_000_000;

describe("the progress figures", () => {
  it("the rate is the rows settled over the last 10 s, not the average since the start", () => {
    const meter = new ProgressMeter("mParticle", { read: 0 }, T0);
    meter.set({ ...base, read: 1000, delivered: 1000, requests: 10 });
    expect(Math.round(meter.figures(1000, T0 + 1_000).rate)).toBe(1000);
    // Then a stall: 20 s later the rate is what the last 10 s did, not 1000 rows over 21 s.
    meter.figures(1000, T0 + 11_000);
    meter.set({ ...base, read: 1100, delivered: 1100, requests: 11 });
    expect(Math.round(meter.figures(1100, T0 + 21_000).rate)).toBe(10);
  });

  it("the share settled and an ETA, from the share of the source read, when its size is known", () => {
    const bytes = { total: 1000, read: 250 };
    const meter = new ProgressMeter("mParticle", bytes, T0);
    meter.set({ ...base, read: 100, delivered: 100, requests: 1 });
    // 100 rows in a quarter of the bytes: about 400 rows, 300 to go at 100 rows/s.
    const f = meter.figures(100, T0 + 1_000);
    expect(f.fraction).toBe(0.25);
    expect(f.etaSeconds).toBe(3);
    expect(new ProgressMeter("x", { read: 10 }, T0).figures(0, T0 + 1_000).etaSeconds).toBeUndefined();
  });

  it("says what holds the send: a Retry-After, retries, the rate limit", () => {
    const meter = new ProgressMeter("mParticle", { read: 0 }, T0);
    const now = T0 + 5_000;
    meter.set({ ...base, read: 200, delivered: 100, requests: 3, retries: 1, heldUntil: now + 12_000, lastFailure: { reason: "HTTP 429", at: now - 1_000 } });
    expect(meter.figures(200, now).holding).toBe("held: the destination asked to wait (Retry-After), 12.0 s more");
    meter.set({ ...base, read: 200, delivered: 100, requests: 3, retries: 2, lastFailure: { reason: "network error ECONNREFUSED", at: now - 2_000 } });
    expect(meter.figures(200, now).holding).toBe("retrying: the last request failed (network error ECONNREFUSED) 2.0 s ago; 2 retries so far");
    meter.set({ ...base, read: 200, delivered: 100, requests: 1, pacedMs: 3_400, pacedUntil: now + 300 });
    expect(meter.figures(200, now).holding).toBe("paced: the rate limit holds the send (3.4 s paced so far)");
    meter.set({ ...base, read: 200, delivered: 200, requests: 2, pacedMs: 3_400, pacedUntil: now - 300 });
    expect(meter.figures(200, now).holding).toBeUndefined();
    // The last figures of a run: nothing holds it any more, whatever it had reserved.
    meter.set({ ...base, read: 200, delivered: 100, failed: 100, requests: 1, pacedMs: 3_400, pacedUntil: now + 300 });
    expect(meter.figures(200, now, true).holding).toBeUndefined();
  });

  it("lines: a bar with the rate and ETA, the figures, what holds the send; or one plain line", () => {
    const meter = new ProgressMeter("mParticle", { total: 1000, read: 500 }, T0);
    meter.set({ ...base, read: 8177, delivered: 8000, rejected: 3, failed: 100, requests: 82, retries: 4, pacedMs: 2_000, pacedUntil: T0 + 10_500 });
    const f = meter.figures(8177, T0 + 10_000);
    expect(barLines(f)).toEqual([
      "mParticle ██████████░░░░░░░░░░ 49% | 810 rows/s | ETA 10 s",
      "  8,177 read | 8,000 delivered | 3 rejected | 100 failed | 82 requests | 4 retries",
      "  paced: the rate limit holds the send (2.0 s paced so far)",
    ]);
    expect(barLines(f).every((l) => l.length < 100)).toBe(true);
    expect(plainLine(f)).toBe(
      "progress: mParticle: 8,177 read, 8,000 delivered, 3 rejected, 100 failed, 82 requests, 4 retries, 810 rows/s, ETA 10 s; paced: the rate limit holds the send (2.0 s paced so far)",
    );
  });
});

describe("progress on a terminal", () => {
  it("redraws its lines in place, and leaves the last figures at the end", async () => {
    const stream = terminal();
    const bytes = { total: 1000, read: 0 };
    const progress = startProgress("Segment", bytes, stream);
    const events = countingRows(
      (async function* () {
        yield { kind: "rows", rows: [{}, {}, {}] };
        yield { kind: "rows", rows: [{}] };
      })(),
      progress.rows,
    );
    for await (const _ of events) bytes.read += 500;
    progress.update({ ...base, read: 4, delivered: 3, rejected: 1, requests: 1 });
    progress.stop();
    const text = stream.text();
    // Each redraw goes back up over the lines drawn before.
    expect(text).toContain("\u001b[2A\r\u001b[J");
    const last = text.split("\u001b[J").at(-1)!;
    expect(last).toMatch(/^Segment ████████████████████ 100% \| [\d,]+ rows\/s(?: \| ETA \d+ s)?\n  4 read \| 3 delivered \| 1 rejected \| 0 failed \| 1 request \| 0 retries\n$/);
  });
});
