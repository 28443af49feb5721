// What a store failure says: which store, what it was doing, and the driver's reason, never a row
// value (the store holds none) or a password. Plain text and a plain Error, so the embedded store's
// thread words its failures without loading the engine (and the Effect modules behind StoreError).

const CONNECTION_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  ETIMEDOUT: "connection timed out",
  ECONNRESET: "connection reset",
  EACCES: "permission denied",
  EROFS: "read-only file system",
};

/** A failure of the embedded database on its thread; its message is the reason as the server's StoreError will carry it. */
export class DatabaseFailure extends Error {}

/** `scrub` removes what the message must not show (a password) from a driver's text. */
export function failureReason(describe: string, doing: string, cause: unknown, scrub: (text: string) => string = (t) => t): string {
  if (cause instanceof DatabaseFailure) return cause.message;
  const code = (cause as { readonly code?: unknown } | undefined)?.code;
  const known = typeof code === "string" ? CONNECTION_CODES[code] : undefined;
  const text = known ?? (cause instanceof Error ? cause.message : String(cause));
  const said = text.trim() === "" && cause instanceof AggregateError ? (cause.errors.map((e) => String((e as Error).message ?? e)).join("; ") || "no reason given") : text;
  return `${describe}: ${doing}: ${scrub(said).split("\n")[0]}`;
}
