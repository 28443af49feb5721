import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  bigLook, chunked, executeBody, failing, hanging, sampleLook, startDownloads, startHarness, waitFor, whole,
  type Harness, type LookerDownloads,
} from "./support.js";
import { checkDownloadUrl } from "../src/looker/look-source.js";

let h: Harness;
let downloads: LookerDownloads;
beforeAll(async () => {
  downloads = await startDownloads();
  h = await startHarness({ keepAliveMs: 50, downloadIdleMs: 400 });
});
afterAll(async () => {
  await h.close();
  await downloads.close();
});
beforeEach(() => h.emulators.reset());

const MP_FORM = { data_type: "user_data", environment: "development" };

describe("download_url", () => {
  it("is parsed as it arrives: the first batch is delivered before the Look has finished downloading", async () => {
    const text = JSON.stringify(bigLook(250));
    const holdAt = Math.floor(text.length * 0.6);
    let deliveredMidStream = false;
    let held = false;
    const url = downloads.serve(
      chunked(text, 256, 1, async (offset) => {
        if (held || offset < holdAt) return;
        held = true;
        // mParticle batches hold 100 records: the first must reach the destination while the rest is withheld.
        deliveredMidStream = await waitFor(() => h.emulators.state()["mparticle"]!.accepted >= 100, 5_000);
      }),
    );
    const { looker } = await h.execute("mparticle", executeBody({ data: h.settings.mparticle, form: MP_FORM, downloadUrl: url }));
    expect(held).toBe(true);
    expect(deliveredMidStream).toBe(true);
    expect(looker.success).toBe(true);
    expect(looker.message).toMatch(/^mParticle: 250 of 250 rows delivered\. 3 requests/);
    expect(h.emulators.records("mparticle")).toHaveLength(250);
  });

  it("keeps the connection alive with newlines while a slow download runs; the body still parses", async () => {
    const text = JSON.stringify(sampleLook());
    const url = downloads.serve(chunked(text, Math.ceil(text.length / 4), 120));
    const { status, text: raw, looker } = await h.execute("segment_event", executeBody({ data: h.settings.segment, downloadUrl: url }));
    expect(status).toBe(200);
    const leading = /^\n*/.exec(raw)![0].length;
    expect(leading).toBeGreaterThanOrEqual(3);
    expect(raw.slice(leading).startsWith('{"looker":')).toBe(true);
    expect(JSON.parse(raw)).toEqual({ looker: looker });
    expect(looker.message).toContain("24 of 25 rows delivered");
  });

  it.each([404, 500])("a download answering %i: success false, nothing sent, the host named", async (code) => {
    const url = downloads.serve(failing(code));
    const { looker } = await h.execute("mparticle", executeBody({ data: h.settings.mparticle, form: MP_FORM, downloadUrl: url }));
    expect(looker.success).toBe(false);
    expect(looker.message).toBe(`Nothing was sent: could not download the Look from 127.0.0.1:${downloads.port}: HTTP ${code}.`);
    expect(h.emulators.state()["mparticle"]!.requests).toBe(0);
  });

  it("a second use of a one-time URL fails like an expired one", async () => {
    const url = downloads.serve(whole(JSON.stringify(bigLook(2))));
    const data = { data: h.settings.segment, downloadUrl: url };
    expect((await h.execute("segment_event", executeBody(data))).looker.success).toBe(true);
    const again = await h.execute("segment_event", executeBody(data));
    expect(again.looker.success).toBe(false);
    expect(again.looker.message).toContain("HTTP 404");
    expect(h.emulators.records("segment")).toHaveLength(2);
  });

  it("a download that never sends a byte is abandoned after downloadIdleMs", async () => {
    const url = downloads.serve(hanging(""));
    const started = Date.now();
    const { looker } = await h.execute("mparticle", executeBody({ data: h.settings.mparticle, form: MP_FORM, downloadUrl: url }));
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(looker.success).toBe(false);
    expect(looker.message).toMatch(new RegExp(`^Nothing was sent: could not download the Look from 127\\.0\\.0\\.1:${downloads.port}: `));
    expect(h.emulators.state()["mparticle"]!.requests).toBe(0);
  });

  it("a download that stops mid-way delivers the rows read and says the Look was cut short", async () => {
    const text = JSON.stringify(bigLook(150));
    // Everything up to the start of row 121: 120 complete rows, then silence.
    const cut = text.indexOf('{"users.id":{"value":5120}');
    expect(cut).toBeGreaterThan(0);
    const url = downloads.serve(hanging(text.slice(0, cut)));
    const { looker } = await h.execute("mparticle", executeBody({ data: h.settings.mparticle, form: MP_FORM, downloadUrl: url }));
    expect(looker.success).toBe(false);
    // Not "HTTP 200": the download had started; what stopped it was the silence.
    expect(looker.message).toMatch(
      new RegExp(`^mParticle: 120 of 120 rows delivered; the Look could not be read to the end: could not download the Look from 127\\.0\\.0\\.1:${downloads.port}: the download broke off after ${Buffer.byteLength(text.slice(0, cut)).toLocaleString("en-US")} bytes: nothing arrived for 0\\.4 s \\(TAGWIRE_DOWNLOAD_IDLE_MS\\)\\.`),
    );
    expect(h.emulators.records("mparticle")).toHaveLength(120);
  });

  it("a download whose connection is reset mid-way says it broke off, after how many bytes", async () => {
    const text = JSON.stringify(bigLook(150));
    const cut = text.indexOf('{"users.id":{"value":5120}');
    const url = downloads.serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write(text.slice(0, cut), () => setTimeout(() => res.socket?.destroy(), 50));
    });
    const { looker } = await h.execute("mparticle", executeBody({ data: h.settings.mparticle, form: MP_FORM, downloadUrl: url }));
    expect(looker.success).toBe(false);
    expect(looker.message).toMatch(/^mParticle: 120 of 120 rows delivered; the Look could not be read to the end: could not download the Look from 127\.0\.0\.1:\d+: the download broke off after [\d,]+ bytes: the connection failed \([A-Z_]+\)\./);
    expect(looker.message).not.toContain("HTTP 200");
    expect(h.emulators.records("mparticle")).toHaveLength(120);
  });

  it("a malformed Look from the download fails with a clear message and sends nothing", async () => {
    const url = downloads.serve(whole('{"fields": {"dimensions": [ nope'));
    const { looker } = await h.execute("segment_event", executeBody({ data: h.settings.segment, downloadUrl: url }));
    expect(looker.success).toBe(false);
    expect(looker.message).toMatch(/^Nothing was sent/);
    expect(h.emulators.state()["segment"]!.requests).toBe(0);
  });

  it("a download_url that is not http(s) is refused", async () => {
    const { looker } = await h.execute("segment_event", executeBody({ data: h.settings.segment, downloadUrl: "file:///etc/passwd" }));
    expect(looker.success).toBe(false);
    expect(looker.message).toBe("Nothing was sent: download_url must be http or https, not file.");
  });
});

describe("Looker going away", () => {
  it("a client that disconnects mid-execute does not stop the send or harm the server", async () => {
    const text = JSON.stringify(bigLook(60));
    const url = downloads.serve(chunked(text, Math.ceil(text.length / 6), 80));
    const abort = new AbortController();
    const pending = fetch(`${h.server.url}/actions/segment_event/execute`, {
      method: "POST",
      headers: { authorization: h.auth, "content-type": "application/json" },
      body: JSON.stringify(executeBody({ data: h.settings.segment, downloadUrl: url })),
      signal: abort.signal,
    }).then((r) => r.text());
    await waitFor(() => h.logs.some((l) => l.includes('"execute started"') && l.includes("segment_event")), 2_000);
    await new Promise((r) => setTimeout(r, 150));
    abort.abort();
    await expect(pending).rejects.toThrow();
    // The run goes on to its end; its figures are logged and the server keeps answering.
    expect(await waitFor(() => h.emulators.records("segment").length === 60, 5_000)).toBe(true);
    expect(await waitFor(() => h.logs.some((l) => l.includes('"execute finished"') && l.includes('"read":60')), 2_000)).toBe(true);
    const health = await fetch(`${h.server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { executesInFlight: number }).executesInFlight).toBe(0);
  });
});

describe("TAGWIRE_DOWNLOAD_HOSTS", () => {
  it("refuses a host not on the list, naming the host but not the URL's token", async () => {
    const guarded = await startHarness({ downloadHosts: ["looker.example.com"] });
    try {
      const hitsBefore = downloads.hits;
      const url = downloads.serve(whole(JSON.stringify(bigLook(2))));
      const token = url.split("/").pop()!;
      const { looker, text } = await guarded.execute("segment_event", executeBody({ data: guarded.settings.segment, downloadUrl: url }));
      expect(looker.success).toBe(false);
      expect(looker.message).toBe(`Nothing was sent: download host 127.0.0.1:${downloads.port} is not in TAGWIRE_DOWNLOAD_HOSTS.`);
      expect(text).not.toContain(token);
      for (const line of guarded.logs) expect(line).not.toContain(token);
      expect(downloads.hits).toBe(hitsBefore);
      expect(guarded.emulators.state()["segment"]!.requests).toBe(0);
    } finally {
      await guarded.close();
    }
  });

  it("a listed host:port matches a URL that leaves out its scheme's default port", () => {
    const policy = (hosts: string[]) => ({ hosts, idleMs: 1_000 });
    expect(checkDownloadUrl("https://looker.example.com/looks/1", policy(["looker.example.com:443"])).host).toBe("looker.example.com");
    expect(checkDownloadUrl("http://looker.example.com/looks/1", policy(["looker.example.com:80"])).host).toBe("looker.example.com");
    expect(checkDownloadUrl("https://Looker.Example.com:443/looks/1", policy(["looker.example.com:443"])).hostname).toBe("looker.example.com");
    expect(() => checkDownloadUrl("https://looker.example.com:8443/looks/1", policy(["looker.example.com:443"]))).toThrow("download host looker.example.com:8443 is not in TAGWIRE_DOWNLOAD_HOSTS.");
    expect(() => checkDownloadUrl("http://looker.example.com/looks/1", policy(["looker.example.com:443"]))).toThrow("download host looker.example.com is not in TAGWIRE_DOWNLOAD_HOSTS.");
  });

  it("allows a listed host, by hostname or host:port", async () => {
    for (const hosts of [["127.0.0.1"], [`looker.example.com`, `127.0.0.1:${downloads.port}`]]) {
      const allowed = await startHarness({ downloadHosts: hosts });
      try {
        const url = downloads.serve(whole(JSON.stringify(bigLook(2))));
        const { looker } = await allowed.execute("segment_event", executeBody({ data: allowed.settings.segment, downloadUrl: url }));
        expect(looker.success).toBe(true);
      } finally {
        await allowed.close();
      }
    }
  });

  it("refuses a redirect to a host not on the list", async () => {
    const elsewhere = await startDownloads();
    const guarded = await startHarness({ downloadHosts: [`127.0.0.1:${downloads.port}`] });
    try {
      const target = elsewhere.serve(whole(JSON.stringify(bigLook(2))));
      const url = downloads.serve((_req, res) => {
        res.writeHead(302, { location: target }).end();
      });
      const { looker } = await guarded.execute("segment_event", executeBody({ data: guarded.settings.segment, downloadUrl: url }));
      expect(looker.success).toBe(false);
      expect(looker.message).toContain(`127.0.0.1:${elsewhere.port} is not in TAGWIRE_DOWNLOAD_HOSTS`);
      expect(elsewhere.hits).toBe(0);
      expect(guarded.emulators.state()["segment"]!.requests).toBe(0);
    } finally {
      await guarded.close();
      await elsewhere.close();
    }
  });
});

describe("keep-alive timing", () => {
  it("writes no newline after the result", async () => {
    const url = downloads.serve(chunked(JSON.stringify(bigLook(3)), 200, 60));
    const { text } = await h.execute("segment_event", executeBody({ data: h.settings.segment, downloadUrl: url }));
    expect(text.endsWith("}")).toBe(true);
    expect(text.trimStart()).toBe(text.slice(text.indexOf("{")));
  });
});
