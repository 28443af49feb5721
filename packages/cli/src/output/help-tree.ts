// The help tree's nodes built from @effect/cli commands: their documents are the source of every help text.
import * as CliConfig from "@effect/cli/CliConfig";
import * as Command from "@effect/cli/Command";
import type { HelpTree } from "./help.js";

// Without the built-in flags (--completions, --log-level, --wizard) the CLI does not document.
const CONFIG = CliConfig.make({ showBuiltIns: false });

export const helpNode = <Name extends string, R, E, A>(
  name: string,
  command: Command.Command<Name, R, E, A>,
  children: ReadonlyArray<HelpTree> = [],
  options: { readonly runsAlone?: boolean } = {},
): HelpTree => ({
  name,
  help: () => Command.getHelp(command, CONFIG),
  children,
  ...(options.runsAlone === true ? { runsAlone: true } : {}),
});
