// The flags as @effect/cli options. Flags shared by several commands are declared once, as data, in
// shared-flags.ts (see flag-spec.ts); the options here are made from those declarations.
import * as Args from "@effect/cli/Args";
import * as HelpDoc from "@effect/cli/HelpDoc";
import * as Options from "@effect/cli/Options";
import * as ValidationError from "@effect/cli/ValidationError";
import * as Effect from "effect/Effect";
import { parseRateLimit, RateLimitSyntaxError, type RateLimitSetting } from "@tagwire/engine";
import { parseGiven, type ArgumentSpec, type FlagSpec, type Spec, type Specs, type ValuesOf } from "./flag-spec.js";
import * as shared from "./shared-flags.js";

export { parseTarget, splitPair, type SourceFlags, type Target, type TargetFlags } from "./shared-flags.js";

const invalid = (message: string) => ValidationError.invalidValue(HelpDoc.p(message));

/** The @effect/cli option a declaration describes. */
export function toOption<A>(spec: FlagSpec<A>): Options.Options<A> {
  let option: Options.Options<unknown> = spec.type === "boolean" ? Options.boolean(spec.name) : spec.type === "choice" ? Options.choice(spec.name, spec.choices ?? []) : Options.text(spec.name);
  if (spec.pseudoName !== undefined) option = Options.withPseudoName(option, spec.pseudoName);
  if (spec.times === "optional") option = Options.optional(option);
  if (spec.times === "repeated") option = Options.repeated(option);
  if (spec.parse !== undefined) {
    option = Options.mapEffect(option, (given) => {
      const result = parseGiven(spec, given);
      return result.ok ? Effect.succeed(result.value) : Effect.fail(invalid(result.message));
    });
  }
  return Options.withDescription(option, spec.description) as Options.Options<A>;
}

/** The @effect/cli argument a declaration describes. */
export function toArgs<A>(spec: ArgumentSpec<A>): Args.Args<A> {
  let args: Args.Args<string> = Args.text({ name: spec.name });
  if (spec.parse !== undefined) {
    const parse = spec.parse;
    args = Args.mapEffect(args, (given) => {
      const result = parse(given);
      return result.ok ? Effect.succeed(result.value) : Effect.fail(HelpDoc.p(result.message));
    });
  }
  return Args.optional(Args.withDescription(args, spec.description)) as Args.Args<A>;
}

const toConfig = <A>(spec: Spec<A>): Options.Options<A> | Args.Args<A> => (spec.kind === "flag" ? toOption(spec) : toArgs(spec));

/** A command's declarations as the config `Command.make` takes. */
export function optionsOf<S extends Specs>(specs: S): { readonly [K in keyof S]: Options.Options<ValuesOf<S>[K]> | Args.Args<ValuesOf<S>[K]> } {
  return Object.fromEntries(Object.entries(specs).map(([key, spec]) => [key, toConfig(spec)])) as never;
}

export const to = toOption(shared.to);
export const action = toOption(shared.action);
export const option = toOption(shared.option);
export const setting = toOption(shared.setting);
export const tag = toOption(shared.tag);
export const format = toOption(shared.format);
export const look = toOption(shared.look);
export const json = toOption(shared.json);
export const runId = toOption(shared.runId);
export const sync = toOption(shared.sync);
export const rows = toOption(shared.rows);
export const removed = toOption(shared.removed);

/** What makes a send a sync. */
export const syncFlags = { sync, rows, removed };
export const source = toArgs(shared.source);
export const hide = toOption(shared.hide);

/** Everything that says where the Look comes from. */
export const sourceFlags = { source, format, tag, look, hide };

/** Everything that says where the Look goes and how. */
export const targetFlags = { to, action, option };

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
