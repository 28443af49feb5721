import type { Auth } from "../generated/manifest.js";

/**
 * One piece of a header value template: literal text, the value of a setting, or the base64 of
 * settings joined by `:` (an empty name stands for an empty value, as HTTP Basic's `writeKey:`).
 */
export type TemplatePiece = { readonly text: string } | { readonly setting: string } | { readonly base64: ReadonlyArray<string> };

/** Where a credential travels: a request header built from a template, or a top-level body field holding a setting. */
export type AuthPart =
  | { readonly in: "header"; /** As declared (`Api-Key`). */ readonly name: string; readonly value: ReadonlyArray<TemplatePiece> }
  | { readonly in: "body"; readonly field: string; readonly setting: string };

const SETTING_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Why a template cannot be read, or its pieces. */
export function parseTemplate(template: string): { pieces: TemplatePiece[] } | { error: string } {
  const pieces: TemplatePiece[] = [];
  let rest = template;
  while (rest !== "") {
    const open = rest.indexOf("{");
    const close = rest.indexOf("}");
    if (close >= 0 && (open < 0 || close < open)) return { error: "has a `}` that closes no placeholder" };
    if (open < 0) {
      pieces.push({ text: rest });
      break;
    }
    if (open > 0) pieces.push({ text: rest.slice(0, open) });
    if (close < 0) return { error: "has a `{` that is never closed" };
    const inner = rest.slice(open + 1, close);
    const piece: TemplatePiece = inner.startsWith("base64:") ? { base64: inner.slice("base64:".length).split(":") } : { setting: inner };
    const names = piecesSettings([piece]);
    if (names.length === 0 || !names.every((n) => SETTING_NAME.test(n))) {
      return { error: `has placeholder \`{${inner}}\`, which is neither \`{setting}\` nor \`{base64:a:b}\`` };
    }
    pieces.push(piece);
    rest = rest.slice(close + 1);
  }
  return { pieces };
}

/**
 * The parts of an auth declaration, each scheme in the one form the engine and the emulators read:
 * `basic` and `bearer` are the `Authorization` header templates they stand for. A header template
 * that cannot be read has no parts (the manifest's cross-checks refuse it).
 */
export function authParts(auth: Auth): AuthPart[] {
  switch (auth.scheme) {
    case "basic":
      return [{ in: "header", name: "Authorization", value: [{ text: "Basic " }, { base64: [auth.username, auth.password ?? ""] }] }];
    case "bearer":
      return [{ in: "header", name: "Authorization", value: [{ text: "Bearer " }, { setting: auth.token }] }];
    case "body":
      return [{ in: "body", field: auth.field, setting: auth.token }];
    case "header": {
      const parsed = parseTemplate(auth.value);
      return "pieces" in parsed ? [{ in: "header", name: auth.name, value: parsed.pieces }] : [];
    }
  }
}

/** The settings a piece reads. */
export function piecesSettings(pieces: ReadonlyArray<TemplatePiece>): string[] {
  return pieces.flatMap((p) => ("setting" in p ? [p.setting] : "base64" in p ? p.base64.filter((n) => n !== "") : []));
}

/** The settings the credentials come from, in declaration order, each once. */
export function authSettings(auth: Auth): string[] {
  return [...new Set(authParts(auth).flatMap((part) => (part.in === "body" ? [part.setting] : piecesSettings(part.value))))];
}

/** How the credentials travel, in a few words (`bearer token`, `header Api-Key`), for listings. */
export function describeAuth(auth: Auth): string {
  switch (auth.scheme) {
    case "basic":
      return "basic auth";
    case "bearer":
      return "bearer token";
    case "body":
      return `key in body field ${auth.field}`;
    case "header":
      return `header ${auth.name}`;
  }
}
