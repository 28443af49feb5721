const MASK = "[redacted]";

/**
 * The values worth masking: long enough not to hit ordinary text, longest first so a secret that
 * contains a shorter one is masked whole.
 */
export function secretList(values: Iterable<string | undefined>): string[] {
  return [...new Set([...values].filter((v): v is string => v !== undefined && v.length >= 4))].sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of the secrets in a text. */
export function maskSecrets(text: string, secrets: ReadonlyArray<string>): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(MASK);
  return out;
}
