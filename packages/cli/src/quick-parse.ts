// Reads a command's words against its flag declarations (flag-spec.ts) without @effect/cli, for the
// quick commands (quick.ts). It takes only the plain forms, where @effect/cli reads the same values:
// each flag by its exact name, `--name value` or `--name=value`, a value that does not start with `-`,
// a non-repeated flag at most once, at most one positional argument (`-` only as the last word).
// Anything else (a typo, an alias, `--`, a missing or invalid value, a built-in flag such as
// --version) gives undefined, and the full CLI parses the line: every usage error comes from
// @effect/cli, worded as it always was.
import * as Option from "effect/Option";
import { parseGiven, type FlagSpec, type Specs, type ValuesOf } from "./flag-spec.js";

// After a switch, @effect/cli takes one of these words as its value (`--rows false`).
const BOOLEAN_WORDS = new Set(["true", "1", "y", "yes", "on", "false", "0", "n", "no", "off"]);

const plainValue = (word: string | undefined): word is string => word !== undefined && word !== "" && !word.startsWith("-") && word.trim() === word;

/** The values `specs` give for `words` (what follows the command's name), or undefined to leave the line to @effect/cli. */
export function parseQuick<S extends Specs>(specs: S, words: ReadonlyArray<string>): ValuesOf<S> | undefined {
  const byName = new Map<string, [key: string, spec: FlagSpec<unknown>]>();
  for (const [key, spec] of Object.entries(specs)) if (spec.kind === "flag") byName.set(spec.name, [key, spec]);
  const given = new Map<string, string[]>();
  const positional: string[] = [];

  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === "-" || !word.startsWith("-")) {
      // @effect/cli reads no flag after a bare `-` (stdin): every word after it is an argument.
      if ((word === "-" && i < words.length - 1) || word.trim() !== word || word === "") return undefined;
      positional.push(word);
      continue;
    }
    if (!word.startsWith("--")) return undefined;
    const at = word.indexOf("=");
    const found = byName.get(at < 0 ? word.slice(2) : word.slice(2, at));
    if (found === undefined) return undefined;
    const [key, spec] = found;
    const values = given.get(key) ?? [];
    if (values.length > 0 && spec.times !== "repeated") return undefined;
    // @effect/cli takes `--name=value` for a flag given once, not for a repeatable one.
    if (at >= 0 && spec.times === "repeated") return undefined;
    if (spec.type === "boolean") {
      if (at >= 0 || BOOLEAN_WORDS.has(words[i + 1]?.toLowerCase() ?? "")) return undefined;
      values.push("true");
    } else {
      const value = at < 0 ? words[++i] : word.slice(at + 1);
      if (!plainValue(value)) return undefined;
      if (spec.type === "choice" && !(spec.choices ?? []).includes(value)) return undefined;
      values.push(value);
    }
    given.set(key, values);
  }

  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const values = given.get(key) ?? [];
    let value: unknown;
    if (spec.kind === "argument") {
      const text = positional.shift();
      if (text === undefined) value = Option.none();
      else {
        const result = parseGiven(spec, text);
        if (!result.ok) return undefined;
        value = Option.some(result.value);
      }
    } else if (spec.type === "boolean") value = values.length > 0;
    else if (spec.times === "optional") value = values.length > 0 ? Option.some(values[0]!) : Option.none();
    else if (spec.times === "repeated") value = values;
    else if (values.length === 0) return undefined;
    else value = values[0];
    if (spec.kind === "flag" && spec.type !== "boolean" && spec.times !== "optional") {
      const result = parseGiven(spec, value);
      if (!result.ok) return undefined;
      value = result.value;
    }
    out[key] = value;
  }
  return positional.length > 0 ? undefined : (out as ValuesOf<S>);
}
