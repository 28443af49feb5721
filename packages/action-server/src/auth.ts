import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

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

function digest(secret: string, nonce: string): string {
  return createHmac("sha512", secret).update(nonce).digest("hex");
}

/**
 * The token form the Looker Action Hub issues: `<nonce>/<hex HMAC-SHA512(secret, nonce)>`. An admin
 * moving from that hub keeps the token already entered in Looker.
 */
export function tokenForNonce(secret: string, nonce: string): string {
  return `${nonce}/${digest(secret, nonce)}`;
}

/** A new token of that form, for `tagwire token`. */
export function newToken(secret: string): string {
  return tokenForNonce(secret, randomBytes(16).toString("hex"));
}

function isNonceToken(token: string, secret: string): boolean {
  const slash = token.indexOf("/");
  if (slash <= 0 || slash === token.length - 1) return false;
  return sameSecret(token.slice(slash + 1), digest(secret, token.slice(0, slash)));
}

/** Accepts the plain shared secret or a nonce token derived from it. */
export function isAuthorized(header: string | undefined, secret: string): boolean {
  const token = tokenFrom(header);
  if (token === undefined) return false;
  // Both checks always run, so the answer takes the same time whichever form was sent.
  const plain = sameSecret(token, secret);
  const nonce = isNonceToken(token, secret);
  return plain || nonce;
}
