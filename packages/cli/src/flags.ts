// Flags shared by several commands, defined once so their names, syntax and help never differ.
import * as Args from "@effect/cli/Args";
import * as HelpDoc from "@effect/cli/HelpDoc";
import * as Options from "@effect/cli/Options";
import * as ValidationError from "@effect/cli/ValidationError";
import * as Effect from "effect/Effect";
import * as Option from "effect/Option";
import { parseRateLimit, RateLimitSyntaxError, type RateLimitSetting } from "@tagwire/engine";

const invalid = (message: string) => ValidationError.invalidValue(HelpDoc.p(message));

/** `name=value` -> [name, value]; the value may itself contain `=`. */
export function splitPair(text: string): [string, string] | undefined {
  const at = text.indexOf("=");
  if (at <= 0) return undefined;
  return [text.slice(0, at), text.slice(at + 1)];
}

/** Repeatable `--flag name=value`, collected in order (a later value for the same name wins). */
function pairs(name: string, example: string, description: string) {
  return Options.text(name).pipe(
    Options.withPseudoName(example),
    Options.repeated,
    Options.mapEffect((items) =>
      Effect.forEach(items, (item) => {
        const pair = splitPair(item);
        return pair === undefined ? Effect.fail(invalid(`--${name} "${item}" must look like ${example}`)) : Effect.succeed(pair);
      }),
    ),
    Options.withDescription(description),
  );
}

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

export const to = Options.text("to").pipe(
  Options.withPseudoName("connector[:downstream,...]"),
  Options.mapEffect((text) => {
    const target = parseTarget(text);
    return target === undefined
      ? Effect.fail(invalid(`--to "${text}" must look like connector or connector:downstream,downstream (e.g. segment:zendesk,totango)`))
      : Effect.succeed(target);
  }),
  Options.withDescription(
    "The destination: a connector id (see `tagwire destinations`), optionally followed by a colon and a comma-separated list of its downstream destinations whose identifier requirements are checked too.",
  ),
);

export const action = Options.text("action").pipe(
  Options.withPseudoName("name"),
  Options.optional,
  Options.withDescription("A Looker action name of the connector (e.g. segment_track): applies that action's fixed options."),
);

export const option = pairs("option", "name=value", "A connector option (repeatable), e.g. --option data_type=event_data. Unknown options and bad values are reported as plan errors.");

export const setting = pairs(
  "setting",
  "name=value",
  "A connector setting such as an API key (repeatable). Without it, the value comes from the environment variable TAGWIRE_<CONNECTOR>_<SETTING> (see docs/cli.md). Values are never printed.",
);

export const tag = pairs("tag", "column=tag", "CSV sources only: attach a LookML tag to a CSV column (repeatable; repeat a column to give it several tags).");

export const format = Options.choice("format", ["json_detail", "csv"]).pipe(
  Options.optional,
  Options.withDescription("The source's format. Default: csv for files ending in .csv, json_detail otherwise (and for stdin)."),
);

export const look = Options.text("look").pipe(
  Options.withPseudoName("id"),
  Options.optional,
  Options.withDescription(
    "Run a saved Look through the Looker API instead of reading a file (configured by LOOKERSDK_BASE_URL, LOOKERSDK_CLIENT_ID, LOOKERSDK_CLIENT_SECRET).",
  ),
);

export const json = Options.boolean("json").pipe(
  Options.withDescription("Print a machine-readable JSON report on stdout; an error is a JSON object too ({ ok: false, error: { code, message, exitCode } }), with nothing on stderr."),
);

export const runId = Options.text("run-id").pipe(
  Options.withPseudoName("id"),
  Options.optional,
  Options.withDescription("Run id that record ids are derived from: the same run id and row give the same record id, so a replayed run is deduplicated downstream."),
);

export const source = Args.text({ name: "source" }).pipe(
  // An unknown flag would otherwise be taken for the source, and the real source reported as unexpected.
  Args.mapEffect((text: string) => (text.startsWith("-") && text !== "-" ? Effect.fail(HelpDoc.p(`unknown flag ${text} (see --help)`)) : Effect.succeed(text))),
  Args.withDescription("A Looker json_detail export or a CSV export (with a header row); `-` reads stdin. Omit it with --look."),
  Args.optional,
);

export const hide = Options.text("hide").pipe(
  Options.withPseudoName("field"),
  Options.repeated,
  Options.withDescription(
    "Treat this field (a json_detail field name such as users.city, or a CSV column) as hidden in the Look's visualization: it is never mapped or sent (repeatable). With --look, the fields the Look itself hides are hidden too.",
  ),
);

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

export const positiveInteger = (name: string, description: string) =>
  Options.integer(name).pipe(
    Options.withPseudoName("N"),
    Options.mapEffect((n) => (n > 0 ? Effect.succeed(n) : Effect.fail(invalid(`--${name} must be a positive whole number, got ${n}`)))),
    Options.withDescription(description),
  );

export const wholeNumberUpTo = (name: string, max: number, description: string) =>
  Options.integer(name).pipe(
    Options.withPseudoName("N"),
    Options.mapEffect((n) => (n >= 0 && n <= max ? Effect.succeed(n) : Effect.fail(invalid(`--${name} must be a whole number from 0 to ${max}, got ${n}`)))),
    Options.withDescription(description),
  );

/** `--rate-limit "500 records/s, 20 requests/s"` or `off`; parsed by the engine, as `TAGWIRE_<ID>_RATE_LIMIT` is. */
export const rateLimit = Options.text("rate-limit").pipe(
  Options.withPseudoName("limit"),
  Options.mapEffect((text) =>
    Effect.try({ try: (): RateLimitSetting => parseRateLimit(text), catch: (e) => (e instanceof RateLimitSyntaxError ? invalid(`--rate-limit ${e.message}`) : invalid(String(e))) }),
  ),
  Options.withDescription(
    'Pacing for this send, e.g. "5000 records/s", "1000 requests/s", "500 records/s, 20 requests/s", or "off". Default: TAGWIRE_<CONNECTOR>_RATE_LIMIT, else the limit the connector declares (see `tagwire destinations`).',
  ),
);
