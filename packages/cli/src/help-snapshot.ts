// `tagwire --help` without loading @effect/cli and the engine (about 700 modules, most of the
// command's start-up): the build writes the commands' help documents to dist/help.json
// (scripts/write-help.mjs), and bin.js answers from them. The documents are plain data, so the same
// renderer (output/help.ts) gives the same text. A snapshot older than the build's cli.js is not used.
import { readFileSync, statSync, writeFileSync } from "node:fs";
import type * as HelpDoc from "@effect/cli/HelpDoc";
import { helpRequested, printHelp } from "./help-request.js";
import type { HelpTree } from "./output/help.js";

const SNAPSHOT = new URL("./help.json", import.meta.url);
const CLI = new URL("./cli.js", import.meta.url);

interface SnapshotNode {
  readonly name: string;
  readonly doc: HelpDoc.HelpDoc;
  readonly children: ReadonlyArray<SnapshotNode>;
  readonly runsAlone?: boolean;
}

const alone = (node: { readonly runsAlone?: boolean }) => (node.runsAlone === true ? { runsAlone: true } : {});
const toSnapshot = (node: HelpTree): SnapshotNode => ({ name: node.name, doc: node.help(), children: node.children.map(toSnapshot), ...alone(node) });
const fromSnapshot = (node: SnapshotNode): HelpTree => ({ name: node.name, help: () => node.doc, children: node.children.map(fromSnapshot), ...alone(node) });

export function writeHelpSnapshot(tree: HelpTree, file: URL = SNAPSHOT): void {
  writeFileSync(file, `${JSON.stringify(toSnapshot(tree))}\n`);
}

function readSnapshot(): HelpTree | undefined {
  try {
    if (statSync(SNAPSHOT).mtimeMs < statSync(CLI).mtimeMs) return undefined;
    return fromSnapshot(JSON.parse(readFileSync(SNAPSHOT, "utf8")) as SnapshotNode);
  } catch {
    return undefined;
  }
}

/** Prints the help when the command line asks for it and the snapshot is there; false leaves it to the full CLI. */
export function answerHelpFromSnapshot(argv: ReadonlyArray<string>): boolean {
  const args = argv.slice(2);
  // Most command lines are not a request for help: the snapshot is read only when one could be.
  const words = args.includes("--") ? args.slice(0, args.indexOf("--")) : args;
  if (words.length > 1 && !words.includes("--help") && !words.includes("-h")) return false;
  const tree = readSnapshot();
  if (tree === undefined || !helpRequested(args, tree)) return false;
  printHelp(tree, args);
  return true;
}
