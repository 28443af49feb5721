// What the command line asks of the help, and the help's answer: shared by the full CLI and by the
// start-up path that answers `--help` from the snapshot (help-snapshot.ts) before @effect/cli loads.
import { readFileSync } from "node:fs";
import { HELP_WIDTH, helpText, type HelpTree } from "./output/help.js";

// src/ and dist/ sit at the same depth, so the package's own package.json is one hop up from either.
export const VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** The words before `--`: flags after it are the command's arguments, not the CLI's. */
export const ownWords = (args: ReadonlyArray<string>) => (args.includes("--") ? args.slice(0, args.indexOf("--")) : args);

/**
 * `--help` and `-h` anywhere, and a bare `tagwire` or command group (one that does not run alone): the CLI's own help (see output/help.ts).
 * Subcommand names are what the overview lists, in this order.
 */
export function helpRequested(args: ReadonlyArray<string>, tree: HelpTree): boolean {
  const words = ownWords(args);
  if (words.includes("--help") || words.includes("-h")) return true;
  return words.length === 0 || (words.length === 1 && tree.children.some((c) => c.name === words[0] && c.children.length > 0 && c.runsAlone !== true));
}

/** Prints the help the command line (after `tagwire`) asks for, wrapped to the terminal. */
export function printHelp(tree: HelpTree, args: ReadonlyArray<string>): void {
  const width = Math.max(40, Math.min(HELP_WIDTH, process.stdout.isTTY === true ? (process.stdout.columns ?? HELP_WIDTH) : HELP_WIDTH));
  process.stdout.write(helpText(tree, args, VERSION, width));
}
