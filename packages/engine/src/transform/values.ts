import type { ValueRule } from "../generated/manifest.js";

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
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

export function compileValueCheck(rule: ValueRule): ValueCheck {
  const types = new Set(rule.types ?? ["string", "number", "boolean"]);
  const onInvalid = rule.onInvalid ?? "reject";
  const onTooLong = rule.onTooLong ?? "reject";
  const allowed = rule.enum ? new Set(rule.enum) : undefined;
  const refused = rule.notIn ? new Set(rule.notIn) : undefined;
  const max = rule.maxLength;
  const min = rule.minLength;
  const typeList = [...types].join(", ");

  const coerce = (v: unknown): unknown => {
    if (rule.coerce === "string" && (typeof v === "number" || typeof v === "boolean")) return String(v);
    if (rule.coerce === "integer" && typeof v === "string" && WHOLE.test(v.trim())) {
      const n = Number(v.trim());
      if (Number.isSafeInteger(n)) return n;
      // As a number it would be rounded: the Look reader keeps such integers as their digits.
      if (!types.has("string")) return new Violation(onInvalid, "is a whole number beyond 2^53 - 1, which cannot be sent exactly", `${show(v)} is a whole number beyond 2^53 - 1 (9007199254740991), which cannot be sent exactly`);
    }
    return v;
  };

  const scalar = (v: unknown): unknown => {
    v = coerce(v);
    if (v instanceof Violation) return v;
    switch (typeof v) {
      case "string":
        if (!types.has("string")) return new Violation(onInvalid, `is not ${describe(typeList)}`, `${show(v)} is not ${describe(typeList)}`);
        if (refused?.has(v)) return new Violation(onInvalid, "is a value the API refuses", `${show(v)} is a value the API refuses`);
        if (allowed && !allowed.has(v)) return new Violation(onInvalid, `is not one of ${rule.enum!.join(", ")}`, `${show(v)} is not one of ${rule.enum!.join(", ")}`);
        if (rule.format === "uuid" && !UUID.test(v)) return new Violation(onInvalid, "is not a UUID", `${show(v)} is not a UUID`);
        if (min !== undefined && v.length < min) {
          return new Violation(onInvalid, `is shorter than ${min} characters`, `${show(v)} is ${v.length} characters long; at least ${min} are needed`);
        }
        if (max !== undefined && v.length > max) {
          if (onTooLong === "truncate") return v.slice(0, max);
          return new Violation(onTooLong === "drop" ? "drop" : "reject", `is longer than ${max} characters`, `is ${v.length} characters long; at most ${max} are accepted`);
        }
        return v;
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
