import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadConnectorFile, validateManifest } from "../../src/manifest/load.js";
import { crossCheck, crossCheckDownstreams } from "../../src/manifest/cross-checks.js";
import type { ConnectorManifest } from "../../src/generated/manifest.js";
import type { DownstreamTable } from "../../src/generated/downstream-table.js";
import {
  applyMutation, caseList, del, expectProblem, manifest, manifestError, mutated, realFile, set, tempRepo,
  type TableCase,
} from "./mutate.js";

const { cases, bad } = caseList();

// known-option: every place that names an option
bad("requiredWhen names a declared option", set("/options/1/requiredWhen/option", "kind"), "/options/1/requiredWhen/option", "known-option", "names option `kind`, which `options` does not declare", "segment");
bad("a column rule's when names a declared option", set("/columns/2/when/option", "mode"), "/columns/2/when/option", "known-option", "names option `mode`, which `options` does not declare");
bad("a fill's when names a declared option", set("/fills/2/when/option", "mode"), "/fills/2/when/option", "known-option", "names option `mode`");
bad("a fill from an option names a declared option", set("/fills/0/from/option", "env"), "/fills/0/from/option", "known-option", "names option `env`, which `options` does not declare");
bad("a requirement's when names a declared option", set("/requirements/1/when/option", "kind"), "/requirements/1/when/option", "known-option", "names option `kind`", "segment");
bad("key from option names a declared option", set("/columns/6/key/option", "naming"), "/columns/6/key/option", "known-option", "names option `naming`, which `options` does not declare", "segment");
bad("fixedOptions fix declared options", set("/actions/0/fixedOptions/kind", "identify"), "/actions/0/fixedOptions/kind", "known-option", "fixes option `kind`, which `options` does not declare", "segment");
bad("a form asks for declared options", set("/actions/0/form/-", "pod"), "/actions/0/form/2", "known-option", "asks for option `pod`, which `options` does not declare");

// known-choice: condition values and fixed values are choices of their option
bad("equals is a choice", set("/columns/3/when/equals", "events"), "/columns/3/when/equals", "known-choice", "`events` is not a choice of option `data_type` (user_data, event_data)");
bad("each of in is a choice", set("/columns/3/when/in/1", "groups"), "/columns/3/when/in/1", "known-choice", "`groups` is not a choice of option `call` (identify, track, group)", "segment");
bad("requiredWhen equals is a choice", set("/options/1/requiredWhen/equals", "trak"), "/options/1/requiredWhen/equals", "known-choice", "`trak` is not a choice of option `call`", "segment");
bad("a fixed value is a choice", set("/actions/2/fixedOptions/call", "alias"), "/actions/2/fixedOptions/call", "known-choice", "`alias` is not a choice of option `call`", "segment");

bad("a named value rule exists", set("/columns/0/value", "identities"), "/columns/0/value", "known-value-rule", "names value rule `identities`, which `valueRules` does not declare");
bad("a key's named value rule exists", set("/columns/9/key/allowed/platform", "platforms"), "/columns/9/key/allowed/platform", "known-value-rule", "names value rule `platforms`, which `valueRules` does not declare");
bad("a key's inline value rule holds together", set("/columns/9/key/allowed/brand", { minLength: 5, maxLength: 2 }), "/columns/9/key/allowed/brand/minLength", "length-range", "`minLength` 5 is over `maxLength` 2");
bad("a tags selector has no key", set("/columns/0/key", { from: "name" }), "/columns/0/key", "tags-name-keys", "a `tags` selector names its keys itself; remove `key`");
bad("a rest rule has a key", [del("/columns/2/key"), del("/columns/2/maxKeys")], "/columns/2", "rest-needs-key", "a `rest` rule must say how columns are named (`key`)");
bad("maxKeys needs key or tags", set("/columns/3/maxKeys", 10), "/columns/3/maxKeys", "max-keys-needs-key", "`maxKeys` applies only to rules with `key` or `tags`");
bad("a naming option offers only namings", set("/columns/6/key/option", "call"), "/columns/6/key/option", "naming-option", "option `call` must be a select whose choices are among name, field, label", "segment");
bad("a naming option is a select", set("/columns/7/key/option", "event"), "/columns/7/key/option", "naming-option", "option `event` must be a select", "segment");
bad("a column target ends in a key", set("/columns/3/target", "events[].data.names[]"), "/columns/3/target", "target-ends-in-key", "a target path must end in a key, not `[]`");
bad("a fill target ends in a key", set("/fills/0/target", "environments[]"), "/fills/0/target", "target-ends-in-key", "a target path must end in a key, not `[]`");

bad("auth username names a declared setting", set("/wire/auth/username", "key"), "/wire/auth/username", "known-setting", "names setting `key`, which `settings` does not declare");
bad("auth password names a declared setting", set("/wire/auth/password", "secret"), "/wire/auth/password", "known-setting", "names setting `secret`, which `settings` does not declare");
bad("baseUrl by setting names a setting", set("/wire/baseUrl/by/setting", "environment"), "/wire/baseUrl/by", "known-source", "names `environment`, which is not declared");
bad("baseUrl by option names an option", set("/wire/baseUrl/by/option", "zone"), "/wire/baseUrl/by", "known-source", "names `zone`, which is not declared", "segment");
bad("baseUrl has a URL for every setting choice", del("/wire/baseUrl/values/EU1"), "/wire/baseUrl/values", "url-per-choice", "has no URL for `pod` = `EU1`");
bad("baseUrl has a URL for every option choice", del("/wire/baseUrl/values/EU"), "/wire/baseUrl/values", "url-per-choice", "has no URL for `region` = `EU`", "segment");
bad("auth token names a declared setting", set("/wire/auth/token", "key"), "/wire/auth/token", "known-setting", "names setting `key`, which `settings` does not declare", "braze");
const apiKeyHeader = (value: string, name = "Api-Key") => set("/wire/auth", { scheme: "header", name, value });
bad("a header template names declared settings", apiKeyHeader("{key}"), "/wire/auth/value", "known-setting", "names setting `key`, which `settings` does not declare");
bad("a base64 placeholder names declared settings", apiKeyHeader("Basic {base64:apiKey:secret}"), "/wire/auth/value", "known-setting", "names setting `secret`, which `settings` does not declare");
bad("a header template closes its placeholders", apiKeyHeader("{apiKey}}"), "/wire/auth/value", "auth-template", "has a `}` that closes no placeholder");
bad("a header template's placeholders name settings", apiKeyHeader("{base64:}"), "/wire/auth/value", "auth-template", "has placeholder `{base64:}`, which is neither `{setting}` nor `{base64:a:b}`");
bad("an auth header leaves the engine's headers alone", apiKeyHeader("{apiKey}", "Content-Type"), "/wire/auth/name", "auth-header-free", "`Content-Type` is set by the engine on every request");
bad("credentials come from sensitive settings", set("/settings/1/sensitive", false), "/wire/auth/password", "credential-sensitive", "setting `apiSecret` carries credentials, so it must not be `sensitive: false`");
bad("a header template's settings are sensitive", [set("/settings/1/sensitive", false), apiKeyHeader("{apiSecret}")], "/wire/auth/value", "credential-sensitive", "setting `apiSecret` carries credentials");
bad("a key in the body needs an object envelope", set("/wire/envelope", { kind: "array" }), "/wire/auth/scheme", "body-auth-needs-object", "a key carried in the body needs an `object` envelope", "amplitude");
bad("the body key has its own field", set("/wire/auth/field", "events"), "/wire/auth/field", "body-field-free", "`events` is already the envelope's `itemsKey` or `sentAtField`", "amplitude");
bad("a named value rule's lengths leave room", set("/valueRules/id/minLength", 2000), "/valueRules/id/minLength", "length-range", "`minLength` 2000 is over `maxLength` 1024: no value could pass", "amplitude");
bad("an inline value rule's lengths leave room", set("/columns/3/value/minLength", 300), "/columns/3/value/minLength", "length-range", "`minLength` 300 is over `maxLength` 256");
bad("sentAtField needs an object envelope", set("/wire/envelope/sentAtField", "sent_at"), "/wire/envelope/sentAtField", "sent-at-needs-object", "`sentAtField` needs an `object` envelope");

const DEDUP = "a fill must set `source_request_id` from `{ \"run\": \"recordId\" }` on every record";
bad("the dedup field is filled", del("/fills/1"), "/wire/dedupField", "dedup-filled", DEDUP);
bad("the dedup field is filled on every record", set("/fills/1/when", { option: "data_type", equals: "user_data" }), "/wire/dedupField", "dedup-filled", DEDUP);
bad("the dedup field is filled with the record id", set("/fills/5/from/run", "ranAt"), "/wire/dedupField", "dedup-filled", "a fill must set `messageId`", "segment");
bad("the dedup field is the filled one", set("/wire/dedupField", "batch_id"), "/wire/dedupField", "dedup-filled", "a fill must set `batch_id`");

bad("action names are unique", set("/actions/-", { name: "mparticle", label: "Again", description: "Twice.", form: [] }), "/actions/1/name", "unique-action", "action `mparticle` is declared twice");
bad("a fixed option is not asked", set("/actions/0/form", ["call", "region", "trait_names"]), "/actions/0/form", "fixed-not-asked", "option `call` is fixed by this action, so its form must not ask for it", "segment");
bad("a required option without default is asked or fixed", [del("/options/1/default"), set("/actions/0/form", ["data_type"])], "/actions/0", "required-option-reachable", "required option `environment` has no default and is neither fixed nor asked by this action");
bad("a required option without default is fixed", [del("/options/0/default"), del("/actions/2/fixedOptions")], "/actions/2", "required-option-reachable", "required option `call` has no default", "segment");

bad("a tag has one rule", set("/columns/-", { id: "email", select: { tag: "mp_email" }, target: "email" }), "/columns", "one-rule-per-tag", "rules `identity` and `email` both take tag `mp_email` when data_type=user_data, environment=production");
bad("a tag has one rule under every option value", set("/columns/2/when/equals", "group"), "/columns", "one-rule-per-tag", "rules `email` and `email.context` both take tag `email` when call=group", "segment");
bad("one rest rule at a time", del("/columns/7/when"), "/columns", "one-rest-rule", "rules `trait` and `property` both take the remaining columns when call=identify", "segment");
bad("a fill keeps the shape of a key", set("/fills/-", { target: "events.count", value: 1 }), "/fills/7/target", "consistent-shape", "`events` is used both as an array and as an object");
bad("a column rule keeps the shape of a key", set("/columns/10/target", "events.data.custom_attributes"), "/columns/10/target", "consistent-shape", "`events` is used both as an array and as an object");
bad("anyOf paths are providable", set("/requirements/0/anyOf", ["user_identities.*", "traits.*"]), "/requirements/0/anyOf/1", "providable", "no column rule or fill can provide `traits.*`");
bad("allOf paths are providable", set("/requirements/1/allOf/0", "group_id"), "/requirements/1/allOf/0", "providable", "no column rule or fill can provide `group_id`", "segment");
// syncs: entries reachable, a clear has a subject, the paths named are ones the mode's records hold
bad("a sync's when names a declared option", set("/syncs/0/when/option", "mode"), "/syncs/0/when/option", "known-option", "names option `mode`");
bad("a sync entry after one without when is reachable", del("/syncs/0/when"), "/syncs/1", "sync-reachable", "entry 0 before it has no `when`, so this one never applies");
bad("a content key clears nothing", set("/syncs/1/clear", { address: ["user_identities"], attributes: "user_attributes", as: { kind: "null" } }), "/syncs/1/clear", "clear-needs-subject", "a record keyed by its content has no subject to clear");
bad("a key path is written in its mode", set("/syncs/0/key/paths/0", "events"), "/syncs/0/key/paths/0", "sync-path-held", "no column rule or fill writes `events` when data_type=user_data");
bad("an address path is written in its mode", set("/syncs/0/clear/address/1", "groupId"), "/syncs/0/clear/address/1", "sync-path-held", "no column rule or fill writes `groupId` when call=identify", "segment");
bad("cleared attributes are written in their mode", set("/syncs/0/clear/attributes", "properties"), "/syncs/0/clear/attributes", "sync-path-held", "no column rule or fill writes `properties` when call=identify", "segment");

describe("each cross-check rule has a failing example", () => {
  it.each(cases)("$id: $title", ({ id, mutations, path, rule, words }) => {
    const json = mutated(id, ...mutations);
    const error = manifestError(() => validateManifest(json, realFile(id)));
    expect(resolve(error.file)).toBe(realFile(id));
    expectProblem(error.problems, { path, rule, words });
    // The mutated manifest is schema-valid: the problem comes from the cross-checks.
    expect(crossCheck(json as unknown as ConnectorManifest)).toContainEqual(error.problems.find((p) => p.rule === rule && p.path === path));
  });
});

describe("rules that must not fire", () => {
  it("a string option's condition values are not checked against choices", () => {
    const json = mutated("segment", set("/columns/0/when", { option: "event", equals: "Signed Up" }));
    expect(crossCheck(json as unknown as ConnectorManifest)).toEqual([]);
  });

  it("rules on different option values may share a tag", () => {
    expect(crossCheck(manifest("segment") as unknown as ConnectorManifest)).toEqual([]);
    expect(crossCheck(manifest("mparticle") as unknown as ConnectorManifest)).toEqual([]);
  });

  it("a required option with a default need not be asked", () => {
    const json = mutated("mparticle", set("/actions/0/form", []));
    expect(crossCheck(json as unknown as ConnectorManifest)).toEqual([]);
  });

  it("a connector without a dedup field needs no record-id fill", () => {
    expect(crossCheck(manifest("braze") as unknown as ConnectorManifest)).toEqual([]);
    expect(crossCheck(manifest("amplitude") as unknown as ConnectorManifest)).toEqual([]);
  });

  it("top-level keys written by a `key` rule without target are providable", () => {
    const json = mutated("braze", set("/requirements/0/anyOf/-", "lifetime_value"));
    expect(crossCheck(json as unknown as ConnectorManifest)).toEqual([]);
  });

  it("equal minLength and maxLength are allowed", () => {
    const json = mutated("amplitude", set("/valueRules/id/minLength", 1024));
    expect(crossCheck(json as unknown as ConnectorManifest)).toEqual([]);
  });

  it("keys under an object written by a `key` rule are providable", () => {
    const json = mutated("segment", set("/requirements/1/allOf/0", "traits.plan"));
    expect(crossCheck(json as unknown as ConnectorManifest)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The downstream table is checked against its manifest; its problems point into the table file.

const tableCases: TableCase[] = [
  { title: "downstream ids are unique", mutations: [set("/rows/3/id", "aboardly")], path: "/rows/3/id", rule: "unique-downstream", words: "downstream `aboardly` is listed twice" },
  { title: "downstream allOf paths are providable", mutations: [set("/rows/0/requires/0/allOf/0", "context.phone")], path: "/rows/0/requires/0/allOf/0", rule: "providable", words: "no column rule or fill can provide `context.phone`" },
  { title: "downstream anyOf paths are providable", mutations: [set("/rows/2/requires/0/anyOf/1", "anonymous_id")], path: "/rows/2/requires/0/anyOf/1", rule: "providable", words: "no column rule or fill can provide `anonymous_id`" },
];

describe("each downstream cross-check rule has a failing example", () => {
  it.each(tableCases)("$title", ({ mutations, path, rule, words }) => {
    const repo = tempRepo(["segment"]);
    try {
      const table = repo.readJson("segment", "downstreams.json");
      for (const m of mutations) applyMutation(table, m);
      repo.writeJson("segment", table, "downstreams.json");
      const error = manifestError(() => loadConnectorFile(repo.file("segment")));
      expect(resolve(error.file)).toBe(repo.file("segment", "downstreams.json"));
      expectProblem(error.problems, { path, rule, words });
      expect(crossCheckDownstreams(manifest("segment") as unknown as ConnectorManifest, table as unknown as DownstreamTable)).toHaveLength(error.problems.length);
    } finally {
      repo.remove();
    }
  });
});

describe("coverage", () => {
  const source = readFileSync(fileURLToPath(new URL("../../src/manifest/cross-checks.ts", import.meta.url)), "utf8");
  const rules = new Set([...source.matchAll(/\badd\(\s*[^,]+,\s*"([a-z][a-z-]*)"/g)].map((m) => m[1]!));

  it("finds the rule ids of cross-checks.ts", () => {
    expect(rules).toContain("known-option");
    expect(rules).toContain("unique-downstream");
    expect(rules.size).toBeGreaterThanOrEqual(21);
  });

  it("has a failing example for every cross-check rule id", () => {
    const tested = new Set([...cases, ...tableCases].map((c) => c.rule));
    expect([...rules].filter((r) => !tested.has(r))).toEqual([]);
  });
});
