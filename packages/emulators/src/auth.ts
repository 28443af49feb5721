import { timingSafeEqual } from "node:crypto";
import { authParts, authSettings, requestCredentials, type TemplatePiece } from "@tagwire/engine";
import type { WireSection } from "./profile.js";

type Auth = WireSection["auth"];

/**
 * Expected value of each setting `wire.auth` reads, by setting name: the configured value, else
 * `test-<settingName>`.
 */
export function expectedSettings(auth: Auth, configured: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(authSettings(auth).map((name) => [name, configured[name] ?? `test-${name}`]));
}

/** `ok`, `missing` (absent or unreadable: 401 for a header, 400 for a body field) or `wrong` (readable, not matching). */
export type AuthOutcome = "ok" | "missing" | "wrong";

/** One credentials header as the declaration has it, and its value with the expected settings. */
export interface ExpectedHeader {
  /** As declared (`Api-Key`). */
  name: string;
  /** The HTTP auth-scheme word of an `Authorization` header (`Basic`, `Bearer`), for the challenge of a refusal. */
  scheme?: string;
  /** The exact value a well-behaved client sends: compared first, so the common case costs one string compare. */
  value: string;
  /** Reads a header value: each placeholder's text (decoded for base64), or none when the value has another shape. */
  read(actual: string): string[] | undefined;
  /** What each placeholder must hold. */
  placeholders: string[];
}

/** What a client must send: the headers, and the body fields (checked once the body is parsed). */
export interface ExpectedCredentials {
  settings: Record<string, string>;
  headers: ExpectedHeader[];
  bodyFields: Record<string, string>;
}

/** The credentials an emulator expects, built by the engine's own code from the declaration. */
export function expectedCredentials(auth: Auth, configured: Record<string, string> = {}): ExpectedCredentials {
  const settings = expectedSettings(auth, configured);
  const sent = requestCredentials(auth, settings);
  const headers = authParts(auth).flatMap((part) => {
    if (part.in !== "header") return [];
    const first = part.value[0];
    const scheme = part.name.toLowerCase() === "authorization" && first !== undefined && "text" in first ? first.text.trim().split(/\s+/)[0] : undefined;
    return [{
      name: part.name,
      ...(scheme ? { scheme } : {}),
      value: sent.headers[part.name.toLowerCase()]!,
      read: headerReader(part.value),
      placeholders: part.value.flatMap((p) => placeholderValue(p, settings)),
    }];
  });
  return { settings, headers, bodyFields: { ...sent.bodyFields } };
}

function placeholderValue(piece: TemplatePiece, settings: Record<string, string>): string[] {
  if ("setting" in piece) return [settings[piece.setting] ?? ""];
  if ("base64" in piece) return [piece.base64.map((n) => (n === "" ? "" : (settings[n] ?? ""))).join(":")];
  return [];
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/ +/g, "\\s+");

/**
 * A reader of a header value shaped like the template: literal text matched case-insensitively
 * (HTTP auth-scheme words are), a setting as one token, a base64 piece decoded and holding the
 * template's `:` separators.
 */
function headerReader(pieces: ReadonlyArray<TemplatePiece>): (actual: string) => string[] | undefined {
  const source = pieces.map((p) => ("text" in p ? escape(p.text) : "setting" in p ? "(\\S+)" : "([A-Za-z0-9+/=_-]+)")).join("");
  const shape = new RegExp(`^${source}\\s*$`, "i");
  const colons = pieces.map((p) => ("base64" in p ? p.base64.length - 1 : 0)).filter((_, i) => !("text" in pieces[i]!));
  return (actual) => {
    const match = shape.exec(actual);
    if (!match) return undefined;
    const values = match.slice(1).map((group, i) => (colons[i]! > 0 ? Buffer.from(group!, "base64").toString("utf8") : group!));
    return values.every((v, i) => v.split(":").length - 1 >= colons[i]!) ? values : undefined;
  };
}

/** A credentials header: absent or of another shape is `missing`; readable but not the expected values, `wrong`. */
export function checkHeader(actual: string | undefined, expected: ExpectedHeader): AuthOutcome {
  if (actual === expected.value) return "ok";
  if (!actual) return "missing";
  const values = expected.read(actual);
  if (values === undefined) return "missing";
  return values.every((v, i) => same(v, expected.placeholders[i]!)) ? "ok" : "wrong";
}

/** How an API answers a refused credentials header. */
export interface HeaderRefusal {
  status: number;
  message: string;
  headers: Record<string, string>;
}

/**
 * Missing or unreadable: 401, with the challenge of an `Authorization` scheme. Wrong: 403, except
 * that RFC 6750 answers a wrong bearer token with 401 and `error="invalid_token"`.
 */
export function headerRefusal(expected: ExpectedHeader, outcome: Exclude<AuthOutcome, "ok">): HeaderRefusal {
  const challenge = expected.scheme ? `${expected.scheme} realm="tagwire-emulator"` : undefined;
  if (outcome === "missing") {
    const shape = expected.scheme ? ` (${expected.scheme} credentials expected)` : "";
    return { status: 401, message: `missing or unreadable ${expected.name} header${shape}`, headers: challenge ? { "www-authenticate": challenge } : {} };
  }
  if (expected.scheme?.toLowerCase() === "bearer") return { status: 401, message: "invalid token", headers: { "www-authenticate": `${challenge}, error="invalid_token"` } };
  return { status: 403, message: "invalid credentials", headers: {} };
}

/** A key carried in the request body: the field must be a non-empty string equal to the expected value. */
export function checkBodyKey(value: unknown, expected: string): AuthOutcome {
  if (typeof value !== "string" || value === "") return "missing";
  return same(value, expected) ? "ok" : "wrong";
}

// Constant-time comparison: cheap here, and it keeps the emulator from teaching timing-leaky habits.
function same(actual: string, expected: string): boolean {
  const a = Buffer.from(actual);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
