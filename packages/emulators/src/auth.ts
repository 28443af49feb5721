import { timingSafeEqual } from "node:crypto";
import type { WireSection } from "./profile.js";

/**
 * The credentials a connector's emulator expects, by the settings `wire.auth` names: `username` and
 * `password` for HTTP Basic, `token` for a bearer token or a key carried in the body. Values of the
 * settings a scheme does not use are empty.
 */
export interface ExpectedCredentials {
  username: string;
  password: string;
  token: string;
}

/**
 * Expected credentials: the configured value of each setting `wire.auth` names, else `test-<settingName>`.
 * A Basic scheme without a password setting means an empty password (`writeKey:`).
 */
export function expectedCredentials(
  auth: WireSection["auth"],
  configured: Record<string, string> = {},
): ExpectedCredentials {
  const valueOf = (setting: string | undefined) => (setting === undefined ? "" : (configured[setting] ?? `test-${setting}`));
  return {
    username: valueOf(auth.username),
    password: valueOf(auth.password),
    token: valueOf(auth.token),
  };
}

/** `ok`, `missing` (absent or unreadable: 401 for a header, 400 for a body field) or `wrong` (readable, not matching). */
export type AuthOutcome = "ok" | "missing" | "wrong";

export function checkBasicAuth(header: string | undefined, expected: Pick<ExpectedCredentials, "username" | "password">): AuthOutcome {
  if (!header) return "missing";
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!match?.[1]) return "missing";
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return "missing";
  const userOk = same(decoded.slice(0, colon), expected.username);
  const passwordOk = same(decoded.slice(colon + 1), expected.password);
  return userOk && passwordOk ? "ok" : "wrong";
}

export function checkBearerAuth(header: string | undefined, token: string): AuthOutcome {
  if (!header) return "missing";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) return "missing";
  return same(match[1], token) ? "ok" : "wrong";
}

/** A key carried in the request body: the field must be a non-empty string equal to the token. */
export function checkBodyKey(value: unknown, token: string): AuthOutcome {
  if (typeof value !== "string" || value === "") return "missing";
  return same(value, token) ? "ok" : "wrong";
}

// Constant-time comparison: cheap here, and it keeps the emulator from teaching timing-leaky habits.
function same(actual: string, expected: string): boolean {
  const a = Buffer.from(actual);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The `Authorization` header value for Basic credentials (for tests and clients). */
export function basicAuthHeader(credentials: Pick<ExpectedCredentials, "username" | "password">): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
}

/** The `Authorization` header a well-behaved client sends for this scheme; none when the key travels in the body. */
export function authHeaderFor(auth: WireSection["auth"], credentials: ExpectedCredentials): string | undefined {
  switch (auth.scheme) {
    case "basic":
      return basicAuthHeader(credentials);
    case "bearer":
      return `Bearer ${credentials.token}`;
    case "body":
      return undefined;
  }
}
