// What `tagwire destinations` prints, as a plain call: the command (destinations.ts) runs it as an
// effect, and quick.ts without effect's runtime.
import { baseUrlVariable, formatRateLimit, loadConnectors, rateLimitVariable, type Connector } from "@tagwire/engine/planning";
import { errorLine, InputError } from "../exit.js";
import type { ValuesOf } from "../flag-spec.js";
import { writeJson, writeLines } from "../output/write.js";
import { table } from "../output/table.js";
import { settingVariable } from "../settings.js";
import { json } from "../shared-flags.js";

export const destinationsFlags = { json };

type Requires = { readonly anyOf?: ReadonlyArray<string>; readonly allOf?: ReadonlyArray<string> };

/** `userId or anonymousId`, `userId and traits.email`. */
export const describeRequires = (r: Requires): string => (r.anyOf !== undefined ? r.anyOf.join(" or ") : (r.allOf ?? []).join(" and "));

/** Everything a user needs to target one connector, straight from its manifest. */
export function connectorSummary(c: Connector) {
  const m = c.manifest;
  return {
    id: c.id,
    label: m.label,
    description: m.description,
    ...(m.docsUrl !== undefined ? { docsUrl: m.docsUrl } : {}),
    actions: m.actions.map((a) => ({ name: a.name, label: a.label, ...(a.fixedOptions !== undefined ? { fixedOptions: a.fixedOptions } : {}) })),
    options: m.options.map((o) => ({
      name: o.name,
      label: o.label,
      description: o.description,
      ...(o.default !== undefined ? { default: o.default } : {}),
      ...(o.choices !== undefined ? { choices: o.choices.map((ch) => ch.value) } : {}),
      required: o.required === true,
      ...(o.requiredWhen !== undefined ? { requiredWhen: o.requiredWhen } : {}),
    })),
    settings: m.settings.map((s) => ({
      name: s.name,
      label: s.label,
      required: s.required !== false && s.default === undefined,
      sensitive: s.sensitive !== false,
      ...(s.default !== undefined ? { default: s.default } : {}),
      ...(s.choices !== undefined ? { choices: s.choices.map((ch) => ch.value) } : {}),
      variable: settingVariable(c.id, s.name),
    })),
    baseUrlVariable: baseUrlVariable(c.id),
    ...(m.wire.rateLimit !== undefined ? { rateLimit: formatRateLimit(m.wire.rateLimit) } : {}),
    rateLimitVariable: rateLimitVariable(c.id),
    requirements: m.requirements.map((r) => ({ id: r.id, description: r.description, requires: describeRequires(r), ...(r.when !== undefined ? { when: r.when } : {}) })),
    tags: m.tags.descriptions ?? {},
    downstreams:
      m.downstreams === undefined
        ? undefined
        : {
            label: m.downstreams.label ?? "downstream",
            items: c.downstreams.map((d) => ({ id: d.id, requires: d.requires.map(describeRequires), ...(d.note !== undefined ? { note: d.note } : {}) })),
          },
  };
}

function humanLines(c: ReturnType<typeof connectorSummary>): string[] {
  const lines = [`${c.id}  ${c.label}: ${c.description}`];
  lines.push(`  actions:  ${c.actions.map((a) => a.name).join(", ")}   (--action name)`);
  for (const o of c.options) {
    const values = o.choices !== undefined ? o.choices.join(" | ") : "text";
    const when = o.requiredWhen !== undefined ? `, required when ${o.requiredWhen.option} is ${o.requiredWhen.equals ?? o.requiredWhen.in?.join(" or ")}` : "";
    const required = o.required && o.default === undefined ? ", required" : "";
    lines.push(`  option    ${o.name} = ${values}${o.default !== undefined ? ` (default ${o.default})` : ""}${required}${when}`);
  }
  for (const s of c.settings) {
    lines.push(`  setting   ${s.name}: ${s.label}${s.required ? ", required" : ""}${s.default !== undefined ? `, default ${s.default}` : ""}  ($${s.variable} or --setting ${s.name}=...)`);
  }
  lines.push(`  base URL  override with $${c.baseUrlVariable}`);
  lines.push(`  pacing    ${c.rateLimit ?? "no declared limit"}  (override with $${c.rateLimitVariable} or --rate-limit)`);
  for (const r of c.requirements) lines.push(`  requires  ${r.description}: ${r.requires}${r.when ? ` (when ${r.when.option} is ${r.when.equals ?? r.when.in?.join(" or ")})` : ""}`);
  const tags = Object.entries(c.tags);
  if (tags.length > 0) {
    lines.push("  tags");
    lines.push(...table(undefined, tags, "    "));
  }
  if (c.downstreams !== undefined) {
    lines.push(`  ${c.downstreams.label}s (${c.downstreams.items.length}): --to ${c.id}:<id>[,<id>...]`);
    lines.push(
      ...table(
        ["id", "requires", "note"],
        c.downstreams.items.map((d) => [d.id, d.requires.join("; "), d.note ?? ""]),
        "    ",
      ),
    );
  }
  return lines;
}

/** Prints every connector from the manifests; a manifest that does not load is an InputError. */
export function listDestinations(flags: ValuesOf<typeof destinationsFlags>): void {
  let connectors: Connector[];
  try {
    // Listing checks no record: the wire schemas are compiled only when a record is checked.
    connectors = loadConnectors(undefined, { recordSchemas: "first-use" });
  } catch (e) {
    throw new InputError({ message: errorLine(e) });
  }
  const summaries = connectors.map(connectorSummary);
  if (flags.json) return writeJson({ connectors: summaries });
  writeLines(summaries.flatMap((s, i) => [...(i > 0 ? [""] : []), ...humanLines(s)]));
}
