import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { startActionServer, type ServerConfig } from "@tagwire/action-server";
import { startEmulators } from "@tagwire/emulators";
import { serveDownloads } from "./download-links.js";

// From dist/demo/ and src/demo/ alike: the package's samples folder.
const sampleLookPath = new URL("../../samples/active-users.json", import.meta.url);

export interface DemoOptions {
  readonly out: (line: string) => void;
  /** Print one JSON summary instead of prose. */
  readonly json?: boolean;
}

interface DemoStep {
  readonly action: string;
  readonly via: "inline" | "download_url";
  readonly formParams: Record<string, string>;
  readonly response: { success: boolean; message: string };
}

export interface DemoSummary {
  readonly actions: string[];
  readonly steps: DemoStep[];
  readonly received: Record<string, { accepted: number; duplicates: number; dropped: number; requests: number; sample?: unknown }>;
}

/**
 * The quick start: local stand-ins for the destinations, the action server on embedded defaults,
 * and a sample Look sent through the real Looker Action API (inline and via download_url).
 */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const say = options.json ? () => undefined : options.out;
  const look = readFileSync(sampleLookPath, "utf8");
  // Only the destinations the demo sends to are emulated; Looker still lists every action.
  const emulators = await startEmulators({ port: 0, connectors: ["mparticle", "segment"] });
  const downloads = await serveDownloads(look);
  const secret = randomBytes(24).toString("hex");
  const env = { TAGWIRE_MPARTICLE_URL: emulators.url, TAGWIRE_SEGMENT_URL: emulators.url };
  const config: ServerConfig = {
    port: 0, host: "127.0.0.1", secret, baseUrl: "http://127.0.0.1", env,
    maxBodyBytes: 64 * 1024 * 1024, keepAliveMs: 20_000, downloadIdleMs: 30_000,
  };
  const logLines: string[] = [];
  const server = await startActionServer(config, { logSink: (line) => logLines.push(line) });
  const post = async (path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { authorization: `Token token="${secret}"`, "content-type": "application/json", "x-looker-webhook-id": `demo-${path}-${Date.now()}` },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return JSON.parse((await res.text()).trim()) as unknown;
  };

  try {
    say("tagwire demo: local mParticle and Segment stand-ins, the action server, and a 25-row sample Look.");
    say(`  emulators      ${emulators.url}`);
    say(`  action server  ${server.url}`);
    const list = (await post("/")) as { integrations: Array<{ name: string; label: string; required_fields: unknown }> };
    const actions = list.integrations.map((i) => i.name);
    say(`\nLooker lists ${actions.length} actions: ${list.integrations.map((i) => `${i.name} (${i.label})`).join(", ")}`);
    const form = (await post("/actions/mparticle/form")) as Array<{ name: string; options?: Array<{ name: string }> }>;
    say(`The mparticle form asks for: ${form.map((f) => `${f.name} [${(f.options ?? []).map((o) => o.name).join("|")}]`).join(", ")}`);

    const settings = { mparticle: emulators.credentials("mparticle").settings, segment: emulators.credentials("segment").settings };
    const plan = (via: "inline" | "download_url") => ({
      scheduled_plan: {
        scheduled_plan_id: 42, title: "Active users", type: "Look",
        query: { vis_config: { hidden_fields: ["users.internal_score"] } },
        ...(via === "download_url" ? { download_url: downloads.url() } : {}),
      },
      ...(via === "inline" ? { attachment: { mimetype: "application/json", extension: "json", data: look } } : {}),
    });
    const steps: DemoStep[] = [];
    const run = async (action: string, connector: "mparticle" | "segment", via: "inline" | "download_url", formParams: Record<string, string>) => {
      const res = (await post(`/actions/${action}/execute`, { type: "query", data: settings[connector], form_params: formParams, ...plan(via) })) as { looker: { success: boolean; message: string } };
      steps.push({ action, via, formParams, response: res.looker });
      say(`\n${action} ${JSON.stringify(formParams)} via ${via}\n  ${res.looker.success ? "success" : "not a full success"}: ${res.looker.message}`);
    };
    await run("mparticle", "mparticle", "download_url", { data_type: "user_data", environment: "development" });
    await run("mparticle", "mparticle", "inline", { data_type: "event_data", environment: "development" });
    await run("segment_event", "segment", "download_url", {});
    await run("segment_track", "segment", "inline", { event: "Active User Synced" });

    const state = emulators.state();
    const received: DemoSummary["received"] = {};
    for (const id of emulators.connectors) {
      const s = state[id]!;
      const records = emulators.records(id);
      received[id] = { accepted: s.accepted, duplicates: s.duplicates, dropped: s.dropped, requests: s.requests, ...(records[0] !== undefined ? { sample: records[0] } : {}) };
      say(`\n${id} received ${s.accepted} records in ${s.requests} requests (${s.duplicates} duplicates, ${s.dropped} dropped). First record:`);
      say(JSON.stringify(records[0], null, 2).split("\n").map((l) => `  ${l}`).join("\n"));
    }
    say(`\nRow 18 of the Look has no user id and no email: each action rejected it and said so; users.internal_score is hidden in the Look, so it was never sent.`);
    say(`The server wrote ${logLines.length} structured log lines; set ACTION_HUB_SECRET and run \`npx tagwire serve\` to run it for Looker.`);
    const summary: DemoSummary = { actions, steps, received };
    if (options.json) options.out(JSON.stringify(summary, null, 2));
    return summary;
  } finally {
    await server.close();
    await downloads.close();
    await emulators.close();
  }
}
