import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import got, { type Got } from "got";

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

export interface Transport {
  /** `body` is JSON text, as a string or as its UTF-8 bytes. */
  post(url: string, body: RequestBody, headers: Readonly<Record<string, string>>): Promise<AttemptResult>;
  close(): void;
}

/** HTTP with keep-alive sockets; got's own retry is off because the delivery loop owns retries. */
export function createTransport(options: TransportOptions = {}): Transport {
  const maxSockets = options.maxSockets ?? 64;
  const http = new HttpAgent({ keepAlive: true, maxSockets });
  const https = new HttpsAgent({ keepAlive: true, maxSockets });
  const client: Got = got.extend({
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
    timeout: { request: options.timeoutMs ?? 30_000 },
    agent: { http, https },
    decompress: true,
  });
  return {
    async post(url, body, headers) {
      try {
        const res = await client.post(url, { body, headers });
        return { kind: "response", status: res.statusCode, headers: res.headers, body: res.body };
      } catch (e) {
        const err = e as { code?: string; message?: string };
        return { kind: "network", code: err.code ?? "ERR_NETWORK", message: err.message ?? String(e) };
      }
    },
    close() {
      http.destroy();
      https.destroy();
    },
  };
}
