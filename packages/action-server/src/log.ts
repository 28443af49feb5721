import { maskSecrets, secretForms } from "./secrets.js";

/** One structured log line. */
export type LogEntry = Record<string, unknown> & { readonly msg: string };

export interface Logger {
  info(entry: LogEntry): void;
  warn(entry: LogEntry): void;
  error(entry: LogEntry): void;
  /** A logger that also masks these values (a request's credentials). */
  with(fields: Record<string, unknown>, secrets?: ReadonlyArray<string | undefined>): Logger;
}

/**
 * JSON lines on one sink. Every line is scanned for the known secrets before it is written:
 * code never logs credentials on purpose, and this catches the accidents.
 */
export function createLogger(write: (line: string) => void, secrets: ReadonlyArray<string | undefined> = [], fields: Record<string, unknown> = {}): Logger {
  const masked = secretForms(secrets);
  const emit = (level: string, entry: LogEntry) => {
    write(maskSecrets(JSON.stringify({ time: new Date().toISOString(), level, ...fields, ...entry }), masked));
  };
  return {
    info: (e) => emit("info", e),
    warn: (e) => emit("warn", e),
    error: (e) => emit("error", e),
    with: (more, extra = []) => createLogger(write, [...secrets, ...extra], { ...fields, ...more }),
  };
}
