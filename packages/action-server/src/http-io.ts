import type { IncomingMessage, ServerResponse } from "node:http";
import { groupDigits } from "@tagwire/engine/planning";

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`The request body is larger than ${groupDigits(limit)} bytes.`);
  }
}

export class BodyTimedOut extends Error {
  constructor(readonly limitMs: number) {
    super(`The request body did not arrive within ${groupDigits(limitMs / 1000)} s (TAGWIRE_BODY_TIMEOUT_MS).`);
  }
}

/** Reads a body up to `limit` bytes; past it, stops reading instead of buffering. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The Looker hub's error shape. */
export function sendError(res: ServerResponse, status: number, error: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { success: false, error }, headers);
}

export function isJson(req: IncomingMessage): boolean {
  const type = req.headers["content-type"];
  return type !== undefined && /^application\/(.+\+)?json\b/i.test(type);
}
