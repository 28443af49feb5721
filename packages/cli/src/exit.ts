import * as Data from "effect/Data";

/** The contract of every command: 0 done and valid, 1 invalid (or rows rejected or failed), 2 usage or input error, 130 interrupted (SIGINT, SIGTERM). */
export const ExitCode = { ok: 0, invalid: 1, usage: 2, interrupted: 130 } as const;

/**
 * What kind of fault ended a command, as `--json` reports it (`error.code`); the same fault gives the
 * same code and exit status in every command. `plan`: the Look cannot be sent (exit 1); the others exit 2.
 */
export type ErrorCode = "usage" | "input" | "source" | "settings" | "looker" | "config" | "plan" | "internal";

export const exitCodeOf = (code: ErrorCode): number => (code === "plan" ? ExitCode.invalid : ExitCode.usage);

/** The object `--json` prints on stdout for a command that ends with an error. */
export function errorReport(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
  return { ok: false, error: { code, message, exitCode: exitCodeOf(code), ...extra } };
}

/** Bad usage or unusable input: reported as one line on stderr (or an error object with --json), exit 2. */
export class InputError extends Data.TaggedError("InputError")<{ readonly message: string; readonly code?: ErrorCode }> {}

/**
 * The command ran and its answer is "no" (invalid Look, rows rejected or failed); its output is already
 * printed. `code`: the fault behind it when it is not the answer itself (a send whose source broke off).
 */
export class NotValid extends Data.TaggedError("NotValid")<{ readonly code?: ErrorCode | undefined }> {
  constructor(args: { readonly code?: ErrorCode } = {}) {
    super(args);
  }
}

/** The command was stopped by SIGINT or SIGTERM; what it did is already printed. */
export class Interrupted extends Data.TaggedError("Interrupted")<{}> {}

/** One line on stderr (`tagwire: ...`), or with --json the documented error object on stdout; the exit code. */
export function reportError(error: { readonly code: ErrorCode; readonly message: string }, json: boolean): number {
  const exitCode = exitCodeOf(error.code);
  if (json) process.stdout.write(`${JSON.stringify(errorReport(error.code, error.message), null, 2)}\n`);
  else process.stderr.write(`tagwire: ${error.message}\n`);
  return exitCode;
}

/**
 * The exit code of a command that failed with one of the errors above, reporting it if the command has
 * not; undefined for any other failure, which the caller reports.
 */
export function exitCodeOfFailure(e: unknown, json: boolean): number | undefined {
  // The command has printed its answer (a report, diagnostics, or with --json the error object).
  if (e instanceof NotValid) return e.code === undefined ? ExitCode.invalid : exitCodeOf(e.code);
  if (e instanceof Interrupted) return ExitCode.interrupted;
  if (e instanceof InputError) return reportError({ code: e.code ?? "input", message: errorLine(e) }, json);
  return undefined;
}

/** What the user sees for an error that ends the command with exit 2: one line, never a stack trace. */
export function errorLine(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const path = (error as NodeJS.ErrnoException | undefined)?.path;
  if (typeof code === "string" && typeof path === "string") return `cannot read ${path}: ${describeErrno(code)}`;
  // Multi-line engine messages (ManifestError, PlanRejected, SettingsError) are joined into one.
  return oneLine(error instanceof Error ? error.message : String(error));
}

export function describeErrno(code: string): string {
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EISDIR":
      return "is a directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    default:
      return code;
  }
}

function oneLine(text: string): string {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .join(" ");
}
