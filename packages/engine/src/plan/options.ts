import { isLongerThan, lengthIn } from "../transform/text-length.js";
import type { Action, ConnectorManifest } from "../generated/manifest.js";
import type { Diagnostic } from "./types.js";
import { holds, describeCondition } from "./condition.js";
import { closest } from "./did-you-mean.js";

/** Defaults, then the given values, then the action's fixed values; every value checked against its option. */
export function resolveOptions(
  manifest: ConnectorManifest,
  action: Action | undefined,
  given: Readonly<Record<string, string | undefined>>,
): { values: Record<string, string>; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const values: Record<string, string> = {};
  const fixed = action?.fixedOptions ?? {};
  const names = manifest.options.map((o) => o.name);
  // Options given a value that was refused: already reported, so not "missing" too.
  const refused = new Set<string>();
  for (const o of manifest.options) if (o.default !== undefined) values[o.name] = o.default;

  for (const [name, raw] of Object.entries(given)) {
    if (raw === undefined || raw === "") continue;
    const option = manifest.options.find((o) => o.name === name);
    if (option === undefined) {
      const guess = closest(name, names);
      diagnostics.push({
        severity: "error", code: "unknown-option", rule: `option ${name}`, subject: { kind: "option", name },
        message: `\`${name}\` is not an option of ${manifest.label}.${guess ? ` Did you mean \`${guess}\`?` : ""}`,
        hint: names.length > 0 ? `Options: ${names.join(", ")}.` : `${manifest.label} takes no options.`,
      });
      continue;
    }
    const fixedValue = fixed[name];
    if (fixedValue !== undefined && fixedValue !== raw) {
      diagnostics.push({
        severity: "error", code: "option-fixed", rule: `option ${name}`, subject: { kind: "option", name },
        message: `action \`${action?.name}\` sends \`${name}\` = \`${fixedValue}\`; \`${raw}\` cannot be chosen here.`,
      });
      refused.add(name);
      continue;
    }
    const choices = option.choices?.map((c) => c.value);
    if (option.type === "select" && choices && !choices.includes(raw)) {
      // People often type the label the form showed them ("Events") rather than its value.
      const byLabel = closest(raw, option.choices!.map((c) => c.label));
      const guess = closest(raw, choices) ?? option.choices!.find((c) => c.label === byLabel)?.value;
      diagnostics.push({
        severity: "error", code: "invalid-option", rule: `option ${name}`, subject: { kind: "option", name },
        message: `\`${raw}\` is not a choice of \`${name}\`.${guess ? ` Did you mean \`${guess}\`?` : ""}`,
        hint: `Choices: ${choices.join(", ")}.`,
      });
      refused.add(name);
      continue;
    }
    if (option.maxLength !== undefined && isLongerThan(raw, option.maxLength, "codePoints")) {
      diagnostics.push({
        severity: "error", code: "invalid-option", rule: `option ${name}`, subject: { kind: "option", name },
        message: `\`${name}\` is ${lengthIn(raw, "codePoints")} characters long; at most ${option.maxLength} are accepted.`,
      });
      refused.add(name);
      continue;
    }
    values[name] = raw;
  }
  Object.assign(values, fixed);

  for (const o of manifest.options) {
    if (values[o.name] !== undefined || refused.has(o.name)) continue;
    const needed = o.required === true || (o.requiredWhen !== undefined && holds(o.requiredWhen, values));
    if (!needed) continue;
    diagnostics.push({
      severity: "error", code: "missing-option", rule: `option ${o.name}`, subject: { kind: "option", name: o.name },
      message: `option \`${o.name}\` (${o.label}) is required${o.requiredWhen ? ` when ${describeCondition(o.requiredWhen)}` : ""}.`,
      hint: o.description,
    });
  }
  return { values, diagnostics };
}
