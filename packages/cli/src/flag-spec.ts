// A command's flags declared as plain data, so that two readers share one declaration: flags.ts makes
// the @effect/cli options from them (the parser, the help, the usage errors), and quick-parse.ts reads
// the common command lines of the quick commands without loading @effect/cli (see quick.ts).
import type * as Option from "effect/Option";

/** A flag's value, or why what was given cannot be one (an invalid value, as @effect/cli reports it). */
export type Parsed<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly message: string };

export const parsed = <A>(value: A): Parsed<A> => ({ ok: true, value });
export const notParsed = (message: string): Parsed<never> => ({ ok: false, message });

interface Text {
  readonly pseudoName?: string;
  readonly description: string;
}

/** `--name`: a switch, a text or one of some choices, given once, at most once, or any number of times. */
export interface FlagSpec<A> extends Text {
  readonly kind: "flag";
  readonly name: string;
  readonly type: "boolean" | "text" | "choice";
  readonly choices?: ReadonlyArray<string>;
  readonly times: "once" | "optional" | "repeated";
  /** Checks and converts what was given (the text; the list of texts of a repeated flag). */
  readonly parse?: (given: never) => Parsed<A>;
  /** The value's type, for the declarations' users; never set. */
  readonly value?: A;
}

/** The command's one optional positional argument. */
export interface ArgumentSpec<A> {
  readonly kind: "argument";
  readonly name: string;
  readonly description: string;
  readonly times: "optional";
  readonly parse?: (given: string) => Parsed<string>;
  readonly value?: A;
}

export type Spec<A> = FlagSpec<A> | ArgumentSpec<A>;

/** A command's flags and argument by the key its handler reads them under. */
export type Specs = Readonly<Record<string, Spec<unknown>>>;

/** The values the handler receives for `specs`. */
export type ValuesOf<S extends Specs> = { readonly [K in keyof S]: S[K] extends Spec<infer A> ? A : never };

export const booleanFlag = (name: string, description: string): FlagSpec<boolean> => ({ kind: "flag", name, type: "boolean", times: "once", description });

export function textFlag(name: string, text: Text): FlagSpec<string>;
export function textFlag<A>(name: string, text: Text, parse: (given: string) => Parsed<A>): FlagSpec<A>;
export function textFlag<A>(name: string, text: Text, parse?: (given: string) => Parsed<A>): FlagSpec<A> {
  return { kind: "flag", name, type: "text", times: "once", ...text, ...(parse !== undefined ? { parse } : {}) };
}

export const optionalText = (name: string, text: Text): FlagSpec<Option.Option<string>> => ({ kind: "flag", name, type: "text", times: "optional", ...text });

export const optionalChoice = <C extends string>(name: string, choices: ReadonlyArray<C>, description: string): FlagSpec<Option.Option<C>> => ({
  kind: "flag",
  name,
  type: "choice",
  choices,
  times: "optional",
  description,
});

export function repeatedText(name: string, text: Text): FlagSpec<ReadonlyArray<string>>;
export function repeatedText<A>(name: string, text: Text, parse: (given: ReadonlyArray<string>) => Parsed<A>): FlagSpec<A>;
export function repeatedText<A>(name: string, text: Text, parse?: (given: ReadonlyArray<string>) => Parsed<A>): FlagSpec<A> {
  return { kind: "flag", name, type: "text", times: "repeated", ...text, ...(parse !== undefined ? { parse } : {}) };
}

export const optionalArgument = (name: string, description: string, parse?: (given: string) => Parsed<string>): ArgumentSpec<Option.Option<string>> => ({
  kind: "argument",
  name,
  description,
  times: "optional",
  ...(parse !== undefined ? { parse } : {}),
});

/** Runs a declaration's check on what was given; a declaration without one takes it as it is. */
export function parseGiven<A>(spec: Spec<A>, given: unknown): Parsed<A> {
  return spec.parse === undefined ? parsed(given as A) : (spec.parse as (given: unknown) => Parsed<A>)(given);
}
