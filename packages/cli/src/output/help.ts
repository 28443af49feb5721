// `--help`, rendered from @effect/cli's own help documents (so flags and their texts are defined once,
// in the commands), as a person reads it: wrapped to the terminal, at most 100 columns, one sentence
// or more per flag, without the library's generic type notes.
// Types only: `--help` is answered from a snapshot of the documents (see help-snapshot.ts) without
// loading @effect/cli, so this module must not load it either.
import type * as HelpDoc from "@effect/cli/HelpDoc";
import type { Span } from "@effect/cli/HelpDoc/Span";

/** The widest help line; narrower when the terminal is. */
export const HELP_WIDTH = 100;

type Block = { kind: "header"; text: string } | { kind: "paragraph"; text: string } | { kind: "list"; items: Array<{ term: string; paragraphs: string[] }> };

function spanText(span: Span): string {
  switch (span._tag) {
    case "Text":
    case "URI":
      return span.value;
    case "Highlight":
    case "Weak":
    case "Strong":
      return spanText(span.value);
    case "Sequence":
      return spanText(span.left) + spanText(span.right);
  }
}

function blocks(doc: HelpDoc.HelpDoc): Block[] {
  switch (doc._tag) {
    case "Empty":
      return [];
    case "Header":
      return [{ kind: "header", text: spanText(doc.value) }];
    case "Paragraph":
      return [{ kind: "paragraph", text: spanText(doc.value) }];
    case "DescriptionList":
      return [{ kind: "list", items: doc.definitions.map(([term, body]) => ({ term: spanText(term), paragraphs: paragraphs(body) })) }];
    case "Enumeration":
      return doc.elements.flatMap(blocks);
    case "Sequence":
      return [...blocks(doc.left), ...blocks(doc.right)];
  }
}

const paragraphs = (doc: HelpDoc.HelpDoc): string[] => blocks(doc).flatMap((b) => (b.kind === "paragraph" ? [b.text] : []));

// The library's notes on each flag's type and arity: the usage line already shows them.
const GENERIC = [
  /^A user-defined piece of text( that is confidential)?\.$/,
  /^An integer\.$/,
  /^A floating point number\.$/,
  /^A true or false value\.$/,
  /^One of the following: /,
  /^This setting is optional\.$/,
  /^This option may be repeated zero or more times\.$/,
];

/** A flag's own sentences, with the library's default value kept when the description does not give it. */
function flagText(paragraphs: ReadonlyArray<string>): string {
  const own: string[] = [];
  for (const p of paragraphs) {
    const withDefault = /^This setting is optional\. Defaults to: (.+)$/.exec(p);
    if (withDefault !== null) {
      if (!own.some((o) => /default/i.test(o))) own.push(`Default: ${withDefault[1]!.replace(/^'(.*)'$/, "$1")}.`);
      continue;
    }
    if (!GENERIC.some((g) => g.test(p))) own.push(p);
  }
  return own.join(" ");
}

/** Words to lines of at most `width` columns after `indent` (a longer word gets a line of its own). */
export function wrap(text: string, indent: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (line !== "" && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(indent + line);
  return lines;
}

/** A flag without a default that is neither optional nor repeatable nor a switch. */
const isRequired = (flag: { term: string; paragraphs: ReadonlyArray<string> }): boolean =>
  flag.term.includes(" ") && !flag.term.endsWith("...") && !flag.paragraphs.some((p) => p.startsWith("This setting is optional"));

const firstSentence = (text: string): string => /^(.+?\.)(\s|$)/.exec(text)?.[1] ?? text;

/** The commands as the help shows them: a group (`tagwire`, `manifest`) lists its children. */
export interface HelpTree {
  readonly name: string;
  readonly help: () => HelpDoc.HelpDoc;
  readonly children: ReadonlyArray<HelpTree>;
  /** A group that is also a command of its own (`runs` lists, `runs show` shows one): named alone, it runs. */
  readonly runsAlone?: boolean;
}

/** The command the words of the command line name (`manifest check`), down from the root. */
function find(root: HelpTree, words: ReadonlyArray<string>): { path: string[]; node: HelpTree } {
  const path: string[] = [];
  let node = root;
  for (const word of words) {
    const next = node.children.find((c) => c.name === word);
    if (next === undefined) break;
    path.push(next.name);
    node = next;
  }
  return { path, node };
}

/**
 * The help of the command that `args` (the command line after `tagwire`) name; `order` lists the
 * commands as the overview shows them.
 */
export function helpText(root: HelpTree, args: ReadonlyArray<string>, version: string, width = HELP_WIDTH): string {
  const found = find(root, args.filter((a) => !a.startsWith("-")));
  const command = [root.name, ...found.path].join(" ");
  const parsed = blocks(found.node.help());
  const sections = new Map<string, Block[]>();
  let current = "";
  for (const b of parsed) {
    if (b.kind === "header") sections.set((current = b.text), []);
    else sections.get(current)?.push(b);
  }
  const description = (sections.get("DESCRIPTION") ?? []).flatMap((b) => (b.kind === "paragraph" ? [b.text] : []));
  const list = (name: string) => (sections.get(name) ?? []).flatMap((b) => (b.kind === "list" ? b.items : []));
  const args_ = list("ARGUMENTS");
  const flags = list("OPTIONS");

  const out: string[] = [];
  if (found.path.length === 0) out.push(`${root.name} ${version}`, "");
  const required = flags.filter(isRequired).map((f) => f.term);
  const own = [command, ...required, flags.length > required.length ? "[flags]" : "", ...args_.map((a) => (a.paragraphs.includes("This setting is optional.") ? `[${a.term}]` : a.term))]
    .filter((w) => w !== "")
    .join(" ");
  const group = found.node.children.length > 0;
  const usage = group ? `${command} <command>` : own;
  if (group && found.node.runsAlone === true) out.push(...wrap(`Usage: ${own}`, "", width), `       ${usage}`, "");
  else out.push(...wrap(`Usage: ${usage}`, "", width), "");
  for (const text of description) out.push(...wrap(text, "", width));

  if (found.node.children.length > 0) {
    out.push("", "Commands:");
    const entries = found.node.children.flatMap((c) => commandEntries([c.name], c));
    const column = Math.min(Math.max(...entries.map((e) => e.name.length)) + 4, 24);
    for (const e of entries) {
      const text = wrap(e.summary, " ".repeat(column), width);
      const head = `  ${e.name}`;
      if (head.length + 2 <= column && text.length > 0) out.push(head.padEnd(column) + text[0]!.trimStart(), ...text.slice(1));
      else out.push(head, ...text);
    }
    out.push("", `Run \`${command} <command> --help\` for a command's flags.`);
    if (found.path.length === 0) out.push("", "Flags:", "  --help, -h", "      Show this help, or a command's.", "  --version", "      Print the version.");
  }
  for (const [title, items] of [["Arguments:", args_], ["Flags:", flags]] as const) {
    if (items.length === 0) continue;
    out.push("", title);
    for (const item of items) {
      out.push(...wrap(item.term, "  ", width));
      out.push(...wrap(`${flagText(item.paragraphs)}${title === "Flags:" && isRequired(item) ? " Required." : ""}`, "      ", width));
    }
  }
  return `${out.join("\n")}\n`;
}

/** A command, or for a group (`manifest`) each of its subcommands, with the first sentence of its description. */
function commandEntries(path: string[], node: HelpTree): Array<{ name: string; summary: string }> {
  const children = node.children.flatMap((c) => commandEntries([...path, c.name], c));
  if (node.children.length > 0 && node.runsAlone !== true) return children;
  const description = blocks(node.help()).find((b) => b.kind === "paragraph");
  return [{ name: path.join(" "), summary: description?.kind === "paragraph" ? firstSentence(description.text) : "" }, ...children];
}
