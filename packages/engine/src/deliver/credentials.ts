import type { Auth } from "../generated/manifest.js";
import { authParts, authSettings, type TemplatePiece } from "../manifest/auth-parts.js";

type Settings = Readonly<Record<string, string | undefined>>;

/** What a request carries to authenticate: headers (lowercase names) and top-level body fields. */
export interface RequestCredentials {
  readonly headers: Readonly<Record<string, string>>;
  readonly bodyFields: Readonly<Record<string, string>>;
}

const base64 = (text: string) => Buffer.from(text).toString("base64");
const joined = (names: ReadonlyArray<string>, settings: Settings) => names.map((n) => (n === "" ? "" : (settings[n] ?? ""))).join(":");

function render(pieces: ReadonlyArray<TemplatePiece>, settings: Settings): string {
  return pieces.map((p) => ("text" in p ? p.text : "setting" in p ? (settings[p.setting] ?? "") : base64(joined(p.base64, settings)))).join("");
}

/** The headers and body fields the auth declaration makes of these settings (an unset setting is empty). */
export function requestCredentials(auth: Auth, settings: Settings): RequestCredentials {
  const headers: Record<string, string> = {};
  const bodyFields: Record<string, string> = {};
  for (const part of authParts(auth)) {
    if (part.in === "header") headers[part.name.toLowerCase()] = render(part.value, settings);
    else bodyFields[part.field] = settings[part.setting] ?? "";
  }
  return { headers, bodyFields };
}

/**
 * Every credential as it travels, for masking wherever a destination or proxy quotes a request
 * back: each setting's value, each header value whole, and each base64 piece as encoded.
 */
export function credentialWireValues(auth: Auth, settings: Settings): string[] {
  const values: string[] = authSettings(auth).map((n) => settings[n] ?? "");
  for (const part of authParts(auth)) {
    if (part.in !== "header") continue;
    values.push(render(part.value, settings));
    for (const p of part.value) if ("base64" in p) values.push(base64(joined(p.base64, settings)));
  }
  return [...new Set(values)].filter((v) => v !== "");
}

// What Node's HTTP client refuses in a header value (its checkInvalidHeaderChar): it would throw
// on every attempt, which reads as a network error retried to the limit.
const NOT_IN_HEADER = /[^\t\x20-\x7e\x80-\xff]/;
// A base64 piece gets any character through; a control character (a pasted line break, a NUL)
// is still never part of a real key.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/** A setting whose value cannot go into the header it is declared for; the value itself is never named. */
export interface HeaderProblem {
  readonly setting: string;
  /** Whether the setting goes into a header as is, where characters beyond Latin-1 cannot travel either. */
  readonly plain: boolean;
}

/** Settings that go into a request header and hold a character that cannot be sent there. */
export function headerProblems(auth: Auth, settings: Settings): HeaderProblem[] {
  const plain = new Set<string>();
  const encoded = new Set<string>();
  for (const part of authParts(auth)) {
    if (part.in !== "header") continue;
    for (const p of part.value) {
      if ("setting" in p) plain.add(p.setting);
      else if ("base64" in p) for (const n of p.base64) if (n !== "") encoded.add(n);
    }
  }
  return authSettings(auth).flatMap((setting) => {
    const isPlain = plain.has(setting);
    if (!isPlain && !encoded.has(setting)) return [];
    return (isPlain ? NOT_IN_HEADER : CONTROL).test(settings[setting] ?? "") ? [{ setting, plain: isPlain }] : [];
  });
}
