// The server's memory budget (TAGWIRE_MEMORY_BUDGET_BYTES): executes whose rows would go over it
// wait their turn instead of adding to the server's memory. Nothing is dropped or cut off: each
// execute still answers Looker (200, keep-alive newlines, then its result) with every row delivered,
// and the waits show in the log and the metrics.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulatorProcess, startServerProcess, type EmulatorProcess } from "./process.js";
import { bigLook, executeBody, metric } from "./support.js";

const ROWS = 20_000;
/** Smaller than one chunk of a streamed Look: every chunk goes alone, so the two executes take turns. */
const BUDGET = 48 * 1024;

let emulators: EmulatorProcess;
beforeAll(async () => {
  emulators = await startEmulatorProcess(["--no-validate", "--no-keep-records"]);
}, 30_000);
afterAll(() => emulators?.kill());

describe("a memory budget smaller than the rows two executes would hold at once", () => {
  it("both inline executes finish with every row delivered, and the waits are logged and counted", async () => {
    await emulators.reset();
    const server = await startServerProcess({
      TAGWIRE_MPARTICLE_URL: emulators.url,
      TAGWIRE_SEGMENT_URL: emulators.url,
      TAGWIRE_MPARTICLE_RATE_LIMIT: "off",
      TAGWIRE_MEMORY_BUDGET_BYTES: String(BUDGET),
      // Rows wait in flight only on their way to a worker thread: on the server's own thread each chunk is transformed as it arrives.
      TAGWIRE_WORKERS: "1",
      TAGWIRE_KEEPALIVE_MS: "50",
    });
    try {
      const look = JSON.stringify(bigLook(ROWS));
      const form = { mparticle: { data_type: "user_data", environment: "development" }, segment_event: {} } as Record<string, Record<string, string>>;
      const settings = { mparticle: emulators.settings.mparticle, segment_event: emulators.settings.segment } as Record<string, Record<string, string>>;
      const answers = await Promise.all(
        ["mparticle", "segment_event"].map(async (action, i) => {
          const res = await fetch(`${server.url}/actions/${action}/execute`, {
            method: "POST",
            headers: { authorization: `Token token="${server.secret}"`, "content-type": "application/json", "x-request-id": `budget-${i}` },
            body: JSON.stringify(executeBody({ data: settings[action]!, form: form[action]!, look })),
          });
          return { status: res.status, text: await res.text() };
        }),
      );
      const entries = server.entries();
      for (const [i, answer] of answers.entries()) {
        expect(answer.status).toBe(200);
        // Looker kept hearing from the execute while it waited: keep-alive newlines, then the answer.
        expect(answer.text.startsWith("\n")).toBe(true);
        const looker = JSON.parse(answer.text).looker as { success: boolean; message: string };
        expect(looker.success, looker.message).toBe(true);
        expect(looker.message).toContain(`${ROWS.toLocaleString("en-US")} of ${ROWS.toLocaleString("en-US")} rows delivered.`);
        const finished = entries.find((e) => e["msg"] === "execute finished" && e["requestId"] === `budget-${i}`)!;
        expect(finished["rows"]).toEqual({ read: ROWS, delivered: ROWS, rejected: 0, failed: 0 });
      }
      const state = await emulators.state();
      expect(state["mparticle"]!.accepted).toBe(ROWS);
      expect(state["segment"]!.accepted).toBe(ROWS);

      const waited = entries.filter((e) => e["msg"] === "execute waited for memory");
      expect(waited.length).toBeGreaterThan(0);
      for (const w of waited) {
        expect(w["waits"]).toBeGreaterThan(0);
        expect(typeof w["waitedMs"]).toBe("number");
        expect(w["budgetBytes"]).toBe(BUDGET);
      }
      const totals = entries.filter((e) => e["msg"] === "execute finished").map((e) => e["memoryWaits"] ?? 0);
      expect(totals.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      const listening = entries.find((e) => e["msg"] === "action server listening")!;
      expect(listening["memoryBudgetBytes"]).toBe(BUDGET);

      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metric(metrics, "tagwire_memory_budget_bytes")).toBe(BUDGET);
      expect(metric(metrics, "tagwire_memory_waits_total")).toBeGreaterThan(0);
      expect(metric(metrics, "tagwire_memory_wait_seconds_total")).toBeGreaterThan(0);
      // Every charge was given back.
      expect(metric(metrics, "tagwire_memory_budget_in_use_bytes")).toBe(0);
    } finally {
      server.kill();
    }
  }, 120_000);
});
