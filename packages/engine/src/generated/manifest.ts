/* GENERATED FILE: do not edit by hand.
 * Source: schemas/connector-manifest.schema.json
 * Regenerate with `npm run generate` at the repository root. */

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
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Name".
 */
export type Name = string;

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
   * Keys of an object target that the destination gives a meaning to. A `rest` column that lands on one gets a warning.
   */
  reservedKeys?: ReservedKeys[];
  downstreams?: Downstreams;
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
  name: string;
  label: string;
  description: string;
  required?: boolean;
  /**
   * Secrets: never logged, never echoed, masked in Looker.
   */
  sensitive?: boolean;
  /**
   * @minItems 1
   */
  choices?: [Choice, ...Choice[]];
  default?: string;
}
/**
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Choice".
 */
export interface Choice {
  value: string;
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
  name: string;
  label: string;
  description: string;
  /**
   * `select` takes one of `choices`; `string` takes free text.
   */
  type: "select" | "string";
  /**
   * @minItems 1
   */
  choices?: [Choice, ...Choice[]];
  default?: string;
  required?: boolean;
  requiredWhen?: Condition;
  maxLength?: number;
}
/**
 * Holds when option `option` equals `equals`, or is one of `in`.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Condition".
 */
export interface Condition {
  option: string;
  equals?: string;
  /**
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
  name: string;
  label: string;
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
   * @minItems 1
   */
  types?: ["string" | "number" | "integer" | "boolean", ...("string" | "number" | "integer" | "boolean")[]];
  /**
   * Convert before checking: `string` turns numbers and booleans into text; `integer` parses whole-number text.
   */
  coerce?: "string" | "integer";
  /**
   * Whether a list of scalars is accepted (and so whether a pivoted measure can be sent, as the list of its pivot values).
   */
  arrays?: boolean;
  /**
   * @minItems 1
   */
  enum?: [string, ...string[]];
  format?: "uuid";
  maxLength?: number;
  /**
   * A value of the wrong type, outside the enum or format: `reject` the row, or `drop` the value with a warning.
   */
  onInvalid?: "reject" | "drop";
  /**
   * A string over `maxLength`: `reject` the row, `drop` the value, or `truncate` it (as the API itself does).
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
  select: Selector;
  when?: Condition;
  target: TargetPath;
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
  tag?: string;
  tags?: {
    [k: string]: string;
  };
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
  prefix?: string;
  case?: "asis" | "lower";
  maxLength?: number;
  /**
   * The only keys the API accepts here; any other column is left out with a warning.
   */
  allowed?: string[];
}
/**
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Fill".
 */
export interface Fill {
  target: TargetPath;
  /**
   * A constant (string, number or boolean).
   */
  value?: string | number | boolean;
  from?: Source;
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
  option?: string;
  run?: "ranAt" | "ranAtMs" | "recordId";
  uuidOf?: TargetPath;
}
/**
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Requirement".
 */
export interface Requirement {
  id: string;
  /**
   * What is required, in words, as it reads in "row has no user identity".
   */
  description: string;
  when?: Condition;
  /**
   * @minItems 1
   */
  anyOf?: [TargetPattern, ...TargetPattern[]];
  /**
   * @minItems 1
   */
  allOf?: [TargetPattern, ...TargetPattern[]];
}
/**
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "ReservedKeys".
 */
export interface ReservedKeys {
  target: TargetPath;
  /**
   * @minItems 1
   */
  keys: [string, ...string[]];
  note?: string;
}
/**
 * A table of downstream tools this destination forwards to, each with its own requirements, in a data file beside the manifest (see downstream-table.schema.json).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Downstreams".
 */
export interface Downstreams {
  file: string;
  /**
   * What one row is called (`downstream destination`).
   */
  label: string;
}
/**
 * How records travel: endpoint, auth, body envelope, limits, deduplication and pacing.
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
  /**
   * The API's one-record endpoints (body = one record), with fields each implies. Served by the emulator; the engine sends batches.
   */
  singleRecordPaths?: {
    [k: string]: {
      [k: string]: string;
    };
  };
  auth: Auth;
  envelope: Envelope;
  limits: Limits;
  /**
   * Top-level record field carrying the deterministic deduplication id.
   */
  dedupField: string;
  /**
   * What the API does with a record that breaks its schema: answer 4xx for the request, or answer 2xx and drop the record.
   */
  invalidRecord?: "rejects-request" | "accepted-then-dropped";
  /**
   * Requests in flight at once.
   */
  concurrency?: number;
  /**
   * Published pacing limit, kept by the sender (overridable per send).
   */
  rateLimit?: {
    recordsPerSecond?: number;
    requestsPerSecond?: number;
  };
}
/**
 * Scheme, host and port of the API. `by` picks one of `values` from a setting or option (pods, regions).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "BaseUrl".
 */
export interface BaseUrl {
  default: string;
  by?: {
    setting?: string;
    option?: string;
  };
  values?: {
    [k: string]: string;
  };
}
/**
 * HTTP Basic auth built from settings: `username` and `password` name settings; an absent password means an empty one (`writeKey:`).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Auth".
 */
export interface Auth {
  scheme: "basic";
  /**
   * Setting holding the user name.
   */
  username: string;
  /**
   * Setting holding the password.
   */
  password?: string;
}
/**
 * The request body around a batch: a bare JSON array (`array`), or an object whose `itemsKey` holds the records, plus fields set per request.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "Envelope".
 */
export interface Envelope {
  kind: "array" | "object";
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
  maxRecordsPerRequest: number;
  maxRequestBytes: number;
  /**
   * A row whose record is larger is rejected with a reason.
   */
  maxRecordBytes: number;
}
