// Which store the process uses, from its environment: TAGWIRE_DATABASE_URL (unset: the embedded
// SQLite file in TAGWIRE_STATE_DIR; postgres:// or postgresql://: a shared Postgres; `none`: no store)
// and TAGWIRE_HISTORY_DAYS. A URL is never echoed back whole, since it may carry a password.
import { homedir } from "node:os";
import { join } from "node:path";
import { StoreError } from "@tagwire/engine";

export const DEFAULT_HISTORY_DAYS = 90;
export const DATABASE_FILE = "tagwire.db";

export type StoreConfig =
  | { readonly kind: "none" }
  | { readonly kind: "sqlite"; readonly path: string; readonly historyDays: number }
  | { readonly kind: "postgres"; readonly url: string; readonly historyDays: number };

type Env = Readonly<Record<string, string | undefined>>;

/** The default state directory: `~/.local/state/tagwire`. */
export const defaultStateDir = (): string => join(homedir(), ".local", "state", "tagwire");

/**
 * The state directory the process keeps files in: TAGWIRE_STATE_DIR, or the default one when the
 * store is the embedded file there; none when a shared database (or no store) is used and no
 * directory is named, so that replicas do not write to a home directory they may not have.
 */
export function stateDirOf(env: Env): string | undefined {
  const dir = env["TAGWIRE_STATE_DIR"]?.trim();
  if (dir !== undefined && dir !== "") return dir;
  return (env["TAGWIRE_DATABASE_URL"]?.trim() ?? "") === "" ? defaultStateDir() : undefined;
}

/** The store the environment asks for; a StoreError names the variable that is wrong. */
export function storeConfig(env: Env): StoreConfig | StoreError {
  const url = env["TAGWIRE_DATABASE_URL"]?.trim() ?? "";
  if (url === "none") return { kind: "none" };
  const historyDays = historyDaysOf(env["TAGWIRE_HISTORY_DAYS"]);
  if (historyDays instanceof StoreError) return historyDays;
  if (url === "") {
    const dir = env["TAGWIRE_STATE_DIR"]?.trim();
    return { kind: "sqlite", path: join(dir !== undefined && dir !== "" ? dir : defaultStateDir(), DATABASE_FILE), historyDays };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== "postgres" && scheme !== "postgresql") {
    return new StoreError({
      reason: `TAGWIRE_DATABASE_URL must be unset (the embedded SQLite file), \`none\`, or a postgres:// or postgresql:// URL; got ${scheme === undefined ? "something that is not a URL" : `a ${scheme}: URL`}`,
    });
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return new StoreError({ reason: "TAGWIRE_DATABASE_URL is not a valid URL (a password with characters such as @, / or # must be percent-encoded)" });
  }
  if (parsed.hostname === "" && !parsed.searchParams.has("host")) return new StoreError({ reason: "TAGWIRE_DATABASE_URL names no host: give postgres://user[:password]@host[:port]/database" });
  return { kind: "postgres", url, historyDays };
}

function historyDaysOf(raw: string | undefined): number | StoreError {
  if (raw === undefined || raw.trim() === "") return DEFAULT_HISTORY_DAYS;
  const text = raw.trim();
  const days = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(days) || days < 1) {
    return new StoreError({ reason: `TAGWIRE_HISTORY_DAYS must be a whole number of days, 1 or more; got "${text.slice(0, 40)}"` });
  }
  return days;
}

/** A Postgres URL as messages show it: scheme, user, host, port and database, never the password or parameters. */
export function describePostgres(url: string): string {
  try {
    const u = new URL(url);
    const user = u.username !== "" ? `${decodeURIComponent(u.username)}@` : "";
    return `postgres://${user}${u.host}${u.pathname}`;
  } catch {
    return "postgres://(unparsable URL)";
  }
}

/** A message from a driver, with the URL's password taken out wherever it shows. */
export function withoutSecret(message: string, url: string): string {
  let password = "";
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    // An unparsable URL never reached a driver.
  }
  let text = message.split(url).join(describePostgres(url));
  if (password !== "") text = text.split(password).join("***");
  return text;
}
