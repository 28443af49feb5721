// Flags shared by several commands, declared once so their names, syntax and help never differ
// (flags.ts makes them @effect/cli options; see flag-spec.ts).
import type * as Option from "effect/Option";
import { booleanFlag, notParsed, optionalArgument, optionalChoice, optionalText, parsed, repeatedText, textFlag, type Parsed } from "./flag-spec.js";

/** `name=value` -> [name, value]; the value may itself contain `=`. */
export function splitPair(text: string): [string, string] | undefined {
  const at = text.indexOf("=");
  if (at <= 0) return undefined;
  return [text.slice(0, at), text.slice(at + 1)];
}

/** Every item of a repeatable `--flag name=value` as a pair, in order (a later value for the same name wins). */
function pairsOf(name: string, example: string) {
  return (items: ReadonlyArray<string>): Parsed<ReadonlyArray<readonly [string, string]>> => {
    const pairs: Array<readonly [string, string]> = [];
    for (const item of items) {
      const pair = splitPair(item);
      if (pair === undefined) return notParsed(`--${name} "${item}" must look like ${example}`);
      pairs.push(pair);
    }
    return parsed(pairs);
  };
}

/** Repeatable `--flag name=value`. */
const pairs = (name: string, example: string, description: string) => repeatedText(name, { pseudoName: example, description }, pairsOf(name, example));

export interface Target {
  readonly connector: string;
  readonly downstreams: ReadonlyArray<string>;
}

/** `mparticle` or `segment:zendesk,totango`. */
export function parseTarget(text: string): Target | undefined {
  const [connector, list, ...rest] = text.split(":");
  if (connector === undefined || connector === "" || rest.length > 0) return undefined;
  if (list === undefined) return { connector, downstreams: [] };
  const downstreams = list.split(",").map((d) => d.trim());
  if (downstreams.some((d) => d === "")) return undefined;
  return { connector, downstreams };
}

export const to = textFlag(
  "to",
  {
    pseudoName: "connector[:downstream,...]",
    description:
      "The destination: a connector id (see `tagwire destinations`), optionally followed by a colon and a comma-separated list of its downstream destinations whose identifier requirements are checked too.",
  },
  (text): Parsed<Target> => {
    const target = parseTarget(text);
    return target === undefined ? notParsed(`--to "${text}" must look like connector or connector:downstream,downstream (e.g. segment:zendesk,totango)`) : parsed(target);
  },
);

export const action = optionalText("action", {
  pseudoName: "name",
  description: "A Looker action name of the connector (e.g. segment_track): applies that action's fixed options.",
});

export const option = pairs("option", "name=value", "A connector option (repeatable), e.g. --option data_type=event_data. Unknown options and bad values are reported as plan errors.");

export const setting = pairs(
  "setting",
  "name=value",
  "A connector setting such as an API key (repeatable). Without it, the value comes from the environment variable TAGWIRE_<CONNECTOR>_<SETTING> (see docs/cli.md). Values are never printed.",
);

export const tag = pairs("tag", "column=tag", "CSV sources only: attach a LookML tag to a CSV column (repeatable; repeat a column to give it several tags).");

export const format = optionalChoice("format", ["json_detail", "csv"] as const, "The source's format. Default: csv for files ending in .csv, json_detail otherwise (and for stdin).");

export const look = optionalText("look", {
  pseudoName: "id",
  description: "Run a saved Look through the Looker API instead of reading a file (configured by LOOKERSDK_BASE_URL, LOOKERSDK_CLIENT_ID, LOOKERSDK_CLIENT_SECRET).",
});

export const json = booleanFlag("json", "Print a machine-readable JSON report on stdout; an error is a JSON object too ({ ok: false, error: { code, message, exitCode } }), with nothing on stderr.");

export const sync = optionalText("sync", {
  pseudoName: "name",
  description:
    "Send as the recurring sync NAME: only rows new or changed since its last delivered run (the state is kept in the store of TAGWIRE_DATABASE_URL); with --dry-run, count the rows that would be sent, by kind.",
});

export const rows = optionalChoice("rows", ["changed", "all"] as const, "With --sync: send the changed rows (default) or all rows.");

export const removed = optionalChoice(
  "removed",
  ["ignore", "clear"] as const,
  "With --sync: rows that left the Look since the last run are only counted (ignore, the default) or cleared at the destination as its connector declares (clear).",
);

export const runId = optionalText("run-id", {
  pseudoName: "id",
  description: "Run id that record ids are derived from: the same run id and row give the same record id, so a replayed run is deduplicated downstream.",
});

export const source = optionalArgument(
  "source",
  "A Looker json_detail export or a CSV export (with a header row); `-` reads stdin. Omit it with --look.",
  // An unknown flag would otherwise be taken for the source, and the real source reported as unexpected.
  (text) => (text.startsWith("-") && text !== "-" ? notParsed(`unknown flag ${text} (see --help)`) : parsed(text)),
);

export const hide = repeatedText("hide", {
  pseudoName: "field",
  description:
    "Treat this field (a json_detail field name such as users.city, or a CSV column) as hidden in the Look's visualization: it is never mapped or sent (repeatable). With --look, the fields the Look itself hides are hidden too.",
});

/** Everything that says where the Look comes from. */
export const sourceFlags = { source, format, tag, look, hide };

export interface SourceFlags {
  readonly source: Option.Option<string>;
  readonly format: Option.Option<"json_detail" | "csv">;
  readonly tag: ReadonlyArray<readonly [string, string]>;
  readonly look: Option.Option<string>;
  readonly hide: ReadonlyArray<string>;
}

/** Everything that says where the Look goes and how. */
export const targetFlags = { to, action, option };

export interface TargetFlags {
  readonly to: Target;
  readonly action: Option.Option<string>;
  readonly option: ReadonlyArray<readonly [string, string]>;
}
