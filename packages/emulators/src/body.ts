import type { IncomingMessage } from "node:http";

export type BodyResult =
  | { kind: "ok"; body: Buffer }
  | { kind: "too-large" }
  | { kind: "aborted" };

// After refusing an oversized body the rest is read and thrown away, so the client gets the 400
// instead of a reset connection; past this many discarded bytes the socket is closed instead.
const DISCARD_LIMIT = 64 * 1024 * 1024;

/**
 * Reads a request body up to `maxBytes`. Beyond that it stops keeping data and answers `too-large`
 * at once (a declared Content-Length over the limit is refused before any byte is read).
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const declared = Number(req.headers["content-length"]);
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    let discarded = 0;

    const refuse = () => {
      refused = true;
      chunks.length = 0;
      resolve({ kind: "too-large" });
    };

    req.on("data", (chunk: Buffer) => {
      if (refused) {
        discarded += chunk.length;
        if (discarded > DISCARD_LIMIT) req.socket.destroy();
        return;
      }
      size += chunk.length;
      if (size > maxBytes) refuse();
      else chunks.push(chunk);
    });
    req.on("end", () => {
      if (!refused) resolve({ kind: "ok", body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    });
    req.on("error", () => {
      if (!refused) resolve({ kind: "aborted" });
    });
    req.on("aborted", () => {
      if (!refused) resolve({ kind: "aborted" });
    });

    if (Number.isFinite(declared) && declared > maxBytes) refuse();
  });
}

/** Whether a Content-Type header names JSON (`application/json`, optionally with parameters). */
export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const mediaType = header.split(";", 1)[0]!.trim().toLowerCase();
  return mediaType === "application/json";
}
