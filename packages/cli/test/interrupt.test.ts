import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulators, type Emulators } from "@tagwire/emulators";
import { start } from "./support/long-running.js";

let emulators: Emulators;
let env: Record<string, string>;

beforeAll(async () => {
  emulators = await startEmulators({ port: 0 });
  env = { TAGWIRE_MPARTICLE_URL: emulators.url, TAGWIRE_MPARTICLE_API_KEY: "test-apiKey", TAGWIRE_MPARTICLE_API_SECRET: "test-apiSecret" };
});
afterAll(() => emulators.close());
beforeEach(() => {
  emulators.reset();
  // Each answer takes 100 ms; mParticle's 270 records/s paces 3,000 rows over about 11 s.
  emulators.setFaults("mparticle", { latencyMs: 100 });
});

const emails = (count: number) => {
  const file = join(mkdtempSync(join(tmpdir(), "tagwire-interrupt-")), "users.csv");
  writeFileSync(file, ["email", ...Array.from({ length: count }, (_, i) => `u${i}@example.com`)].join("\n"));
  return file;
};

/** Starts a paced send of 3,000 rows and stops it with `signal` once the destination has records. */
async function interruptedSend(flags: string[], signal: NodeJS.Signals) {
  const send = start(["send", "--to", "mparticle", "--tag", "email=mp_email", "--workers", "0", ...flags, emails(3_000)], env);
  const deadline = Date.now() + 15_000;
  while (emulators.records("mparticle").length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(emulators.records("mparticle").length).toBeGreaterThan(0);
  const signalledAt = Date.now();
  const code = await send.stop(signal);
  return { code, stdout: send.stdout(), stderr: send.stderr(), took: Date.now() - signalledAt };
}

describe("Ctrl-C during tagwire send", () => {
  it("stops reading, lets the requests out be answered, prints the partial report with the run id, exits 130", async () => {
    const r = await interruptedSend([], "SIGINT");
    expect(r.code).toBe(130);
    // The requests out are answered in 100 ms: far inside the 5 s grace period.
    expect(r.took).toBeLessThan(3_000);
    const delivered = emulators.state().mparticle!.accepted;
    expect(delivered).toBeLessThan(3_000);
    expect(r.stdout).toMatch(new RegExp(`^mParticle: the run was interrupted[^;]*; ${delivered.toLocaleString("en-US")} of [\\d,]+ rows delivered`));
    expect(r.stdout).toMatch(/\n  [\d,]+ × not sent: the run was stopped\n      rows \d+-\d+\n/);
    expect(r.stdout).toMatch(/\nRun id: [0-9a-f-]{36} \(send again with --run-id [0-9a-f-]{36}/);
    expect(r.stderr).toContain("tagwire: stopping: nothing more is read or sent");
  }, 30_000);

  it("a second Ctrl-C quits at once, without waiting for the requests out", async () => {
    emulators.setFaults("mparticle", { latencyMs: 60_000 });
    const send = start(["send", "--to", "mparticle", "--tag", "email=mp_email", "--workers", "0", emails(300)], env);
    const deadline = Date.now() + 15_000;
    while (emulators.state().mparticle!.requests === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    send.child.kill("SIGINT");
    while (!send.stderr().includes("tagwire: stopping") && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const secondAt = Date.now();
    expect(await send.stop("SIGINT")).toBe(130);
    // Well before the 5 s the requests out would otherwise get.
    expect(Date.now() - secondAt).toBeLessThan(2_000);
    expect(send.stdout()).toBe("");
  }, 30_000);

  it("--json: the partial report as JSON on stdout; SIGTERM is told apart from Ctrl-C", async () => {
    const r = await interruptedSend(["--json", "--run-id", "run-stop-1"], "SIGTERM");
    expect(r.code).toBe(130);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ runId: "run-stop-1", success: false, stopped: { by: "shutdown" } });
    expect(report.rows.delivered + report.rows.rejected + report.rows.failed).toBe(report.rows.read);
    expect(report.rows.delivered).toBe(emulators.state().mparticle!.accepted);
    expect(report.failed).toContainEqual(expect.objectContaining({ reason: "not sent: the run was stopped" }));
    // Turns reserved ahead under the rate limit and given up were not waited for.
    expect(report.requests.pacedMs).toBeLessThanOrEqual(report.durationMs);
  }, 30_000);
});
