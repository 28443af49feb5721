import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { countingRows, startProgress } from "../src/progress.js";

/** A stream that says it is a terminal and keeps what is written to it. */
function terminal(): NodeJS.WriteStream & { text(): string } {
  let text = "";
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  }) as unknown as NodeJS.WriteStream & { text(): string };
  Object.assign(stream, { isTTY: true, columns: 120, rows: 40, cursorTo: () => true, clearLine: () => true, moveCursor: () => true, text: () => text });
  return stream;
}

describe("progress on a terminal", () => {
  it("draws a bar by bytes read, with rows, rate and rejects", async () => {
    const stream = terminal();
    const bytes = { total: 1000, read: 0 };
    const progress = startProgress(bytes, stream);
    const events = countingRows(
      (async function* () {
        yield { kind: "rows", rows: [{}, {}, {}] };
        yield { kind: "rows", rows: [{}] };
      })(),
      progress.rows,
    );
    for await (const _ of events) bytes.read += 500;
    progress.update({ read: 4, delivered: 3, rejected: 1, failed: 0, requests: 1, retries: 0 });
    progress.stop();
    const text = stream.text().replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "");
    expect(text).toMatch(/100% \| 4 rows \| [\d,]+ rows\/s \| 1 rejected \| 0 failed/);
  });

  it("without a known size: the figures only", () => {
    const stream = terminal();
    const progress = startProgress({ read: 0 }, stream);
    progress.rows.read = 2500;
    progress.update({ read: 2000, delivered: 1990, rejected: 10, failed: 0, requests: 1, retries: 0 });
    progress.stop();
    const text = stream.text().replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "");
    expect(text).toMatch(/2,500 rows \| [\d,]+ rows\/s \| 10 rejected \| 0 failed/);
    expect(text).not.toContain("%");
  });
});
