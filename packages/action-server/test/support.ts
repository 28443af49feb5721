import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { startEmulators, type EmulatorOptions, type Emulators } from "@tagwire/emulators";
import { startActionServer, type ActionServer, type ServerDeps } from "../src/server.js";
import type { ServerConfig } from "../src/config.js";

const hex = (n = 12) => randomBytes(n).toString("hex");

/** The demo's sample Look (25 rows; row 18 has no user id and no email), parsed afresh each call. */
export function sampleLook(): LookJson {
  return JSON.parse(readFileSync(new URL("../../cli/samples/active-users.json", import.meta.url), "utf8")) as LookJson;
}

export interface LookField {
  name: string;
  label?: string;
  label_short?: string;
  view?: string;
  type?: string;
  measure?: boolean;
  is_numeric?: boolean;
  hidden?: boolean;
  tags: string[];
}

export interface LookJson {
  ran_at?: string;
  fields: { measures: LookField[]; dimensions: LookField[]; table_calculations: LookField[]; pivots: LookField[] };
  data: Array<Record<string, { value: unknown }>>;
  [key: string]: unknown;
}

/** The sample Look's rows by 1-based row number, as plain values. */
export function sampleRow(n: number): Record<string, unknown> {
  const row = sampleLook().data[n - 1]!;
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v.value]));
}

/** A Look with `n` rows of user id, email, city and a measure (every row valid for both destinations). */
export function bigLook(n: number): LookJson {
  const base = sampleLook();
  const keep = new Set(["users.id", "users.email", "users.city"]);
  return {
    ...base,
    fields: { ...base.fields, dimensions: base.fields.dimensions.filter((f) => keep.has(f.name)), measures: base.fields.measures.filter((f) => f.name === "users.sessions_count") },
    data: Array.from({ length: n }, (_, i) => ({
      "users.id": { value: 5000 + i },
      "users.email": { value: `user${i}@example.com` },
      "users.city": { value: ["Berlin", "Lisbon", "Osaka"][i % 3] },
      "users.sessions_count": { value: i % 40 },
    })),
  };
}

/** Removes every tag from the Look's fields: no identity can be found. */
export function untagged(look: LookJson): LookJson {
  const strip = (fs: LookField[]) => fs.map((f) => ({ ...f, tags: [] }));
  return { ...look, fields: { ...look.fields, measures: strip(look.fields.measures), dimensions: strip(look.fields.dimensions) } };
}

/** Adds a tagged dimension with one value per row. */
export function withDimension(look: LookJson, field: LookField, value: (row: number) => unknown): LookJson {
  return {
    ...look,
    fields: { ...look.fields, dimensions: [...look.fields.dimensions, field] },
    data: look.data.map((row, i) => ({ ...row, [field.name]: { value: value(i + 1) } })),
  };
}

export interface Captured {
  /** Every log line the server wrote. */
  readonly logs: string[];
  /** Every response body (and error text) the tests received from the server. */
  readonly bodies: string[];
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export interface Harness extends Captured {
  readonly server: ActionServer;
  readonly emulators: Emulators;
  readonly secret: string;
  readonly auth: string;
  readonly settings: { mparticle: { apiKey: string; apiSecret: string }; segment: { segment_write_key: string } };
  /** Every secret the run knows: the hub secret and the destination credentials. */
  readonly secrets: string[];
  post(path: string, body?: unknown, init?: { headers?: Record<string, string>; raw?: string | Uint8Array; auth?: string | null; method?: string }): Promise<Reply>;
  /** POSTs an execute as Looker does and returns the parsed `looker` object with the raw text. */
  execute(action: string, body: Record<string, unknown>, headers?: Record<string, string>): Promise<{ status: number; text: string; looker: LookerResult }>;
  close(): Promise<void>;
}

export interface LookerResult {
  success: boolean;
  message: string;
  refresh_query: boolean;
  validation_errors?: Record<string, string>;
}

/**
 * Emulators with distinctive credentials and an action server pointed at them, in this process.
 * `env` adds server environment variables to the default ones (an `overrides.env` replaces them all).
 */
export async function startHarness(overrides: Partial<ServerConfig> = {}, emulatorOptions: EmulatorOptions = {}, env: Record<string, string> = {}, deps: Pick<ServerDeps, "syncStore"> = {}): Promise<Harness> {
  const secret = `hub-${hex()}`;
  const credentials = {
    mparticle: { apiKey: `mpkey-${hex(8)}`, apiSecret: `mpsecret-${hex()}` },
    segment: { segment_write_key: `wk-${hex()}` },
  };
  const emulators = await startEmulators({ port: 0, credentials, ...emulatorOptions });
  const config: ServerConfig = {
    port: 0,
    host: "127.0.0.1",
    secret,
    baseUrl: "https://tagwire.example.com",
    // mParticle unpaced: these tests send hundreds of rows to the local emulator on purpose (its declared
    // 270 records/s would only slow them down); Segment keeps its own limit, which they never reach.
    env: { TAGWIRE_MPARTICLE_URL: emulators.url, TAGWIRE_SEGMENT_URL: emulators.url, TAGWIRE_MPARTICLE_RATE_LIMIT: "off", ...env },
    maxBodyBytes: 4 * 1024 * 1024,
    keepAliveMs: 20_000,
    downloadIdleMs: 5_000,
    ...overrides,
  };
  const logs: string[] = [];
  const bodies: string[] = [];
  const server = await startActionServer(config, { logSink: (line) => logs.push(line), ...deps });
  const auth = `Token token="${secret}"`;

  const post: Harness["post"] = async (path, body, init = {}) => {
    const headers: Record<string, string> = { "content-type": "application/json", ...init.headers };
    if (init.auth !== null) headers["authorization"] = init.auth ?? auth;
    const payload = init.raw ?? (body === undefined ? undefined : JSON.stringify(body));
    const res = await fetch(`${server.url}${path}`, {
      method: init.method ?? "POST",
      headers,
      ...(payload !== undefined ? { body: payload } : {}),
    });
    const text = await res.text();
    bodies.push(text);
    let json: any;
    try {
      json = text.trim() === "" ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };

  return {
    server,
    emulators,
    secret,
    auth,
    settings: credentials,
    secrets: [secret, credentials.mparticle.apiKey, credentials.mparticle.apiSecret, credentials.segment.segment_write_key],
    logs,
    bodies,
    post,
    async execute(action, body, headers = {}) {
      const reply = await post(`/actions/${action}/execute`, body, { headers });
      return { status: reply.status, text: reply.text, looker: reply.json?.looker as LookerResult };
    },
    async close() {
      await server.close();
      await emulators.close();
    },
  };
}

/** An execute body as Looker sends it. */
export function executeBody(options: {
  data: Record<string, string>;
  form?: Record<string, string>;
  look?: LookJson | string;
  downloadUrl?: string;
  hidden?: string[];
}): Record<string, unknown> {
  const { data, form = {}, look, downloadUrl, hidden } = options;
  return {
    type: "query",
    data,
    form_params: form,
    scheduled_plan: {
      scheduled_plan_id: 17,
      title: "Active users",
      type: "Look",
      url: "https://looker.example.com/looks/17",
      query_id: 99,
      query: { vis_config: hidden !== undefined ? { hidden_fields: hidden } : {} },
      ...(downloadUrl !== undefined ? { download_url: downloadUrl } : {}),
    },
    ...(look !== undefined ? { attachment: { mimetype: "application/json;charset=utf-8", extension: "json", data: typeof look === "string" ? look : JSON.stringify(look) } } : {}),
  };
}

/** The log lines as objects. */
export function logEntries(logs: ReadonlyArray<string>): Array<Record<string, any>> {
  return logs.map((l) => JSON.parse(l) as Record<string, any>);
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** Stands in for Looker's one-time `download_url`s: each `serve` registers a handler under a fresh token. */
export interface LookerDownloads {
  /** A one-time URL answered by `handler`; the path carries a token, as Looker's do. */
  serve(handler: Handler): string;
  readonly port: number;
  /** How many requests arrived. */
  readonly hits: number;
  close(): Promise<void>;
}

export async function startDownloads(): Promise<LookerDownloads> {
  const handlers = new Map<string, Handler>();
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    const token = (req.url ?? "").split("/").pop() ?? "";
    const handler = handlers.get(token);
    handlers.delete(token);
    if (handler === undefined || req.method !== "GET") {
      res.writeHead(404, { "content-type": "text/plain" }).end("expired");
      return;
    }
    Promise.resolve(handler(req, res)).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    get hits() {
      return hits;
    },
    serve(handler) {
      const token = `tok${hex()}`;
      handlers.set(token, handler);
      return `http://127.0.0.1:${port}/looks/download/${token}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The whole Look in one response. */
export const whole = (text: string): Handler => (_req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(text);
};

/** The Look in `size`-byte chunks with `delayMs` between them; `before(i)` may hold a chunk back. */
export const chunked = (text: string, size: number, delayMs: number, before?: (offset: number) => Promise<void>): Handler => async (_req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  const bytes = Buffer.from(text);
  for (let offset = 0; offset < bytes.length; offset += size) {
    if (before) await before(offset);
    if (res.destroyed) return;
    res.write(bytes.subarray(offset, offset + size));
    if (delayMs > 0) await sleep(delayMs);
  }
  res.end();
};

/** An error answer, as an expired or broken download would give. */
export const failing = (status: number): Handler => (_req, res) => {
  res.writeHead(status, { "content-type": "text/plain" }).end(`status ${status}`);
};

/** Sends `prefix` (possibly empty) and then nothing, never ending the response. */
export const hanging = (prefix: string): Handler => (_req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  if (prefix !== "") res.write(prefix);
};

/** Polls until `check` holds or `ms` pass; returns whether it held. */
export async function waitFor(check: () => boolean, ms: number, every = 10): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(every);
  }
  return check();
}

/** One sample's value from Prometheus text, e.g. `metric(text, 'tagwire_rows_total{connector="segment",outcome="read"}')`; 0 when absent. */
export function metric(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/**
 * Opens a connection to the server and writes `request` (head and as much of the body as given),
 * then leaves the socket open: what the server answers accumulates until it closes the connection.
 */
export async function partialRequest(h: Harness, request: string): Promise<{ answer: () => string; ended: Promise<void> }> {
  const socket = connect(Number(new URL(h.server.url).port), "127.0.0.1");
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  let answer = "";
  socket.on("data", (c: Buffer) => (answer += c.toString("utf8")));
  const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.write(request);
  return { answer: () => answer, ended };
}
