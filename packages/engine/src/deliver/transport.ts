import { Agent as HttpAgent, type IncomingHttpHeaders } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { Got } from "got";
import { loadGot } from "./load-got.js";

export interface TransportOptions {
  /** Whole-request timeout; a slower answer counts as a network error and is retried. */
  readonly timeoutMs?: number;
  readonly maxSockets?: number;
}

/** What one attempt came to: an HTTP answer, or a network failure (no answer). */
export type AttemptResult =
  | { readonly kind: "response"; readonly status: number; readonly headers: Readonly<Record<string, string | string[] | undefined>>; readonly body: string }
  | { readonly kind: "network"; readonly code: string; readonly message: string };

export type RequestBody = string | Buffer;

/** Bytes of a destination's answer kept for the report; the rest is discarded unread. */
export const MAX_ANSWER_BYTES = 64 * 1024;

export interface Transport {
  /** `body` is JSON text, as a string or as its UTF-8 bytes. */
  post(url: string, body: RequestBody, headers: Readonly<Record<string, string>>): Promise<AttemptResult>;
  close(): void;
  /** Resolves once what sending needs is loaded; `post` waits for it by itself, a run calls it before pacing starts. */
  ready?(): Promise<void>;
}

/** got, with the options every destination request uses: loaded with the first request (see createTransport). */
async function loadClient(options: TransportOptions, agent: { http: HttpAgent; https: HttpsAgent }): Promise<Got> {
  const got = await loadGot();
  return got.extend({
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
    timeout: { request: options.timeoutMs ?? 30_000 },
    agent,
    decompress: true,
  });
}

/**
 * HTTP with keep-alive sockets; got's own retry is off because the delivery loop owns retries.
 * got (two dozen modules) is imported by the first request, not with the engine: commands that never
 * send (`destinations`, `validate`, `--help`) start faster without it.
 */
export function createTransport(options: TransportOptions = {}): Transport {
  const maxSockets = options.maxSockets ?? 64;
  const http = new HttpAgent({ keepAlive: true, maxSockets });
  const https = new HttpsAgent({ keepAlive: true, maxSockets });
  let client: Got | undefined;
  let loading: Promise<Got> | undefined;
  const load = () => (loading ??= loadClient(options, { http, https }).then((c) => (client = c)));
  return {
    post(url, body, headers) {
      if (client !== undefined) return postWith(client, url, body, headers);
      return load().then((c) => postWith(c, url, body, headers));
    },
    async ready() {
      await load();
    },
    close() {
      http.destroy();
      https.destroy();
    },
  };
}

// got's stream interface: its promise interface costs about half as much CPU again per request
// (measured: 176 against 119 µs), which is a tenth of the server's time at 10,000 requests.
function postWith(client: Got, url: string, body: RequestBody, headers: Readonly<Record<string, string>>): Promise<AttemptResult> {
  return new Promise((resolve) => {
    const stream = client.stream.post(url, { body, headers });
    const chunks: Buffer[] = [];
    let kept = 0;
    let answer: { status: number; headers: IncomingHttpHeaders } | undefined;
    stream.on("response", (res: { statusCode: number; headers: IncomingHttpHeaders }) => (answer = { status: res.statusCode, headers: res.headers }));
    // Only the start of an answer is kept: what it says fits there, and an answer of hundreds of
    // megabytes must not be held. The rest is read and dropped, so the socket can be used again.
    stream.on("data", (chunk: Buffer) => {
      if (kept >= MAX_ANSWER_BYTES) return;
      const part = chunk.length > MAX_ANSWER_BYTES - kept ? chunk.subarray(0, MAX_ANSWER_BYTES - kept) : chunk;
      chunks.push(part);
      kept += part.length;
    });
    stream.once("end", () =>
      resolve(
        answer === undefined
          ? { kind: "network", code: "ERR_NO_RESPONSE", message: "the connection ended without a response" }
          : { kind: "response", status: answer.status, headers: answer.headers, body: Buffer.concat(chunks).toString("utf8") },
      ),
    );
    stream.once("error", (e: Error & { code?: string }) => resolve({ kind: "network", code: e.code ?? "ERR_NETWORK", message: e.message }));
  });
}
