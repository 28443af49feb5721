import type { Emulators } from "../src/index.js";

export const basic = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;

export const MP_AUTH = basic("test-apiKey", "test-apiSecret");
export const SEG_AUTH = basic("test-segment_write_key", "");

export interface PostOptions {
  auth?: string | null;
  /** Other request headers (a credentials header other than Authorization). */
  headers?: Record<string, string>;
  contentType?: string | null;
  method?: string;
}

/** POSTs `body` (JSON-encoded unless already a string) and returns status, headers and parsed body. */
export async function post(url: string, body: unknown, options: PostOptions = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.auth !== null && options.auth !== undefined) headers["authorization"] = options.auth;
  if (options.contentType !== null) headers["content-type"] = options.contentType ?? "application/json";
  const response = await fetch(url, {
    method: options.method ?? "POST",
    headers,
    // A byte body keeps fetch from adding its own text/plain Content-Type when none is given.
    body: new TextEncoder().encode(typeof body === "string" ? body : JSON.stringify(body)),
  });
  const text = await response.text();
  let json: any = undefined;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export const getJson = async (url: string): Promise<any> => (await fetch(url)).json();

/** A valid mParticle batch for user `n`. */
export const mpBatch = (n: number, extra: Record<string, unknown> = {}) => ({
  source_request_id: `req-${n}`,
  environment: "development",
  schema_version: 2,
  user_identities: { customer_id: `c-${n}`, email: `u${n}@example.com` },
  user_attributes: { looker_users_city: "Paris" },
  events: [{ event_type: "custom_event", data: { event_name: "looker_custom_event", custom_event_type: "other" } }],
  ...extra,
});

/** A valid Segment identify message for user `n`. */
export const segIdentify = (n: number, extra: Record<string, unknown> = {}) => ({
  type: "identify",
  userId: `u-${n}`,
  messageId: `msg-${n}`,
  traits: { email: `u${n}@example.com` },
  timestamp: "2026-01-01T00:00:00.000Z",
  ...extra,
});

export const mp = (emulators: Emulators, path = "/v2/bulkevents") => `${emulators.url}${path}`;
export const seg = (emulators: Emulators, path = "/v1/batch") => `${emulators.url}${path}`;
