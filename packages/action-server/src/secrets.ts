const MASK = "[redacted]";

/**
 * The values worth masking: long enough not to hit ordinary text, longest first so a secret that
 * contains a shorter one is masked whole.
 */
export function secretList(values: Iterable<string | undefined>): string[] {
  return [...new Set([...values].filter((v): v is string => v !== undefined && v.length >= 4))].sort((a, b) => b.length - a.length);
}

/**
 * Each secret as it may be written where a destination or a proxy quotes a request back: as is,
 * JSON-escaped, URL-encoded, in base64, and in base64 as HTTP Basic credentials pair it with
 * another value (`key:secret`, `key:`). Basic credentials are a pair, so every ordered pair counts.
 */
export function secretForms(values: Iterable<string | undefined>): string[] {
  const secrets = secretList(values);
  const base64 = (text: string) => Buffer.from(text).toString("base64");
  const forms = secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1), encodeURIComponent(s), base64(s), base64(`${s}:`)]);
  for (const a of secrets) for (const b of secrets) if (a !== b) forms.push(base64(`${a}:${b}`));
  return secretList(forms);
}

/** Replaces every occurrence of the secrets in a text. */
export function maskSecrets(text: string, secrets: ReadonlyArray<string>): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(MASK);
  return out;
}
