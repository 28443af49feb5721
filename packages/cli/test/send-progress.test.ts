// The progress display of `tagwire send` as a user sees it: through a pipe (plain lines) and
// through a pseudo-terminal (`script`), against the emulators.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulators, type Emulators } from "@tagwire/emulators";
import { bin, cliDir, tagwire } from "./support/cli.js";
import { start } from "./support/long-running.js";

let emulators: Emulators;
const keys = { TAGWIRE_MPARTICLE_API_KEY: "test-apiKey", TAGWIRE_MPARTICLE_API_SECRET: "test-apiSecret" };

beforeAll(async () => {
  emulators = await startEmulators({ port: 0 });
});
afterAll(() => emulators.close());

const emails = (count: number) => {
  const file = join(mkdtempSync(join(tmpdir(), "tagwire-progress-")), "users.csv");
  writeFileSync(file, ["email", ...Array.from({ length: count }, (_, i) => `u${i}@example.com`)].join("\n"));
  return file;
};
const progressLines = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("progress: "));

describe("tagwire send progress", () => {
  it("through a pipe: a plain line every 5 s and at the end, saying when the rate limit holds the send", async () => {
    // 600 rows at 100 records/s: about 5 s, nearly all of it paced.
    const r = await tagwire(["send", "--to", "mparticle", "--tag", "email=mp_email", "--rate-limit", "100 records/s", emails(600)], { env: { TAGWIRE_MPARTICLE_URL: emulators.url, ...keys } });
    expect(r.code).toBe(0);
    const lines = progressLines(r.stderr);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines[0]).toMatch(/^progress: mParticle: 600 read, [1-5]00 delivered, 0 rejected, 0 failed, [1-5] requests?, 0 retries, \d+ rows\/s, ETA \d+ s; paced: the rate limit holds the send \([\d.]+ s paced so far\)$/);
    expect(lines.at(-1)).toMatch(/^progress: mParticle: 600 read, 600 delivered, 0 rejected, 0 failed, 6 requests, 0 retries, \d+ rows\/s, ETA 0 s$/);
    expect(r.stdout).toMatch(/^mParticle: 600 of 600 rows delivered\. 6 requests, 0 retries, [\d.]+ s \([\d.]+ s of it paced/);
  }, 30_000);

  it("an unreachable destination is not silence: each failed request is told as it happens", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", () => resolve()));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const send = start(["send", "--to", "mparticle", "--tag", "email=mp_email", emails(3)], { TAGWIRE_MPARTICLE_URL: `http://127.0.0.1:${port}`, ...keys });
    const started = Date.now();
    while (!send.stderr().includes("retrying: the last request failed (network error ECONNREFUSED)") && Date.now() - started < 10_000) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(progressLines(send.stderr())[0]).toMatch(/^progress: mParticle: 3 read, 0 delivered, 0 rejected, 0 failed, [12] requests?, [01] retr(y|ies), 0 rows\/s; retrying: the last request failed \(network error ECONNREFUSED\) [\d.]+ s ago/);
    // Told within a second or two of the first refusal, not after the retries are spent (about 30 s).
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await send.stop("SIGINT")).toBe(130);
    expect(send.stdout()).toContain("3 × network error ECONNREFUSED; not tried again: the run was stopped");
  }, 30_000);

  it("on a terminal: a live bar redrawn in place, with the figures and what holds the send", async () => {
    // No state store: a test must not write to the user's state directory.
    const env = { ...process.env, NO_COLOR: "1", TAGWIRE_DATABASE_URL: "none", TAGWIRE_MPARTICLE_URL: emulators.url, ...keys };
    const command = `stty cols 100; ${process.execPath} ${bin} send --to mparticle --tag email=mp_email --rate-limit '200 records/s' ${emails(600)}`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile("script", ["-qfec", command, "/dev/null"], { cwd: cliDir, env, timeout: 30_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
    );
    expect(out).toMatch(/\u001b\[[23]A\r\u001b\[J/);
    const frames = out.split("\u001b[J").map((f) => f.replace(/\r/g, ""));
    expect(frames.some((f) => /^mParticle █+░* \d+% \| [\d,]+ rows\/s/.test(f) && f.includes("\n  paced: the rate limit holds the send"))).toBe(true);
    expect(frames.at(-1)).toMatch(/^mParticle █{20} 100% \| [\d,]+ rows\/s(?: \| ETA \d+ s)?\n  600 read \| 600 delivered \| 0 rejected \| 0 failed \| 6 requests \| 0 retries\nmParticle: 600 of 600 rows delivered/);
    // The display fits a 100-column terminal (the report after it is printed as it is).
    const display = out.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "").split(/\r?\n/).filter((l) => !l.startsWith("mParticle: "));
    for (const line of display) expect(line.length, line).toBeLessThan(100);
  }, 30_000);
});
