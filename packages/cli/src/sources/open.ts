// Opening the Look a command reads, as promises: the effects in index.ts wrap them, and the quick
// commands (quick.ts) call them without effect's runtime. The CSV reader and the Looker client are
// loaded only for a source that needs them.
import { extname } from "node:path";
import * as Option from "effect/Option";
import { maxRowBytesFromEnv, peekHeader, readLook, type LookEvent, type PeekedLook, type TagSource } from "@tagwire/engine/planning";
import type { LookDownload } from "@tagwire/engine";
import { errorLine, InputError } from "../exit.js";
import type { SourceFlags } from "../shared-flags.js";
import { openFile, openStdin, type ByteCount } from "./bytes.js";

/** A Look ready to be read: its events, the fields hidden in its visualization, and how far it has been read. */
export interface LookInput {
  /** For messages: the file name, `stdin` or `Look 42`. */
  readonly name: string;
  readonly events: AsyncIterable<LookEvent>;
  readonly hiddenFields: ReadonlyArray<string>;
  readonly count: ByteCount;
  /** A CSV's tags come from --tag, and the plan's fixes say so. */
  readonly tagSource: TagSource;
  /** A Look downloaded from the Looker API: when its download ended (see `OpenOptions.spool`). */
  readonly download?: LookDownload;
}

/** Reads a download ahead of the run (the spool); the Looker API's Look goes through it when given. */
export type Spooler = (bytes: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array> & LookDownload;

export interface OpenOptions {
  /** json_detail rows come cut but unparsed, for `runLook` to parse (on its worker threads). */
  readonly raw?: boolean;
  readonly spool?: Spooler;
}

/** The source named by the flags; everything the user can get wrong about it fails here as InputError. */
export async function openSource(flags: SourceFlags, options: OpenOptions = {}): Promise<LookInput> {
  try {
    return await open(flags, options.raw === true, options.spool);
  } catch (e) {
    throw e instanceof InputError ? e : new InputError({ message: errorLine(e) });
  }
}

async function open(flags: SourceFlags, raw: boolean, spool: Spooler | undefined): Promise<LookInput> {
  const path = Option.getOrUndefined(flags.source);
  const lookId = Option.getOrUndefined(flags.look);
  if (path !== undefined && lookId !== undefined) throw new InputError({ message: "give either a source file or --look, not both", code: "usage" });
  if (path === undefined && lookId === undefined) throw new InputError({ message: "missing source: give a file, `-` for stdin, or --look <id>", code: "usage" });
  if (path !== undefined && path !== "-" && path.startsWith("-")) throw new InputError({ message: `unknown flag ${path} (see --help)`, code: "usage" });
  const maxRowBytes = maxRowBytesFromEnv(process.env);
  const format = Option.getOrUndefined(flags.format) ?? (path !== undefined && extname(path).toLowerCase() === ".csv" ? "csv" : "json_detail");
  if (flags.tag.length > 0 && format !== "csv") {
    throw new InputError({ message: "--tag applies to CSV sources only: a json_detail export carries its LookML tags", code: "usage" });
  }
  if (lookId !== undefined) {
    if (Option.isSome(flags.format)) throw new InputError({ message: "--format does not apply to --look: Looks are run as json_detail", code: "usage" });
    const { openLookerLook } = await import("./looker.js");
    const look = await openLookerLook(lookId, { raw, maxRowBytes }, spool);
    return { name: `Look ${lookId}`, ...look, hiddenFields: [...new Set([...look.hiddenFields, ...flags.hide])], tagSource: "lookml" };
  }
  const { bytes, count } = path === "-" ? openStdin() : openFile(path!);
  const events = format === "csv" ? (await import("./csv.js")).readCsv(bytes, flags.tag) : readLook(bytes, { raw, maxRowBytes });
  return { name: path === "-" ? "stdin" : path!, events, hiddenFields: flags.hide, count, tagSource: format === "csv" ? "tag-flag" : "lookml" };
}

/** The Look's fields, read before anything else (`header`), and the rest of its events, for `runLook` (which takes the Look as it is) or to read as `rows`. */
export interface OpenedLook extends PeekedLook {
  readonly rows: AsyncIterable<LookEvent>;
}

export async function readHeaderOf(input: LookInput): Promise<OpenedLook> {
  try {
    const peeked = await peekHeader(input.events);
    if (peeked === undefined) throw new InputError({ message: `${input.name} has no fields: is it a json_detail export?`, code: "source" });
    return { ...peeked, rows: { [Symbol.asyncIterator]: () => peeked.rest } };
  } catch (e) {
    throw e instanceof InputError ? e : new InputError({ message: `${input.name}: ${errorLine(e)}`, code: "source" });
  }
}
