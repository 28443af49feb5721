/** Values shorter than this stay: they are too common ("yes", "US") to say anything about a row. */
const MIN_VALUE_LENGTH = 3;
const ELIDED = "…";

/**
 * A destination's answer with every value the request carried replaced by "…". Some APIs quote the
 * request back in their errors; a row value (an email, a name) or a key carried in the body must not
 * travel on into reports, Looker messages and logs. Keys stay, so the answer still says what is wrong.
 */
export function withoutRequestValues(text: string, request: string | Uint8Array): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof request === "string" ? request : Buffer.from(request.buffer, request.byteOffset, request.byteLength).toString("utf8"));
  } catch {
    return text;
  }
  const values = new Set<string>();
  collect(parsed, values);
  let out = text;
  for (const v of [...values].sort((a, b) => b.length - a.length)) if (out.includes(v)) out = out.split(v).join(ELIDED);
  return out;
}

/** Every scalar of the request, as written in text and as escaped inside JSON text. */
function collect(node: unknown, values: Set<string>): void {
  const stack: unknown[] = [node];
  while (stack.length > 0) {
    const next = stack.pop();
    if (typeof next === "string" || typeof next === "number") {
      const text = String(next);
      if (text.length < MIN_VALUE_LENGTH) continue;
      values.add(text);
      if (typeof next === "string") values.add(JSON.stringify(next).slice(1, -1));
    } else if (next !== null && typeof next === "object") {
      for (const child of Object.values(next)) stack.push(child);
    }
  }
}
