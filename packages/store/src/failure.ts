// Driver errors as the engine's StoreError: which store, what it was doing, and the driver's reason,
// never a row value (the store holds none) or a password.
import { StoreError } from "@tagwire/engine";

const CONNECTION_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  ETIMEDOUT: "connection timed out",
  ECONNRESET: "connection reset",
  EACCES: "permission denied",
  EROFS: "read-only file system",
};

/** `scrub` removes what the message must not show (a password) from a driver's text. */
export function storeFailure(describe: string, doing: string, cause: unknown, scrub: (text: string) => string = (t) => t): StoreError {
  if (cause instanceof StoreError) return cause;
  const code = (cause as { readonly code?: unknown } | undefined)?.code;
  const known = typeof code === "string" ? CONNECTION_CODES[code] : undefined;
  const text = known ?? (cause instanceof Error ? cause.message : String(cause));
  const said = text.trim() === "" && cause instanceof AggregateError ? (cause.errors.map((e) => String((e as Error).message ?? e)).join("; ") || "no reason given") : text;
  return new StoreError({ reason: `${describe}: ${doing}: ${scrub(said).split("\n")[0]}` });
}
