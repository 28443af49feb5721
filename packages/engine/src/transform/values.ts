import type { ValueRule } from "../generated/manifest.js";
import { isLongerThan, isShorterThan, lengthIn, truncateTo, unitName } from "./text-length.js";

/** A value the API would not accept, and what the rule says to do about it. */
export class Violation {
  constructor(
    readonly action: "reject" | "drop",
    /** Stable description without the value, for grouping. */
    readonly kind: string,
    /** The description with the value, for examples. */
    readonly detail: string,
  ) {}
}

/** Returns the value to send (coerced or truncated) or a Violation. Compiled once per column. */
export type ValueCheck = (value: unknown) => unknown;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const WHOLE = /^-?\d+$/;
/** Looker's yes/no and the usual spellings of true and false, lowercased. */
const BOOLEAN_TEXT: ReadonlyMap<string, boolean> = new Map([
  ["yes", true], ["no", false], ["true", true], ["false", false], ["1", true], ["0", false],
]);

/** Case-insensitive lookups of a list of strings: the lowercased text to the list's spelling. */
function byLowerCase(values: ReadonlyArray<string>): Map<string, string> {
  return new Map(values.map((v) => [v.toLowerCase(), v]));
}

export function show(value: unknown): string {
  let text: string;
  if (typeof value === "number") text = String(value); // NaN and Infinity by name, not as JSON's null
  else {
    try {
      text = typeof value === "string" ? JSON.stringify(value) : String(JSON.stringify(value) ?? value);
    } catch {
      // Nested too deep to stringify: a row value must not end the run.
      text = Array.isArray(value) ? "[…]" : "{…}";
    }
  }
  return isLongerThan(text, 60, "codePoints") ? `${truncateTo(text, 57, "codePoints")}…` : text;
}

export function compileValueCheck(rule: ValueRule): ValueCheck {
  const types = new Set(rule.types ?? ["string", "number", "boolean"]);
  const onInvalid = rule.onInvalid ?? "reject";
  const onTooLong = rule.onTooLong ?? "reject";
  const allowed = rule.enum ? new Set(rule.enum) : undefined;
  const allowedAnyCase = rule.enum && rule.ignoreCase ? byLowerCase(rule.enum) : undefined;
  // Placeholders are refused in any case and with spaces around them: `NULL` is `null`.
  const refused = rule.notIn ? byLowerCase(rule.notIn.map((v) => v.trim())) : undefined;
  const max = rule.maxLength;
  const min = rule.minLength;
  const unit = rule.lengthUnit ?? "codePoints";
  const units = unitName(unit);
  const typeList = [...types].join(", ");

  const coerce = (v: unknown): unknown => {
    if (rule.coerce === "string" && (typeof v === "number" || typeof v === "boolean")) return String(v);
    if (rule.coerce === "integer" && typeof v === "string" && WHOLE.test(v.trim())) {
      const n = Number(v.trim());
      if (Number.isSafeInteger(n)) return n;
      // As a number it would be rounded: the Look reader keeps such integers as their digits.
      if (!types.has("string")) return new Violation(onInvalid, "is a whole number beyond 2^53 - 1, which cannot be sent exactly", `${show(v)} is a whole number beyond 2^53 - 1 (9007199254740991), which cannot be sent exactly`);
    }
    if (rule.coerce === "boolean") {
      if (typeof v === "string") return BOOLEAN_TEXT.get(v.trim().toLowerCase()) ?? v;
      if (v === 1 || v === 0) return v === 1;
    }
    return v;
  };

  const checkText = (v: string): unknown => {
    if (!types.has("string")) return new Violation(onInvalid, `is not ${describe(typeList)}`, `${show(v)} is not ${describe(typeList)}`);
    if (refused?.has(v.trim().toLowerCase())) return new Violation(onInvalid, "is a value the API refuses", `${show(v)} is a value the API refuses`);
    if (allowed !== undefined) {
      // With `ignoreCase`, the value is sent in the enum's own spelling.
      const canonical = allowedAnyCase !== undefined ? allowedAnyCase.get(v.toLowerCase()) : allowed.has(v) ? v : undefined;
      if (canonical === undefined) return new Violation(onInvalid, `is not one of ${rule.enum!.join(", ")}`, `${show(v)} is not one of ${rule.enum!.join(", ")}`);
      v = canonical;
    }
    if (rule.format === "uuid" && !UUID.test(v)) return new Violation(onInvalid, "is not a UUID", `${show(v)} is not a UUID`);
    if (min !== undefined && isShorterThan(v, min, unit)) {
      return new Violation(onInvalid, `is shorter than ${min} ${units}`, `${show(v)} is ${lengthIn(v, unit)} ${units} long; at least ${min} are needed`);
    }
    if (max !== undefined && isLongerThan(v, max, unit)) {
      if (onTooLong === "truncate") return truncateTo(v, max, unit);
      return new Violation(onTooLong === "drop" ? "drop" : "reject", `is longer than ${max} ${units}`, `is ${lengthIn(v, unit)} ${units} long; at most ${max} are accepted`);
    }
    return v;
  };

  const scalar = (v: unknown): unknown => {
    v = coerce(v);
    if (v instanceof Violation) return v;
    switch (typeof v) {
      case "string":
        return checkText(v);
      case "number":
        if (types.has("number") && Number.isFinite(v)) return v;
        if (types.has("integer") && Number.isSafeInteger(v)) return v;
        return new Violation(onInvalid, `is not ${describe(typeList)}`, `${show(v)} is not ${describe(typeList)}`);
      case "boolean":
        if (types.has("boolean")) return v;
        return new Violation(onInvalid, `is not ${describe(typeList)}`, `${show(v)} is not ${describe(typeList)}`);
      default:
        return new Violation(onInvalid, "is an object, not a single value", `${show(v)} is an object, not a single value`);
    }
  };

  return (value) => {
    if (!Array.isArray(value)) return scalar(value);
    if (!rule.arrays) return new Violation(onInvalid, "is a list, which is not accepted here", `${show(value)} is a list, which is not accepted here`);
    const out: unknown[] = [];
    for (const item of value) {
      if (item === null || item === undefined) continue;
      const checked = scalar(item);
      if (checked instanceof Violation) return checked;
      out.push(checked);
    }
    return out;
  };
}

function describe(typeList: string): string {
  return `a ${typeList.replace("integer", "whole number").replace(/, ([^,]*)$/, " or $1")}`;
}
