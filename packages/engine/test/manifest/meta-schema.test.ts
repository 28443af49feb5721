import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateManifest } from "../../src/manifest/load.js";
import { schemasDir } from "../../src/paths.js";
import {
  brokenConstraints, caseList, del, expectProblem, manifestError, mutated, RAW_AJV, realFile, schemaConstraints, set, verboseValidator,
} from "./mutate.js";

/** Failing examples: mutations of the real mParticle manifest (or Segment's), and the problem each must cause. */
const { cases, bad } = caseList();
const missing = (key: string) => `missing required key \`${key}\``;
const unknown = (key: string) => `unknown key \`${key}\``;

const NAME = "must start with a letter and hold only letters, digits and underscores";
const RULE_ID = "must start with a lowercase letter and hold only lowercase letters, digits, `_`, `.` and `-`";
const TARGET = "must be a dot-separated path such as `user_identities.email`";
const PATTERN = "must be a target path such as `traits.email`, optionally ending in `.*`";
const BASE_URL = "must be a scheme and host such as `https://api.example.com`, with no path or trailing slash";
const SELECTOR = "a selector names exactly one of `tag`, `tags` or `rest`";
const CONDITION = "a condition names `option` and exactly one of `equals` or `in`";
const SOURCE = "a source names exactly one of `option`, `run` or `uuidOf`";
const BY = "`by` names exactly one of `setting` or `option`";
const VALUE_TYPES = 'must be one of "string", "number", "integer", "boolean"';

// ConnectorManifest (top level)
for (const key of ["manifestVersion", "id", "label", "description", "settings", "options", "actions", "tags", "columns", "requirements", "wire"]) {
  bad(`top level requires ${key}`, del(`/${key}`), "", "required", missing(key));
}
bad("top level rejects unknown keys", set("/connector", "x"), "", "additionalProperties", unknown("connector"));
bad("$schema is a string", set("/$schema", 1), "/$schema", "type", "must be a string");
bad("manifestVersion is 1", set("/manifestVersion", 2), "/manifestVersion", "const", "must be 1, the only manifest language version this engine reads");
bad("id is lowercase", set("/id", "mParticle"), "/id", "pattern", "must be 2-40 lowercase letters, digits or underscores, starting with a letter");
bad("id starts with a letter", set("/id", "1mparticle"), "/id", "pattern", "must be 2-40 lowercase letters");
bad("id has at least 2 characters", set("/id", "m"), "/id", "pattern", "must be 2-40 lowercase letters");
bad("id has at most 40 characters", set("/id", "m".repeat(41)), "/id", "pattern", "must be 2-40 lowercase letters");
bad("label is not empty", set("/label", ""), "/label", "minLength", "must not be empty");
bad("description is not empty", set("/description", ""), "/description", "minLength", "must not be empty");
bad("icon is an svg or png", set("/icon", "icon.gif"), "/icon", "pattern", "must name an `.svg` or `.png` file beside the manifest");
bad("icon is beside the manifest", set("/icon", "img/icon.svg"), "/icon", "pattern", "must name an `.svg` or `.png` file beside the manifest");
bad("docsUrl is an absolute URI", set("/docsUrl", "docs.mparticle.com/developers"), "/docsUrl", "format", "must be an absolute URL such as `https://example.com/docs`");
bad("settings is an array", set("/settings", {}), "/settings", "type", "must be an array");
bad("actions has at least one action", set("/actions", []), "/actions", "minItems", "must list at least one item");
bad("columns has at least one rule", set("/columns", []), "/columns", "minItems", "must list at least one item");
bad("valueRules entries are value rules", set("/valueRules/identity", "string"), "/valueRules/identity", "type", "must be an object");
bad("fills is an array", set("/fills", {}), "/fills", "type", "must be an array");
bad("reservedKeys is an array", set("/reservedKeys", {}), "/reservedKeys", "type", "must be an array");

// Choice (in settings and options)
for (const key of ["value", "label"]) {
  bad(`setting choice requires ${key}`, del(`/settings/2/choices/0/${key}`), "/settings/2/choices/0", "required", missing(key));
  bad(`option choice requires ${key}`, del(`/options/0/choices/1/${key}`), "/options/0/choices/1", "required", missing(key));
}
bad("choice rejects unknown keys", set("/options/0/choices/0/default", true), "/options/0/choices/0", "additionalProperties", unknown("default"));
bad("choice value is not empty", set("/settings/2/choices/3/value", ""), "/settings/2/choices/3/value", "minLength", "must not be empty");
bad("choice label is not empty", set("/settings/2/choices/3/label", ""), "/settings/2/choices/3/label", "minLength", "must not be empty");

// Setting
for (const key of ["name", "label", "description"]) bad(`setting requires ${key}`, del(`/settings/0/${key}`), "/settings/0", "required", missing(key));
bad("setting rejects unknown keys", set("/settings/0/secret", true), "/settings/0", "additionalProperties", unknown("secret"));
bad("setting name is a Name", set("/settings/0/name", "api-key"), "/settings/0/name", "pattern", NAME);
bad("setting name starts with a letter", set("/settings/0/name", "_apiKey"), "/settings/0/name", "pattern", NAME);
bad("setting label is not empty", set("/settings/0/label", ""), "/settings/0/label", "minLength", "must not be empty");
bad("setting description is not empty", set("/settings/0/description", ""), "/settings/0/description", "minLength", "must not be empty");
bad("setting required is a boolean", set("/settings/0/required", "yes"), "/settings/0/required", "type", "must be a boolean");
bad("setting sensitive is a boolean", set("/settings/0/sensitive", 1), "/settings/0/sensitive", "type", "must be a boolean");
bad("setting choices are not empty", set("/settings/2/choices", []), "/settings/2/choices", "minItems", "must list at least one item");
bad("setting default is a string", set("/settings/2/default", 1), "/settings/2/default", "type", "must be a string");

// Option
for (const key of ["name", "label", "description", "type"]) bad(`option requires ${key}`, del(`/options/1/${key}`), "/options/1", "required", missing(key));
bad("option rejects unknown keys", set("/options/1/hidden", true), "/options/1", "additionalProperties", unknown("hidden"));
bad("option name is a Name", set("/options/1/name", "the environment"), "/options/1/name", "pattern", NAME);
bad("option type is select or string", set("/options/1/type", "multiselect"), "/options/1/type", "enum", 'must be one of "select", "string"');
bad("a select option lists its choices", del("/options/1/choices"), "/options/1", "required", "a `select` option must list its `choices`");
bad("option choices are not empty", set("/options/1/choices", []), "/options/1/choices", "minItems", "must list at least one item");
bad("option label is not empty", set("/options/1/label", ""), "/options/1/label", "minLength", "must not be empty");
bad("option description is not empty", set("/options/1/description", ""), "/options/1/description", "minLength", "must not be empty");
bad("option default is a string", set("/options/1/default", false), "/options/1/default", "type", "must be a string");
bad("option required is a boolean", set("/options/1/required", "true"), "/options/1/required", "type", "must be a boolean");
bad("option maxLength is at least 1", set("/options/1/maxLength", 0), "/options/1/maxLength", "minimum", "must be at least 1", "segment");
bad("option maxLength is an integer", set("/options/1/maxLength", 2.5), "/options/1/maxLength", "type", "must be an integer", "segment");

// Condition (requiredWhen, when)
bad("condition requires option", set("/options/1/requiredWhen", { equals: "track", in: ["track"] }), "/options/1/requiredWhen", "required", missing("option"), "segment");
bad("condition names equals or in", set("/options/1/requiredWhen", { option: "call" }), "/options/1/requiredWhen", "minProperties", CONDITION, "segment");
bad("condition names only one of equals and in", set("/options/1/requiredWhen/in", ["track"]), "/options/1/requiredWhen", "maxProperties", CONDITION, "segment");
bad("condition rejects unknown keys", set("/columns/2/when", { option: "data_type", is: "user_data" }), "/columns/2/when", "additionalProperties", unknown("is"));
bad("condition in is not empty", set("/columns/2/when", { option: "call", in: [] }), "/columns/2/when/in", "minItems", "must list at least one item", "segment");
bad("condition equals is a string", set("/columns/2/when/equals", true), "/columns/2/when/equals", "type", "must be a string");
bad("condition option is a string", set("/requirements/1/when/option", 3), "/requirements/1/when/option", "type", "must be a string", "segment");

// Action
for (const key of ["name", "label", "description", "form"]) bad(`action requires ${key}`, del(`/actions/0/${key}`), "/actions/0", "required", missing(key));
bad("action rejects unknown keys", set("/actions/0/url", "/x"), "/actions/0", "additionalProperties", unknown("url"));
bad("action name is a Name", set("/actions/0/name", "mparticle-send"), "/actions/0/name", "pattern", NAME);
bad("action label is not empty", set("/actions/0/label", ""), "/actions/0/label", "minLength", "must not be empty");
bad("action description is not empty", set("/actions/0/description", ""), "/actions/0/description", "minLength", "must not be empty");
bad("action form lists each option once", set("/actions/0/form", ["data_type", "environment", "data_type"]), "/actions/0/form", "uniqueItems", "lists the same item twice (items 0 and 2)");
bad("action form holds option names", set("/actions/0/form/1", 7), "/actions/0/form/1", "type", "must be a string");
bad("action fixedOptions values are strings", set("/actions/0/fixedOptions/call", true), "/actions/0/fixedOptions/call", "type", "must be a string", "segment");

// Tags
bad("tags requires families", del("/tags/families"), "/tags", "required", missing("families"));
bad("tags rejects unknown keys", set("/tags/known", []), "/tags", "additionalProperties", unknown("known"));
bad("tag families are not empty strings", set("/tags/families/0", ""), "/tags/families/0", "minLength", "must not be empty");
bad("tag descriptions are strings", set("/tags/descriptions/mp_email", 1), "/tags/descriptions/mp_email", "type", "must be a string");

// ColumnRule
for (const key of ["id", "select"]) bad(`column rule requires ${key}`, del(`/columns/3/${key}`), "/columns/3", "required", missing(key));
bad("a column rule without key names its target", del("/columns/3/target"), "/columns/3", "required", "a column rule names its `target`; only a `key` rule may leave it out, to write top-level keys of the record");
bad("column rule rejects unknown keys", set("/columns/3/tag", "mp_event_name"), "/columns/3", "additionalProperties", unknown("tag"));
bad("column rule id is lowercase", set("/columns/3/id", "Event.Name"), "/columns/3/id", "pattern", RULE_ID);
bad("column rule id has no spaces", set("/columns/3/id", "event name"), "/columns/3/id", "pattern", RULE_ID);
bad("column rule target is a path", set("/columns/3/target", "events[].data.event name"), "/columns/3/target", "pattern", TARGET);
bad("column rule target has no empty step", set("/columns/3/target", "events..event_name"), "/columns/3/target", "pattern", TARGET);
bad("column rule target has no wildcard", set("/columns/1/target", "user_attributes.*"), "/columns/1/target", "pattern", TARGET);
bad("column rule maxKeys is at least 1", set("/columns/1/maxKeys", 0), "/columns/1/maxKeys", "minimum", "must be at least 1");
bad("column rule maxKeys is an integer", set("/columns/1/maxKeys", "100"), "/columns/1/maxKeys", "type", "must be an integer");
bad("column rule description is a string", set("/columns/3/description", 1), "/columns/3/description", "type", "must be a string");
bad("column rule value names a rule or is one", set("/columns/0/value", 5), "/columns/0/value", "type", "must be a string or an object");
bad("column rule value name is not empty", set("/columns/0/value", ""), "/columns/0/value", "minLength", "must not be empty");
bad("column rule inline value is a value rule", set("/columns/3/value/trim", true), "/columns/3/value", "additionalProperties", unknown("trim"));

// Selector
bad("selector names one of tag, tags, rest", set("/columns/3/select", {}), "/columns/3/select", "minProperties", SELECTOR);
bad("selector names only one of tag, tags, rest", set("/columns/3/select/rest", true), "/columns/3/select", "maxProperties", SELECTOR);
bad("selector rejects unknown keys", set("/columns/3/select", { tagged: "mp_event_name" }), "/columns/3/select", "additionalProperties", unknown("tagged"));
bad("selector tag is not empty", set("/columns/3/select/tag", ""), "/columns/3/select/tag", "minLength", "must not be empty");
bad("selector tags maps at least one tag", set("/columns/0/select/tags", {}), "/columns/0/select/tags", "minProperties", "must map at least one tag to the key it writes");
bad("selector tags keys are not empty", set("/columns/0/select/tags/mp_email", ""), "/columns/0/select/tags/mp_email", "minLength", "must not be empty");
bad("selector rest is true", set("/columns/2/select/rest", false), "/columns/2/select/rest", "const", "must be true");

// KeyRule
bad("key requires from", del("/columns/1/key/from"), "/columns/1/key", "required", missing("from"));
bad("key rejects unknown keys", set("/columns/1/key/suffix", "_x"), "/columns/1/key", "additionalProperties", unknown("suffix"));
bad("key from is name, field, label or option", set("/columns/1/key/from", "column"), "/columns/1/key/from", "enum", 'must be one of "name", "field", "label", "option"');
bad("key from option names the option", del("/columns/6/key/option"), "/columns/6/key", "required", "`from: option` needs the `option` that picks the naming", "segment");
bad("key case is asis or lower", set("/columns/6/key/case", "upper"), "/columns/6/key/case", "enum", 'must be one of "asis", "lower"', "segment");
bad("key maxLength is at least 1", set("/columns/1/key/maxLength", 0), "/columns/1/key/maxLength", "minimum", "must be at least 1");
bad("key prefix is a string", set("/columns/1/key/prefix", null), "/columns/1/key/prefix", "type", "must be a string");
bad("key allowed lists each key once", set("/columns/9/key/allowed", ["platform", "brand", "platform"]), "/columns/9/key/allowed", "uniqueItems", "lists the same item twice (items 0 and 2)");
bad("key lengthUnit is codePoints, utf16 or utf8Bytes", set("/columns/1/key/lengthUnit", "bytes"), "/columns/1/key/lengthUnit", "enum", 'must be one of "codePoints", "utf16", "utf8Bytes"');
bad("key allowed is a list or an object", set("/columns/9/key/allowed", "platform"), "/columns/9/key/allowed", "type", "must be an array or an object");
bad("key allowed as an object names at least one key", set("/columns/9/key/allowed", {}), "/columns/9/key/allowed", "minProperties", "must have at least one key");
bad("key allowed value rule name is not empty", set("/columns/9/key/allowed/platform", ""), "/columns/9/key/allowed/platform", "minLength", "must not be empty");
bad("key allowed inline value rule is a value rule", set("/columns/9/key/allowed/platform", { trim: true }), "/columns/9/key/allowed/platform", "additionalProperties", unknown("trim"));

// ValueRule (inline and named)
bad("value types are known", set("/columns/3/value/types", ["text"]), "/columns/3/value/types/0", "enum", VALUE_TYPES);
bad("named value rule types are known", set("/valueRules/identity/types/0", "date"), "/valueRules/identity/types/0", "enum", VALUE_TYPES);
bad("value types are not empty", set("/columns/3/value/types", []), "/columns/3/value/types", "minItems", "must list at least one item");
bad("value types are listed once", set("/columns/3/value/types", ["string", "string"]), "/columns/3/value/types", "uniqueItems", "lists the same item twice (items 0 and 1)");
bad("value coerce is string, integer or boolean", set("/columns/3/value/coerce", "number"), "/columns/3/value/coerce", "enum", 'must be one of "string", "integer", "boolean"');
bad("value lengthUnit is codePoints, utf16 or utf8Bytes", set("/columns/3/value/lengthUnit", "characters"), "/columns/3/value/lengthUnit", "enum", 'must be one of "codePoints", "utf16", "utf8Bytes"');
bad("value ignoreCase is a boolean", set("/valueRules/devicePlatform/ignoreCase", "yes"), "/valueRules/devicePlatform/ignoreCase", "type", "must be a boolean");
bad("value format is uuid", set("/columns/7/value/format", "email"), "/columns/7/value/format", "enum", 'must be one of "uuid"');
bad("value onInvalid is reject or drop", set("/valueRules/wholeNumber/onInvalid", "warn"), "/valueRules/wholeNumber/onInvalid", "enum", 'must be one of "reject", "drop"');
bad("value onTooLong is reject, drop or truncate", set("/columns/3/value/onTooLong", "cut"), "/columns/3/value/onTooLong", "enum", 'must be one of "reject", "drop", "truncate"');
bad("value maxLength is at least 1", set("/valueRules/identity/maxLength", 0), "/valueRules/identity/maxLength", "minimum", "must be at least 1");
bad("value enum is not empty", set("/columns/4/value/enum", []), "/columns/4/value/enum", "minItems", "must list at least one item");
bad("value arrays is a boolean", set("/valueRules/userAttribute/arrays", "yes"), "/valueRules/userAttribute/arrays", "type", "must be a boolean");
bad("value minLength is at least 1", set("/valueRules/id/minLength", 0), "/valueRules/id/minLength", "minimum", "must be at least 1", "amplitude");
bad("value notIn is not empty", set("/valueRules/id/notIn", []), "/valueRules/id/notIn", "minItems", "must list at least one item", "amplitude");
bad("value notIn lists each value once", set("/valueRules/id/notIn", ["null", "null"]), "/valueRules/id/notIn", "uniqueItems", "lists the same item twice (items 0 and 1)", "amplitude");
bad("value notIn holds strings", set("/valueRules/id/notIn/0", 0), "/valueRules/id/notIn/0", "type", "must be a string", "amplitude");
bad("named value rule rejects unknown keys", set("/valueRules/identity/required", true), "/valueRules/identity", "additionalProperties", unknown("required"));

// Fill
bad("fill requires target", del("/fills/0/target"), "/fills/0", "required", missing("target"));
bad("fill rejects unknown keys", set("/fills/0/default", "production"), "/fills/0", "additionalProperties", unknown("default"));
bad("fill target is a path", set("/fills/0/target", "env ironment"), "/fills/0/target", "pattern", TARGET);
bad("fill has value or from, not both", set("/fills/0/value", "production"), "/fills/0", "not", "a fill has exactly one of `value` or `from`, not both");
bad("fill has value or from, not neither", del("/fills/0/from"), "/fills/0", "required", "a fill has exactly one of `value` or `from`; this one has neither");
bad("fill value is a scalar", set("/fills/2/value", ["custom_event"]), "/fills/2/value", "type", "must be a string or a number or a boolean");
bad("fill unlessPresent holds paths", set("/fills/2/unlessPresent/0", "user id"), "/fills/2/unlessPresent/0", "pattern", TARGET, "segment");

// Source
bad("source names one of option, run, uuidOf", set("/fills/0/from", {}), "/fills/0/from", "minProperties", SOURCE);
bad("source names only one of option, run, uuidOf", set("/fills/1/from/option", "environment"), "/fills/1/from", "maxProperties", SOURCE);
bad("source rejects unknown keys", set("/fills/0/from", { setting: "apiKey" }), "/fills/0/from", "additionalProperties", unknown("setting"));
bad("source run is known", set("/fills/1/from/run", "now"), "/fills/1/from/run", "enum", 'must be one of "ranAt", "ranAtMs", "recordId"');
bad("source uuidOf is a path", set("/fills/2/from/uuidOf", "traits email"), "/fills/2/from/uuidOf", "pattern", TARGET, "segment");

// Requirement
for (const key of ["id", "description"]) bad(`requirement requires ${key}`, del(`/requirements/0/${key}`), "/requirements/0", "required", missing(key));
bad("requirement rejects unknown keys", set("/requirements/0/oneOf", ["user_identities.*"]), "/requirements/0", "additionalProperties", unknown("oneOf"));
bad("requirement id is lowercase", set("/requirements/0/id", "Identity"), "/requirements/0/id", "pattern", RULE_ID);
bad("requirement description is not empty", set("/requirements/0/description", ""), "/requirements/0/description", "minLength", "must not be empty");
bad("requirement lists anyOf or allOf", del("/requirements/0/anyOf"), "/requirements/0", "required", "a requirement lists its target paths in `anyOf` or `allOf`");
bad("requirement anyOf is not empty", set("/requirements/0/anyOf", []), "/requirements/0/anyOf", "minItems", "must list at least one item");
bad("requirement allOf is not empty", set("/requirements/1/allOf", []), "/requirements/1/allOf", "minItems", "must list at least one item", "segment");
bad("requirement anyOf holds target patterns", set("/requirements/0/anyOf/0", "user_identities.**"), "/requirements/0/anyOf/0", "pattern", PATTERN);
bad("requirement allOf holds target patterns", set("/requirements/1/allOf/0", "group id"), "/requirements/1/allOf/0", "pattern", PATTERN, "segment");

// ReservedKeys
// A reserved-keys entry without `target` reserves top-level keys of the record (as a `key` rule without one writes them).
bad("reserved keys require keys", del("/reservedKeys/0/keys"), "/reservedKeys/0", "required", missing("keys"), "segment");
bad("reserved keys hint is not empty", set("/reservedKeys/2/hint", ""), "/reservedKeys/2/hint", "minLength", "must not be empty", "segment");
bad("reserved keys severity is error, warning or info", set("/reservedKeys/0/severity", "fatal"), "/reservedKeys/0/severity", "enum", 'must be one of "error", "warning", "info"', "segment");
bad("reserved keys reject unknown keys", set("/reservedKeys/0/warn", true), "/reservedKeys/0", "additionalProperties", unknown("warn"), "segment");
bad("reserved keys list at least one key", set("/reservedKeys/0/keys", []), "/reservedKeys/0/keys", "minItems", "must list at least one item", "segment");
bad("reserved keys target is a path", set("/reservedKeys/0/target", "traits.*"), "/reservedKeys/0/target", "pattern", TARGET, "segment");

// Downstreams
for (const key of ["file", "label"]) bad(`downstreams requires ${key}`, del(`/downstreams/${key}`), "/downstreams", "required", missing(key), "segment");
bad("downstreams rejects unknown keys", set("/downstreams/schema", "x.json"), "/downstreams", "additionalProperties", unknown("schema"), "segment");
bad("downstreams file is a json file", set("/downstreams/file", "downstreams.yaml"), "/downstreams/file", "pattern", "must name a `.json` file beside the manifest", "segment");
bad("downstreams file is beside the manifest", set("/downstreams/file", "../downstreams.json"), "/downstreams/file", "pattern", "must name a `.json` file beside the manifest", "segment");
bad("downstreams label is not empty", set("/downstreams/label", ""), "/downstreams/label", "minLength", "must not be empty", "segment");

// Wire
for (const key of ["recordSchema", "baseUrl", "path", "auth", "envelope", "limits"]) {
  bad(`wire requires ${key}`, del(`/wire/${key}`), "/wire", "required", missing(key));
}
bad("wire names dedupField or noDedupReason", del("/wire/dedupField"), "/wire", "required", "a wire section names its `dedupField`, or says in `noDedupReason` why the API needs none");
bad("wire has dedupField or noDedupReason, not both", set("/wire/noDedupReason", "updates only"), "/wire", "not", "a wire section has `dedupField` or `noDedupReason`, not both");
bad("wire noDedupReason is not empty", set("/wire/noDedupReason", ""), "/wire/noDedupReason", "minLength", "must not be empty", "braze");
bad("wire rejects unknown keys", set("/wire/timeoutMs", 1000), "/wire", "additionalProperties", unknown("timeoutMs"));
bad("wire path starts with a slash", set("/wire/path", "v2/bulkevents"), "/wire/path", "pattern", "must start with `/`, such as `/v1/batch`");
// What only the emulator reads lives beside the manifest in emulator.json, not in the wire section.
bad("wire has no invalidRecord (an emulator fact)", set("/wire/invalidRecord", "rejects-request"), "/wire", "additionalProperties", unknown("invalidRecord"));
bad("wire has no singleRecordPaths (an emulator fact)", set("/wire/singleRecordPaths", { "/v2/events": {} }), "/wire", "additionalProperties", unknown("singleRecordPaths"));
bad("wire concurrency is at least 1", set("/wire/concurrency", 0), "/wire/concurrency", "minimum", "must be at least 1");
bad("wire concurrency is at most 64", set("/wire/concurrency", 65), "/wire/concurrency", "maximum", "must be at most 64");
bad("wire concurrency is an integer", set("/wire/concurrency", 1.5), "/wire/concurrency", "type", "must be an integer");
bad("wire rateLimit rejects unknown keys", set("/wire/rateLimit", { burst: 10 }), "/wire/rateLimit", "additionalProperties", unknown("burst"));
bad("wire recordsPerSecond is above 0", set("/wire/rateLimit", { recordsPerSecond: 0 }), "/wire/rateLimit/recordsPerSecond", "exclusiveMinimum", "must be greater than 0");
bad("wire requestsPerSecond is above 0", set("/wire/rateLimit", { requestsPerSecond: -1 }), "/wire/rateLimit/requestsPerSecond", "exclusiveMinimum", "must be greater than 0");
bad("wire rateLimit declares a limit", set("/wire/rateLimit", {}), "/wire/rateLimit", "minProperties", "must declare `recordsPerSecond`, `requestsPerSecond` or both");
bad("wire dedupField is a string", set("/wire/dedupField", ["source_request_id"]), "/wire/dedupField", "type", "must be a string");

// CredentialsRefused
bad("wire credentialsRefused is an array", set("/wire/credentialsRefused", { status: 403 }), "/wire/credentialsRefused", "type", "must be an array");
bad("credentialsRefused requires status", del("/wire/credentialsRefused/0/status"), "/wire/credentialsRefused/0", "required", missing("status"));
bad("credentialsRefused rejects unknown keys", set("/wire/credentialsRefused/0/message", "Forbidden"), "/wire/credentialsRefused/0", "additionalProperties", unknown("message"));
bad("credentialsRefused status is a 4xx", set("/wire/credentialsRefused/0/status", 302), "/wire/credentialsRefused/0/status", "minimum", "must be at least 400");
bad("credentialsRefused status is at most 499", set("/wire/credentialsRefused/0/status", 503), "/wire/credentialsRefused/0/status", "maximum", "must be at most 499");
bad("credentialsRefused bodyPattern is a regular expression", set("/wire/credentialsRefused/0/bodyPattern", "invalid (api"), "/wire/credentialsRefused/0/bodyPattern", "format", "regex", "amplitude");
bad("credentialsRefused bodyPattern is not empty", set("/wire/credentialsRefused/0/bodyPattern", ""), "/wire/credentialsRefused/0/bodyPattern", "minLength", "must not be empty", "amplitude");

// RefusedRecords, RefusalList
bad("refusedRecords requires answer", del("/wire/refusedRecords/answer"), "/wire/refusedRecords", "required", missing("answer"), "braze");
bad("refusedRecords requires lists", del("/wire/refusedRecords/lists"), "/wire/refusedRecords", "required", missing("lists"), "braze");
bad("refusedRecords rejects unknown keys", set("/wire/refusedRecords/status", 200), "/wire/refusedRecords", "additionalProperties", unknown("status"), "braze");
bad("refusedRecords answer is success or client-error", set("/wire/refusedRecords/answer", "partial"), "/wire/refusedRecords/answer", "enum", 'must be one of "success", "client-error"', "braze");
bad("refusedRecords lists at least one list", set("/wire/refusedRecords/lists", []), "/wire/refusedRecords/lists", "minItems", "must list at least one item", "braze");
for (const key of ["key", "names", "refuses"]) {
  bad(`refusal list requires ${key}`, del(`/wire/refusedRecords/lists/0/${key}`), "/wire/refusedRecords/lists/0", "required", missing(key), "braze");
}
bad("refusal list rejects unknown keys", set("/wire/refusedRecords/lists/0/path", "errors"), "/wire/refusedRecords/lists/0", "additionalProperties", unknown("path"), "braze");
bad("refusal list key is not empty", set("/wire/refusedRecords/lists/0/key", ""), "/wire/refusedRecords/lists/0/key", "minLength", "must not be empty", "braze");
bad("refusal list names objects, indices or field-indices", set("/wire/refusedRecords/lists/0/names", "rows"), "/wire/refusedRecords/lists/0/names", "enum", 'must be one of "objects", "indices", "field-indices"', "braze");
bad("refusal list refuses a known kind", set("/wire/refusedRecords/lists/0/refuses", "all"), "/wire/refusedRecords/lists/0/refuses", "enum", 'must be one of "any", "missing-field", "invalid-field", "other"', "braze");
for (const key of ["indexField", "messageField"]) {
  bad(`an objects list names its ${key}`, del(`/wire/refusedRecords/lists/0/${key}`), "/wire/refusedRecords/lists/0", "required", "an `objects` list names its `indexField` and `messageField`", "braze");
}
bad("an indices list gives its message", del("/wire/refusedRecords/lists/2/message"), "/wire/refusedRecords/lists/2", "required", "an `indices` or `field-indices` list gives the `message`", "amplitude");
bad("refusal list message is not empty", set("/wire/refusedRecords/lists/2/message", ""), "/wire/refusedRecords/lists/2/message", "minLength", "must not be empty", "amplitude");
bad("errorFields are paths into the answer", set("/wire/errorFields", ["errors[0].message"]), "/wire/errorFields/0", "pattern", "must be a dot-separated path into the answer such as `message` or `errors[].message`");
bad("errorFields name each field once", set("/wire/errorFields", ["message", "message"]), "/wire/errorFields", "uniqueItems", "lists the same item twice (items 0 and 1)");

// BaseUrl
bad("baseUrl requires default", del("/wire/baseUrl/default"), "/wire/baseUrl", "required", missing("default"));
bad("baseUrl rejects unknown keys", set("/wire/baseUrl/fallback", "https://s2s.mparticle.com"), "/wire/baseUrl", "additionalProperties", unknown("fallback"));
bad("baseUrl default has no path", set("/wire/baseUrl/default", "https://s2s.us1.mparticle.com/v2"), "/wire/baseUrl/default", "pattern", BASE_URL);
bad("baseUrl default has no trailing slash", set("/wire/baseUrl/default", "https://s2s.us1.mparticle.com/"), "/wire/baseUrl/default", "pattern", BASE_URL);
bad("baseUrl default is http or https", set("/wire/baseUrl/default", "ftp://s2s.us1.mparticle.com"), "/wire/baseUrl/default", "pattern", BASE_URL);
bad("baseUrl values are base URLs", set("/wire/baseUrl/values/EU1", "s2s.eu1.mparticle.com"), "/wire/baseUrl/values/EU1", "pattern", BASE_URL);
bad("baseUrl by needs values", del("/wire/baseUrl/values"), "/wire/baseUrl", "dependencies", "`by` needs `values`: the base URL for each choice");
bad("baseUrl by names setting or option", set("/wire/baseUrl/by", {}), "/wire/baseUrl/by", "minProperties", BY);
bad("baseUrl by names only one of setting and option", set("/wire/baseUrl/by/option", "environment"), "/wire/baseUrl/by", "maxProperties", BY);
bad("baseUrl by rejects unknown keys", set("/wire/baseUrl/by", { region: "pod" }), "/wire/baseUrl/by", "additionalProperties", unknown("region"));

// Auth
bad("auth requires scheme", del("/wire/auth/scheme"), "/wire/auth", "required", missing("scheme"));
bad("auth rejects unknown keys", set("/wire/auth/apiKey", "apiKey"), "/wire/auth", "additionalProperties", unknown("apiKey"));
bad("auth scheme is basic, bearer, body or header", set("/wire/auth/scheme", "digest"), "/wire/auth/scheme", "enum", 'must be one of "basic", "bearer", "body", "header"');
bad("auth scheme is a string", set("/wire/auth/scheme", 1), "/wire/auth/scheme", "enum", 'must be one of "basic", "bearer", "body", "header"');
// Each scheme takes the keys it needs, and no other scheme's.
bad("a basic scheme names its user name", del("/wire/auth/username"), "/wire/auth", "required", missing("username"));
bad("a bearer scheme names its token", del("/wire/auth/token"), "/wire/auth", "required", missing("token"), "braze");
bad("a body scheme names its token", del("/wire/auth/token"), "/wire/auth", "required", missing("token"), "amplitude");
bad("a body scheme names its field", del("/wire/auth/field"), "/wire/auth", "required", missing("field"), "amplitude");
bad("a basic scheme takes no token", set("/wire/auth/token", "apiKey"), "/wire/auth", "additionalProperties", unknown("token"));
bad("a bearer scheme takes no username", set("/wire/auth/username", "braze_api_key"), "/wire/auth", "additionalProperties", unknown("username"), "braze");
bad("a body scheme takes no password", set("/wire/auth/password", "api_key"), "/wire/auth", "additionalProperties", unknown("password"), "amplitude");
const header = { scheme: "header", name: "Api-Key", value: "{apiKey}" };
bad("a header scheme names its header", set("/wire/auth", { scheme: "header", value: "{apiKey}" }), "/wire/auth", "required", missing("name"));
bad("a header scheme gives its value", set("/wire/auth", { scheme: "header", name: "Api-Key" }), "/wire/auth", "required", missing("value"));
bad("a header scheme takes no token", set("/wire/auth", { ...header, token: "apiKey" }), "/wire/auth", "additionalProperties", unknown("token"));
bad("a header name is a header name", set("/wire/auth", { ...header, name: "Api Key" }), "/wire/auth/name", "pattern", "must be an HTTP header name such as `Api-Key`");
bad("a header value holds a placeholder", set("/wire/auth", { ...header, value: "apiKey" }), "/wire/auth/value", "pattern", "must hold at least one `{setting}` placeholder");
bad("auth token names a setting", set("/wire/auth/token", 1), "/wire/auth/token", "type", "must be a string", "braze");
bad("auth body field is a plain key", set("/wire/auth/field", "body.api_key"), "/wire/auth/field", "pattern", "must be a plain key such as `api_key`", "amplitude");

// Envelope
bad("envelope requires kind", del("/wire/envelope/kind"), "/wire/envelope", "required", missing("kind"));
bad("envelope rejects unknown keys", set("/wire/envelope/wrap", true), "/wire/envelope", "additionalProperties", unknown("wrap"));
bad("envelope kind is array or object", set("/wire/envelope/kind", "ndjson"), "/wire/envelope/kind", "enum", 'must be one of "array", "object"');
bad("object envelope names itemsKey", del("/wire/envelope/itemsKey"), "/wire/envelope", "required", "an `object` envelope names its `itemsKey`", "segment");

// Syncs (mParticle: 0 user_data with a clear, 1 event_data by content)
bad("a sync requires key", del("/syncs/0/key"), "/syncs/0", "required", missing("key"));
bad("a sync rejects unknown keys", set("/syncs/0/primaryKey", "id"), "/syncs/0", "additionalProperties", unknown("primaryKey"));
bad("a sync key requires kind", del("/syncs/1/key/kind"), "/syncs/1/key", "required", missing("kind"));
bad("a sync key kind is subject or content", set("/syncs/1/key/kind", "row"), "/syncs/1/key/kind", "enum", 'must be one of "subject", "content"');
bad("a subject key names its paths", del("/syncs/0/key/paths"), "/syncs/0/key", "required", missing("paths"));
bad("a subject key has a path", set("/syncs/0/key/paths", []), "/syncs/0/key/paths", "minItems", "must list at least one item");
bad("a subject key's paths differ", set("/syncs/0/key/paths/1", "user_identities.customer_id"), "/syncs/0/key/paths", "uniqueItems", "lists the same item twice");
bad("a subject key takes no other keys", set("/syncs/0/key/content", true), "/syncs/0/key", "additionalProperties", unknown("content"));
bad("a content key takes no paths", set("/syncs/1/key/paths", ["events"]), "/syncs/1/key", "additionalProperties", unknown("paths"));
for (const key of ["address", "attributes", "as"]) bad(`a clear requires ${key}`, del(`/syncs/0/clear/${key}`), "/syncs/0/clear", "required", missing(key));
bad("a clear rejects unknown keys", set("/syncs/0/clear/ttl", 1), "/syncs/0/clear", "additionalProperties", unknown("ttl"));
bad("a clear addresses something", set("/syncs/0/clear/address", []), "/syncs/0/clear/address", "minItems", "must list at least one item");
bad("a clear's address paths differ", set("/syncs/0/clear/address/-", "user_identities"), "/syncs/0/clear/address", "uniqueItems", "lists the same item twice");
bad("a clear keeps names once", set("/syncs/0/clear/keep", ["email", "email"]), "/syncs/0/clear/keep", "uniqueItems", "lists the same item twice");
bad("a kept name is not empty", set("/syncs/0/clear/keep", [""]), "/syncs/0/clear/keep/0", "minLength", "must not be empty");
bad("a clear's as requires kind", set("/syncs/0/clear/as", { target: "deleted_user_attributes" }), "/syncs/0/clear/as", "required", missing("kind"));
bad("a clear's as kind is null, names or operation", set("/syncs/0/clear/as/kind", "delete"), "/syncs/0/clear/as/kind", "enum", 'must be one of "null", "names", "operation"');
bad("a null clear takes no target", set("/syncs/0/clear/as", { kind: "null", target: "user_attributes" }), "/syncs/0/clear/as", "additionalProperties", unknown("target"));
bad("a names clear names its target", del("/syncs/0/clear/as/target"), "/syncs/0/clear/as", "required", missing("target"));
bad("a names clear takes no value", set("/syncs/0/clear/as/value", "-"), "/syncs/0/clear/as", "additionalProperties", unknown("value"));
bad("an operation clear names its target", set("/syncs/0/clear/as", { kind: "operation", value: "-" }), "/syncs/0/clear/as", "required", missing("target"));
bad("an operation clear gives its value", set("/syncs/0/clear/as", { kind: "operation", target: "user_attributes" }), "/syncs/0/clear/as", "required", missing("value"));
bad("an operation clear takes only its keys", set("/syncs/0/clear/as", { kind: "operation", target: "user_attributes", value: "-", keep: [] }), "/syncs/0/clear/as", "additionalProperties", unknown("keep"));

// Limits
for (const key of ["maxRecordsPerRequest", "maxRequestBytes", "maxRecordBytes"]) bad(`limits require ${key}`, del(`/wire/limits/${key}`), "/wire/limits", "required", missing(key));
bad("limits reject unknown keys", set("/wire/limits/maxBatches", 1), "/wire/limits", "additionalProperties", unknown("maxBatches"));
bad("maxRecordsPerRequest is at least 1", set("/wire/limits/maxRecordsPerRequest", 0), "/wire/limits/maxRecordsPerRequest", "minimum", "must be at least 1");
bad("maxRequestBytes is at least 64", set("/wire/limits/maxRequestBytes", 63), "/wire/limits/maxRequestBytes", "minimum", "must be at least 64");
bad("maxRecordBytes is at least 64", set("/wire/limits/maxRecordBytes", 10), "/wire/limits/maxRecordBytes", "minimum", "must be at least 64");
bad("maxRecordsPerRequest is an integer", set("/wire/limits/maxRecordsPerRequest", 99.5), "/wire/limits/maxRecordsPerRequest", "type", "must be an integer");

describe("the real manifests pass the meta-schema", () => {
  it.each(["mparticle", "segment", "braze", "amplitude"] as const)("%s", (id) => {
    expect(validateManifest(mutated(id), realFile(id)).id).toBe(id);
  });
});

describe("each rule of the meta-schema has a failing example", () => {
  it.each(cases)("$id: $title", ({ id, mutations, path, rule, words }) => {
    const error = manifestError(() => validateManifest(mutated(id, ...mutations), realFile(id)));
    expectProblem(error.problems, { path, rule, words });
    // One mistake is one problem at its place, not a plain sentence plus ajv's own.
    expect(error.problems.filter((p) => p.path === path)).toHaveLength(1);
    for (const p of error.problems) expect(p.message).not.toMatch(RAW_AJV);
  });
});

// ---------------------------------------------------------------------------------------------
// Coverage: every constraint keyword of the meta-schema is broken by at least one case above.

describe("coverage", () => {
  const schema = JSON.parse(readFileSync(join(schemasDir, "connector-manifest.schema.json"), "utf8")) as object;
  const { all, nodes } = schemaConstraints(schema);

  it("finds the constraints of the meta-schema", () => {
    expect(all).toContain("#/definitions/Selector/maxProperties");
    expect(all).toContain("#/definitions/Fill/then/not");
    expect(all).toContain("#/definitions/Wire/else/required/noDedupReason");
    expect(all).toContain("#/definitions/BodyAuth/properties/field/pattern");
    expect(all).toContain("#/definitions/Auth/discriminator");
    expect(all).toContain("#/definitions/BaseUrl/properties/values/additionalProperties/pattern");
    expect(all.size).toBeGreaterThan(150);
  });

  it("breaks every constraint of the meta-schema at least once", () => {
    const validate = verboseValidator(schema);
    const broken = new Set<string>();
    for (const c of cases) {
      expect(validate(mutated(c.id, ...c.mutations)), c.title).toBe(false);
      brokenConstraints(validate.errors ?? [], nodes, broken);
    }
    // Constraints inside `not` hold by failing.
    const unbroken = [...all].filter((c) => !broken.has(c) && !c.includes("/not/"));
    expect(unbroken).toEqual([]);
  });
});
