import type { ColumnRule, ConnectorManifest, KeyRule, Fill } from "../generated/manifest.js";
import type { Connector } from "../manifest/connector.js";
import { allowedKeys, knownTags, targetOf, valueRuleOf } from "../manifest/connector.js";
import { allFields, type LookField } from "../look/types.js";
import { compilePath, describeTarget, joinPath, parsePattern, plainPath, type CompiledPath } from "../transform/path.js";
import { isLongerThan, truncateTo, unitName } from "../transform/text-length.js";
import { compileProgram, type ColumnWriterSpec, type FillStep, type RecordCheck, type FillValue } from "../transform/program.js";
import type { ColumnPlan, Diagnostic, Plan, PlanInput, RequirementStatus } from "./types.js";
import { holds, describeCondition, type OptionValues } from "./condition.js";
import { resolveOptions } from "./options.js";
import { closest } from "./did-you-mean.js";
import { nearMisses, nearMissErrors, type NearMiss } from "./near-miss.js";
import { providersOf, describeProviders } from "./hints.js";
import { tagFixes, type TagFixes } from "./tag-fixes.js";

/** Look field metadata + manifest + options -> what each column becomes, and what is wrong. */
export function plan(connector: Connector, input: PlanInput): Plan {
  const m = connector.manifest;
  const diagnostics: Diagnostic[] = [];
  const action = input.action === undefined ? undefined : m.actions.find((a) => a.name === input.action);
  if (input.action !== undefined && action === undefined) {
    diagnostics.push({ severity: "error", code: "unknown-action", rule: "actions", subject: { kind: "actions" }, message: `\`${input.action}\` is not an action of ${m.label} (${m.actions.map((a) => a.name).join(", ")}).` });
  }
  const { values: options, diagnostics: optionProblems } = resolveOptions(m, action, input.options ?? {});
  diagnostics.push(...optionProblems);

  const fixes = tagFixes(input.tagSource);
  const columns = planColumns(connector, input, options, diagnostics, fixes);
  const mapped = columns.writers;
  const fills = compileFills(m, options, mapped);
  const provided = new Set([...mapped.map((w) => plainPath(w.path.text)), ...fills.provided]);
  const requirements: RequirementStatus[] = [];
  const checks = [
    ...requirementChecks(m, options, provided, mapped, diagnostics, requirements, fixes),
    ...downstreamChecks(connector, input.downstreams ?? [], options, provided, mapped, diagnostics, requirements, fixes),
  ];
  nearMissErrors(m, options, provided, columns.nearMissed, diagnostics, fixes);
  // A value of spaces alone identifies no one: a column that can meet a requirement treats it as empty.
  const identities = new Set(checks.flatMap((c) => c.columns));
  const writers = mapped.map((w) => (identities.has(w.describe) ? { ...w, blankIsEmpty: true } : w));
  return {
    connector,
    ...(action !== undefined ? { action } : {}),
    options,
    columns: columns.plans,
    diagnostics,
    requirements,
    ok: !diagnostics.some((d) => d.severity === "error"),
    program: compileProgram({ connectorId: connector.id, writers, fills: fills.steps, checks }, connector.validateRecord),
  };
}

function planColumns(connector: Connector, input: PlanInput, options: OptionValues, diagnostics: Diagnostic[], fixes: TagFixes) {
  const m = connector.manifest;
  const known = new Set(knownTags(m));
  const active = m.columns.filter((r) => holds(r.when, options));
  const byTag = new Map<string, ColumnRule>();
  for (const r of active) for (const t of tagsOf(r)) byTag.set(t, r);
  const restRule = active.find((r) => r.select.rest === true);
  const hidden = new Set(input.hiddenFields ?? []);
  const pivoted = input.fields.pivots.length > 0;
  const families = m.tags.families;

  const plans: ColumnPlan[] = [];
  const writers: ColumnWriterSpec[] = [];
  const takenBy = new Map<string, string>();
  const keysPerTarget = new Map<string, { rule: ColumnRule; count: number }>();
  const pivotWriters: ColumnWriterSpec[] = [];
  const misses = nearMisses(known);
  const nearMissed: NearMiss[] = [];

  for (const field of allFields(input.fields)) {
    const tags = field.tags ?? [];
    const label = field.label_short ?? field.label ?? field.name;
    const base = { column: field.name, label, tags };
    const ignore = (reason: string) => plans.push({ ...base, status: "ignored", reason });
    if (hidden.has(field.name)) {
      ignore("hidden in the visualization: never sent");
      continue;
    }
    // Another tool's prefix (`mp_email` where `email` is known) is a near miss only on a column
    // with no tag of this connector: a field may carry tags for several destinations.
    const hasKnownTag = tags.some((t) => known.has(t));
    let nearMiss: NearMiss | undefined;
    for (const t of tags) {
      if (known.has(t)) continue;
      const inFamily = families.some((f) => t.startsWith(f));
      const intended = misses.intended(t);
      const guess = intended !== undefined && (!intended.viaPrefix || !hasKnownTag) ? intended.tag : undefined;
      if (!inFamily && guess === undefined) continue;
      if (guess !== undefined) nearMiss ??= { column: field.name, tag: t, intended: guess, diagnostic: diagnostics.length };
      diagnostics.push({
        severity: "warning", code: "unknown-tag", rule: "tags", subject: { kind: "tags" }, column: field.name,
        message: `\`${t}\` is not a known ${m.label} tag${guess ? `: did you mean \`${guess}\`?` : "."}`,
        hint: guess ? fixes.retag(field.name, guess) : `Known tags: ${[...known].join(", ")}.`,
      });
    }
    const relevant = tags.filter((t) => known.has(t));
    const usable = relevant.filter((t) => byTag.has(t));
    let rule: ColumnRule | undefined;
    let tag: string | undefined;
    if (usable.length > 0) {
      tag = usable[0]!;
      rule = byTag.get(tag);
      if (usable.length > 1) {
        diagnostics.push({ severity: "warning", code: "several-tags", rule: "tags", subject: { kind: "tags" }, column: field.name, message: `has tags ${usable.map((t) => `\`${t}\``).join(", ")}; only \`${tag}\` is used.`, hint: "Keep one of these tags on the field." });
      }
    } else if (relevant.length > 0) {
      const t = relevant[0]!;
      const when = m.columns.find((r) => tagsOf(r).includes(t))?.when;
      const reason = `tag \`${t}\` applies only when ${when ? describeCondition(when) : "another option is chosen"}: not sent`;
      diagnostics.push({ severity: "warning", code: "inactive-tag", rule: "tags", subject: { kind: "tags" }, column: field.name, message: reason });
      ignore(reason);
      continue;
    } else if (nearMiss !== undefined) {
      // Meant for a known tag: not sent under another name as an untagged column.
      nearMissed.push(nearMiss);
      ignore(`tag \`${nearMiss.tag}\` looks like \`${nearMiss.intended}\`: not sent`);
      continue;
    } else if (tags.some((t) => families.some((f) => t.startsWith(f)))) {
      ignore("its tag is not known: not sent");
      continue;
    } else if (restRule !== undefined) {
      rule = restRule;
    } else {
      ignore("no tag: not sent");
      diagnostics.push({ severity: "info", code: "untagged", rule: "tags", subject: { kind: "tags" }, column: field.name, message: "has no tag this destination uses: not sent.", hint: `Tags: ${[...known].join(", ")}.` });
      continue;
    }
    const r = rule!;

    const key = keyFor(r, tag, field, options);
    if (key.key !== undefined && r.key !== undefined && !key.truncated) key.key = standardSpelling(m, options, plainPath(targetOf(r)), key.key);
    if (key.ignored !== undefined) {
      diagnostics.push({ severity: "warning", code: key.code!, rule: `column rule ${r.id}`, subject: { kind: "column-rule", id: r.id }, column: field.name, message: key.ignored, ...(key.hint ? { hint: key.hint } : {}) });
      ignore(key.ignored);
      continue;
    }
    if (key.truncated) {
      diagnostics.push({ severity: "warning", code: "key-truncated", rule: `column rule ${r.id}`, subject: { kind: "column-rule", id: r.id }, column: field.name, message: `key is longer than ${r.key?.maxLength} ${unitName(r.key?.lengthUnit ?? "codePoints")}: sent as \`${key.key}\`, as the API truncates it.` });
    }
    const valueRule = valueRuleOf(m, r, key.key);
    const isPivoted = pivoted && field.measure === true;
    const refused = isPivoted ? pivotRefusal(r, key.key) : undefined;
    if (refused !== undefined) {
      diagnostics.push({ severity: "error", code: "pivot-not-allowed", rule: `column rule ${r.id}`, subject: { kind: "column-rule", id: r.id }, column: field.name, message: refused, hint: "Remove the pivot, or send this measure from an unpivoted Look." });
      ignore(refused);
      continue;
    }
    const path = compilePath(targetOf(r), key.key);
    const other = takenBy.get(path.text);
    if (other !== undefined) {
      diagnostics.push({ severity: "error", code: "target-collision", rule: `column rule ${r.id}`, subject: { kind: "column-rule", id: r.id }, column: field.name, message: `columns \`${other}\` and \`${field.name}\` both map to \`${plainPath(path.text)}\`.`, hint: "Remove one of them from the Look, hide one in the visualization, or rename one." });
      ignore(`\`${other}\` already maps to ${plainPath(path.text)}`);
      continue;
    }
    if (r.key !== undefined && key.key !== undefined) {
      const refused = reservedKeyDiagnostics(m, options, plainPath(targetOf(r)), key.key, field.name, r, diagnostics);
      if (refused !== undefined) {
        ignore(refused);
        continue;
      }
    }
    takenBy.set(path.text, field.name);
    if (key.key !== undefined) {
      const target = plainPath(targetOf(r));
      const entry = keysPerTarget.get(target) ?? { rule: r, count: 0 };
      entry.count++;
      if (r.maxKeys !== undefined) entry.rule = r;
      keysPerTarget.set(target, entry);
    }
    const describe = tag !== undefined ? `\`${field.name}\` (${tag})` : `\`${field.name}\``;
    if (isPivoted) {
      const target = targetOf(r);
      const maxKeys = active.find((x) => plainPath(targetOf(x)) === plainPath(target) && x.maxKeys !== undefined)?.maxKeys;
      const keys = { baseKey: key.key!, lower: r.key?.case === "lower", lengthUnit: r.key?.lengthUnit ?? "codePoints", ...(r.key?.maxLength !== undefined ? { maxLength: r.key.maxLength } : {}) };
      // Written after the other columns, so a pivot value's key meets every other key of its object.
      pivotWriters.push({ column: field.name, describe, rule: r.id, path, value: valueRule, pivot: { target, keys, ...(maxKeys !== undefined ? { maxKeys } : {}) } });
      const named = `${plainPath(path.text)}_<pivot value>`;
      diagnostics.push({ severity: "info", code: "pivot-keys", rule: `column rule ${r.id}`, subject: { kind: "column-rule", id: r.id }, column: field.name, message: `pivoted measure: each pivot value is sent as its own key, \`${named}\`; the row total is not sent.` });
      plans.push({ ...base, status: "mapped", rule: r.id, target: named, pivoted: true });
      continue;
    }
    writers.push({ column: field.name, describe, rule: r.id, path, value: valueRule });
    plans.push({ ...base, status: "mapped", rule: r.id, target: plainPath(path.text) });
  }

  for (const [target, { rule, count }] of keysPerTarget) {
    if (rule.maxKeys !== undefined && count > rule.maxKeys) {
      diagnostics.push({ severity: "error", code: "too-many-keys", rule: `column rule ${rule.id}`, subject: { kind: "column-rule", id: rule.id }, message: `${count} columns map to ${describeTarget(target)}; ${connectorLabel(m)} accepts at most ${rule.maxKeys}.`, hint: "Remove columns from the Look or hide them in the visualization." });
    }
  }
  return { plans, writers: [...writers, ...pivotWriters], nearMissed };
}

/**
 * Why a pivoted measure cannot go where its rule sends it: it holds one value per pivot value, so
 * it needs a key per pivot value, which a fixed target (an identity, an event name) or a list of
 * allowed keys cannot give.
 */
function pivotRefusal(r: ColumnRule, key: string | undefined): string | undefined {
  const target = plainPath(targetOf(r));
  if (key === undefined || r.select.tags !== undefined) {
    const where = key === undefined ? target : joinPath(target, key);
    return `pivoted measure has one value per pivot value, and \`${where}\` takes a single value: not sent`;
  }
  if (r.key?.allowed !== undefined) return `pivoted measure would be sent under keys named after its pivot values, and ${describeTarget(target)} accepts only its own keys: not sent`;
  return undefined;
}

function tagsOf(r: ColumnRule): string[] {
  if (r.select.tag !== undefined) return [r.select.tag];
  return Object.keys(r.select.tags ?? {});
}

const connectorLabel = (m: ConnectorManifest) => m.label;

interface KeyOutcome {
  key?: string;
  truncated?: boolean;
  ignored?: string;
  code?: string;
  hint?: string;
}

function keyFor(r: ColumnRule, tag: string | undefined, field: LookField, options: OptionValues): KeyOutcome {
  if (r.select.tags !== undefined && tag !== undefined) return { key: r.select.tags[tag]! };
  const k = r.key;
  if (k === undefined) return {};
  let key = `${k.prefix ?? ""}${nameOf(k, field, options)}`;
  if (k.case === "lower") key = key.toLowerCase();
  const allowed = allowedKeys(k);
  if (allowed !== undefined && !allowed.includes(key)) {
    const guess = closest(key, allowed);
    return {
      ignored: `\`${key}\` is not a key the API accepts in ${describeTarget(plainPath(targetOf(r)))}: not sent`,
      code: "key-not-allowed",
      hint: `${guess ? `Did you mean \`${guess}\`? ` : ""}Name the dimension one of: ${allowed.join(", ")}.`,
    };
  }
  const unit = k.lengthUnit ?? "codePoints";
  if (k.maxLength !== undefined && isLongerThan(key, k.maxLength, unit)) return { key: truncateTo(key, k.maxLength, unit), truncated: true };
  return { key };
}

function nameOf(k: KeyRule, field: LookField, options: OptionValues): string {
  const from = k.from === "option" ? (options[k.option ?? ""] ?? "name") : k.from;
  switch (from) {
    case "label":
      return field.label_short ?? field.label ?? field.name;
    case "field":
      return field.name.includes(".") ? field.name.slice(field.name.indexOf(".") + 1) : field.name;
    default:
      return field.name;
  }
}

/**
 * A key that names one of the destination's standard fields (its reserved keys of severity `info`)
 * but for case and separators (`first name`, `Created At`) is written as the manifest spells it,
 * the first spelling listed, so that it fills that field; any other key is kept as it is.
 */
function standardSpelling(m: ConnectorManifest, options: OptionValues, target: string, key: string): string {
  const standard = reservedKeysAt(m, options, target).filter((r) => r.severity === "info");
  if (standard.some((r) => r.keys.includes(key))) return key;
  const loose = looseKey(key);
  for (const r of standard) {
    const spelled = r.keys.find((k) => looseKey(k) === loose);
    if (spelled !== undefined) return spelled;
  }
  return key;
}

/** A key without case or separators: `First Name`, `first_name` and `firstName` are one. */
const looseKey = (key: string): string => key.toLowerCase().replace(/[\s_-]+/g, "");

/** The manifest's reserved keys under `target` that hold with these options. */
const reservedKeysAt = (m: ConnectorManifest, options: OptionValues, target: string) =>
  (m.reservedKeys ?? []).filter((r) => plainPath(r.target ?? "") === target && holds(r.when, options));

/**
 * A key from the Look that the destination reserves gets the manifest's verdict: a note when the
 * column fills a standard field, a warning when the destination may read it otherwise, an error
 * when it reads it as something else. Returns why the column is not sent, for an error.
 */
function reservedKeyDiagnostics(m: ConnectorManifest, options: OptionValues, target: string, key: string, column: string, r: ColumnRule, diagnostics: Diagnostic[]): string | undefined {
  let refused: string | undefined;
  for (const reserved of reservedKeysAt(m, options, target)) {
    if (!reserved.keys.includes(key)) continue;
    const path = `\`${joinPath(target, key)}\``;
    const note = reserved.note !== undefined ? ` (${reserved.note})` : "";
    const hint = reserved.hint !== undefined ? { hint: reserved.hint } : {};
    const base = { rule: `column rule ${r.id}`, subject: { kind: "column-rule" as const, id: r.id }, column };
    switch (reserved.severity ?? "warning") {
      case "info":
        diagnostics.push({ ...base, severity: "info", code: "standard-key", message: `fills ${path}${note}.` });
        break;
      case "warning":
        diagnostics.push({ ...base, severity: "warning", code: "reserved-key", message: `${path} collides with a reserved key${note}.`, hint: reserved.hint ?? "If the column is meant for that purpose, tag it accordingly; otherwise rename it with a table calculation." });
        break;
      case "error":
        refused = `${path} is a key ${m.label} reserves: not sent`;
        diagnostics.push({ ...base, severity: "error", code: "reserved-key", message: `would write ${path}, a key ${m.label} reserves${note}: nothing can be sent while the column has this name.`, ...hint });
        break;
    }
  }
  return refused;
}

function compileFills(m: ConnectorManifest, options: OptionValues, writers: ReadonlyArray<ColumnWriterSpec>) {
  const steps: FillStep[] = [];
  const provided: string[] = [];
  const mappedPaths = new Set(writers.map((w) => plainPath(w.path.text)));
  for (const f of m.fills ?? []) {
    if (!holds(f.when, options)) continue;
    const value = fillValue(f, options);
    if (value === undefined) continue;
    if (value.kind !== "uuidOf" || mappedPaths.has(plainPath(value.path.text))) provided.push(plainPath(f.target));
    steps.push({ path: compilePath(f.target), value, unlessPresent: (f.unlessPresent ?? []).map((p) => compilePath(p)) });
  }
  return { steps, provided };
}

function fillValue(f: Fill, options: OptionValues): FillValue | undefined {
  if (f.value !== undefined) return { kind: "constant", value: f.value };
  const from = f.from!;
  if (from.option !== undefined) {
    const v = options[from.option];
    return v === undefined ? undefined : { kind: "constant", value: v };
  }
  if (from.run !== undefined) return { kind: from.run };
  return { kind: "uuidOf", path: compilePath(from.uuidOf!) };
}

/** Is a requirement pattern met by the paths the plan can fill? */
function isProvided(provided: ReadonlySet<string>, pattern: string): boolean {
  const { path, anyKey } = parsePattern(plainPath(pattern));
  if (!anyKey) return provided.has(path);
  for (const p of provided) if (p.startsWith(`${path}.`)) return true;
  return false;
}

function unmet(provided: ReadonlySet<string>, anyOf: ReadonlyArray<string> | undefined, allOf: ReadonlyArray<string> | undefined): string[] {
  const missing: string[] = [];
  if (anyOf !== undefined && !anyOf.some((p) => isProvided(provided, p))) missing.push(...anyOf);
  for (const p of allOf ?? []) if (!isProvided(provided, p)) missing.push(p);
  return missing;
}

/** Columns whose values could meet a requirement, named in row rejections. */
function columnsFor(writers: ReadonlyArray<ColumnWriterSpec>, patterns: ReadonlyArray<string>, m: ConnectorManifest): string[] {
  const sources = new Set(patterns.map((p) => plainPath(p)));
  for (const f of m.fills ?? []) if (f.from?.uuidOf !== undefined && sources.has(plainPath(f.target))) sources.add(plainPath(f.from.uuidOf));
  return writers
    .filter((w) => [...sources].some((s) => isProvided(new Set([plainPath(w.path.text)]), s)))
    .map((w) => w.describe);
}

function compileCheck(rule: string, description: string, anyOf: ReadonlyArray<string> | undefined, allOf: ReadonlyArray<string> | undefined, writers: ReadonlyArray<ColumnWriterSpec>, m: ConnectorManifest, onFail: "reject" | "warn"): RecordCheck {
  const toPath = (p: string) => compilePath(parsePattern(p).path);
  return {
    rule, description, onFail,
    anyOf: (anyOf ?? []).map(toPath),
    allOf: (allOf ?? []).map(toPath),
    columns: columnsFor(writers, [...(anyOf ?? []), ...(allOf ?? [])], m),
  };
}

function requirementChecks(m: ConnectorManifest, options: OptionValues, provided: ReadonlySet<string>, writers: ReadonlyArray<ColumnWriterSpec>, diagnostics: Diagnostic[], statuses: RequirementStatus[], fixes: TagFixes): RecordCheck[] {
  const checks: RecordCheck[] = [];
  for (const r of m.requirements) {
    if (!holds(r.when, options)) continue;
    const missing = unmet(provided, r.anyOf, r.allOf);
    statuses.push({ rule: `requirement ${r.id}`, description: r.description, met: missing.length === 0 });
    if (missing.length > 0) {
      const how = missing.map((p) => describeProviders(providersOf(m, options, p), fixes));
      diagnostics.push({
        severity: "error", code: "missing-requirement", rule: `requirement ${r.id}`, subject: { kind: "requirement", id: r.id },
        message: `no column provides the ${r.description}${r.anyOf ? ` (one of ${r.anyOf.join(", ")})` : ""}.`,
        hint: [...new Set(how)].join("; ") + ".",
      });
    }
    checks.push(compileCheck(`requirement ${r.id}`, r.description, r.anyOf, r.allOf, writers, m, "reject"));
  }
  return checks;
}

function downstreamChecks(connector: Connector, ids: ReadonlyArray<string>, options: OptionValues, provided: ReadonlySet<string>, writers: ReadonlyArray<ColumnWriterSpec>, diagnostics: Diagnostic[], statuses: RequirementStatus[], fixes: TagFixes): RecordCheck[] {
  const m = connector.manifest;
  const checks: RecordCheck[] = [];
  const label = m.downstreams?.label ?? "downstream";
  for (const id of ids) {
    const row = connector.downstreams.find((d) => d.id === id);
    if (row === undefined) {
      const guess = closest(id, connector.downstreams.map((d) => d.id));
      diagnostics.push({ severity: "error", code: "unknown-downstream", rule: "downstreams", subject: { kind: "downstreams" }, message: `\`${id}\` is not a ${m.label} ${label}.${guess ? ` Did you mean \`${guess}\`?` : ""}`, hint: `See \`tagwire destinations\` for the list.` });
      continue;
    }
    row.requires.forEach((req) => {
      const paths = req.anyOf ?? req.allOf ?? [];
      const what = req.anyOf ? paths.map((p) => `\`${p}\``).join(" or ") : paths.map((p) => `\`${p}\``).join(" and ");
      const missing = unmet(provided, req.anyOf, req.allOf);
      statuses.push({ rule: `${label} ${id}`, description: `${what.replace(/`/g, "")}`, met: missing.length === 0, downstream: id });
      if (missing.length > 0) {
        const how = missing.map((p) => describeProviders(providersOf(m, options, p), fixes));
        diagnostics.push({ severity: "error", code: "downstream-requirement", rule: `${label} ${id}`, subject: { kind: "downstream", id }, message: `${id} needs ${what}.`, hint: [...new Set(how)].join("; ") + "." });
      }
      checks.push(compileCheck(`${label} ${id}`, `${what.replace(/`/g, "")} for ${id}`, req.anyOf, req.allOf, writers, m, "warn"));
    });
    if (row.note !== undefined) diagnostics.push({ severity: "info", code: "downstream-note", rule: `${label} ${id}`, subject: { kind: "downstream", id }, message: `${id}: ${row.note}.` });
  }
  return checks;
}

export type { CompiledPath };
