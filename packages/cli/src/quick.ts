// `tagwire destinations` and `tagwire validate` without @effect/cli and effect's runtime, which are
// most of the full CLI's start-up (about 700 modules, over a second). The command line is read from
// the commands' own flag declarations (quick-parse.ts) and the commands' own code prints the answer;
// a line the quick reader does not take, and `validate --rows` or `--sync` (a dry run of the engine;
// see needsRun), go to the full CLI (cli.ts), as do all other commands.
import { errorLine, ExitCode, exitCodeOfFailure, NotValid, reportError } from "./exit.js";
import type { Specs, ValuesOf } from "./flag-spec.js";
import { ownWords } from "./help-request.js";
import { parseQuick } from "./quick-parse.js";

interface QuickCommand<S extends Specs> {
  readonly flags: () => Promise<S>;
  /** Runs the command, or says (false) that the full CLI must, before anything is done. */
  readonly run: (flags: ValuesOf<S>) => Promise<boolean>;
}

const quick = <S extends Specs>(command: QuickCommand<S>): QuickCommand<Specs> => command as unknown as QuickCommand<Specs>;

// Each command's modules are loaded only when it is the one asked for.
const COMMANDS: ReadonlyMap<string, QuickCommand<Specs>> = new Map([
  [
    "destinations",
    quick({
      flags: async () => (await import("./commands/destination-list.js")).destinationsFlags,
      run: async (flags) => {
        (await import("./commands/destination-list.js")).listDestinations(flags);
        return true;
      },
    }),
  ],
  [
    "validate",
    quick({
      flags: async () => (await import("./commands/validation-report.js")).validateFlags,
      run: async (flags) => {
        const [{ planTargetLook }, { reportValidation, needsRun }] = await Promise.all([import("./planned-look.js"), import("./commands/validation-report.js")]);
        if (needsRun(flags)) return false;
        // No record is checked without --rows, so the wire schemas are not compiled (see LoadOptions).
        const planned = await planTargetLook(flags, { recordSchemas: "first-use" });
        if (!reportValidation(flags, planned, undefined)) throw new NotValid();
        return true;
      },
    }),
  ],
]);

/** The exit code of a command line the quick path answered; undefined leaves it to the full CLI. */
export async function runQuick(argv: ReadonlyArray<string>): Promise<number | undefined> {
  const [name, ...words] = argv.slice(2);
  const command = name === undefined ? undefined : COMMANDS.get(name);
  if (command === undefined) return undefined;
  const flags = parseQuick(await command.flags(), words);
  if (flags === undefined) return undefined;
  // As cli.ts decides it: an error is reported in JSON when --json is among the CLI's own words.
  const json = ownWords(argv.slice(2)).includes("--json");
  try {
    return (await command.run(flags)) ? ExitCode.ok : undefined;
  } catch (e) {
    const code = exitCodeOfFailure(e, json);
    if (code !== undefined) return code;
    if (process.env.TAGWIRE_DEBUG) process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    return reportError({ code: "internal", message: errorLine(e) }, json);
  }
}
