import { Data } from "effect";
import { LookFormatError, ManifestError, PlanRejected, SettingsError, SourceError, UnknownConnectorError } from "@tagwire/engine";

/** The contract of every command: 0 done and valid, 1 invalid (or rows rejected or failed), 2 usage or input error. */
export const ExitCode = { ok: 0, invalid: 1, usage: 2 } as const;

/** Bad usage or unusable input: reported as one line on stderr, exit 2. */
export class InputError extends Data.TaggedError("InputError")<{ readonly message: string }> {}

/** The command ran and its answer is "no" (invalid Look, rows rejected or failed); its output is already printed. */
export class NotValid extends Data.TaggedError("NotValid")<{}> {}

/** What the user sees for an error that ends the command with exit 2: one line, never a stack trace. */
export function errorLine(error: unknown): string {
  if (error instanceof InputError) return error.message;
  // Multi-line engine messages are joined: the CLI promises one line per failure.
  if (error instanceof ManifestError) return oneLine(error.message);
  if (error instanceof UnknownConnectorError || error instanceof LookFormatError || error instanceof SourceError || error instanceof SettingsError || error instanceof PlanRejected) {
    return oneLine(error.message);
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const path = (error as NodeJS.ErrnoException | undefined)?.path;
  if (typeof code === "string" && typeof path === "string") return `cannot read ${path}: ${describeErrno(code)}`;
  if (error instanceof Error) return oneLine(error.message);
  return oneLine(String(error));
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
