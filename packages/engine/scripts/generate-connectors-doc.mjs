#!/usr/bin/env node
// Writes docs/connectors.md from connectors/*/manifest.json: for each connector its actions,
// settings, options, tags, requirements, wire facts and downstream table, so the page people read
// to tag their LookML cannot drift from what the engine does. `--check` fails (exit 1) when the
// committed file is stale.
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { readManifests, writeGenerated } from "./doc-helpers.mjs";

const connectors = [];
for (const { id, dir, manifest } of await readManifests()) {
  const table = manifest.downstreams ? JSON.parse(await readFile(join(dir, manifest.downstreams.file), "utf8")) : undefined;
  connectors.push({ id, manifest, table, readme: existsSync(join(dir, "README.md")) });
}

const cell = (text) => String(text ?? "").replace(/\|/g, "\\|").replace(/\n/g, " ");
const code = (text) => `\`${text}\``;
const list = (items) => items.map(code).join(", ");
const when = (c) => (c === undefined ? "" : `${code(c.option)} is ${c.equals !== undefined ? code(c.equals) : c.in.map(code).join(" or ")}`);
const tableOf = (head, rows) => (rows.length === 0 ? ["(none)"] : [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)]);
const requires = (r) => (r.anyOf !== undefined ? `one of ${list(r.anyOf)}` : `all of ${list(r.allOf)}`);

/** Every tag a column rule selects, with the rules that take it, in manifest order. */
function tagRules(m) {
  const byTag = new Map();
  for (const rule of m.columns) {
    const tags = rule.select.tag !== undefined ? [rule.select.tag] : Object.keys(rule.select.tags ?? {});
    for (const tag of tags) {
      const where = rule.select.tags !== undefined ? [rule.target, rule.select.tags[tag]].filter(Boolean).join(".") : rule.key !== undefined ? `${rule.target ? `${rule.target}.` : ""}<${rule.key.from === "option" ? "name" : rule.key.from}>` : rule.target;
      byTag.set(tag, [...(byTag.get(tag) ?? []), `${code(where.replace(/\[\]/g, ""))}${rule.when ? ` when ${when(rule.when)}` : ""}`]);
    }
  }
  return byTag;
}

function restRules(m) {
  return m.columns
    .filter((r) => r.select.rest === true)
    .map((r) => `${r.target ? code(r.target.replace(/\[\]/g, "")) : "top-level keys"}${r.when ? ` when ${when(r.when)}` : ""}`);
}

function authText(auth) {
  switch (auth.scheme) {
    case "basic":
      return `HTTP Basic: user name from setting ${code(auth.username)}, password ${auth.password ? `from setting ${code(auth.password)}` : "empty"}`;
    case "bearer":
      return `\`Authorization: Bearer\` with setting ${code(auth.token)}`;
    case "body":
      return `setting ${code(auth.token)} sent as body field ${code(auth.field)} of every request (no Authorization header)`;
  }
}

/** The engine's rate-limit syntax (`--rate-limit`), so the page shows what people would type. */
/** Where a connector's answers name refused records, in a sentence. */
function refusedText(r) {
  const lists = r.lists.map((l) => `${code(l.key)} (${l.names === "objects" ? `each entry's ${code(l.indexField)} is the record's index, ${code(l.messageField)} the message` : l.names === "indices" ? "record indices" : "field name to record indices"})`).join(", ");
  const rest = r.answer === "success" ? "a 2xx answer lists them; the other records were taken" : "a 400 lists them and takes none of the request; the other records are sent again without them";
  return `${rest}: ${lists}. Their rows are rejected with the API's message.`;
}

function rateText(limit) {
  if (limit === undefined) return "no published limit declared, so requests are held only while a 429's `Retry-After` runs";
  const parts = [];
  if (limit.recordsPerSecond !== undefined) parts.push(`${limit.recordsPerSecond} records/s`);
  if (limit.requestsPerSecond !== undefined) parts.push(`${limit.requestsPerSecond} requests/s`);
  return `at most \`${parts.join(", ")}\`, bursts of one second's worth`;
}

function section({ id, manifest: m, table, readme }) {
  const w = m.wire;
  const lines = [`## ${m.label} (\`${id}\`)`, "", m.description, ""];
  const links = [];
  if (m.docsUrl) links.push(`API documentation: ${m.docsUrl}`);
  if (readme) links.push(`notes: [connectors/${id}/README.md](../connectors/${id}/README.md)`);
  if (links.length > 0) lines.push(`${links.join(" · ")}`, "");

  lines.push("### Actions", "", ...tableOf(["action", "label", "fixed options", "form asks for"], m.actions.map((a) => [code(a.name), a.label, Object.entries(a.fixedOptions ?? {}).map(([k, v]) => `${k}=${v}`).join(", "), a.form.map(code).join(", ")])), "");
  lines.push("### Settings", "", ...tableOf(["setting", "label", "required", "secret", "default", "choices", "meaning"], m.settings.map((s) => [code(s.name), s.label, s.required !== false && s.default === undefined ? "yes" : "", s.sensitive !== false ? "yes" : "", s.default ?? "", (s.choices ?? []).map((c) => c.value).join(", "), s.description])), "");
  lines.push("### Options", "", ...tableOf(["option", "label", "values", "default", "required", "meaning"], m.options.map((o) => [code(o.name), o.label, o.type === "select" ? o.choices.map((c) => c.value).join(", ") : `text${o.maxLength ? ` (at most ${o.maxLength} characters)` : ""}`, o.default ?? "", o.required ? "yes" : o.requiredWhen ? `when ${when(o.requiredWhen)}` : "", o.description])), "");

  const byTag = tagRules(m);
  const descriptions = m.tags.descriptions ?? {};
  lines.push("### Tags", "", `Tag family: ${list(m.tags.families)} (a misspelt tag of the family gets a did-you-mean warning).`, "");
  lines.push(...tableOf(["tag", "goes to", "meaning"], [...byTag.entries()].map(([tag, where]) => [code(tag), where.join("; "), descriptions[tag] ?? "(no description)"])), "");
  const rest = restRules(m);
  lines.push(rest.length > 0 ? `Untagged visible columns go to ${rest.join("; ")}.` : "Untagged columns are not sent.", "");

  lines.push("### Requirements", "", ...tableOf(["requirement", "every record needs", "paths", "applies"], m.requirements.map((r) => [code(r.id), r.description, requires(r), r.when ? `when ${when(r.when)}` : "always"])), "");

  const urls = w.baseUrl.by ? Object.entries(w.baseUrl.values).map(([k, v]) => (k === v ? v : `${code(k)}: ${v}`)).join("; ") : w.baseUrl.default;
  const by = w.baseUrl.by ? ` (by ${w.baseUrl.by.setting ? "setting" : "option"} ${code(w.baseUrl.by.setting ?? w.baseUrl.by.option)}; default ${w.baseUrl.default})` : "";
  lines.push("### Wire", "");
  lines.push(`- Request: \`POST ${w.path}\` on ${urls}${by}; override with \`TAGWIRE_${id.toUpperCase()}_URL\`.`);
  lines.push(`- Auth: ${authText(w.auth)}.`);
  lines.push(`- Body: ${w.envelope.kind === "array" ? "a JSON array of records" : `an object whose ${code(w.envelope.itemsKey)} holds the records`}${w.envelope.sentAtField ? `, with ${code(w.envelope.sentAtField)} set to the time of each request` : ""}. Record schema: \`${w.recordSchema.replace(/^(\.\.\/)+/, "")}\`.`);
  lines.push(`- Limits: ${w.limits.maxRecordsPerRequest.toLocaleString("en-US")} records and ${w.limits.maxRequestBytes.toLocaleString("en-US")} bytes per request; a record over ${w.limits.maxRecordBytes.toLocaleString("en-US")} bytes is rejected.`);
  lines.push(`- Deduplication: ${w.dedupField ? `${code(w.dedupField)} carries a deterministic id per run and row.` : `none. ${w.noDedupReason}`}`);
  lines.push(`- Requests in flight: ${w.concurrency ?? 4}.`);
  if (w.refusedRecords) lines.push(`- Records refused inside an answer: ${refusedText(w.refusedRecords)}`);
  lines.push(`- Error answers: ${(w.errorFields ?? []).length > 0 ? `${list(w.errorFields)} shown, with every value of the request and every credential taken out` : "no field declared safe to show"}; nothing else of an answer is quoted.`);
  if ((w.credentialsRefused ?? []).length > 0) lines.push(`- Credentials refused: ${w.credentialsRefused.map((c) => `HTTP ${c.status}${c.bodyPattern ? " whose body matches `" + c.bodyPattern + "`" : ""}`).join(", ")}. The first such answer stops the send; the rows left fail with that reason.`);
  lines.push(`- Pacing: ${rateText(w.rateLimit)}; override with \`--rate-limit\` or \`TAGWIRE_${id.toUpperCase()}_RATE_LIMIT\` (\`off\` turns pacing off).`);
  lines.push("");

  if (m.downstreams && table) {
    lines.push(`### ${m.downstreams.label[0].toUpperCase()}${m.downstreams.label.slice(1)}s`, "", `${table.rows.length} rows from \`${m.downstreams.file}\`: \`--to ${id}:<id>\` checks a row's identifiers too.`, "");
    lines.push(...tableOf(["id", "requires", "note"], table.rows.map((r) => [code(r.id), r.requires.map(requires).join("; "), r.note ?? ""])), "");
  }
  return lines;
}

const text = [
  "<!-- GENERATED FILE: do not edit by hand. Source: connectors/*/manifest.json. Regenerate with `npm run generate`. -->",
  "# Connectors",
  "",
  "Every destination tagwire sends to, as its manifest declares it: the Looker actions, settings and options, the LookML tags it reads and where each goes, what every record needs, and how records travel. [manifest.md](manifest.md) explains the manifest language; [adding-a-destination.md](adding-a-destination.md) how to add a connector.",
  "",
  ...connectors.map((c) => `- [${c.manifest.label}](#${c.manifest.label.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-${c.id}) (\`${c.id}\`): ${c.manifest.actions.map((a) => code(a.name)).join(", ")}`),
  "",
  ...connectors.flatMap((c) => section(c)),
]
  .join("\n")
  .replace(/\n{3,}/g, "\n\n")
  .replace(/\n*$/, "\n");

await writeGenerated("docs/connectors.md", text);
