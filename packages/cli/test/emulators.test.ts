import { describe, expect, it } from "vitest";
import { fixture, oneLine, tagwire } from "./support/cli.js";
import { start } from "./support/long-running.js";

describe("tagwire emulators", () => {
  it("prints each connector's URL and environment variables, serves until SIGTERM, then exits 0", async () => {
    const emulators = start(["emulators", "--port", "0", "--seed", "1"]);
    try {
      const [, url] = await emulators.waitFor(/^mparticle {2}(http:\/\/127\.0\.0\.1:\d+)$/m);
      await emulators.waitFor(/^inspect: /m);
      expect(emulators.stdout()).toContain(`  export TAGWIRE_MPARTICLE_URL=${url}\n  export TAGWIRE_MPARTICLE_API_KEY=test-apiKey\n  export TAGWIRE_MPARTICLE_API_SECRET=test-apiSecret\n`);
      expect(emulators.stdout()).toContain(`segment  ${url}\n  export TAGWIRE_SEGMENT_URL=${url}\n  export TAGWIRE_SEGMENT_SEGMENT_WRITE_KEY=test-segment_write_key\n`);
      const health = (await (await fetch(`${url}/_emulator/health`)).json()) as { ok: boolean };
      expect(health.ok).toBe(true);

      // The printed variables are all `send` needs.
      const sent = await tagwire(["send", "--to", "segment", fixture("users-valid.json")], {
        env: { TAGWIRE_SEGMENT_URL: url!, TAGWIRE_SEGMENT_SEGMENT_WRITE_KEY: "test-segment_write_key" },
      });
      expect(sent.code).toBe(0);
    } finally {
      expect(await emulators.stop("SIGTERM")).toBe(0);
    }
  });

  it("takes the flags of tagwire-emulators: --connector, --fault, --credential", async () => {
    const emulators = start(["emulators", "--port", "0", "--connector", "segment", "--fault", "segment:fail-all=503", "--credential", "segment:segment_write_key=k1"]);
    try {
      const [, url] = await emulators.waitFor(/^segment {2}(http:\S+)$/m);
      await emulators.waitFor(/^inspect: /m);
      expect(emulators.stdout()).not.toContain("mparticle");
      expect(emulators.stdout()).toContain("export TAGWIRE_SEGMENT_SEGMENT_WRITE_KEY=k1");
      const faults = (await (await fetch(`${url}/_emulator/faults`)).json()) as Record<string, { failAll?: number }>;
      expect(faults.segment?.failAll).toBe(503);
    } finally {
      expect(await emulators.stop("SIGINT")).toBe(0);
    }
  });

  it.each([
    [["--port", "0", "--fault", "segment-503"], /^tagwire: --fault "segment-503" must look like connector:kind=value/],
    [["--port", "0", "--fault", "segment:boom=1"], /unknown kind "boom"/],
    [["--port", "0", "--fault", "segment:503=2"], /^tagwire: .*(probability|between 0 and 1)/],
    [["--port", "0", "--connector", "nope"], /^tagwire: unknown connector "nope"/],
    [["--port", "http"], /^tagwire: 'http' is not a integer$/],
  ])("bad flags %j: one line, exit 2", async (args, line) => {
    const r = await tagwire(["emulators", ...args]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(line);
  });
});
