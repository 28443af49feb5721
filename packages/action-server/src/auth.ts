import { createHash, timingSafeEqual } from "node:crypto";

const TOKEN = /^\s*[Tt]oken\s+token="([^"]*)"\s*$/;

/** The token from `Authorization: Token token="..."`, or undefined when the header has another form. */
export function tokenFrom(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return TOKEN.exec(header)?.[1];
}

/** Constant-time: both sides are hashed first, so tokens of any length compare without throwing or leaking length. */
export function sameSecret(token: string, secret: string): boolean {
  const a = createHash("sha256").update(token).digest();
  const b = createHash("sha256").update(secret).digest();
  return timingSafeEqual(a, b);
}

export function isAuthorized(header: string | undefined, secret: string): boolean {
  const token = tokenFrom(header);
  return token !== undefined && sameSecret(token, secret);
}
