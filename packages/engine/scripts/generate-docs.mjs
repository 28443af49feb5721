#!/usr/bin/env node
// Writes docs/manifest.md from the meta-schema's descriptions, with an example for every key taken
// from the real manifests, so the reference cannot drift from what the loader enforces.
// `--check` fails (exit 1) when the committed file is stale.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { readManifests, repoDir, writeGenerated } from "./doc-helpers.mjs";

const schema = JSON.parse(await readFile(join(repoDir, "schemas/connector-manifest.schema.json"), "utf8"));

const manifests = (await readManifests()).map(({ id, manifest }) => ({ id, json: manifest }));

const defName = (ref) => ref.replace("#/definitions/", "");
// A key that describes a shared definition wraps its reference as `allOf: [{ $ref }]` (a bare `$ref` with a
// sibling description would make the type generator fork a copy of the type).
const refOf = (node) => node?.$ref ?? (node?.allOf?.length === 1 ? node.allOf[0].$ref : undefined);
const resolve = (node) => (refOf(node) ? schema.definitions[defName(refOf(node))] : node);

/** First value seen for each (section, key), walking every manifest along the schema. */
const examples = new Map();
function walk(node, value, section, source) {
  const target = resolve(node);
  if (!target || value === undefined) return;
  const name = refOf(node) ? defName(refOf(node)) : section;
  if (target.properties && value && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, sub] of Object.entries(target.properties)) {
      if (value[key] === undefined) continue;
      const k = `${name}.${key}`;
      if (!examples.has(k)) examples.set(k, { value: value[key], source });
      walk(sub, value[key], `${name}.${key}`, source);
    }
  }
  if (target.items && Array.isArray(value)) for (const item of value) walk(target.items, item, section, source);
  if (target.additionalProperties && typeof target.additionalProperties === "object" && value && typeof value === "object" && !target.properties) {
    for (const v of Object.values(value)) walk(target.additionalProperties, v, section, source);
  }
  if (target.else && typeof value === "object") walk(target.else, value, section, source);
  const variant = variantOf(target, value);
  if (variant) walk(variant, value, section, source);
}

/** The `oneOf` branch of a tagged union (`discriminator`) that a value's tag picks. */
function variantOf(node, value) {
  const tag = node.discriminator?.propertyName;
  if (!tag || !value || typeof value !== "object") return undefined;
  return node.oneOf.find((branch) => resolve(branch)?.properties?.[tag]?.const === value[tag]);
}
for (const m of manifests) walk(schema, m.json, "Manifest", m.id);

function typeOf(node) {
  if (!node) return "";
  if (refOf(node)) return `[${defName(refOf(node))}](#${defName(refOf(node)).toLowerCase()})`;
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  if (node.enum) return node.enum.map((v) => `\`${JSON.stringify(v)}\``).join(" \\| ");
  if (node.tsType) return `\`${node.tsType.replace(/\|/g, "\\|")}\``; // escaped: a bare `|` would split the table cell
  if (node.type === "array") return `array of ${typeOf(node.items)}`;
  if (node.type === "object" && node.additionalProperties && typeof node.additionalProperties === "object") return `map of ${typeOf(node.additionalProperties) || "object"}`;
  return Array.isArray(node.type) ? node.type.join(" \\| ") : (node.type ?? "");
}

function example(section, key) {
  const e = examples.get(`${section}.${key}`);
  if (!e) return "";
  let text = JSON.stringify(e.value);
  if (text.length > 90) text = `${text.slice(0, 87)}…`;
  return `\`${text.replace(/\|/g, "\\|")}\` (${e.source})`;
}

function rules(node) {
  const parts = [];
  for (const k of ["pattern", "minLength", "minItems", "minimum", "maximum", "exclusiveMinimum", "default"]) {
    if (node[k] !== undefined) parts.push(`${k} ${JSON.stringify(node[k])}`);
  }
  if (node.uniqueItems) parts.push("unique items");
  if (node.format) parts.push(`format ${node.format}`);
  return parts.join("; ");
}

function table(section, node) {
  const required = new Set(node.required ?? []);
  const rows = Object.entries(node.properties ?? {}).map(([key, sub]) => {
    const r = resolve(sub);
    const desc = (sub.description ?? (refOf(sub) ? "" : r?.description) ?? "").replace(/\n/g, " ").replace(/\|/g, "\\|");
    return `| \`${key}\` | ${required.has(key) ? "yes" : ""} | ${typeOf(sub)} | ${desc} | ${rules(sub).replace(/\|/g, "\\|")} | ${example(section, key)} |`;
  });
  return ["| key | required | type | meaning | rules | example |", "|---|---|---|---|---|---|", ...rows].join("\n");
}

function constraints(node) {
  const notes = [];
  if (node.minProperties !== undefined && node.minProperties === node.maxProperties) {
    const msg = node.errorMessage?.minProperties;
    notes.push(msg ? `Exactly: ${msg}.` : `Exactly ${node.minProperties} key(s).`);
  }
  if (node.if && node.errorMessage) {
    const msg = typeof node.errorMessage === "string" ? node.errorMessage : node.errorMessage.if ?? node.then?.errorMessage;
    if (msg) notes.push(`Rule: ${msg}.`);
  }
  if (node.if && node.then?.errorMessage) notes.push(`Rule: ${node.then.errorMessage}.`);
  if (node.if && node.else?.errorMessage) notes.push(`Rule: ${node.else.errorMessage}.`);
  if (node.dependencies) for (const [k, v] of Object.entries(node.dependencies)) notes.push(`\`${k}\` requires ${v.map((x) => `\`${x}\``).join(", ")}.`);
  return [...new Set(notes)].join(" ");
}

const sections = [
  "<!-- GENERATED FILE: do not edit by hand. Source: schemas/connector-manifest.schema.json and connectors/*/manifest.json. Regenerate with `npm run generate`. -->",
  "# Connector manifest reference",
  "",
  `${schema.description} A manifest lives at \`connectors/<id>/manifest.json\`; the engine validates it against \`schemas/connector-manifest.schema.json\` when it loads, then checks the cross-field rules listed in [adding-a-destination.md](adding-a-destination.md). Every key is listed below with its rules and an example from a real manifest.`,
  "",
  "## Manifest (top level)",
  "",
  table("Manifest", schema),
];
for (const [name, node] of Object.entries(schema.definitions)) {
  if (node.discriminator) {
    const tag = node.discriminator.propertyName;
    const variants = node.oneOf.map((branch) => `- \`"${tag}": ${JSON.stringify(resolve(branch).properties[tag].const)}\`: ${typeOf(branch)}`);
    sections.push("", `## ${name}`, "", node.description ?? "", "", `One of these, by \`${tag}\`:`, "", ...variants);
    continue;
  }
  if (!node.properties) continue;
  sections.push("", `## ${name}`, "", node.description ?? "", constraints(node), "", table(name, node));
}
const text = `${sections.join("\n").replace(/\n{3,}/g, "\n\n")}\n`;
await writeGenerated("docs/manifest.md", text);
