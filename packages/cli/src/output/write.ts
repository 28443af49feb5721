// The command's answer on stdout, and what accompanies a failure on stderr. Plain functions: the quick
// commands (quick.ts) print without effect's runtime; print.ts gives the same as effects.

/** Lines on stdout: the command's answer. */
export const writeLines = (lines: ReadonlyArray<string>): void => void process.stdout.write(`${lines.join("\n")}\n`);

/** Lines on stderr: progress, diagnostics that accompany a failure. */
export const writeErrorLines = (lines: ReadonlyArray<string>): void => void process.stderr.write(`${lines.join("\n")}\n`);

export const writeJson = (value: unknown): void => writeLines([JSON.stringify(value, null, 2)]);
