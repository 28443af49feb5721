import type { ConnectorManifest, Condition, Setting, ValueRule, Wire } from "../generated/manifest.js";
import type { DownstreamTable } from "../generated/downstream-table.js";
import type { ManifestProblem } from "../errors.js";
import { holds } from "../plan/condition.js";
import { joinPath, parsePattern, plainPath } from "../transform/path.js";
import { targetOf } from "./connector.js";
import { parseTemplate, piecesSettings } from "./auth-parts.js";

/** Headers the engine sets on every request itself, which an auth header must not replace. */
const ENGINE_HEADERS = ["content-type", "user-agent"];

/**
 * Rules that span several keys, which JSON Schema cannot say: references between sections,
 * and conflicts between rules under every combination of option values.
 */
export function crossCheck(m: ConnectorManifest): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const add = (path: string, rule: string, message: string) => problems.push({ path, rule, message });
  const options = new Map(m.options.map((o) => [o.name, o]));
  const settings = new Map(m.settings.map((s) => [s.name, s]));

  const checkCondition = (c: Condition | undefined, at: string) => {
    if (c === undefined) return;
    const option = options.get(c.option);
    if (option === undefined) return add(`${at}/option`, "known-option", `names option \`${c.option}\`, which \`options\` does not declare`);
    const values: Array<[string, string]> = c.equals !== undefined ? [[`${at}/equals`, c.equals]] : (c.in ?? []).map((v, j) => [`${at}/in/${j}`, v]);
    const choices = option.choices?.map((ch) => ch.value);
    for (const [path, v] of values) {
      if (choices && !choices.includes(v)) add(path, "known-choice", `\`${v}\` is not a choice of option \`${c.option}\` (${choices.join(", ")})`);
    }
  };

  const checkValueRule = (v: ValueRule, at: string) => {
    if (v.minLength !== undefined && v.maxLength !== undefined && v.minLength > v.maxLength) {
      add(`${at}/minLength`, "length-range", `\`minLength\` ${v.minLength} is over \`maxLength\` ${v.maxLength}: no value could pass`);
    }
  };
  for (const [name, v] of Object.entries(m.valueRules ?? {})) checkValueRule(v, `/valueRules/${name.replace(/~/g, "~0").replace(/\//g, "~1")}`);

  m.options.forEach((o, i) => checkCondition(o.requiredWhen, `/options/${i}/requiredWhen`));
  m.columns.forEach((r, i) => {
    const at = `/columns/${i}`;
    checkCondition(r.when, `${at}/when`);
    if (typeof r.value === "object") checkValueRule(r.value, `${at}/value`);
    if (typeof r.value === "string" && m.valueRules?.[r.value] === undefined) {
      add(`${at}/value`, "known-value-rule", `names value rule \`${r.value}\`, which \`valueRules\` does not declare`);
    }
    const allowed = r.key?.allowed;
    if (allowed !== undefined && !Array.isArray(allowed)) {
      for (const [key, v] of Object.entries(allowed)) {
        const keyAt = `${at}/key/allowed/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
        if (typeof v === "object") checkValueRule(v, keyAt);
        else if (m.valueRules?.[v] === undefined) add(keyAt, "known-value-rule", `names value rule \`${v}\`, which \`valueRules\` does not declare`);
      }
    }
    if (r.select.tags !== undefined && r.key !== undefined) add(`${at}/key`, "tags-name-keys", "a `tags` selector names its keys itself; remove `key`");
    if (r.select.rest === true && r.key === undefined) add(at, "rest-needs-key", "a `rest` rule must say how columns are named (`key`)");
    if (r.maxKeys !== undefined && r.key === undefined && r.select.tags === undefined) add(`${at}/maxKeys`, "max-keys-needs-key", "`maxKeys` applies only to rules with `key` or `tags`");
    if (r.key?.from === "option") {
      const o = r.key.option === undefined ? undefined : options.get(r.key.option);
      if (o === undefined) add(`${at}/key/option`, "known-option", `names option \`${r.key.option}\`, which \`options\` does not declare`);
      else if (o.type !== "select" || !(o.choices ?? []).every((c) => ["name", "field", "label"].includes(c.value))) {
        add(`${at}/key/option`, "naming-option", `option \`${o.name}\` must be a select whose choices are among name, field, label`);
      }
    }
    if (targetOf(r).endsWith("[]")) add(`${at}/target`, "target-ends-in-key", "a target path must end in a key, not `[]`");
  });
  (m.fills ?? []).forEach((f, i) => {
    const at = `/fills/${i}`;
    checkCondition(f.when, `${at}/when`);
    if (f.from?.option !== undefined && !options.has(f.from.option)) add(`${at}/from/option`, "known-option", `names option \`${f.from.option}\`, which \`options\` does not declare`);
    if (f.target.endsWith("[]")) add(`${at}/target`, "target-ends-in-key", "a target path must end in a key, not `[]`");
  });
  m.requirements.forEach((r, i) => checkCondition(r.when, `/requirements/${i}/when`));

  checkAuth(m.wire, settings, add);
  const by = m.wire.baseUrl.by;
  if (by !== undefined) {
    const source = by.setting !== undefined ? settings.get(by.setting) : by.option !== undefined ? options.get(by.option) : undefined;
    const name = by.setting ?? by.option;
    if (source === undefined) add("/wire/baseUrl/by", "known-source", `names \`${name}\`, which is not declared`);
    else for (const c of source.choices ?? []) {
      if (m.wire.baseUrl.values?.[c.value] === undefined) add("/wire/baseUrl/values", "url-per-choice", `has no URL for \`${name}\` = \`${c.value}\``);
    }
  }
  if (m.wire.envelope.sentAtField !== undefined && m.wire.envelope.kind !== "object") {
    add("/wire/envelope/sentAtField", "sent-at-needs-object", "`sentAtField` needs an `object` envelope");
  }
  const dedupField = m.wire.dedupField;
  if (dedupField !== undefined) {
    const dedupFill = (m.fills ?? []).some((f) => f.target === dedupField && f.from?.run === "recordId" && f.when === undefined);
    if (!dedupFill) add("/wire/dedupField", "dedup-filled", `a fill must set \`${dedupField}\` from \`{ "run": "recordId" }\` on every record`);
  }

  // Actions.
  const actionNames = new Set<string>();
  m.actions.forEach((a, i) => {
    const at = `/actions/${i}`;
    if (actionNames.has(a.name)) add(`${at}/name`, "unique-action", `action \`${a.name}\` is declared twice`);
    actionNames.add(a.name);
    for (const [name, value] of Object.entries(a.fixedOptions ?? {})) {
      const o = options.get(name);
      if (o === undefined) add(`${at}/fixedOptions/${name}`, "known-option", `fixes option \`${name}\`, which \`options\` does not declare`);
      else if (o.choices && !o.choices.some((c) => c.value === value)) add(`${at}/fixedOptions/${name}`, "known-choice", `\`${value}\` is not a choice of option \`${name}\``);
      if (a.form.includes(name)) add(`${at}/form`, "fixed-not-asked", `option \`${name}\` is fixed by this action, so its form must not ask for it`);
    }
    a.form.forEach((name, j) => {
      if (!options.has(name)) add(`${at}/form/${j}`, "known-option", `asks for option \`${name}\`, which \`options\` does not declare`);
    });
    for (const o of m.options) {
      if (o.required && o.default === undefined && !a.form.includes(o.name) && a.fixedOptions?.[o.name] === undefined) {
        add(at, "required-option-reachable", `required option \`${o.name}\` has no default and is neither fixed nor asked by this action`);
      }
    }
  });

  // Conflicting rules: under every combination of select options, a tag has one active rule and there is one rest rule at most.
  for (const combo of optionCombinations(m)) {
    const byTag = new Map<string, string>();
    const rest: string[] = [];
    for (const r of m.columns) {
      if (!holds(r.when, combo)) continue;
      if (r.select.rest) rest.push(r.id);
      for (const tag of [r.select.tag, ...Object.keys(r.select.tags ?? {})]) {
        if (tag === undefined) continue;
        const other = byTag.get(tag);
        if (other !== undefined) add("/columns", "one-rule-per-tag", `rules \`${other}\` and \`${r.id}\` both take tag \`${tag}\` when ${describeCombo(combo)}`);
        byTag.set(tag, r.id);
      }
    }
    if (rest.length > 1) add("/columns", "one-rest-rule", `rules ${rest.map((r) => `\`${r}\``).join(" and ")} both take the remaining columns when ${describeCombo(combo)}`);
  }

  // Arrays and objects must not be mixed on the same key.
  const shapes = new Map<string, boolean>();
  const allTargets = [
    ...m.columns.flatMap((r, i) => (r.target !== undefined ? [[`/columns/${i}/target`, r.target] as const] : [])),
    ...(m.fills ?? []).map((f, i) => [`/fills/${i}/target`, f.target] as const),
  ];
  for (const [at, target] of allTargets) {
    let prefix = "";
    for (const part of target.split(".")) {
      const isArray = part.endsWith("[]");
      const key = prefix + part.replace("[]", "");
      const seen = shapes.get(key);
      if (seen !== undefined && seen !== isArray) add(at, "consistent-shape", `\`${key}\` is used both as an array and as an object`);
      shapes.set(key, isArray);
      prefix = `${key}.`;
    }
  }

  // Requirements must be satisfiable by something the manifest can produce.
  const checkPaths = providableChecker(m, add);
  m.requirements.forEach((r, i) => {
    checkPaths(r.anyOf, `/requirements/${i}/anyOf`);
    checkPaths(r.allOf, `/requirements/${i}/allOf`);
  });
  checkSyncs(m, checkCondition, add);
  return problems;
}

/**
 * Sync declarations: every entry can be reached, a clear has a subject to address, and under
 * every combination of options the paths the applying entry names are ones its records can hold.
 */
function checkSyncs(m: ConnectorManifest, checkCondition: (c: Condition | undefined, at: string) => void, add: (path: string, rule: string, message: string) => void): void {
  const syncs = m.syncs ?? [];
  syncs.forEach((s, i) => {
    const at = `/syncs/${i}`;
    checkCondition(s.when, `${at}/when`);
    const before = syncs.findIndex((o, j) => j < i && o.when === undefined);
    if (before >= 0) add(at, "sync-reachable", `entry ${before} before it has no \`when\`, so this one never applies`);
    if (s.clear !== undefined && s.key.kind === "content") add(`${at}/clear`, "clear-needs-subject", "a record keyed by its content has no subject to clear; key it by `subject` paths");
  });
  if (syncs.length === 0) return;
  const reported = new Set<string>();
  const check = (p: Providable, path: string, at: string, combo: Record<string, string>) => {
    if (reported.has(at) || canHold(p, path)) return;
    reported.add(at);
    add(at, "sync-path-held", `no column rule or fill writes \`${path}\` when ${describeCombo(combo)}`);
  };
  for (const combo of optionCombinations(m)) {
    const i = syncs.findIndex((s) => holds(s.when, combo));
    if (i < 0) continue;
    const s = syncs[i]!;
    const p = providablePaths(m, combo);
    if (s.key.kind === "subject") s.key.paths.forEach((path, j) => check(p, path, `/syncs/${i}/key/paths/${j}`, combo));
    if (s.clear === undefined) continue;
    s.clear.address.forEach((path, j) => check(p, path, `/syncs/${i}/clear/address/${j}`, combo));
    if (s.clear.attributes !== "") check(p, s.clear.attributes, `/syncs/${i}/clear/attributes`, combo);
  }
}

/** A condition on a free-text option, which combinations leave unset, may hold. */
function mayHold(c: Condition | undefined, combo: Record<string, string>): boolean {
  return c === undefined || combo[c.option] === undefined || holds(c, combo);
}

/** A value, or an object some rule writes keys of, at this path. */
function canHold(p: Providable, path: string): boolean {
  return canProvide(p, path) || p.anyKey.has(path) || [...p.exact, ...p.anyKey].some((e) => e.startsWith(`${path}.`));
}

/**
 * The auth declaration: the settings it reads are declared and sensitive, a header template can
 * be read and leaves the engine's own headers alone, a key in the body has a free field of an object.
 */
function checkAuth(wire: Wire, settings: ReadonlyMap<string, Setting>, add: (path: string, rule: string, message: string) => void): void {
  const auth = wire.auth;
  const named: Array<[string, string]> = [];
  if (auth.scheme === "header") {
    if (ENGINE_HEADERS.includes(auth.name.toLowerCase())) add("/wire/auth/name", "auth-header-free", `\`${auth.name}\` is set by the engine on every request`);
    const parsed = parseTemplate(auth.value);
    if ("error" in parsed) add("/wire/auth/value", "auth-template", parsed.error);
    else for (const name of piecesSettings(parsed.pieces)) named.push(["/wire/auth/value", name]);
  } else {
    for (const key of ["username", "password", "token"] as const) {
      const name = (auth as Partial<Record<typeof key, string>>)[key];
      if (name !== undefined) named.push([`/wire/auth/${key}`, name]);
    }
  }
  for (const [at, name] of named) {
    const setting = settings.get(name);
    if (setting === undefined) add(at, "known-setting", `names setting \`${name}\`, which \`settings\` does not declare`);
    else if (setting.sensitive === false) add(at, "credential-sensitive", `setting \`${name}\` carries credentials, so it must not be \`sensitive: false\``);
  }
  if (auth.scheme === "body") {
    if (wire.envelope.kind !== "object") add("/wire/auth/scheme", "body-auth-needs-object", "a key carried in the body needs an `object` envelope");
    else if ([wire.envelope.itemsKey, wire.envelope.sentAtField].includes(auth.field)) {
      add("/wire/auth/field", "body-field-free", `\`${auth.field}\` is already the envelope's \`itemsKey\` or \`sentAtField\``);
    }
  }
}

/** Checks a downstream table against its manifest; paths point into the table file. */
export function crossCheckDownstreams(m: ConnectorManifest, downstreams: DownstreamTable): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const add = (path: string, rule: string, message: string) => problems.push({ path, rule, message });
  const checkPaths = providableChecker(m, add);
  const ids = new Set<string>();
  downstreams.rows.forEach((row, i) => {
    if (ids.has(row.id)) add(`/rows/${i}/id`, "unique-downstream", `downstream \`${row.id}\` is listed twice`);
    ids.add(row.id);
    row.requires.forEach((req, j) => {
      checkPaths(req.anyOf, `/rows/${i}/requires/${j}/anyOf`);
      checkPaths(req.allOf, `/rows/${i}/requires/${j}/allOf`);
    });
  });
  return problems;
}

function providableChecker(m: ConnectorManifest, add: (path: string, rule: string, message: string) => void) {
  const providable = providablePaths(m);
  return (paths: ReadonlyArray<string> | undefined, at: string) =>
    (paths ?? []).forEach((p, j) => {
      if (!canProvide(providable, p)) add(`${at}/${j}`, "providable", `no column rule or fill can provide \`${p}\``);
    });
}

interface Providable {
  exact: Set<string>;
  /** Objects any of whose keys a rule can write. */
  anyKey: Set<string>;
}

/** What the manifest's rules can write; with `combo`, only the rules that apply under those options. */
function providablePaths(m: ConnectorManifest, combo?: Record<string, string>): Providable {
  const exact = new Set<string>();
  const anyKey = new Set<string>();
  for (const r of m.columns) {
    if (combo !== undefined && !mayHold(r.when, combo)) continue;
    const target = plainPath(targetOf(r));
    if (r.select.tags !== undefined) for (const k of Object.values(r.select.tags)) exact.add(joinPath(target, k));
    else if (r.key !== undefined) anyKey.add(target);
    else exact.add(target);
  }
  for (const f of m.fills ?? []) if (combo === undefined || mayHold(f.when, combo)) exact.add(plainPath(f.target));
  return { exact, anyKey };
}

function canProvide(p: Providable, pattern: string): boolean {
  const { path, anyKey } = parsePattern(plainPath(pattern));
  if (anyKey) return p.anyKey.has(path) || [...p.exact].some((e) => e.startsWith(`${path}.`));
  if (p.exact.has(path)) return true;
  const dot = path.lastIndexOf(".");
  return p.anyKey.has(dot < 0 ? "" : path.slice(0, dot));
}

const MAX_COMBINATIONS = 4096;

/** Every combination of select-option values (free-text options left unset). */
function optionCombinations(m: ConnectorManifest): Array<Record<string, string>> {
  let combos: Array<Record<string, string>> = [{}];
  for (const o of m.options) {
    if (o.type !== "select" || !o.choices) continue;
    const next: Array<Record<string, string>> = [];
    for (const c of combos) for (const ch of o.choices) next.push({ ...c, [o.name]: ch.value });
    if (next.length > MAX_COMBINATIONS) break;
    combos = next;
  }
  return combos;
}

function describeCombo(combo: Record<string, string>): string {
  const parts = Object.entries(combo).map(([k, v]) => `${k}=${v}`);
  return parts.length > 0 ? parts.join(", ") : "no options are set";
}
