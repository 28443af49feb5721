/* GENERATED FILE: do not edit by hand.
 * Source: schemas/connector-manifest.schema.json
 * Regenerate with `npm run generate` at the repository root. */

/**
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Name".
 */
export type Name = string;
/**
 * Where a value goes in the record: dot-separated keys; `name[]` steps into the single element this row adds to array `name`.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "TargetPath".
 */
export type TargetPath = string;
/**
 * A target path, or a path ending in `.*` meaning any key of that object.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "TargetPattern".
 */
export type TargetPattern = string;
/**
 * `subject`: the first of `paths` that the record holds (the path is part of the key, so equal values at two paths differ); `content`: the record's content, for event-shaped modes where each record is its own subject.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "SyncKey".
 */
export type SyncKey = SubjectKey | ContentKey;
/**
 * `null`: each attribute where it was, set to null. `names`: the attributes' names as an array at `target`. `operation`: an object at `target` with each attribute's name set to `value`.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "ClearAs".
 */
export type ClearAs = ClearToNull | ClearByNames | ClearByOperation;
/**
 * How requests authenticate, with values from settings. `header` declares any request header as a template (`{"scheme": "header", "name": "Api-Key", "value": "{api_key}"}`); `basic` and `bearer` are the `Authorization` headers `Basic {base64:username:password}` and `Bearer {token}`, written as settings; `body` carries a key in the request body. Each scheme takes only its own keys.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Auth".
 */
export type Auth = BasicAuth | BearerAuth | BodyAuth | HeaderAuth;

/**
 * A tagwire connector: everything the engine needs to turn Look rows into one destination's wire format, declared as data.
 */
export interface ConnectorManifest {
  /**
   * Path to this meta-schema, for editors.
   */
  $schema?: string;
  /**
   * Version of the manifest language this file is written in.
   */
  manifestVersion: 1;
  /**
   * Connector id: the folder name, the `--to` name in the CLI and the `<ID>` in `TAGWIRE_<ID>_URL`.
   */
  id: string;
  /**
   * Name shown to people.
   */
  label: string;
  /**
   * One or two sentences shown in Looker and the CLI.
   */
  description: string;
  /**
   * Icon file beside the manifest (SVG or PNG), served to Looker as a data URI.
   */
  icon?: string;
  /**
   * The destination API's public documentation.
   */
  docsUrl?: string;
  /**
   * Admin parameters, entered once per Looker action hub (API keys, write keys). Secrets are marked `sensitive`.
   */
  settings: Setting[];
  /**
   * Per-send choices: form fields in Looker, `--option name=value` in the CLI.
   */
  options: Option[];
  /**
   * The Looker actions this connector yields. Several actions may share one manifest by fixing some options.
   *
   * @minItems 1
   */
  actions: [Action, ...Action[]];
  tags: Tags;
  /**
   * Named value rules that column rules refer to by name.
   */
  valueRules?: {
    [k: string]: ValueRule;
  };
  /**
   * Column rules: which Look columns go where. A column is taken by the rule for its tag; columns no tag rule takes are offered to `rest` rules.
   *
   * @minItems 1
   */
  columns: [ColumnRule, ...ColumnRule[]];
  /**
   * Values set after the columns, only where the record has none yet: defaults, option values, run metadata, derived ids.
   */
  fills?: Fill[];
  /**
   * What every record must carry. Checked on the columns before anything is sent, and again on every row.
   */
  requirements: Requirement[];
  /**
   * Keys that the destination gives a meaning to. A column whose key comes from the Look (a `key` rule) and lands on one gets the entry's severity: an error, a warning, or a note that it fills a standard field.
   */
  reservedKeys?: ReservedKeys[];
  downstreams?: Downstreams;
  /**
   * How a scheduled Look is sent as a change-only sync, per mode: the first entry whose `when` holds says what identifies a row's subject from one run to the next and how a subject whose row left the Look is cleared. With no entry for a mode, its runs send every row (see docs/adding-a-destination.md).
   */
  syncs?: Sync[];
  wire: Wire;
}
/**
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Setting".
 */
export interface Setting {
  /**
   * Parameter name Looker sends in `data` (keep the Looker Action Hub's names).
   */
  name: Name;
  /**
   * Name shown in Looker and the CLI.
   */
  label: string;
  /**
   * Help text shown in Looker and the CLI.
   */
  description: string;
  /**
   * Whether Looker must have a value before the action runs.
   */
  required?: boolean;
  /**
   * Secrets: never logged, never echoed, masked in Looker.
   */
  sensitive?: boolean;
  /**
   * Whether the value names the destination workspace the records land in (a key, a pod, a region, an instance). Record ids are derived from a digest of these settings and the base URL they select, never from the values themselves, so the same rows sent to two workspaces never share an id.
   */
  namesWorkspace?: boolean;
  /**
   * Allowed values, when the setting is a choice (e.g. a pod).
   *
   * @minItems 1
   */
  choices?: [Choice, ...Choice[]];
  /**
   * Value used when the admin leaves it empty.
   */
  default?: string;
}
/**
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Choice".
 */
export interface Choice {
  /**
   * The value sent (form param or CLI `--option`).
   */
  value: string;
  /**
   * What people see.
   */
  label: string;
}
/**
 * A per-send choice. `requiredWhen`: the option is required only when that condition holds.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Option".
 */
export interface Option {
  /**
   * Form field name (keep the Looker Action Hub's names).
   */
  name: Name;
  /**
   * Name shown in Looker and the CLI.
   */
  label: string;
  /**
   * Help text shown in Looker and the CLI.
   */
  description: string;
  /**
   * `select` takes one of `choices`; `string` takes free text.
   */
  type: "select" | "string";
  /**
   * The allowed values of a `select` option.
   *
   * @minItems 1
   */
  choices?: [Choice, ...Choice[]];
  /**
   * Value used when the form or the CLI leaves it empty.
   */
  default?: string;
  /**
   * Whether every send must have a value (after defaults).
   */
  required?: boolean;
  requiredWhen?: Condition;
  /**
   * Longest accepted value of a `string` option, in characters (code points: an emoji is one).
   */
  maxLength?: number;
}
/**
 * Holds when option `option` equals `equals`, or is one of `in`.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Condition".
 */
export interface Condition {
  /**
   * The option tested.
   */
  option: string;
  /**
   * Holds when the option has this value.
   */
  equals?: string;
  /**
   * Holds when the option has one of these values.
   *
   * @minItems 1
   */
  in?: [string, ...string[]];
}
/**
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Action".
 */
export interface Action {
  /**
   * Looker action name (the execute URL is `/actions/<name>/execute`).
   */
  name: Name;
  /**
   * Name shown in Looker and the CLI.
   */
  label: string;
  /**
   * Help text shown in Looker and the CLI.
   */
  description: string;
  /**
   * Options this action sets itself; they are not asked in its form.
   */
  fixedOptions?: {
    [k: string]: string;
  };
  /**
   * Names of the options asked in this action's Looker form, in order.
   */
  form: string[];
}
/**
 * Tag vocabulary: known tags come from the column rules; `families` are tag prefixes this destination owns, so a misspelt tag in a family is reported.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Tags".
 */
export interface Tags {
  /**
   * Tag prefixes this destination owns (`mp_`): an unknown tag with one of them gets a did-you-mean warning.
   */
  families: string[];
  /**
   * Human description of each tag, for docs and the CLI.
   */
  descriptions?: {
    [k: string]: string;
  };
}
/**
 * What the API accepts as this value, and what happens to a value it would not accept.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "ValueRule".
 */
export interface ValueRule {
  /**
   * Scalar types the API accepts here.
   *
   * @minItems 1
   */
  types?: ["string" | "number" | "integer" | "boolean", ...("string" | "number" | "integer" | "boolean")[]];
  /**
   * Convert before checking: `string` turns numbers and booleans into text; `integer` parses whole-number text; `boolean` reads Looker's yes/no and the common spellings (`yes`, `no`, `true`, `false`, `1`, `0`, in any case, and the numbers 1 and 0) as true or false. A whole number beyond 2^53 - 1 reaches the rule as the text of its digits (the Look reader does not round it): `string` keeps it exact, `integer` finds it invalid, since it cannot be sent as an exact number.
   */
  coerce?: "string" | "integer" | "boolean";
  /**
   * Whether a list of scalars is accepted.
   */
  arrays?: boolean;
  /**
   * The only values accepted.
   *
   * @minItems 1
   */
  enum?: [string, ...string[]];
  /**
   * Match `enum` without regard to case (`IOS` and `ios` are `iOS`); the value is sent in the enum's own spelling.
   */
  ignoreCase?: boolean;
  /**
   * `uuid`: the value must be a UUID.
   */
  format?: "uuid";
  /**
   * Longest accepted string, counted in `lengthUnit`.
   */
  maxLength?: number;
  /**
   * How the API counts a length: `codePoints` (characters as people count them: an emoji is one), `utf16` (UTF-16 code units, as JavaScript and Java count: an emoji is two) or `utf8Bytes` (bytes of the UTF-8 encoding). Say which the API's documentation gives; when it only says "characters", that is `codePoints`. Truncation never splits a character.
   */
  lengthUnit?: "codePoints" | "utf16" | "utf8Bytes";
  /**
   * Shortest accepted string, counted in `lengthUnit` (after `coerce`); a shorter one is invalid (`onInvalid`).
   */
  minLength?: number;
  /**
   * Values the API refuses although their type is right (placeholders such as `null` or `unknown`), compared without regard to case or surrounding spaces (`NULL`, ` Unknown `); such a value is invalid (`onInvalid`).
   *
   * @minItems 1
   */
  notIn?: [string, ...string[]];
  /**
   * A value of the wrong type, outside the enum or format, shorter than `minLength` or listed in `notIn`: `reject` the row, or `drop` the value with a warning.
   */
  onInvalid?: "reject" | "drop";
  /**
   * A string over `maxLength`: `reject` the row, `drop` the value, or `truncate` it to `maxLength` (as the API itself does), never splitting a character.
   */
  onTooLong?: "reject" | "drop" | "truncate";
}
/**
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "ColumnRule".
 */
export interface ColumnRule {
  /**
   * Rule name used in diagnostics and docs.
   */
  id: string;
  description?: string;
  /**
   * Which columns the rule takes.
   */
  select: Selector;
  /**
   * The rule applies only when this option condition holds.
   */
  when?: Condition;
  /**
   * Where the value goes in the record. A `key` rule may leave it out: each of its columns then adds a top-level key of the record itself.
   */
  target?: TargetPath;
  /**
   * Makes `target` an object and says how each column names its key.
   */
  key?: KeyRule;
  /**
   * The value rule: inline, or the name of an entry in `valueRules`.
   */
  value?: string | ValueRule;
  /**
   * With `key`: most keys the target object may hold, counting every rule that writes to it.
   */
  maxKeys?: number;
}
/**
 * `tag`: columns with this LookML tag. `tags`: columns with any of these tags, each tag naming the key it writes (the target is then an object). `rest`: visible columns no tag rule took.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Selector".
 */
export interface Selector {
  /**
   * Columns carrying this LookML tag.
   */
  tag?: string;
  /**
   * Columns carrying any of these tags; each tag names the key it writes under `target`.
   */
  tags?: {
    [k: string]: string;
  };
  /**
   * Visible columns that no tag rule took.
   */
  rest?: true;
}
/**
 * Makes the target an object: each column adds one key, named from the column.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "KeyRule".
 */
export interface KeyRule {
  /**
   * `name`: the field name (`users.email`); `field`: the part after the view (`email`); `label`: the short label people see (`Email`); `option`: the name comes from `option` (`label` or `name`).
   */
  from: "name" | "field" | "label" | "option";
  /**
   * With `from: option`: the option whose value (`name`, `field` or `label`) picks the naming.
   */
  option?: string;
  /**
   * Text put before every key (`looker_`).
   */
  prefix?: string;
  /**
   * `lower` lowercases the key.
   */
  case?: "asis" | "lower";
  /**
   * Longer keys are truncated to this length, counted in `lengthUnit`, as the API does, with a warning.
   */
  maxLength?: number;
  /**
   * How the API counts a length: `codePoints` (characters as people count them: an emoji is one), `utf16` (UTF-16 code units, as JavaScript and Java count: an emoji is two) or `utf8Bytes` (bytes of the UTF-8 encoding). Say which the API's documentation gives; when it only says "characters", that is `codePoints`. Truncation never splits a character.
   */
  lengthUnit?: "codePoints" | "utf16" | "utf8Bytes";
  /**
   * The only keys the API accepts here; any other column is left out with a warning. Either a list of keys, or an object whose members are the keys, each with the value rule for that key (inline, or the name of an entry in `valueRules`; `{}` keeps the column rule's `value`).
   */
  allowed?: string[] | {[key: string]: string | ValueRule};
}
/**
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Fill".
 */
export interface Fill {
  /**
   * Where the value goes.
   */
  target: TargetPath;
  /**
   * A constant (string, number or boolean).
   */
  value?: string | number | boolean;
  /**
   * Where the value comes from.
   */
  from?: Source;
  /**
   * The fill applies only when this option condition holds.
   */
  when?: Condition;
  /**
   * Skip this fill when the record already carries any of these paths.
   */
  unlessPresent?: TargetPath[];
}
/**
 * `option`: a send option's value. `run`: run metadata (`ranAt` ISO time, `ranAtMs` epoch ms, `recordId` the record's deterministic UUID). `uuidOf`: a stable UUID derived from the value at that path.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Source".
 */
export interface Source {
  /**
   * The value of this option.
   */
  option?: string;
  /**
   * Run metadata: `ranAt`, `ranAtMs` or `recordId` (the record's deduplication id, derived from the connector, the action, the workspace, the run id and the record's content: see docs/reliability.md).
   */
  run?: "ranAt" | "ranAtMs" | "recordId";
  /**
   * A stable UUID derived from the value at this path.
   */
  uuidOf?: TargetPath;
}
/**
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Requirement".
 */
export interface Requirement {
  /**
   * Requirement name used in diagnostics.
   */
  id: string;
  /**
   * What is required, in words, as it reads in "row has no user identity".
   */
  description: string;
  /**
   * The requirement applies only when this option condition holds.
   */
  when?: Condition;
  /**
   * At least one of these paths must have a value.
   *
   * @minItems 1
   */
  anyOf?: [TargetPattern, ...TargetPattern[]];
  /**
   * Every one of these paths must have a value.
   *
   * @minItems 1
   */
  allOf?: [TargetPattern, ...TargetPattern[]];
}
/**
 * Keys the destination gives a meaning to, and what a column whose key (from its name or label) lands on one gets.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "ReservedKeys".
 */
export interface ReservedKeys {
  /**
   * The object whose keys are reserved. Absent: top-level keys of the record, where a `key` rule without `target` writes.
   */
  target?: TargetPath;
  /**
   * The reserved keys.
   *
   * @minItems 1
   */
  keys: [string, ...string[]];
  /**
   * `error`: the destination reads the key as something else (an identifier, a request flag, an object): the column is not sent and nothing is sent until it is renamed. `warning`: sent, but the destination gives the key a meaning or a type the column may not have. `info`: a standard field of the destination, which the column fills; a key that differs from one only in case and separators (`First Name` for `firstName`) is written as the first listed key it matches.
   */
  severity?: "error" | "warning" | "info";
  /**
   * The keys are reserved only when this option condition holds (e.g. the standard traits of one call).
   */
  when?: Condition;
  /**
   * What the destination does with these keys, shown in the diagnostic.
   */
  note?: string;
  /**
   * How to fix the Look, shown with an error or a warning.
   */
  hint?: string;
}
/**
 * A table of downstream tools this destination forwards to, each with its own requirements, in a data file beside the manifest (see downstream-table.schema.json).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Downstreams".
 */
export interface Downstreams {
  /**
   * The table file beside the manifest.
   */
  file: string;
  /**
   * What one row is called (`downstream destination`).
   */
  label: string;
}
/**
 * The sync of one mode: its key, and optionally its clearing record.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Sync".
 */
export interface Sync {
  /**
   * The entry applies only when this option condition holds.
   */
  when?: Condition;
  /**
   * What identifies a row's subject across runs, when the Look has no primary-key dimension.
   */
  key: SyncKey;
  /**
   * The record that clears a subject whose row left the Look (`removed=clear`). Without it, removed rows are only counted.
   */
  clear?: Clearing;
}
/**
 * The subject's identity: the first of `paths`, in order, that the record holds.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "SubjectKey".
 */
export interface SubjectKey {
  /**
   * Keyed by identity.
   */
  kind: "subject";
  /**
   * Record paths that identify the subject, most stable first; a path to an object takes the whole object.
   *
   * @minItems 1
   */
  paths: [TargetPath, ...TargetPath[]];
}
/**
 * Each record is its own subject: a changed row is a new record, the old one is removed.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "ContentKey".
 */
export interface ContentKey {
  /**
   * Keyed by content.
   */
  kind: "content";
}
/**
 * How a subject is cleared: the record holds the parts of the last confirmed record that address the subject (`address`, kept sealed between runs), the names of the attributes it set written as `as` says, then `set` and the manifest's fills.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Clearing".
 */
export interface Clearing {
  /**
   * Record paths that address the subject, copied into the clearing record as the last confirmed record held them.
   *
   * @minItems 1
   */
  address: [TargetPath, ...TargetPath[]];
  /**
   * Where the attributes a clear removes are in a record: the keys of the object at this path, or `""` for the record's own top-level keys (those of `address` and fills left out).
   */
  attributes: ("" | TargetPath) & string;
  /**
   * Attribute names a clear leaves as they are (identities kept among the attributes).
   */
  keep?: string[];
  /**
   * How the clearing record names the attributes.
   */
  as: ClearAs;
  /**
   * Constant values of the clearing record, by target path (set before the fills, which then leave them).
   */
  set?: {
    [k: string]: string | number | boolean;
  };
}
/**
 * Each attribute set to null where it was.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "ClearToNull".
 */
export interface ClearToNull {
  /**
   * Set to null.
   */
  kind: "null";
}
/**
 * The attributes' names, as an array at `target`.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "ClearByNames".
 */
export interface ClearByNames {
  /**
   * An array of names.
   */
  kind: "names";
  /**
   * Where the array goes.
   */
  target: TargetPath;
}
/**
 * An object at `target` whose keys are the attributes' names, each set to `value`.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "ClearByOperation".
 */
export interface ClearByOperation {
  /**
   * An operation object.
   */
  kind: "operation";
  /**
   * Where the object goes.
   */
  target: TargetPath;
  /**
   * The value each name takes.
   */
  value: string | number | boolean;
}
/**
 * How records travel: endpoint, auth, body envelope, limits, deduplication (`dedupField`, or `noDedupReason` for an API without one) and pacing.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Wire".
 */
export interface Wire {
  /**
   * Wire schema of one record, relative to the manifest; every emitted record is validated against it.
   */
  recordSchema: string;
  baseUrl: BaseUrl;
  /**
   * Request path appended to the base URL.
   */
  path: string;
  auth: Auth;
  envelope: Envelope;
  limits: Limits;
  /**
   * Top-level record field carrying the deterministic deduplication id (a fill must set it from `{ "run": "recordId" }`).
   */
  dedupField?: string;
  /**
   * For an API with no deduplication field: why receiving a record twice (a retried request, a replayed run) does no harm, e.g. updates that set the same values again. Shown in the connector reference.
   */
  noDedupReason?: string;
  /**
   * Requests in flight at once.
   */
  concurrency?: number;
  /**
   * Published pacing limit, kept by the sender (overridable per send).
   */
  rateLimit?: RateLimit;
  /**
   * Answers that mean the API refused the credentials or the workspace: the first one stops the send (no more requests; the rows not yet delivered fail with that reason). Declare only answers the API documents.
   */
  credentialsRefused?: CredentialsRefused[];
  refusedRecords?: RefusedRecords;
  /**
   * The fields of a JSON error answer (any status but 2xx) that are safe to show: the API's error code or message. Each is a path into the answer: dot-separated keys, `name[]` stepping into every element of array `name` (`message`, `errors[].message`, `errors[]` for a list of texts). Reports, Looker messages and logs show their text with every value of the request and every credential taken out. Nothing else of an answer is quoted: one that is not JSON, or holds none of these fields, is described by its status and content type. Declare only fields the API documents.
   */
  errorFields?: string[];
}
/**
 * Scheme, host and port of the API. `by` picks one of `values` from a setting or option (pods, regions).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "BaseUrl".
 */
export interface BaseUrl {
  /**
   * Base URL when `by` picks nothing.
   */
  default: string;
  /**
   * The setting or option that picks the base URL.
   */
  by?: {
    setting?: string;
    option?: string;
  };
  /**
   * Base URL per value of that setting or option.
   */
  values?: {
    [k: string]: string;
  };
}
/**
 * HTTP Basic: the `Authorization` header `Basic {base64:username:password}`.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "BasicAuth".
 */
export interface BasicAuth {
  /**
   * HTTP Basic.
   */
  scheme: "basic";
  /**
   * The setting holding the user name.
   */
  username: string;
  /**
   * The setting holding the password; absent means an empty one (`writeKey:`).
   */
  password?: string;
}
/**
 * A bearer token: the `Authorization` header `Bearer {token}`.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "BearerAuth".
 */
export interface BearerAuth {
  /**
   * A bearer token.
   */
  scheme: "bearer";
  /**
   * The setting holding the token.
   */
  token: string;
}
/**
 * A key carried in the request body: no header; the `token` setting's value is the body field `field` of every request (an `object` envelope).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "BodyAuth".
 */
export interface BodyAuth {
  /**
   * A key in the body.
   */
  scheme: "body";
  /**
   * The setting holding the key.
   */
  token: string;
  /**
   * The top-level body field that carries the key (`api_key`).
   */
  field: string;
}
/**
 * Any request header, its value a template of settings: `{name}` is the value of setting `name`, `{base64:a:b}` the base64 of settings `a` and `b` joined by `:` (an empty part is an empty value). Every setting named is declared and sensitive (cross-checks `known-setting`, `credential-sensitive`, `auth-template`).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "HeaderAuth".
 */
export interface HeaderAuth {
  /**
   * A declared header.
   */
  scheme: "header";
  /**
   * The header name (`Api-Key`); not `Content-Type` or `User-Agent`, which the engine sets.
   */
  name: string;
  /**
   * The header value: text and `{setting}` or `{base64:a:b}` placeholders (`{api_key}`, `Token {api_key}`).
   */
  value: string;
}
/**
 * The request body around a batch: a bare JSON array (`array`), or an object whose `itemsKey` holds the records, plus fields set per request.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Envelope".
 */
export interface Envelope {
  /**
   * `array`: the body is the JSON array of records; `object`: records sit under `itemsKey`.
   */
  kind: "array" | "object";
  /**
   * With `object`: the key holding the records (`batch`).
   */
  itemsKey?: string;
  /**
   * Field set to the ISO time of each request (and of each retry).
   */
  sentAtField?: string;
}
/**
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Limits".
 */
export interface Limits {
  /**
   * Most records in one request.
   */
  maxRecordsPerRequest: number;
  /**
   * Largest request body, in bytes.
   */
  maxRequestBytes: number;
  /**
   * A row whose record is larger is rejected with a reason.
   */
  maxRecordBytes: number;
}
/**
 * The API's published pacing limit, kept by the sender for every request, retries included, with bursts of at most one second's worth. A send may override it (`--rate-limit`, `TAGWIRE_<ID>_RATE_LIMIT`). Declare only a limit the API documents.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "RateLimit".
 */
export interface RateLimit {
  /**
   * Records sent per second at most, counted over all requests of a send.
   */
  recordsPerSecond?: number;
  /**
   * Requests sent per second at most, retries included.
   */
  requestsPerSecond?: number;
}
/**
 * One answer meaning the credentials (or the workspace) are refused: its status and, for an API that answers a refused key with a status it also uses for other errors, a pattern its body matches.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "CredentialsRefused".
 */
export interface CredentialsRefused {
  /**
   * HTTP status of the answer.
   */
  status: number;
  /**
   * A regular expression (matched case-insensitively) the answer's body must match; absent: the status alone says it.
   */
  bodyPattern?: string;
}
/**
 * How an answer names the records of a request that the API refused. `answer: success`: a 2xx answer lists them and the other records were taken. `answer: client-error`: a 4xx answer lists them and none of the request was taken, so the others are sent again without them. The rows of the refused records are reported rejected by the destination, with the API's message.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "RefusedRecords".
 */
export interface RefusedRecords {
  /**
   * `success`: a 2xx answer carries the lists; `client-error`: a 400 answer does.
   */
  answer: "success" | "client-error";
  /**
   * The top-level keys of the answer that list refused records.
   *
   * @minItems 1
   */
  lists: [RefusalList, ...RefusalList[]];
}
/**
 * One list of refused records in an answer, and how each entry names its record: by its index (from 0) in the request's records.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "RefusalList".
 */
export interface RefusalList {
  /**
   * Top-level key of the answer holding the list.
   */
  key: string;
  /**
   * `objects`: an array of objects, each naming a record by `indexField` with its message in `messageField`; `indices`: an array of record indices; `field-indices`: an object mapping a field name to the indices of the records that field was refused in.
   */
  names: "objects" | "indices" | "field-indices";
  /**
   * With `objects`: the entry's field holding the record's index.
   */
  indexField?: string;
  /**
   * With `objects`: the entry's field holding the API's message, shown with every value of the request and every credential taken out.
   */
  messageField?: string;
  /**
   * With `objects`: the entry's field naming the request array the index points into; entries naming another array than the envelope's `itemsKey` are not about the records sent.
   */
  arrayField?: string;
  /**
   * With `indices` and `field-indices`: the reason reported for the listed records; `{field}` stands for the field name.
   */
  message?: string;
  /**
   * Which refusals the list carries: any, a record missing a required field, a field with an invalid value, or refusals the record's content does not explain (e.g. a silenced device). The emulator lists a record its wire schema refuses in the first list that fits.
   */
  refuses: "any" | "missing-field" | "invalid-field" | "other";
}
