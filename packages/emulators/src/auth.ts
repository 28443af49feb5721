import { timingSafeEqual } from "node:crypto";
import type { WireSection } from "./profile.js";

/** The user name and password a connector's emulator expects. */
export interface BasicCredentials {
  username: string;
  password: string;
}

/**
 * Expected credentials: the configured value of each setting `wire.auth` names, else `test-<settingName>`.
 * A manifest without a password setting means an empty password (`writeKey:`).
 */
export function expectedCredentials(
  auth: WireSection["auth"],
  configured: Record<string, string> = {},
): BasicCredentials {
  const valueOf = (setting: string) => configured[setting] ?? `test-${setting}`;
  return {
    username: valueOf(auth.username),
    password: auth.password === undefined ? "" : valueOf(auth.password),
  };
}

/** `ok`, `missing` (absent or unparseable header: 401) or `wrong` (parseable, not matching: 403). */
export type AuthOutcome = "ok" | "missing" | "wrong";

export function checkBasicAuth(header: string | undefined, expected: BasicCredentials): AuthOutcome {
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

// Constant-time comparison: cheap here, and it keeps the emulator from teaching timing-leaky habits.
function same(actual: string, expected: string): boolean {
  const a = Buffer.from(actual);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The `Authorization` header value for these credentials (for tests and clients). */
export function basicAuthHeader(credentials: BasicCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
}
