import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { tagwire } from "./support/cli.js";

const downstreams = JSON.parse(readFileSync(new URL("../../../connectors/segment/downstreams.json", import.meta.url), "utf8")) as { rows: Array<{ id: string; note?: string }> };

describe("tagwire destinations", () => {
  it("lists every connector and every Segment downstream with its identifiers and notes", async () => {
    const r = await tagwire(["destinations"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^mparticle {2}mParticle: /m);
    expect(r.stdout).toMatch(/^segment {2}Segment: /m);
    expect(r.stdout).toContain("TAGWIRE_MPARTICLE_API_KEY");
    expect(r.stdout).toContain("TAGWIRE_SEGMENT_SEGMENT_WRITE_KEY");
    expect(r.stdout).toContain("TAGWIRE_MPARTICLE_URL");
    expect(r.stdout).toMatch(/^ {2}pacing {4}270 records\/s {2}\(override with \$TAGWIRE_MPARTICLE_RATE_LIMIT or --rate-limit\)$/m);
    expect(r.stdout).toMatch(/^ {2}pacing {4}no declared limit {2}\(override with \$TAGWIRE_AMPLITUDE_RATE_LIMIT or --rate-limit\)$/m);
    for (const d of downstreams.rows) expect(r.stdout).toMatch(new RegExp(`^ {4}${d.id.replace(/\./g, "\\.")} `, "m"));
    expect(r.stdout).toMatch(/^ {4}braze +userId +previously appboy$/m);
  });

  it("--json gives the same content, machine-readable", async () => {
    const r = await tagwire(["destinations", "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { connectors: Array<any> };
    expect(out.connectors.map((c) => c.id)).toEqual(["amplitude", "braze", "mparticle", "segment"]);
    const [, , mparticle, segment] = out.connectors;
    expect(mparticle.settings.map((s: any) => [s.name, s.variable, s.required])).toEqual([
      ["apiKey", "TAGWIRE_MPARTICLE_API_KEY", true],
      ["apiSecret", "TAGWIRE_MPARTICLE_API_SECRET", true],
      ["pod", "TAGWIRE_MPARTICLE_POD", false],
    ]);
    expect(mparticle.requirements[0]).toMatchObject({ id: "identity", requires: "user_identities.*" });
    expect(mparticle.downstreams).toBeUndefined();
    expect([mparticle.rateLimit, mparticle.rateLimitVariable, segment.rateLimit]).toEqual(["270 records/s", "TAGWIRE_MPARTICLE_RATE_LIMIT", "1000 requests/s"]);
    expect(out.connectors[0].rateLimit).toBeUndefined();
    expect(segment.actions.map((a: any) => a.name)).toEqual(["segment_event", "segment_track", "segment_group"]);
    expect(segment.downstreams.items).toHaveLength(downstreams.rows.length);
    expect(segment.downstreams.items.find((d: any) => d.id === "braze")).toEqual({ id: "braze", requires: ["userId"], note: "previously appboy" });
    expect(segment.downstreams.items.find((d: any) => d.id === "amazon-kinesis")).toEqual({ id: "amazon-kinesis", requires: ["userId or anonymousId"] });
  });
});
