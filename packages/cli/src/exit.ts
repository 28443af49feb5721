import { Data } from "effect";

/** The contract of every command: 0 done and valid, 1 invalid (or rows rejected or failed), 2 usage or input error, 130 interrupted (SIGINT, SIGTERM). */
export const ExitCode = { ok: 0, invalid: 1, usage: 2, interrupted: 130 } as const;

/** Bad usage or unusable input: reported as one line on stderr, exit 2. */
export class InputError extends Data.TaggedError("InputError")<{ readonly message: string }> {}

/** The command ran and its answer is "no" (invalid Look, rows rejected or failed); its output is already printed. */
export class NotValid extends Data.TaggedError("NotValid")<{}> {}

/** The command was stopped by SIGINT or SIGTERM; what it did is already printed. */
export class Interrupted extends Data.TaggedError("Interrupted")<{}> {}

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
